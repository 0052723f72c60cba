// Package guardrails provides the Guardrails component: what the
// organization's management account holds for this library. RAM sharing
// with the organization (so subnets can be shared without accepters) and,
// when asked, the service control policy that keeps anyone but the exempt
// principals and the deploy role from setting the kubernetes-* and eks-*
// tags that ABAC trust policies rely on.
package guardrails

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:Guardrails"

// GuardedActions are the IAM actions that can put tags on a role or user.
var GuardedActions = []string{"iam:CreateRole", "iam:CreateUser", "iam:TagRole", "iam:TagUser"}

// GuardedTagPatterns are the tag keys EKS Pod Identity sets as session tags.
var GuardedTagPatterns = []string{"kubernetes-*", "eks-*"}

// Args configures the Guardrails.
type Args struct {
	// Management is the management account, with a provider that assumes
	// its own role (OrganizationAccountAccessRole exists only in member
	// accounts). Required.
	Management providers.Account
	// TagGuardTargets are the roots, OUs or accounts the tag-protection
	// policy attaches to. Optional; no policy is created without them.
	TagGuardTargets []string
	// ExemptPrincipalArns may still set the guarded tags. Optional.
	ExemptPrincipalArns []string
	// DeployRoleName is the role the deployer assumes in member accounts;
	// it is exempt in every account. Required with TagGuardTargets.
	DeployRoleName string
	// Tags are added to the policy. Optional.
	Tags map[string]string
}

// Guardrails is what the management account holds.
type Guardrails struct {
	pulumi.ResourceState

	// PolicyID is the tag-protection SCP's ID, empty without one.
	PolicyID pulumi.StringOutput `pulumi:"policyId"`
	// OrganizationSharing is RAM sharing with the organization; shares
	// wait for it.
	OrganizationSharing *ram.SharingWithOrganization
}

// TagGuardPolicy is the service control policy: deny creating or tagging
// IAM roles and users with a guarded tag key unless the caller is exempt.
func TagGuardPolicy(partition, deployRoleName string, exempt []string) iampolicy.Document {
	principals := append(append(iampolicy.Values{}, exempt...), fmt.Sprintf("arn:%s:iam::*:role/%s", partition, deployRoleName))
	return iampolicy.New(iampolicy.Statement{
		Sid:      "DenyPodIdentityTagsOnIAMPrincipals",
		Effect:   iampolicy.Deny,
		Action:   iampolicy.Values(GuardedActions),
		Resource: iampolicy.Values{"*"},
		Condition: iampolicy.Conditions{
			"ForAnyValue:StringLike": {"aws:TagKeys": iampolicy.Values(GuardedTagPatterns)},
			"ArnNotLike":             {"aws:PrincipalArn": principals},
		},
	})
}

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Management.Check("management", &ps)
	if len(a.TagGuardTargets) > 0 {
		if reason := validate.RoleName(a.DeployRoleName); reason != "" {
			ps.Add("deployRoleName", a.DeployRoleName, reason)
		}
		text, err := TagGuardPolicy(a.Management.Partition(), a.DeployRoleName, a.ExemptPrincipalArns).JSON()
		if err == nil {
			err = iampolicy.CheckSize("a service control policy", text, iampolicy.ServiceControlPolicyLimit)
		}
		if err != nil {
			ps.Add("exemptPrincipalArns", len(a.ExemptPrincipalArns), err.Error())
		}
	}
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

// NewGuardrails creates the guardrails with the management account's
// provider.
func NewGuardrails(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Guardrails, error) {
	g := &Guardrails{}
	err := lifecycle.Register(ctx, Type, name, g, args, args.Validate, func() (pulumi.Map, error) {
		mgmt := []pulumi.ResourceOption{pulumi.Parent(g), pulumi.Provider(args.Management.Provider)}
		org, err := sharedsubnets.EnableOrganizationSharing(ctx, naming.Child(name, "ram-org-sharing"), args.Management, pulumi.Parent(g))
		if err != nil {
			return nil, err
		}
		g.OrganizationSharing = org
		g.PolicyID = pulumi.String("").ToStringOutput()
		if len(args.TagGuardTargets) > 0 {
			text, err := TagGuardPolicy(args.Management.Partition(), args.DeployRoleName, args.ExemptPrincipalArns).JSON()
			if err != nil {
				return nil, err
			}
			policy, err := organizations.NewPolicy(ctx, naming.Child(name, "tag-guard"), &organizations.PolicyArgs{
				Name:        pulumi.String("eks-multi-account-tag-guard"),
				Description: pulumi.String("Only exempt principals and the deploy role may set kubernetes-* and eks-* tags on IAM roles and users"),
				Type:        pulumi.String("SERVICE_CONTROL_POLICY"),
				Content:     pulumi.String(text),
				Tags:        pulumi.ToStringMap(args.Tags),
			}, mgmt...)
			if err != nil {
				return nil, fmt.Errorf("creating tag guard policy: %w", err)
			}
			for _, target := range args.TagGuardTargets {
				if _, err := organizations.NewPolicyAttachment(ctx, naming.Child(name, "tag-guard", target), &organizations.PolicyAttachmentArgs{
					PolicyId: policy.ID(),
					TargetId: pulumi.String(target),
				}, mgmt...); err != nil {
					return nil, fmt.Errorf("attaching tag guard policy to %s: %w", target, err)
				}
			}
			g.PolicyID = policy.ID().ToStringOutput()
		}
		return pulumi.Map{"policyId": g.PolicyID}, nil
	}, opts...)
	if err != nil {
		return nil, err
	}
	return g, nil
}
