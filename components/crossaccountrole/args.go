package crossaccountrole

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Mode is how a service account gets its credentials.
type Mode string

// The three credential paths.
const (
	// IRSA: a role in the workload account trusts that account's IAM OIDC
	// provider for the cluster's issuer; the service account is annotated
	// with the role's ARN.
	IRSA Mode = "irsa"
	// PodIdentityChain: EKS Pod Identity gives the pod a source role in the
	// cluster account, which chains into a target role in the workload
	// account.
	PodIdentityChain Mode = "podIdentityChain"
	// PodIdentity: EKS Pod Identity gives the pod a role in the cluster's
	// own account (de-centralized clusters).
	PodIdentity Mode = "podIdentity"
)

// Modes lists every mode, in documentation order.
var Modes = []Mode{IRSA, PodIdentityChain, PodIdentity}

// Session limits, in seconds.
const (
	// DefaultSessionDuration is one hour.
	DefaultSessionDuration = 3600
	// MaxChainedSession is STS's hard limit on a role-chained session.
	MaxChainedSession = 3600
	// MaxSessionDuration is IAM's limit on a role's maximum session.
	MaxSessionDuration = 43200
	// maxManagedPolicies is IAM's quota ceiling on attached policies.
	maxManagedPolicies = 20
)

// Args configures a CrossAccountRole.
type Args struct {
	// Mode is the credential path: irsa, podIdentityChain or podIdentity.
	// Required.
	Mode Mode
	// Cluster is the cluster the service account lives in. Required.
	Cluster clusterref.Cluster
	// WorkloadAccount is the account of the role the service account
	// reaches. Required. For podIdentity it must be the cluster account.
	WorkloadAccount providers.Account
	// Namespace is the service account's namespace, which must exist (the
	// WorkloadAccount creates it). Required. Example: "payroll".
	Namespace string
	// ServiceAccount is the name of the service account this component
	// creates. Required. Example: "payroll-app".
	ServiceAccount string
	// OIDCProviderARN is the ARN of the workload account's IAM OIDC
	// provider for the cluster's issuer. Required for irsa.
	OIDCProviderARN pulumi.StringInput
	// UseSharedChainingRole makes a podIdentityChain service account start
	// from the cluster's shared chaining role instead of a source role of
	// its own. Optional; default false (one source role per service
	// account). The cluster must have a shared chaining role.
	UseSharedChainingRole bool
	// RoleName is the name of the role the service account reaches.
	// Optional; default <cluster>-<namespace>-<serviceAccount>, which must
	// fit IAM's 64 characters.
	RoleName string
	// ManagedPolicyArns are attached to the role. Optional. Example:
	// ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"].
	ManagedPolicyArns []string
	// Policy is an inline permission policy for the role, as JSON.
	// Optional. It is checked for shape and IAM's size limit.
	Policy string
	// SessionDurationSeconds is how long a session lasts. Optional; default
	// 3600. Role chaining cannot give more than 3600; other modes allow up
	// to 43200.
	SessionDurationSeconds int
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
	// NamespaceResource is the resource that creates Namespace, if any;
	// the Kubernetes objects of this component wait for it. Optional.
	NamespaceResource pulumi.Resource
}

var managedPolicyARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f)?:iam::(aws|[0-9]{12}):policy/([\x21-\x7E]*/)?[\w+=,.@-]{1,128}$`)

// roleName returns the configured or default name of the reached role.
func (a *Args) roleName() string {
	if a.RoleName != "" {
		return a.RoleName
	}
	return naming.ServiceAccountRole(a.Cluster.Name, a.Namespace, a.ServiceAccount)
}

func (a *Args) rolePath() string { return naming.RolePath(a.Cluster.Name) }

// roleARN is the ARN of the reached role, known before it exists.
func (a *Args) roleARN() string { return a.WorkloadAccount.RoleARN(a.rolePath(), a.roleName()) }

func (a *Args) identity() trust.Identity {
	return trust.Identity{ClusterARN: a.Cluster.ARN(), Namespace: a.Namespace, ServiceAccount: a.ServiceAccount}
}

func (a *Args) sessionDuration() int {
	if a.SessionDurationSeconds == 0 {
		return DefaultSessionDuration
	}
	return a.SessionDurationSeconds
}

// usesSharedSource reports whether a podIdentityChain role chains from the
// cluster's shared chaining role rather than a source role of its own.
func (a *Args) usesSharedSource() bool {
	return a.UseSharedChainingRole && a.Cluster.SharedChainingRole != nil
}

// sourceRoleName is the name of the chaining source of a podIdentityChain
// role: the cluster's shared role or one of the service account's own.
func (a *Args) sourceRoleName() string {
	if a.usesSharedSource() {
		return naming.SharedChainingRole(a.Cluster.Name)
	}
	return naming.SourceRole(a.Cluster.Name, a.Namespace, a.ServiceAccount)
}

// sourceRoleARN is that source role's ARN as it will be, for checking the
// size of the trust that names it before anything exists; the trust itself
// is built from the role's own output.
func (a *Args) sourceRoleARN() string {
	return a.Cluster.Account.RoleARN(a.rolePath(), a.sourceRoleName())
}

// trustPolicy returns the trust policy of the reached role. Values AWS
// only knows after creation are passed in; validation passes placeholders
// of their longest length.
func (a *Args) trustPolicy(issuerURL, oidcProviderARN, sourceRoleARN, sourceUniqueID string) iampolicy.Document {
	switch a.Mode {
	case IRSA:
		return trust.IRSA(oidcProviderARN, issuerURL, a.identity())
	case PodIdentity:
		return trust.PodIdentity(a.identity())
	default:
		return trust.ChainTarget(sourceRoleARN, sourceUniqueID, a.identity())
	}
}

// Validate reports every problem with the arguments, each naming its
// field and value. NewCrossAccountRole calls it before registering
// anything; a component that creates CrossAccountRoles calls it first too,
// so that it registers nothing when any of them is invalid.
func (a *Args) Validate() error {
	var ps validate.Problems
	if !slices.Contains(Modes, a.Mode) {
		ps.Addf("mode", string(a.Mode), "is not a credential mode (want one of %s)", modeList())
	}
	a.Cluster.Check("cluster", &ps)
	a.WorkloadAccount.Check("workloadAccount", &ps)
	if !validate.IsDNS1123Label(a.Namespace) {
		ps.Add("namespace", a.Namespace, "is not a valid Kubernetes namespace name (DNS-1123 label)")
	}
	if !validate.IsDNS1123Subdomain(a.ServiceAccount) {
		ps.Add("serviceAccount", a.ServiceAccount, "is not a valid Kubernetes service account name (DNS-1123 subdomain)")
	}
	a.checkMode(&ps)
	a.checkRoles(&ps)
	a.checkPolicies(&ps)
	a.checkSession(&ps)
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

func modeList() string {
	names := make([]string, len(Modes))
	for i, m := range Modes {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

func (a *Args) checkMode(ps *validate.Problems) {
	sameAccount := a.WorkloadAccount.ID == a.Cluster.Account.ID
	switch a.Mode {
	case IRSA:
		if a.Cluster.OIDCIssuerURL == nil {
			ps.Add("cluster.oidcIssuerUrl", nil, "is required for irsa")
		}
		if a.OIDCProviderARN == nil {
			ps.Add("oidcProviderArn", nil, "is required for irsa: the workload account's OIDC provider for the cluster's issuer")
		}
	case PodIdentity:
		if !sameAccount {
			ps.Addf("workloadAccount.id", a.WorkloadAccount.ID, "is not the cluster account %s: podIdentity gives roles in the cluster's own account only; use podIdentityChain or irsa to reach another account", a.Cluster.Account.ID)
		}
	case PodIdentityChain:
		if sameAccount {
			ps.Add("workloadAccount.id", a.WorkloadAccount.ID, "is the cluster account: podIdentityChain chains into another account; use podIdentity for the cluster's own")
		}
		if a.UseSharedChainingRole && a.Cluster.SharedChainingRole == nil {
			ps.Add("useSharedChainingRole", true, "needs a cluster with a shared chaining role, and this cluster has none")
		}
	}
	if (a.Mode == PodIdentity || a.Mode == PodIdentityChain) && a.Cluster.RunsOnFargate(a.Namespace) {
		ps.Addf("mode", string(a.Mode), "cannot be used in namespace %q: its pods run on Fargate, where EKS Pod Identity does not work; use irsa", a.Namespace)
	}
}

func (a *Args) checkRoles(ps *validate.Problems) {
	key := "roleName"
	if a.RoleName == "" {
		key = "roleName (generated from cluster, namespace and service account)"
	}
	if reason := validate.RoleName(a.roleName()); reason != "" {
		ps.Add(key, a.roleName(), reason)
	}
	if reason := validate.IAMPath(a.rolePath()); reason != "" {
		ps.Add("rolePath (generated from the cluster name)", a.rolePath(), reason)
	}
	if a.Mode == PodIdentityChain && !a.UseSharedChainingRole {
		if reason := validate.RoleName(a.sourceRoleName()); reason != "" {
			ps.Add("sourceRoleName (generated from cluster, namespace and service account)", a.sourceRoleName(), reason)
		}
	}
	if !slices.Contains(Modes, a.Mode) {
		return
	}
	issuer := trust.PlaceholderIssuerURL(a.Cluster.Account.Region)
	text, err := a.trustPolicy(issuer, a.WorkloadAccount.OIDCProviderARN(trust.IssuerHostPath(issuer)), a.sourceRoleARN(), trust.PlaceholderUniqueID()).JSON()
	if err == nil {
		err = iampolicy.CheckSize("a role trust policy", text, iampolicy.TrustPolicyLimit)
	}
	if err != nil {
		ps.Add("trustPolicy of "+a.roleName(), nil, err.Error())
	}
}

func (a *Args) checkPolicies(ps *validate.Problems) {
	if len(a.ManagedPolicyArns) > maxManagedPolicies {
		ps.Addf("managedPolicyArns", len(a.ManagedPolicyArns), "policies is over IAM's quota of %d attached to one role", maxManagedPolicies)
	}
	seen := map[string]bool{}
	for i, arn := range a.ManagedPolicyArns {
		path := validate.Index("managedPolicyArns", i)
		switch {
		case !managedPolicyARN.MatchString(arn):
			ps.Add(path, arn, "is not an IAM managed policy ARN")
		case seen[arn]:
			ps.Add(path, arn, "is listed twice")
		}
		seen[arn] = true
	}
	if a.Policy == "" {
		return
	}
	doc, err := iampolicy.Parse(a.Policy)
	if err != nil {
		ps.Add("policy", abbreviate(a.Policy), err.Error())
		return
	}
	for i, s := range doc.Statement {
		if s.Principal != nil {
			ps.Add(fmt.Sprintf("policy.Statement[%d].Principal", i), strings.Join(s.Principal.All(), ","), "is not allowed: an inline role policy is an identity policy")
		}
	}
	if err := iampolicy.CheckSize("a role's inline policies", a.Policy, iampolicy.InlineRolePoliciesLimit); err != nil {
		ps.Add("policy", abbreviate(a.Policy), err.Error())
	}
}

func (a *Args) checkSession(ps *validate.Problems) {
	d := a.sessionDuration()
	switch {
	case a.Mode == PodIdentityChain && d > MaxChainedSession:
		ps.Addf("sessionDurationSeconds", d, "is over %d: role chaining limits a session to one hour", MaxChainedSession)
	case d < 900 || d > MaxSessionDuration:
		ps.Addf("sessionDurationSeconds", d, "is outside IAM's 900..%d seconds", MaxSessionDuration)
	}
}

// abbreviate keeps long JSON readable in an error message.
func abbreviate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
