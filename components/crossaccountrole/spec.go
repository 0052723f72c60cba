package crossaccountrole

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
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

// ModesFor lists the modes of a role in the cluster's own account
// (sameAccount) or in another, the usual first.
func ModesFor(sameAccount bool) []Mode {
	if sameAccount {
		return []Mode{PodIdentity, IRSA}
	}
	return []Mode{IRSA, PodIdentityChain}
}

const (
	// DefaultSessionDuration is a session's length when a Spec sets none:
	// one hour, the longest a chained session may be.
	DefaultSessionDuration = iampolicy.MaxChainedSession
	// maxManagedPolicies is IAM's quota ceiling on attached policies.
	maxManagedPolicies = 20
)

// Spec is one service account and the AWS access of its role, as its
// owner writes it: plain data, the same in a stack file and in Go. Where it
// lives (the cluster, the namespace, the accounts) is not its to say: those
// are Facts.
type Spec struct {
	// Name is the Kubernetes service account's name. Required. Example:
	// "payroll-app".
	Name string `json:"name"`
	// Identity is the credential mode: irsa, podIdentityChain or
	// podIdentity. Optional where the tenant sets one.
	Identity Mode `json:"identity,omitempty"`
	// RoleName is the name of the role the service account reaches.
	// Optional; default <cluster>-<namespace>-<name>, which must fit IAM's
	// 64 characters.
	RoleName string `json:"roleName,omitempty"`
	// ManagedPolicyArns are attached to the role. Optional. Example:
	// ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"].
	ManagedPolicyArns []string `json:"managedPolicyArns,omitempty"`
	// Policy is an inline permission policy for the role. Optional. It is
	// checked for shape and IAM's size limit, and the role gets the parsed
	// document.
	Policy *iampolicy.Written `json:"policy,omitempty"`
	// SessionDurationSeconds is how long a session lasts. Optional; default
	// 3600. Role chaining cannot give more than 3600; other modes allow up
	// to 43200.
	SessionDurationSeconds int `json:"sessionDurationSeconds,omitempty"`
}

// Facts are what a Spec's checks need from outside it, known before
// anything exists.
type Facts struct {
	// Cluster is the cluster the service account lives in.
	Cluster clusterref.Facts
	// Account is the account and region of the role the service account
	// reaches.
	Account partition.AccountRegion
	// Namespace is the service account's namespace.
	Namespace string
	// DefaultMode is the mode of a Spec that sets none (its tenant's).
	DefaultMode Mode
	// UseSharedChainingRole makes a podIdentityChain role start from the
	// cluster's shared chaining role, when the cluster has one.
	UseSharedChainingRole bool
}

// placed is a Spec where it lives: everything its names, ARNs and policies
// derive from.
type placed struct {
	Spec
	Facts
}

// mode is the Spec's credential mode, its own or its tenant's.
func (p placed) mode() Mode { return cmp.Or(p.Identity, p.DefaultMode) }

// roleName returns the configured or default name of the reached role.
func (p placed) roleName() string {
	return cmp.Or(p.RoleName, naming.ServiceAccountRole(p.Cluster.Name, p.Namespace, p.Name))
}

func (p placed) rolePath() string { return naming.RolePath(p.Cluster.Name) }

// roleARN is the ARN of the reached role, known before it exists.
func (p placed) roleARN() string { return p.Account.RoleARN(p.rolePath(), p.roleName()) }

func (p placed) identity() trust.Identity {
	return trust.Identity{ClusterARN: p.Cluster.ARN(), Namespace: p.Namespace, ServiceAccount: p.Name}
}

func (p placed) sessionDuration() int {
	return cmp.Or(p.SessionDurationSeconds, DefaultSessionDuration)
}

// usesSharedSource reports whether a podIdentityChain role chains from the
// cluster's shared chaining role rather than a source role of its own.
func (p placed) usesSharedSource() bool {
	return p.UseSharedChainingRole && p.Cluster.SharedChainingRole
}

// sourceRoleName is the name of the chaining source of a podIdentityChain
// role: the cluster's shared role or one of the service account's own.
func (p placed) sourceRoleName() string {
	if p.usesSharedSource() {
		return naming.SharedChainingRole(p.Cluster.Name)
	}
	return naming.SourceRole(p.Cluster.Name, p.Namespace, p.Name)
}

// trustPolicy returns the trust policy of the reached role. Values AWS
// only knows after creation are passed in; the checks pass placeholders of
// their longest length.
func (p placed) trustPolicy(issuerURL, oidcProviderARN, sourceRoleARN, sourceUniqueID string) iampolicy.Document {
	switch p.mode() {
	case IRSA:
		return trust.IRSA(oidcProviderARN, issuerURL, p.identity())
	case PodIdentity:
		return trust.PodIdentity(p.identity())
	default:
		return trust.ChainTarget(sourceRoleARN, sourceUniqueID, p.identity())
	}
}

// modes are the modes that can give a service account on the cluster a
// role in the facts' account: every mode when the cluster is unknown.
func (f Facts) modes() []Mode {
	if !f.Cluster.Known() {
		return Modes
	}
	return ModesFor(f.Account.ID == f.Cluster.Account.ID)
}

// Allows reports whether mode can give a role in the facts' account to a
// service account on the cluster, wherever its pods run.
func (f Facts) Allows(mode Mode) bool { return slices.Contains(f.modes(), mode) }

// ModeProblem says why mode cannot give a service account in the facts'
// namespace of the cluster a role in the facts' account, or "" when it
// can.
func (f Facts) ModeProblem(mode Mode) string {
	allowed := f.modes()
	switch {
	case slices.Contains(allowed, mode):
	case !slices.Contains(Modes, mode):
		return fmt.Sprintf("is not a credential mode (want one of %s)", modeList(allowed))
	case mode == PodIdentity:
		return fmt.Sprintf("gives roles in the cluster's own account %s only; the role's account is %s (want one of %s)", f.Cluster.Account.ID, f.Account.ID, modeList(allowed))
	default:
		return fmt.Sprintf("chains into another account; the role's account is the cluster's own, %s (want one of %s)", f.Account.ID, modeList(allowed))
	}
	if (mode == PodIdentity || mode == PodIdentityChain) && f.Cluster.RunsOnFargate(f.Namespace) {
		return fmt.Sprintf("cannot be used in namespace %q: its pods run on Fargate, where EKS Pod Identity does not work; use irsa", f.Namespace)
	}
	return ""
}

func modeList(modes []Mode) string {
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// Check records every problem of the Spec placed by f, under path. A mode
// the Spec inherits is its tenant's to check: a bad one stops the checks
// that depend on it here without a second report. On an unknown cluster
// the checks that need the cluster are skipped.
func (s Spec) Check(path string, f Facts, ps *validate.Problems) {
	p := placed{s, f}
	at := func(key string) string { return validate.Path(path, key) }
	if !validate.IsDNS1123Subdomain(s.Name) {
		ps.Add(at("name"), s.Name, "is not a valid Kubernetes service account name (DNS-1123 subdomain)")
	}
	modeOK := p.checkMode(at, ps)
	p.checkRoles(at, modeOK, ps)
	p.checkPolicies(at, ps)
	if modeOK {
		p.checkSession(at, ps)
	}
}

// checkMode records a problem of the mode and reports whether it is one
// the other checks may rely on.
func (p placed) checkMode(at func(string) string, ps *validate.Problems) bool {
	switch {
	case p.mode() == "":
		ps.Add(at("identity"), nil, "is required: set identity on the tenant or on the service account")
		return false
	case p.Identity == "" && !p.Allows(p.DefaultMode):
		return false // the tenant's mode, reported on the tenant
	}
	if reason := p.ModeProblem(p.mode()); reason != "" {
		ps.Add(at("identity"), string(p.mode()), reason)
		return false
	}
	return true
}

func (p placed) checkRoles(at func(string) string, modeOK bool, ps *validate.Problems) {
	if p.RoleName != "" || p.Cluster.Known() {
		key := "roleName"
		if p.RoleName == "" {
			key = "roleName (generated from cluster, namespace and service account)"
		}
		if reason := validate.RoleName(p.roleName()); reason != "" {
			ps.Add(at(key), p.roleName(), reason)
		}
	}
	if !p.Cluster.Known() {
		return
	}
	if reason := validate.IAMPath(p.rolePath()); reason != "" {
		ps.Add(at("rolePath (generated from the cluster name)"), p.rolePath(), reason)
	}
	if !modeOK {
		return
	}
	if p.mode() == PodIdentityChain && !p.usesSharedSource() {
		if reason := validate.RoleName(p.sourceRoleName()); reason != "" {
			ps.Add(at("sourceRoleName (generated from cluster, namespace and service account)"), p.sourceRoleName(), reason)
		}
	}
	issuer := trust.PlaceholderIssuerURL(p.Cluster.Account.Region)
	source := p.Cluster.Account.RoleARN(p.rolePath(), p.sourceRoleName())
	text, err := p.trustPolicy(issuer, p.Account.OIDCProviderARN(trust.IssuerHostPath(issuer)), source, trust.PlaceholderUniqueID()).JSON()
	if err == nil {
		err = iampolicy.CheckSize("a role trust policy", text, iampolicy.TrustPolicyLimit)
	}
	if err != nil {
		ps.Add(at("trustPolicy of "+p.roleName()), nil, err.Error())
	}
}

var managedPolicyARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f)?:iam::(aws|[0-9]{12}):policy/([\x21-\x7E]*/)?[\w+=,.@-]{1,128}$`)

func (p placed) checkPolicies(at func(string) string, ps *validate.Problems) {
	if len(p.ManagedPolicyArns) > maxManagedPolicies {
		ps.Addf(at("managedPolicyArns"), len(p.ManagedPolicyArns), "policies is over IAM's quota of %d attached to one role", maxManagedPolicies)
	}
	seen := map[string]bool{}
	for i, arn := range p.ManagedPolicyArns {
		path := validate.Index(at("managedPolicyArns"), i)
		switch {
		case !managedPolicyARN.MatchString(arn):
			ps.Add(path, arn, "is not an IAM managed policy ARN")
		case seen[arn]:
			ps.Add(path, arn, "is listed twice")
		}
		seen[arn] = true
	}
	w := p.Policy
	if w == nil {
		return
	}
	if w.Err != nil {
		ps.Add(at("policy"), abbreviate(w.Text), w.Err.Error())
		return
	}
	for i, s := range w.Document.Statement {
		if s.Principal != nil {
			ps.Add(fmt.Sprintf("%s.Statement[%d].Principal", at("policy"), i), strings.Join(s.Principal.All(), ","), "is not allowed: an inline role policy is an identity policy")
		}
	}
	text, err := w.Document.JSON()
	if err == nil {
		err = iampolicy.CheckSize("a role's inline policies", text, iampolicy.InlineRolePoliciesLimit)
	}
	if err != nil {
		ps.Add(at("policy"), abbreviate(w.Text), err.Error())
	}
}

func (p placed) checkSession(at func(string) string, ps *validate.Problems) {
	d := p.sessionDuration()
	switch {
	case p.mode() == PodIdentityChain && d > iampolicy.MaxChainedSession:
		ps.Addf(at("sessionDurationSeconds"), d, "is over %d: role chaining limits a session to one hour", iampolicy.MaxChainedSession)
	case d < iampolicy.MinSessionDuration || d > iampolicy.MaxSessionDuration:
		ps.Addf(at("sessionDurationSeconds"), d, "is outside IAM's %d..%d seconds", iampolicy.MinSessionDuration, iampolicy.MaxSessionDuration)
	}
}

// abbreviate keeps long JSON readable in an error message.
func abbreviate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
