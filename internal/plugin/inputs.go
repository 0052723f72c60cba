package plugin

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
)

// The inputs of each component, as a program in any language gives them.
//
// A field with a json tag is a plain value: it must be known when the
// component is created (names, ARNs and the checks are built from it), and
// it is decoded as the stack file decodes the same Spec. A field with a
// pulumi tag (and json:"-") may be another resource's output, unknown in a
// preview. An embedded struct's fields are the component's own, as in Go.
// The doc comments are the schema's descriptions; "Required." in one makes
// the input required there.

// ClusterAccountInputs are a ClusterAccount's inputs: its Spec, and the
// account it lands in as plain settings.
type ClusterAccountInputs struct {
	clusteraccount.Spec
	// Account is the cluster account: its provider assumes the deploy role
	// there, and the kubeconfig assumes the same role. Required.
	Account providers.AccountSettings `json:"account"`
	// SharedChainingRole creates the cluster's shared Pod Identity chaining
	// role. Optional; default false.
	SharedChainingRole bool `json:"sharedChainingRole,omitempty"`
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string `json:"tags,omitempty"`
	// ExistingVpcID places the cluster in an existing VPC (one a network
	// account shares by RAM, say) instead of a new one (vpcCidr), with
	// existingPrivateSubnetIds.
	ExistingVpcID pulumi.StringInput `json:"-" pulumi:"existingVpcId"`
	// ExistingPrivateSubnetIDs are the existing subnets of the nodes and
	// internal load balancers, at least two zones' worth. Required with
	// existingVpcId.
	ExistingPrivateSubnetIDs pulumi.StringArrayInput `json:"-" pulumi:"existingPrivateSubnetIds"`
	// ExistingPublicSubnetIDs are existing subnets for internet-facing load
	// balancers. Optional.
	ExistingPublicSubnetIDs pulumi.StringArrayInput `json:"-" pulumi:"existingPublicSubnetIds"`
}

// ClusterAccountOutputs are what a ClusterAccount returns beyond the Go
// component's outputs: what a component placed on the cluster takes.
type ClusterAccountOutputs struct {
	// Cluster is the cluster's plain facts, known in a preview, for the
	// cluster input of WorkloadAccount, CrossAccountRole and Tenancy.
	Cluster Cluster `json:"cluster"`
	// SharedChainingRoleName is the shared chaining role's name, or empty.
	SharedChainingRoleName pulumi.StringOutput `json:"-" pulumi:"sharedChainingRoleName"`
	// SharedChainingRoleUniqueID is the shared chaining role's unique ID
	// (AROA...), or empty.
	SharedChainingRoleUniqueID pulumi.StringOutput `json:"-" pulumi:"sharedChainingRoleUniqueId"`
}

// Cluster is what a component placed on a cluster knows of it before
// anything exists: ClusterAccount's cluster output.
type Cluster struct {
	// Name is the cluster's EKS name. Required.
	Name string `json:"name"`
	// Account is the cluster account, where the cluster's access entries
	// and Pod Identity associations are made. Required.
	Account providers.AccountSettings `json:"account"`
	// FargateNamespaces are the namespaces whose pods run on Fargate.
	// Optional.
	FargateNamespaces []string `json:"fargateNamespaces,omitempty"`
	// SharedChainingRole says the cluster has a shared Pod Identity
	// chaining role. Optional; default false.
	SharedChainingRole bool `json:"sharedChainingRole,omitempty"`
	// AccessEntries are the principals that already have an access entry
	// on the cluster. Optional.
	AccessEntries []AccessEntry `json:"accessEntries,omitempty"`
}

// AccessEntry is an IAM principal with an access entry on a cluster.
type AccessEntry struct {
	// PrincipalArn is the principal. Required.
	PrincipalArn string `json:"principalArn"`
	// Holder says whose entry it is. Optional.
	Holder string `json:"holder,omitempty"`
}

// ClusterConnection is how a component placed on a cluster reaches it:
// the cluster's facts, and the ClusterAccount's outputs it waits for.
type ClusterConnection struct {
	// Cluster is the host cluster's facts: ClusterAccount's cluster output.
	// Required.
	Cluster Cluster `json:"cluster"`
	// ClusterName is ClusterAccount's clusterName output. Required.
	ClusterName pulumi.StringInput `json:"-" pulumi:"clusterName"`
	// Kubeconfig is ClusterAccount's kubeconfig output, from which the
	// component's Kubernetes provider is made. Required.
	Kubeconfig pulumi.StringInput `json:"-" pulumi:"kubeconfig" schema:"secret"`
	// OIDCIssuerURL is ClusterAccount's oidcIssuerUrl output. Required for
	// irsa.
	OIDCIssuerURL pulumi.StringInput `json:"-" pulumi:"oidcIssuerUrl"`
	// ClusterOIDCProviderArn is ClusterAccount's oidcProviderArn output: the
	// cluster account's own OIDC provider. Required for irsa in the
	// cluster's own account.
	ClusterOIDCProviderArn pulumi.StringInput `json:"-" pulumi:"clusterOidcProviderArn"`
	// SharedChainingRoleName is ClusterAccount's sharedChainingRoleName
	// output. Required with useSharedChainingRole.
	SharedChainingRoleName pulumi.StringInput `json:"-" pulumi:"sharedChainingRoleName"`
	// SharedChainingRoleArn is ClusterAccount's sharedChainingRoleArn
	// output. Required with useSharedChainingRole.
	SharedChainingRoleArn pulumi.StringInput `json:"-" pulumi:"sharedChainingRoleArn"`
	// SharedChainingRoleUniqueID is ClusterAccount's
	// sharedChainingRoleUniqueId output. Required with
	// useSharedChainingRole.
	SharedChainingRoleUniqueID pulumi.StringInput `json:"-" pulumi:"sharedChainingRoleUniqueId"`
}

// WorkloadAccountInputs are a WorkloadAccount's inputs: its Spec, its
// cluster and its account.
type WorkloadAccountInputs struct {
	workloadaccount.Spec
	ClusterConnection
	// Account is the workload account, where the tenant's roles live.
	// Required.
	Account providers.AccountSettings `json:"account"`
	// UseSharedChainingRole makes podIdentityChain service accounts start
	// from the cluster's shared chaining role. Optional; default false.
	UseSharedChainingRole bool `json:"useSharedChainingRole,omitempty"`
	// Limits are the default container requests and limits. Optional.
	Limits tenancy.Limits `json:"limits,omitempty"`
	// IPv6 adds the IPv6 addresses of the Pod Identity agent and of
	// instance metadata to the default network policy. Optional.
	IPv6 bool `json:"ipv6,omitempty"`
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string `json:"tags,omitempty"`
}

// CrossAccountRoleInputs are a CrossAccountRole's inputs: its Spec, its
// cluster and the account of its role.
type CrossAccountRoleInputs struct {
	crossaccountrole.Spec
	ClusterConnection
	// WorkloadAccount is the account of the role the service account
	// reaches; for podIdentity, the cluster account. Required.
	WorkloadAccount providers.AccountSettings `json:"workloadAccount"`
	// Namespace is the service account's namespace, which must exist.
	// Required.
	Namespace string `json:"namespace"`
	// UseSharedChainingRole makes a podIdentityChain service account start
	// from the cluster's shared chaining role. Optional; default false.
	UseSharedChainingRole bool `json:"useSharedChainingRole,omitempty"`
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string `json:"tags,omitempty"`
	// OIDCProviderArn is the workload account's IAM OIDC provider for the
	// cluster's issuer. Required for irsa.
	OIDCProviderArn pulumi.StringInput `json:"-" pulumi:"oidcProviderArn"`
}

// SharedSubnetsInputs are a SharedSubnets' inputs.
type SharedSubnetsInputs struct {
	// Owner is the account that owns the subnets and the share. Required.
	Owner providers.AccountSettings `json:"owner"`
	// SubnetCount is how many subnets are shared: one association each,
	// known before the subnets' IDs are. Required.
	SubnetCount int `json:"subnetCount"`
	// Principals receive the share: account IDs, OU ARNs or the
	// organization's ARN. Required.
	Principals []string `json:"principals"`
	// ShareName is the resource share's name. Optional; default the
	// component's name.
	ShareName string `json:"shareName,omitempty"`
	// Tags are added to the share. Optional.
	Tags map[string]string `json:"tags,omitempty"`
	// SubnetIDs are the subnets' IDs, subnetCount of them. Required.
	SubnetIDs pulumi.StringArrayInput `json:"-" pulumi:"subnetIds"`
	// SubnetArns are the subnets' ARNs, in the order of subnetIds.
	// Required.
	SubnetArns pulumi.StringArrayInput `json:"-" pulumi:"subnetArns"`
}

// TenancyInputs are a Tenancy's inputs: a namespace and its service
// accounts, on a cluster its kubeconfig reaches.
type TenancyInputs struct {
	tenancy.Namespace
	// ServiceAccounts are created in the namespace. Optional.
	ServiceAccounts []tenancy.ServiceAccount `json:"serviceAccounts,omitempty"`
	// GitOps creates the reconciler identity of a GitOps repository in the
	// namespace. Optional; default false.
	GitOps bool `json:"gitOps,omitempty"`
	// Kubeconfig reaches the cluster (ClusterAccount's kubeconfig output).
	// Required.
	Kubeconfig pulumi.StringInput `json:"-" pulumi:"kubeconfig" schema:"secret"`
}
