package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// guardrailsResult is what the organization part of a stack created; nil
// when no organization is configured.
type guardrailsResult struct {
	g *guardrails.Guardrails
}

// organizationSharing is what RAM shares wait for, or nil.
func (r *guardrailsResult) organizationSharing() pulumi.Resource {
	if r == nil {
		return nil
	}
	return r.g.OrganizationSharing
}

func guardrailArgs(cfg *config.Config, acc *accounts) (*guardrails.Args, error) {
	o := cfg.Organization
	args := &guardrails.Args{DeployRoleName: cfg.Defaults.DeployRoleName, Tags: cfg.Defaults.Tags}
	if o.TagGuard != nil {
		args.TagGuardTargets = o.TagGuard.TargetIDs
		args.ExemptPrincipalArns = o.TagGuard.ExemptPrincipalArns
	}
	if acc == nil {
		args.Management = placeholderAccount(o.ManagementAccountID, cfg.Defaults.Region)
		return args, nil
	}
	mgmt, err := acc.get(o.ManagementAccountID, cfg.Defaults.Region, o.ManagementRoleArn)
	if err != nil {
		return nil, err
	}
	args.Management = mgmt
	return args, nil
}

// validateOrganization records the guardrails' own problems.
func validateOrganization(cfg *config.Config, ps *validate.Problems) {
	if cfg.Organization == nil {
		return
	}
	args, _ := guardrailArgs(cfg, nil)
	ps.NestMapped("organization.tagGuard", args.Validate(), mapper(nil, []string{"management", "deployRoleName", "tags"}, nil))
}

// applyOrganization creates the guardrails with the management account's
// own provider.
func applyOrganization(ctx *pulumi.Context, cfg *config.Config, acc *accounts) (*guardrailsResult, error) {
	if cfg.Organization == nil {
		return nil, nil
	}
	args, err := guardrailArgs(cfg, acc)
	if err != nil {
		return nil, err
	}
	g, err := guardrails.NewGuardrails(ctx, "organization", args)
	if err != nil {
		return nil, err
	}
	return &guardrailsResult{g: g}, nil
}
