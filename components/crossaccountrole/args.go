package crossaccountrole

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Args configures a CrossAccountRole: a Spec and where it is wired.
type Args struct {
	// Spec is the service account and its role's access. Its Identity is
	// required here: a lone role has no tenant to inherit one from.
	Spec
	// Cluster is the cluster the service account lives in. Required.
	Cluster clusterref.Cluster
	// WorkloadAccount is the account of the role the service account
	// reaches. Required. For podIdentity it must be the cluster account.
	WorkloadAccount providers.Account
	// Namespace is the service account's namespace, which must exist (the
	// WorkloadAccount creates it). Required. Example: "payroll".
	Namespace string
	// OIDCProviderARN is the ARN of the workload account's IAM OIDC
	// provider for the cluster's issuer. Required for irsa.
	OIDCProviderARN pulumi.StringInput
	// UseSharedChainingRole makes a podIdentityChain service account start
	// from the cluster's shared chaining role instead of a source role of
	// its own. Optional; default false (one source role per service
	// account). The cluster must have a shared chaining role.
	UseSharedChainingRole bool
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
	// NamespaceResource is the resource that creates Namespace, if any;
	// the Kubernetes objects of this component wait for it. Optional.
	NamespaceResource pulumi.Resource
}

// facts are the plain facts of the wiring.
func (a *Args) facts() Facts {
	return Facts{
		Cluster:               a.Cluster.Facts(),
		Account:               a.WorkloadAccount.AccountRegion,
		Namespace:             a.Namespace,
		UseSharedChainingRole: a.UseSharedChainingRole,
	}
}

// Validate reports every problem with the arguments, each naming its
// field and value: the wiring's, then the Spec's own Check.
// NewCrossAccountRole calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Cluster.Check("cluster", &ps)
	a.WorkloadAccount.Check("workloadAccount", &ps)
	if !validate.IsDNS1123Label(a.Namespace) {
		ps.Add("namespace", a.Namespace, "is not a valid Kubernetes namespace name (DNS-1123 label)")
	}
	switch a.Identity {
	case IRSA:
		if a.Cluster.OIDCIssuerURL == nil {
			ps.Add("cluster.oidcIssuerUrl", nil, "is required for irsa")
		}
		if a.OIDCProviderARN == nil {
			ps.Add("oidcProviderArn", nil, "is required for irsa: the workload account's OIDC provider for the cluster's issuer")
		}
	case PodIdentityChain:
		if a.UseSharedChainingRole && a.Cluster.SharedChainingRole == nil {
			ps.Add("useSharedChainingRole", true, "needs a cluster with a shared chaining role, and this cluster has none")
		}
	}
	a.Spec.Check("", a.facts(), &ps)
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}
