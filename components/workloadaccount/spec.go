package workloadaccount

import (
	"cmp"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Spec is one tenant as its owner writes it: plain data, the same in a
// stack file and in Go. Which cluster it runs on and which account its
// roles are in are not its to say: those are Facts.
type Spec struct {
	// Name names the tenant in labels and descriptions. Required. Example:
	// "payroll".
	Name string `json:"name"`
	// Namespace is the tenant's namespace. Optional; default Name.
	Namespace string `json:"namespace,omitempty"`
	// Identity is the credential mode of the tenant's service accounts:
	// irsa or podIdentityChain for a tenant in another account than its
	// cluster, podIdentity or irsa for one in the cluster's own. Required
	// when a service account sets none.
	Identity crossaccountrole.Mode `json:"identity,omitempty"`
	// Quota caps what the namespace may request. Required.
	Quota tenancy.Quota `json:"quota"`
	// Admins are IAM role ARNs (any account) given admin access to the
	// namespace only, by EKS access entries. Optional.
	Admins []string `json:"admins,omitempty"`
	// ServiceAccounts are created in the namespace, each with its role.
	// Optional.
	ServiceAccounts []crossaccountrole.Spec `json:"serviceAccounts,omitempty"`
	// Egress are destinations the default network policy lets the tenant's
	// pods reach beyond what it always allows, such as its database in the
	// subnets shared with its account. Optional.
	Egress []tenancy.EgressRule `json:"egress,omitempty"`
	// PodSecurity is the Pod Security Standard the tenant's namespace
	// enforces: restricted or baseline. Optional; default restricted.
	PodSecurity string `json:"podSecurity,omitempty"`
}

// Facts are what a tenant's checks need from outside its Spec, known
// before anything exists.
type Facts struct {
	// Cluster is the cluster the tenant runs on.
	Cluster clusterref.Facts
	// Account is the workload account, where the tenant's roles live.
	Account partition.AccountRegion
	// UseSharedChainingRole makes podIdentityChain service accounts start
	// from the cluster's shared chaining role, when it has one.
	UseSharedChainingRole bool
}

// namespace is the tenant's namespace, the default applied.
func (s Spec) namespace() string { return cmp.Or(s.Namespace, s.Name) }

// roleFacts are the facts of the tenant's service accounts.
func (s Spec) roleFacts(f Facts) crossaccountrole.Facts {
	return crossaccountrole.Facts{
		Cluster:               f.Cluster,
		Account:               f.Account,
		Namespace:             s.namespace(),
		DefaultMode:           s.Identity,
		UseSharedChainingRole: f.UseSharedChainingRole,
	}
}

// modeOf is the mode of service account sa: its own, else the tenant's.
func (s Spec) modeOf(sa crossaccountrole.Spec) crossaccountrole.Mode {
	return cmp.Or(sa.Identity, s.Identity)
}

// uses reports whether any service account uses mode.
func (s Spec) uses(mode crossaccountrole.Mode) bool {
	return slices.ContainsFunc(s.ServiceAccounts, func(sa crossaccountrole.Spec) bool { return s.modeOf(sa) == mode })
}

// ChainingPolicy is the inline policy a tenant adds to its cluster's
// shared chaining role: sts:AssumeRole on the roles under the cluster's
// role path in the tenant's account, named for the account. ok is false
// when the tenant adds none (no service account chains from the shared
// role).
func (s Spec) ChainingPolicy(f Facts) (name string, doc iampolicy.Document, ok bool) {
	if !f.UseSharedChainingRole || !f.Cluster.SharedChainingRole || !s.uses(crossaccountrole.PodIdentityChain) {
		return "", iampolicy.Document{}, false
	}
	return "chain-to-" + f.Account.ID, trust.ChainingPermissions(f.Account.RolePathARN(naming.RolePath(f.Cluster.Name))), true
}

// systemNamespaces are Kubernetes' own, which no tenant may have.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// Check records every problem of the tenant placed by f, under path: its
// name, namespace, quota and egress, its admins' ARNs, and each service
// account's Spec. Whether an admin already has an access entry on the
// cluster is the cluster's to check, with all its tenants.
func (s Spec) Check(path string, f Facts, ps *validate.Problems) {
	at := func(key string) string { return validate.Path(path, key) }
	if !validate.IsDNS1123Label(s.Name) {
		ps.Add(at("name"), s.Name, "is not a valid tenant name (DNS-1123 label: it names Kubernetes labels)")
	}
	if slices.Contains(systemNamespaces, s.namespace()) {
		ps.Add(at("namespace"), s.namespace(), "is a system namespace; a tenant needs a namespace of its own")
	}
	s.namespaceSpec(f.Account.ID, tenancy.Limits{}).Check(path, ps)
	clusterref.CheckAdmins(at("admins"), s.Admins, ps)
	roles := s.roleFacts(f)
	if s.Identity != "" && !roles.Allows(s.Identity) {
		ps.Add(at("identity"), string(s.Identity), roles.ModeProblem(s.Identity))
	}
	names := validate.Names{}
	for i, sa := range s.ServiceAccounts {
		p := validate.Index(at("serviceAccounts"), i)
		names.Use(ps, p+".name", sa.Name, "service account of this tenant")
		sa.Check(p, roles, ps)
	}
}

// namespaceSpec describes the tenant's namespace to package tenancy.
func (s Spec) namespaceSpec(accountID string, limits tenancy.Limits) tenancy.Namespace {
	return tenancy.Namespace{
		Name:        s.namespace(),
		Labels:      map[string]string{tenancy.TenantLabel: s.Name, tenancy.AccountLabel: accountID},
		Quota:       s.Quota,
		Limits:      limits,
		Egress:      s.Egress,
		PodSecurity: s.PodSecurity,
	}
}
