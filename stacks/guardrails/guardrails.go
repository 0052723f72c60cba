// Package guardrails provides the Guardrails component: what the
// organization's management account holds for this library, created by
// the organization stack alone, once per AWS organization.
//
//   - RAM sharing with the organization, so subnets can be shared without
//     accepters. It is retained on delete: turning it off breaks every share
//     in the organization.
//   - A service control policy that keeps anyone but the exempt principals
//     and the deploy role from putting the EKS Pod Identity session tag keys
//     on an IAM role or user (in any letter case: IAM tag keys are
//     case-insensitive), and anyone but the deploy role from changing the
//     trust, policies or tags of the library's roles.
//   - A resource control policy, after AWS's STS-Protect-EKS-pod-identities-tags
//     example, that denies tagging a session with those keys unless the
//     caller is an AWS service (EKS Pod Identity's first hop) or already
//     carries them as principal tags (a pod's session re-setting its
//     transitive tags on a chained hop).
//
// Both policies are attached to the configured roots, OUs or accounts. SCPs
// and RCPs never bind the management account itself.
package guardrails

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/preflight"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:Guardrails"

// Physical names of the two policies: Organizations policy names are unique
// in an organization, which is why only the organization stack creates them.
const (
	TagGuardPolicyName     = "eks-multi-account-tag-guard"
	SessionTagsPolicyName  = "eks-multi-account-session-tag-guard"
	serviceControlPolicy   = "SERVICE_CONTROL_POLICY"
	resourceControlPolicy  = "RESOURCE_CONTROL_POLICY"
	libraryRolePathPattern = "eks-multi-account/*"
)

// PodIdentityTagKeys are the session tag keys EKS Pod Identity sets, which
// the library's trust policies make access decisions on.
var PodIdentityTagKeys = []string{
	"eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace",
	"kubernetes-pod-name", "kubernetes-pod-uid", "kubernetes-service-account",
}

// TaggingActions are the IAM actions that can put tags on a role or user.
var TaggingActions = []string{"iam:CreateRole", "iam:CreateUser", "iam:TagRole", "iam:TagUser"}

// RoleChangingActions change a role's trust, policies or tags.
var RoleChangingActions = []string{
	"iam:UpdateAssumeRolePolicy",
	"iam:PutRolePolicy", "iam:DeleteRolePolicy",
	"iam:AttachRolePolicy", "iam:DetachRolePolicy",
	"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
	"iam:TagRole", "iam:UntagRole",
}

// Args configures the Guardrails.
type Args struct {
	// Spec is where the policies attach and who is exempt. Optional; no
	// policy is created without targets.
	Spec
	// Management is the management account, with a provider that assumes
	// its own role (OrganizationAccountAccessRole exists only in member
	// accounts). Required.
	Management providers.Account
	// DeployRoleName is the role the deployer assumes in member accounts;
	// it creates and tags the library's roles. Required with TargetIDs.
	DeployRoleName string
	// Tags are added to the policies. Optional.
	Tags map[string]string
}

// Spec is the tag guard as its owner writes it (the organization stack's
// organization.tagGuard).
type Spec struct {
	// TargetIDs are the roots, OUs or accounts both policies attach to.
	TargetIDs []string `json:"targetIds"`
	// ExemptPrincipalArns may still put the tag keys on roles and users.
	// Optional. Example: ["arn:aws:iam::*:role/PlatformAdmin"].
	ExemptPrincipalArns []string `json:"exemptPrincipalArns,omitempty"`
}

// Facts are what the tag guard's checks need from outside its Spec.
type Facts struct {
	// Management is the management account and region.
	Management partition.AccountRegion
	// DeployRoleName is the role the deployer assumes in member accounts.
	DeployRoleName string
}

// Check records every problem of the tag guard under path: a target that
// is none or is the management account, an exempt principal that is no
// principal ARN, and a service control policy over IAM's size limit.
func (s Spec) Check(path string, f Facts, ps *validate.Problems) {
	at := func(key string) string { return validate.Path(path, key) }
	for i, t := range s.TargetIDs {
		switch {
		case !targetID.MatchString(t):
			ps.Add(validate.Index(at("targetIds"), i), t, "is not a root (r-...), OU (ou-...-...) or account ID")
		case t == f.Management.ID:
			ps.Add(validate.Index(at("targetIds"), i), t, "is the management account, which SCPs and RCPs never bind")
		}
	}
	for i, arn := range s.ExemptPrincipalArns {
		if !exemptARN.MatchString(arn) {
			ps.Add(validate.Index(at("exemptPrincipalArns"), i), arn, "is not an IAM principal ARN (its account may be *)")
		}
	}
	if len(s.TargetIDs) == 0 {
		return
	}
	text, err := ServiceControlPolicy(f.Management.Partition(), f.DeployRoleName, s.ExemptPrincipalArns).JSON()
	if err == nil {
		err = iampolicy.CheckSize("a service control policy", text, iampolicy.ServiceControlPolicyLimit)
	}
	if err != nil {
		ps.Add(at("exemptPrincipalArns"), len(s.ExemptPrincipalArns), err.Error())
	}
}

// Guardrails is what the management account holds.
type Guardrails struct {
	pulumi.ResourceState

	// ServiceControlPolicyID is the SCP's ID, empty without one.
	ServiceControlPolicyID pulumi.StringOutput `pulumi:"serviceControlPolicyId"`
	// ResourceControlPolicyID is the RCP's ID, empty without one.
	ResourceControlPolicyID pulumi.StringOutput `pulumi:"resourceControlPolicyId"`
}

// deployRoleARN matches the deploy role in every account.
func deployRoleARN(partition, deployRoleName string) string {
	return fmt.Sprintf("arn:%s:iam::*:role/%s", partition, deployRoleName)
}

// ServiceControlPolicy is the SCP: deny putting a Pod Identity tag key (in
// any case) on a role or user unless the caller is exempt or the deploy
// role, and deny changing the trust, policies or tags of the library's
// roles (under role/eks-multi-account/) unless the caller is the deploy
// role.
func ServiceControlPolicy(partition, deployRoleName string, exempt []string) iampolicy.Document {
	deployRole := deployRoleARN(partition, deployRoleName)
	return iampolicy.New(
		iampolicy.Statement{
			Sid:      "DenyPodIdentityTagKeysOnIAMPrincipals",
			Effect:   iampolicy.Deny,
			Action:   iampolicy.Values(TaggingActions),
			Resource: iampolicy.Values{"*"},
			Condition: iampolicy.Conditions{
				// IAM tag keys are case-insensitive (Kubernetes-Namespace is
				// kubernetes-namespace); StringLike and StringEquals are not.
				"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": iampolicy.Values(PodIdentityTagKeys)},
				"ArnNotLike":                         {"aws:PrincipalArn": append(append(iampolicy.Values{}, exempt...), deployRole)},
			},
		},
		iampolicy.Statement{
			Sid:       "DenyChangingTheLibrarysRoles",
			Effect:    iampolicy.Deny,
			Action:    iampolicy.Values(RoleChangingActions),
			Resource:  iampolicy.Values{fmt.Sprintf("arn:%s:iam::*:role/%s", partition, libraryRolePathPattern)},
			Condition: iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {deployRole}}},
		},
	)
}

// ResourceControlPolicy is the RCP: deny tagging a session with a Pod
// Identity tag key (in any case) unless the caller is an AWS service or
// already carries the Pod Identity tags as principal tags. A pod's chained
// session re-sets its inherited transitive tags, so the exemption for
// principals carrying them is what keeps every chained pod working.
func ResourceControlPolicy() iampolicy.Document {
	carriesNone := map[string]iampolicy.Values{}
	for _, k := range PodIdentityTagKeys {
		carriesNone["aws:PrincipalTag/"+k] = iampolicy.Values{"true"}
	}
	return iampolicy.New(iampolicy.Statement{
		Sid:       "DenyPodIdentitySessionTagsToOthers",
		Effect:    iampolicy.Deny,
		Principal: &iampolicy.Principal{AWS: iampolicy.Values{"*"}},
		Action:    iampolicy.Values{"sts:TagSession"},
		Resource:  iampolicy.Values{"*"},
		Condition: iampolicy.Conditions{
			"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": iampolicy.Values(PodIdentityTagKeys)},
			"BoolIfExists":                       {"aws:PrincipalIsAWSService": {"false"}},
			"Null":                               carriesNone,
		},
	})
}

var (
	targetID  = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$`)
	exemptARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:(iam|sts)::([0-9]{12}|\*):[\x21-\x7E]+$`)
)

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Management.Check("management", &ps)
	if len(a.TargetIDs) > 0 {
		if reason := validate.RoleName(a.DeployRoleName); reason != "" {
			ps.Add("deployRoleName", a.DeployRoleName, reason)
		}
	}
	a.Spec.Check("", Facts{Management: a.Management.AccountRegion, DeployRoleName: a.DeployRoleName}, &ps)
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

// NewGuardrails creates the guardrails with the management account's
// provider.
func NewGuardrails(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Guardrails, error) {
	b := &builder{ctx: ctx, name: name, args: args}
	return lifecycle.New(ctx, Type, name, args, b.build, opts...)
}

// builder holds what the steps of one Guardrails share.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.Resource
}

func (b *builder) opts(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.parent), pulumi.Provider(b.args.Management.Provider)}, more...)
}

func (b *builder) build(g *Guardrails) error {
	a := b.args
	b.parent = g
	// RetainOnDelete: destroying this stack must not turn sharing off for
	// every share of every other stack of the organization.
	if _, err := ram.NewSharingWithOrganization(b.ctx, naming.Child(b.name, "ram-org-sharing"), &ram.SharingWithOrganizationArgs{},
		b.opts(pulumi.RetainOnDelete(true))...); err != nil {
		return fmt.Errorf("enabling RAM sharing with the organization: %w", err)
	}
	g.ServiceControlPolicyID = pulumi.String("").ToStringOutput()
	g.ResourceControlPolicyID = pulumi.String("").ToStringOutput()
	if len(a.TargetIDs) == 0 {
		return nil
	}
	scp, err := b.policy("tag-guard", TagGuardPolicyName, serviceControlPolicy,
		"Only exempt principals and the deploy role may put EKS Pod Identity tag keys on IAM roles and users; only the deploy role may change the library's roles",
		ServiceControlPolicy(a.Management.Partition(), a.DeployRoleName, a.ExemptPrincipalArns))
	if err != nil {
		return err
	}
	rcp, err := b.policy("session-tag-guard", SessionTagsPolicyName, resourceControlPolicy,
		"Only AWS services and sessions already carrying them may tag sessions with EKS Pod Identity tag keys",
		ResourceControlPolicy())
	if err != nil {
		return err
	}
	g.ServiceControlPolicyID, g.ResourceControlPolicyID = scp.ID().ToStringOutput(), rcp.ID().ToStringOutput()
	return nil
}

// Policies are the Organizations policies the guardrails attach to each
// target, by name and type: what the organization's root must have enabled
// and each target must have room for.
func Policies() []preflight.Policy {
	return []preflight.Policy{
		{Name: TagGuardPolicyName, Type: serviceControlPolicy},
		{Name: SessionTagsPolicyName, Type: resourceControlPolicy},
	}
}

// policy creates one Organizations policy and its attachment to every
// target.
func (b *builder) policy(role, name, kind, description string, doc iampolicy.Document) (*organizations.Policy, error) {
	text, err := doc.JSON()
	if err != nil {
		return nil, err
	}
	policy, err := organizations.NewPolicy(b.ctx, naming.Child(b.name, role), &organizations.PolicyArgs{
		Name:        pulumi.String(name),
		Description: pulumi.String(description),
		Type:        pulumi.String(kind),
		Content:     pulumi.String(text),
		Tags:        pulumi.ToStringMap(b.args.Tags),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", strings.ToLower(strings.ReplaceAll(kind, "_", " ")), err)
	}
	for _, target := range b.args.TargetIDs {
		if _, err := organizations.NewPolicyAttachment(b.ctx, naming.Child(b.name, role, target), &organizations.PolicyAttachmentArgs{
			PolicyId: policy.ID(),
			TargetId: pulumi.String(target),
		}, b.opts()...); err != nil {
			return nil, fmt.Errorf("attaching %s to %s: %w", name, target, err)
		}
	}
	return policy, nil
}
