// Package guardrails provides the Guardrails component: what the
// organization's management account holds for this library, created by
// the organization stack alone, once per AWS organization.
//
//   - RAM sharing with the organization, so subnets can be shared without
//     accepters. It is retained on delete: turning it off breaks every share
//     in the organization.
//   - A service control policy that keeps anyone but the exempt roles from
//     putting the EKS Pod Identity session tag keys on an IAM role or user
//     (in any letter case: IAM tag keys are case-insensitive); anyone but
//     the deploy role from creating, changing or passing the library's
//     roles, from changing the deploy role and the exempt roles, and from
//     touching the access entries and Pod Identity associations of the
//     library's clusters.
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
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
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

// TaggingActions are the IAM actions that can put tags on a role or user.
var TaggingActions = []string{"iam:CreateRole", "iam:CreateUser", "iam:TagRole", "iam:TagUser"}

// RoleChangingActions create, delete or change a role: its trust, its
// settings, its policies, its permissions boundary, its tags.
var RoleChangingActions = []string{
	"iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
	"iam:UpdateAssumeRolePolicy",
	"iam:PutRolePolicy", "iam:DeleteRolePolicy",
	"iam:AttachRolePolicy", "iam:DetachRolePolicy",
	"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
	"iam:TagRole", "iam:UntagRole",
}

// ClusterAccessActions give a principal access to a cluster or its pods an
// IAM role: access entries, access policies and Pod Identity associations,
// and the tags the guardrails recognise a library cluster by. EKS
// authorises the create actions against the cluster's ARN, and the others
// against the access entry's or the association's
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html),
// which is why the library tags its access entries and associations too.
var ClusterAccessActions = []string{
	"eks:CreateAccessEntry", "eks:UpdateAccessEntry", "eks:DeleteAccessEntry",
	"eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy",
	"eks:CreatePodIdentityAssociation", "eks:UpdatePodIdentityAssociation", "eks:DeletePodIdentityAssociation",
	"eks:TagResource", "eks:UntagResource",
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
	// ExemptPrincipalArns are the roles, each named with its account ID
	// (never *), that may still put the Pod Identity tag keys on roles and
	// users; the SCP keeps anyone but the deploy role from changing them.
	// Optional. Example: ["arn:aws:iam::000011112222:role/PlatformAdmin"].
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
		switch m := exemptARN.FindStringSubmatch(arn); {
		case m == nil:
			ps.Add(validate.Index(at("exemptPrincipalArns"), i), arn, "is not an IAM role ARN with its account ID (arn:aws:iam::111122223333:role/PlatformAdmin): an exemption that any account may claim by creating a role of that name exempts anyone")
		case m[2] == f.Management.ID:
			ps.Add(validate.Index(at("exemptPrincipalArns"), i), arn, "is in the management account, which SCPs never bind: it needs no exemption")
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

// ServiceControlPolicy is the SCP, four statements:
//   - nobody but the exempt roles may put a Pod Identity tag key (in any
//     case) on a role or user; the library never writes those keys, so not
//     even the deploy role may;
//   - nobody but the deploy role may create, delete, change or pass the
//     library's roles (under role/eks-multi-account/);
//   - nobody but the deploy role itself may create, delete or change the
//     deploy role or an exempt role, so that neither can be claimed by
//     rewriting its trust, or created where it does not exist yet;
//   - nobody but the deploy role may create, change or delete the access
//     entries, access policies and Pod Identity associations of the
//     library's clusters (those carrying naming.ManagedTagKey), or their
//     tags; other clusters are untouched.
//
// SCPs never bind the management account, which keeps the way to repair
// them.
func ServiceControlPolicy(partition, deployRoleName string, exempt []string) iampolicy.Document {
	deployRole := deployRoleARN(partition, deployRoleName)
	notDeployRole := iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {deployRole}}}
	tagKeys := iampolicy.Conditions{
		// IAM tag keys are case-insensitive (Kubernetes-Namespace is
		// kubernetes-namespace); StringLike and StringEquals are not.
		"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": iampolicy.Values(trust.PodIdentityTagKeys)},
	}
	if len(exempt) > 0 {
		tagKeys["ArnNotLike"] = map[string]iampolicy.Values{"aws:PrincipalArn": iampolicy.Values(exempt)}
	}
	eks := func(resource string) string { return fmt.Sprintf("arn:%s:eks:*:*:%s", partition, resource) }
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "DenyPodIdentityTagKeysOnIAMPrincipals",
			Effect:    iampolicy.Deny,
			Action:    iampolicy.Values(TaggingActions),
			Resource:  iampolicy.Values{"*"},
			Condition: tagKeys,
		},
		iampolicy.Statement{
			Sid:       "DenyChangingTheLibrarysRoles",
			Effect:    iampolicy.Deny,
			Action:    append(iampolicy.Values(slices.Clone(RoleChangingActions)), "iam:PassRole"),
			Resource:  iampolicy.Values{fmt.Sprintf("arn:%s:iam::*:role/%s", partition, libraryRolePathPattern)},
			Condition: notDeployRole,
		},
		iampolicy.Statement{
			Sid:       "DenyChangingTheDeployAndExemptRoles",
			Effect:    iampolicy.Deny,
			Action:    iampolicy.Values(RoleChangingActions),
			Resource:  append(iampolicy.Values{deployRole}, exempt...),
			Condition: notDeployRole,
		},
		iampolicy.Statement{
			Sid:      "DenyAccessToTheLibrarysClusters",
			Effect:   iampolicy.Deny,
			Action:   iampolicy.Values(ClusterAccessActions),
			Resource: iampolicy.Values{eks("cluster/*"), eks("access-entry/*"), eks("podidentityassociation/*")},
			Condition: iampolicy.Conditions{
				"StringEquals": {"aws:ResourceTag/" + naming.ManagedTagKey: {naming.ManagedTagValue}},
				"ArnNotLike":   {"aws:PrincipalArn": {deployRole}},
			},
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
	for _, k := range trust.PodIdentityTagKeys {
		carriesNone["aws:PrincipalTag/"+k] = iampolicy.Values{"true"}
	}
	return iampolicy.New(iampolicy.Statement{
		Sid:       "DenyPodIdentitySessionTagsToOthers",
		Effect:    iampolicy.Deny,
		Principal: &iampolicy.Principal{AWS: iampolicy.Values{"*"}},
		Action:    iampolicy.Values{"sts:TagSession"},
		Resource:  iampolicy.Values{"*"},
		Condition: iampolicy.Conditions{
			"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": iampolicy.Values(trust.PodIdentityTagKeys)},
			"BoolIfExists":                       {"aws:PrincipalIsAWSService": {"false"}},
			"Null":                               carriesNone,
		},
	})
}

var (
	targetID  = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$`)
	exemptARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::([0-9]{12}):role/[\x21-\x7E]+$`)
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
		"Only exempt roles may put EKS Pod Identity tag keys on IAM roles and users; only the deploy role may change the library's roles, the deploy and exempt roles, and the access entries and Pod Identity associations of the library's clusters",
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
