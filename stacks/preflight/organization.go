package preflight

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
)

// MaxPoliciesPerTarget is how many policies of one type (SCPs, RCPs) a root,
// OU or account may have attached directly, the AWS managed FullAWSAccess or
// RCPFullAWSAccess that AWS attaches to every target included
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
const MaxPoliciesPerTarget = 5

// Policy is one Organizations policy the organization stack attaches.
type Policy struct {
	// Name is the policy's name, unique in the organization.
	Name string
	// Type is SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY.
	Type string
}

// Organization checks, through the management account's provider, that the
// organization's root has every policy type of the policies enabled (else
// AttachPolicy fails with PolicyTypeNotEnabledException) and that each
// target has room for them (else AttachPolicy fails with
// ConstraintViolationException, POLICY_NUMBER_LIMIT_EXCEEDED). It returns
// an *Error naming the command that enables a type, or the target that is
// full, or nil.
func Organization(ctx *pulumi.Context, management providers.Account, policies []Policy, targets []string, parent pulumi.Resource) error {
	opts := []pulumi.InvokeOption{pulumi.Provider(management.Provider)}
	if parent != nil {
		opts = append(opts, pulumi.Parent(parent))
	}
	org, err := organizations.LookupOrganization(ctx, opts...)
	if err != nil {
		return fmt.Errorf("reading the organization through account %s: %w", management.ID, err)
	}
	failed := &Error{}
	for _, root := range org.Roots {
		for _, typ := range policyTypes(policies) {
			enabled := slices.ContainsFunc(root.PolicyTypes, func(t organizations.GetOrganizationRootPolicyType) bool {
				return t.Type == typ && t.Status == "ENABLED"
			})
			if !enabled {
				failed.Problems = append(failed.Problems, fmt.Sprintf("organization %s: policy type %s is not enabled on root %s, so its policies cannot be attached; enable it from the management account: aws organizations enable-policy-type --root-id %s --policy-type %s",
					org.Id, typ, root.Id, root.Id, typ))
			}
		}
	}
	for _, target := range targets {
		for _, p := range policies {
			ids, err := organizations.GetPoliciesForTarget(ctx, &organizations.GetPoliciesForTargetArgs{TargetId: target, Filter: p.Type}, opts...)
			if err != nil {
				return fmt.Errorf("reading the %s policies of target %s: %w", p.Type, target, err)
			}
			var names []string
			for _, id := range ids.Ids {
				policy, err := organizations.LookupPolicy(ctx, &organizations.LookupPolicyArgs{PolicyId: id}, opts...)
				if err != nil {
					return fmt.Errorf("reading policy %s attached to %s: %w", id, target, err)
				}
				names = append(names, policy.Name)
			}
			if !slices.Contains(names, p.Name) && len(names) >= MaxPoliciesPerTarget {
				failed.Problems = append(failed.Problems, fmt.Sprintf("target %s already holds %d policies of type %s (%v), the most Organizations allows on one target: %s cannot be attached there; detach one, or attach the guardrails to another OU",
					target, len(names), p.Type, names, p.Name))
			}
		}
	}
	if len(failed.Problems) > 0 {
		return failed
	}
	return nil
}

// policyTypes are the distinct types of the policies, in their order.
func policyTypes(policies []Policy) []string {
	var out []string
	for _, p := range policies {
		if !slices.Contains(out, p.Type) {
			out = append(out, p.Type)
		}
	}
	return out
}
