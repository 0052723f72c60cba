package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
	"github.com/eks-multi-account/eks-multi-account/stacks/orgaccounts"
)

// OrganizationOutput is the organization stack's output: its guardrail
// policies' IDs, the targets they attach to, and the member accounts those
// targets held when it was last deployed (guardedAccounts), which a stack
// naming it (organizationStack) must stay within.
const OrganizationOutput = "organization"

// guardedAccounts reads, through the management account's provider, the
// member accounts the guardrails' targets hold: sorted, each once, without
// the management account, which no SCP or RCP binds even under a root.
func guardedAccounts(ctx *pulumi.Context, management providers.Account, targets []string, g *guardrails.Guardrails) ([]string, error) {
	under, err := orgaccounts.Under(ctx, management, targets, g)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ids := range under {
		out = append(out, ids...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(id string) bool { return id == management.ID }), nil
}

// guardedOutput is the part of an organization stack's output a coverage
// check reads.
type guardedOutput struct {
	accounts  []string
	targetIDs []string
}

// readGuardedOutput reads an organization stack's output; false when it is
// not one written by a version of the library that exports its accounts.
func readGuardedOutput(v any) (guardedOutput, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return guardedOutput{}, false
	}
	accounts, ok := stringList(m, "guardedAccounts")
	if !ok {
		return guardedOutput{}, false
	}
	targets, _ := stringList(m, "targetIds")
	return guardedOutput{accounts: accounts, targetIDs: targets}, true
}

// CoverageError is the error of a stack with accounts the organization
// stack's guardrails do not bind: nothing was registered but the stack
// reference.
type CoverageError struct {
	// OrganizationStack is the organization stack named by
	// organizationStack.
	OrganizationStack string
	// TargetIDs are the roots, OUs and accounts its guardrails attach to.
	TargetIDs []string
	// Uncovered are the accounts outside them, each as its key and ID
	// (clusterAccounts[0].accountId "111122223333").
	Uncovered []string
}

// Error names every uncovered account and the two ways to cover it.
func (e *CoverageError) Error() string {
	targets := "no targets"
	if len(e.TargetIDs) > 0 {
		targets = "targets " + strings.Join(e.TargetIDs, ", ")
	}
	return fmt.Sprintf("the guardrails of organization stack %s (%s) do not bind %s: no SCP or RCP would stop a principal there from tagging its way into a tenant's role; move each account into one of the targets with AWS Organizations, or add its OU to organization.tagGuard.targetIds, then run pulumi up of %s, whose guardedAccounts output is read when it deploys",
		e.OrganizationStack, targets, strings.Join(e.Uncovered, ", "), e.OrganizationStack)
}

// checkCoverage fails, with a *CoverageError, when an account the
// configuration deploys into is not among the guarded accounts the
// organization stack it names exports.
func checkCoverage(ctx *pulumi.Context, cfg *config.Config) error {
	stack := cfg.OrganizationStack
	ref, err := pulumi.NewStackReference(ctx, stack, nil)
	if err != nil {
		return err
	}
	details, err := ref.GetOutputDetails(OrganizationOutput)
	if err != nil {
		return fmt.Errorf("reading organization stack %s: %w", stack, err)
	}
	guarded, ok := readGuardedOutput(details.Value)
	if !ok {
		return fmt.Errorf("organizationStack: organization stack %s has no %s.guardedAccounts output: is it an organization stack (model: organization), deployed with this version of the library?", stack, OrganizationOutput)
	}
	e := &CoverageError{OrganizationStack: stack, TargetIDs: guarded.targetIDs}
	for _, a := range cfg.DeployedAccounts() {
		if !slices.Contains(guarded.accounts, a.ID) {
			e.Uncovered = append(e.Uncovered, fmt.Sprintf("%s %q", a.Key, a.ID))
		}
	}
	if len(e.Uncovered) > 0 {
		return e
	}
	return nil
}
