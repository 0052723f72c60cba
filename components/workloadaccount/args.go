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

// Args configures a WorkloadAccount: a tenant's Spec and where it is
// wired.
type Args struct {
	// Spec is the tenant. Required.
	Spec
	// Cluster is the host cluster. Required.
	Cluster clusterref.Cluster
	// Account is the workload account, where the tenant's roles and
	// resources live. Required.
	Account providers.Account
	// UseSharedChainingRole makes podIdentityChain service accounts start
	// from the cluster's shared chaining role. Optional; default false.
	UseSharedChainingRole bool
	// Limits are the default container requests and limits. Optional;
	// defaults 100m/128Mi requested, 500m/512Mi limit.
	Limits tenancy.Limits
	// IPv6 adds the IPv6 addresses of the Pod Identity agent and of
	// instance metadata to the default network policy. Optional.
	IPv6 bool
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
}

// facts are the plain facts of the wiring.
func (a *Args) facts() Facts {
	return Facts{Cluster: a.Cluster.Facts(), Account: a.Account.AccountRegion, UseSharedChainingRole: a.UseSharedChainingRole}
}

// namespaceSpec describes the tenant's namespace to package tenancy.
func (a *Args) namespaceSpec() tenancy.Namespace {
	n := a.Spec.namespaceSpec(a.Account.ID, a.Limits)
	n.IPv6 = a.IPv6
	return n
}

// inClusterAccount reports whether the tenant's account is the cluster's.
func (a *Args) inClusterAccount() bool { return a.Account.ID == a.Cluster.Account.ID }

// roleArgs returns the CrossAccountRole args of service account i: its
// Spec with the tenant's mode when it sets none, wired like the tenant.
func (a *Args) roleArgs(i int, oidcProviderARN pulumi.StringInput, ns pulumi.Resource) *crossaccountrole.Args {
	spec := a.ServiceAccounts[i]
	spec.Identity = a.modeOf(spec)
	return &crossaccountrole.Args{
		Spec:                  spec,
		Cluster:               a.Cluster,
		WorkloadAccount:       a.Account,
		Namespace:             a.namespace(),
		OIDCProviderARN:       oidcProviderARN,
		UseSharedChainingRole: a.UseSharedChainingRole,
		Tags:                  a.Tags,
		NamespaceResource:     ns,
	}
}

// Validate reports every problem with the arguments, each naming its field
// and value: the wiring's, then the Spec's own Check. The constructor calls
// it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Cluster.Check("cluster", &ps)
	a.Account.Check("account", &ps)
	a.Limits.Check("limits", &ps)
	if a.uses(crossaccountrole.IRSA) && a.inClusterAccount() && a.Cluster.OIDCProviderARN == nil {
		ps.Add("cluster.oidcProviderArn", nil, "is required for irsa in the cluster's own account: its roles trust the cluster account's OIDC provider")
	}
	if a.UseSharedChainingRole && a.Cluster.SharedChainingRole == nil && a.uses(crossaccountrole.PodIdentityChain) {
		ps.Add("useSharedChainingRole", true, "needs a cluster with a shared chaining role, and this cluster has none")
	}
	entries := slices.Clone(a.Cluster.AccessEntries)
	for i, arn := range a.Admins {
		path := validate.Index("admins", i)
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: arn, Path: path, Holder: path})
	}
	clusterref.CheckAccessEntries(entries, &ps)
	a.Spec.Check("", a.facts(), &ps)
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}
