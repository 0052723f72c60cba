package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// organization is the validated plan of an organization stack: what is
// organization-wide (RAM sharing with the organization, the guardrail
// policies), created once per AWS organization with the management
// account's own provider. Every other stack deploys and destroys
// independently of it.
type organization struct {
	cfg *config.Config
}

// guardrailArgs returns the Guardrails args, with the management account.
func (m *organization) guardrailArgs(management providers.Account) *guardrails.Args {
	o := m.cfg.Organization
	args := &guardrails.Args{Management: management, DeployRoleName: m.cfg.Defaults.DeployRoleName, Tags: m.cfg.Defaults.Tags}
	if o.TagGuard != nil {
		args.Spec = *o.TagGuard
	}
	return args
}

// validate records every problem of the configuration, the tag guard's
// included.
func (m *organization) validate(ps *validate.Problems) { m.cfg.Validate(ps) }

// apply creates the guardrails with the management account's own provider.
func (m *organization) apply(ctx *pulumi.Context, acc *accounts) (*Estate, error) {
	o := m.cfg.Organization
	management, err := acc.get(o.ManagementAccountID, m.cfg.Defaults.Region, o.ManagementRoleArn)
	if err != nil {
		return nil, err
	}
	args := m.guardrailArgs(management)
	g, err := guardrails.NewGuardrails(ctx, "organization", args)
	if err != nil {
		return nil, err
	}
	guarded, err := guardedAccounts(ctx, management, args.Spec.TargetIDs, g)
	if err != nil {
		return nil, err
	}
	out := newEstate()
	out.Organization = g
	out.GuardedAccounts = guarded
	out.guardTargets = args.Spec.TargetIDs
	return out, nil
}
