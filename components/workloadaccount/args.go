package workloadaccount

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Args configures a WorkloadAccount: one tenant of a cluster.
type Args struct {
	// Tenant names the tenant in labels and descriptions. Required.
	// Example: "payroll".
	Tenant string
	// Cluster is the host cluster. Required.
	Cluster clusterref.Cluster
	// Account is the workload account, where the tenant's roles and
	// resources live. Required.
	Account providers.Account
	// Namespace is the tenant's namespace. Optional; default Tenant.
	Namespace string
	// Identity is the credential mode of the tenant's service accounts:
	// irsa or podIdentityChain for a tenant in another account,
	// podIdentity or irsa for one in the cluster's own. Required when
	// there are service accounts.
	Identity crossaccountrole.Mode
	// UseSharedChainingRole makes podIdentityChain service accounts start
	// from the cluster's shared chaining role. Optional; default false.
	UseSharedChainingRole bool
	// Quota caps what the namespace may request. Required.
	Quota tenancy.Quota
	// Limits are the default container requests and limits. Optional;
	// defaults 100m/128Mi requested, 500m/512Mi limit.
	Limits tenancy.Limits
	// Admins are IAM role ARNs (any account) given admin access to the
	// namespace only, by EKS access entries. Optional.
	Admins []string
	// ServiceAccounts are created in the namespace, each with its role.
	// Optional.
	ServiceAccounts []ServiceAccount
	// IPv6 adds the IPv6 addresses of the Pod Identity agent and of
	// instance metadata to the default network policy. Optional.
	IPv6 bool
	// Egress are destinations the default network policy lets the tenant's
	// pods reach beyond what it always allows, such as its database in the
	// subnets shared with its account. Optional.
	Egress []tenancy.EgressRule
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
}

// ServiceAccount is one service account of the tenant and its role.
type ServiceAccount struct {
	// Name is the service account's name. Required.
	Name string
	// Identity overrides the tenant's Identity. Optional.
	Identity crossaccountrole.Mode
	// RoleName overrides the generated role name. Optional.
	RoleName string
	// ManagedPolicyArns are attached to its role. Optional.
	ManagedPolicyArns []string
	// Policy is an inline JSON permission policy for its role. Optional.
	Policy string
	// SessionDurationSeconds is its session length. Optional; default 3600.
	SessionDurationSeconds int
}

func (a *Args) namespace() string {
	if a.Namespace == "" {
		return a.Tenant
	}
	return a.Namespace
}

// namespaceSpec describes the tenant's namespace to package tenancy.
func (a *Args) namespaceSpec() tenancy.Namespace {
	return tenancy.Namespace{
		Name:   a.namespace(),
		Labels: map[string]string{tenancy.TenantLabel: a.Tenant, tenancy.AccountLabel: a.Account.ID},
		Quota:  a.Quota,
		Limits: a.Limits,
		IPv6:   a.IPv6,
		Egress: a.Egress,
	}
}

func (sa ServiceAccount) mode(tenant crossaccountrole.Mode) crossaccountrole.Mode {
	if sa.Identity != "" {
		return sa.Identity
	}
	return tenant
}

// usesIRSA reports whether any service account uses IRSA.
func (a *Args) usesIRSA() bool {
	return slices.ContainsFunc(a.ServiceAccounts, func(sa ServiceAccount) bool { return sa.mode(a.Identity) == crossaccountrole.IRSA })
}

// inClusterAccount reports whether the tenant's account is the cluster's.
func (a *Args) inClusterAccount() bool { return a.Account.ID == a.Cluster.Account.ID }

// usesSharedChaining reports whether any service account chains from the
// cluster's shared chaining role.
func (a *Args) usesSharedChaining() bool {
	return a.UseSharedChainingRole && slices.ContainsFunc(a.ServiceAccounts, func(sa ServiceAccount) bool {
		return sa.mode(a.Identity) == crossaccountrole.PodIdentityChain
	})
}

// roleArgs returns the CrossAccountRole args of service account i.
func (a *Args) roleArgs(i int, oidcProviderARN pulumi.StringInput, ns pulumi.Resource) *crossaccountrole.Args {
	sa := a.ServiceAccounts[i]
	return &crossaccountrole.Args{
		Mode:                   sa.mode(a.Identity),
		Cluster:                a.Cluster,
		WorkloadAccount:        a.Account,
		Namespace:              a.namespace(),
		ServiceAccount:         sa.Name,
		OIDCProviderARN:        oidcProviderARN,
		UseSharedChainingRole:  a.UseSharedChainingRole,
		RoleName:               sa.RoleName,
		ManagedPolicyArns:      sa.ManagedPolicyArns,
		Policy:                 sa.Policy,
		SessionDurationSeconds: sa.SessionDurationSeconds,
		Tags:                   a.Tags,
		NamespaceResource:      ns,
	}
}

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	if !validate.IsDNS1123Label(a.Tenant) {
		ps.Add("tenant", a.Tenant, "is not a valid tenant name (DNS-1123 label: it names Kubernetes labels)")
	}
	a.Cluster.Check("cluster", &ps)
	a.Account.Check("account", &ps)
	if slices.Contains([]string{"default", "kube-system", "kube-public", "kube-node-lease"}, a.namespace()) {
		ps.Add("namespace", a.namespace(), "is a system namespace; a tenant needs a namespace of its own")
	}
	a.namespaceSpec().Check("", &ps)
	if a.usesIRSA() && a.inClusterAccount() && a.Cluster.OIDCProviderARN == nil {
		ps.Add("cluster.oidcProviderArn", nil, "is required for irsa in the cluster's own account: its roles trust the cluster account's OIDC provider")
	}
	entries := slices.Clone(a.Cluster.AccessEntries)
	for i, arn := range a.Admins {
		path := validate.Index("admins", i)
		if !validate.IsIAMRoleARN(arn) {
			ps.Add(path, arn, "is not an IAM role ARN")
		}
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: arn, Path: path, Holder: path})
	}
	clusterref.CheckAccessEntries(entries, &ps)
	seen := map[string]bool{}
	placeholder := pulumi.String(a.Account.OIDCProviderARN("placeholder"))
	for i, sa := range a.ServiceAccounts {
		path := validate.Index("serviceAccounts", i)
		if seen[sa.Name] {
			ps.Add(path+".name", sa.Name, "is used by another service account of this tenant")
		}
		seen[sa.Name] = true
		if sa.mode(a.Identity) == "" {
			ps.Add(path+".identity", nil, "is required: set identity on the tenant or on the service account")
			continue
		}
		ps.Nest(path, a.roleArgs(i, placeholder, nil).Validate())
	}
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}
