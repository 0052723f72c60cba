// Package config is the stack configuration: typed values for every key
// under the eks-multi-account namespace, loaded from Pulumi config, with
// defaults applied in one place (Defaults) and checked in one place
// (Validate) before anything is registered.
package config

import (
	"slices"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/charts"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// Namespace is the Pulumi config namespace of every key, whatever the
// name of the project that runs the stacks.
const Namespace = "eks-multi-account"

// The models: the organization stack, once per AWS organization, the two
// layouts of clusters, and the network stack whose subnets vended
// de-centralized clusters use.
const (
	OrganizationModel = "organization"
	Centralized       = "centralized"
	Decentralized     = "decentralized"
	NetworkModel      = "network"
)

// Networking modes of a de-centralized workload account.
const (
	Dedicated = "dedicated"
	Shared    = "shared"
)

// Routing modes of a network account's transit gateway: a route table per
// routing domain, or one for every VPC.
const (
	RoutingDomains = "domains"
	RoutingFlat    = "flat"
)

// Chaining role modes of a cluster account.
const (
	SharedChaining    = "shared"
	PerServiceAccount = "perServiceAccount"
)

// Config is the whole stack configuration.
type Config struct {
	// Model is organization, centralized, decentralized or network.
	Model string `json:"model"`
	// Defaults apply to every account unless it says otherwise.
	Defaults Defaults `json:"defaults"`
	// Organization names the management account (every model, so that no
	// cluster or workload account is it) and, in the organization model,
	// how to reach it and the guardrails. Required in the organization
	// model, optional in the others.
	Organization *Organization `json:"organization,omitempty"`
	// NetworkAccount owns the VPC shared with de-centralized workload
	// accounts on shared networking. Optional.
	NetworkAccount *NetworkAccount `json:"networkAccount,omitempty"`
	// ClusterAccounts host the tenants of the centralized model.
	ClusterAccounts []ClusterAccount `json:"clusterAccounts,omitempty"`
	// WorkloadAccounts are the tenants (centralized) or the accounts that
	// get a cluster each (de-centralized).
	WorkloadAccounts []WorkloadAccount `json:"workloadAccounts,omitempty"`
	// ShareWith are the accounts the network account's private subnets
	// are shared with, each with the cluster it runs there (network model).
	ShareWith []SharedAccount `json:"shareWith,omitempty"`
	// RouteWith are the accounts whose dedicated VPCs attach to the
	// network account's transit gateway, each with its cluster (network
	// model).
	RouteWith []SharedAccount `json:"routeWith,omitempty"`
	// Routing is domains (default: a transit gateway route table per
	// networkAccount.routingDomains entry) or flat (one for every VPC).
	// For the de-centralized and network models.
	Routing string `json:"routing,omitempty"`
	// NetworkStack names the network stack ("organization/project/stack")
	// whose subnets the workload accounts on shared networking use, read by
	// stack reference instead of creating the network account's VPC here
	// (de-centralized model). Optional.
	NetworkStack string `json:"networkStack,omitempty"`
	// OrganizationStack names the organization stack
	// ("organization/project/stack") whose guardrails must bind every
	// account this stack deploys into: read by stack reference, an account
	// outside them fails the preview, named with its key. Optional; not
	// for the organization model.
	OrganizationStack string `json:"organizationStack,omitempty"`
	// Charts says where the Helm charts the stacks install come from, for
	// machines without the internet, and whether to wait for them.
	// Optional.
	Charts *Charts `json:"charts,omitempty"`
}

// Charts locates the Helm charts the stacks install (flux2 for GitOps, the
// blueprints' charts) when their public repositories cannot be reached.
type Charts struct {
	// Sources maps a chart's name to where it comes from instead.
	Sources map[string]charts.Source `json:"sources,omitempty"`
	// SkipAwait does not wait for the releases' pods to be ready: for
	// clusters whose nodes come later.
	SkipAwait bool `json:"skipAwait,omitempty"`
}

// Defaults are the values accounts inherit.
type Defaults struct {
	// Region is the default region of every account. Required.
	Region string `json:"region"`
	// DeployRoleName is the role assumed in every account; default OrganizationAccountAccessRole.
	DeployRoleName string `json:"deployRoleName"`
	// KubernetesVersion is the Kubernetes minor version, such as "1.36";
	// default the newest minor in EKS standard support on the calendar's
	// date (eksversion.Default).
	KubernetesVersion string `json:"kubernetesVersion"`
	// Preflight reads each account's Service Quotas (and, for the
	// organization stack, the organization's policy types and each target's
	// policies) before anything is registered, and fails the preview when
	// AWS would refuse the stack part way through. Default true; false
	// skips it (a deploying role without servicequotas:GetServiceQuota, or
	// a quota raised by a request AWS has not applied yet).
	Preflight *bool `json:"preflight,omitempty"`
	// Tags are added to every taggable resource; no kubernetes-* or eks-* keys.
	Tags map[string]string `json:"tags,omitempty"`
	// EndpointAccess is how the deploying machine reaches every cluster's
	// API, unless a cluster says otherwise.
	EndpointAccess *clusteraccount.EndpointAccess `json:"endpointAccess,omitempty"`
}

// Organization is the AWS organization's management account and, in the
// organization model, its guardrails.
type Organization struct {
	// ManagementAccountID is the organization's management account.
	ManagementAccountID string `json:"managementAccountId"`
	// ManagementRoleArn is the role assumed in the management account
	// (organization model only).
	ManagementRoleArn string `json:"managementRoleArn,omitempty"`
	// TagGuard creates the service and resource control policies that
	// guard the EKS Pod Identity tag keys (organization model only).
	// Optional.
	TagGuard *guardrails.Spec `json:"tagGuard,omitempty"`
}

// NetworkAccount owns a VPC shared with workload accounts.
type NetworkAccount struct {
	// Name names the network account; default network.
	Name string `json:"name"`
	// AccountID is the 12-digit account ID.
	AccountID string `json:"accountId"`
	// Region is the account's region; default defaults.region.
	Region string `json:"region,omitempty"`
	// VpcCIDR is the VPC's IPv4 block, /16 to /22.
	VpcCIDR string `json:"vpcCidr"`
	// AvailabilityZones is how many zones the VPC spans; default 3.
	AvailabilityZones int `json:"availabilityZones,omitempty"`
	// RoutingDomains name the routing domains of the account's transit
	// gateway, which dedicated VPCs in its region attach to: a VPC reaches
	// the VPCs of its domain and the network VPC, no other. Default one,
	// "default".
	RoutingDomains []string `json:"routingDomains,omitempty"`
}

// SharedAccount is an account the network stack shares its subnets with.
type SharedAccount struct {
	// AccountID is the 12-digit account ID.
	AccountID string `json:"accountId"`
	// Cluster is the EKS cluster the account runs in the subnets, which
	// tags them for its load balancers.
	Cluster string `json:"cluster"`
}

// ClusterAccount is one cluster account of the centralized model.
type ClusterAccount struct {
	// Name names the entry; unique in its list.
	Name string `json:"name"`
	// AccountID is the 12-digit account ID.
	AccountID string `json:"accountId"`
	// Region is the account's region; default defaults.region.
	Region string `json:"region,omitempty"`
	// Spec is the cluster: its EKS name (default Name), Kubernetes version
	// (default defaults.kubernetesVersion), VPC, node groups, Fargate
	// profiles, admins and endpoint access (default
	// defaults.endpointAccess).
	clusteraccount.Spec
	// ChainingRole is shared or perServiceAccount (default).
	ChainingRole string `json:"chainingRole,omitempty"`
}

// NodeGroupOverride changes, in a de-centralized workload account, the
// blueprint's node group of the same name field by field (a field left out
// keeps the blueprint's value), or adds one.
type NodeGroupOverride struct {
	// Name is the node group's name; an override names the blueprint group it changes.
	Name string `json:"name"`
	// InstanceTypes are the EC2 instance types.
	InstanceTypes []string `json:"instanceTypes,omitempty"`
	// MinSize is the group's minimum size.
	MinSize *int `json:"minSize,omitempty"`
	// MaxSize is the group's maximum size.
	MaxSize *int `json:"maxSize,omitempty"`
	// DesiredSize is the group's desired size.
	DesiredSize *int `json:"desiredSize,omitempty"`
	// CapacityType is ON_DEMAND or SPOT.
	CapacityType string `json:"capacityType,omitempty"`
	// AmiType is the EKS AMI type, such as AL2023_x86_64_NVIDIA.
	AmiType string `json:"amiType,omitempty"`
	// DiskSizeGiB is the root volume size.
	DiskSizeGiB *int `json:"diskSizeGiB,omitempty"`
	// Labels are Kubernetes node labels.
	Labels map[string]string `json:"labels,omitempty"`
	// Taints are Kubernetes node taints.
	Taints []clusteraccount.Taint `json:"taints,omitempty"`
}

// WorkloadAccount is a tenant (centralized) or an account with a cluster
// of its own (de-centralized).
type WorkloadAccount struct {
	// Spec is the tenant: its name (unique in the list), namespace,
	// credential mode, quota, admins (of the namespace, centralized; of the
	// cluster, de-centralized), service accounts and egress.
	workloadaccount.Spec
	// AccountID is the 12-digit account ID.
	AccountID string `json:"accountId"`
	// ClusterAccount names the cluster account hosting the tenant (centralized).
	ClusterAccount string `json:"clusterAccount,omitempty"`
	// ShareSubnets shares the host cluster account's private subnets with the account (centralized).
	ShareSubnets bool `json:"shareSubnets,omitempty"`

	// The keys below are for the de-centralized model only.

	// Blueprint names the cluster blueprint; default general-purpose.
	Blueprint string `json:"blueprint,omitempty"`
	// Region is the cluster's region (de-centralized); default the network account's on shared networking, else defaults.region.
	Region string `json:"region,omitempty"`
	// Networking is dedicated (default) or shared.
	Networking string `json:"networking,omitempty"`
	// VpcCIDR is the VPC's IPv4 block, /16 to /22.
	VpcCIDR string `json:"vpcCidr,omitempty"`
	// AvailabilityZones is how many zones the VPC spans; default 3.
	AvailabilityZones int `json:"availabilityZones,omitempty"`
	// KubernetesVersion overrides defaults.kubernetesVersion (de-centralized).
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// NodeGroups override the blueprint's node groups field by field.
	NodeGroups []NodeGroupOverride `json:"nodeGroups,omitempty"`
	// RoutingDomain is the routing domain of a dedicated VPC in the
	// network account's region, one of networkAccount.routingDomains;
	// default the only one.
	RoutingDomain string `json:"routingDomain,omitempty"`
	// RouteTo are the blocks a dedicated VPC in the network account's
	// region sends to the transit gateway; default the network VPC's and
	// the other dedicated VPCs' of its domain in this file.
	RouteTo []string `json:"routeTo,omitempty"`
	// GitOps bootstraps Flux with the team repositories. Optional.
	GitOps *gitops.Spec `json:"gitops,omitempty"`
	// EndpointAccess overrides defaults.endpointAccess for this account's
	// cluster (de-centralized).
	EndpointAccess *clusteraccount.EndpointAccess `json:"endpointAccess,omitempty"`
}

// AccountKey is an account a stack deploys into, with the key that names
// it (clusterAccounts[0].accountId).
type AccountKey struct {
	Key, ID string
}

// DeployedAccounts lists the accounts a configuration deploys into (its
// network, cluster and workload accounts), in the order of the file, each
// once under the first key that names it.
func (c *Config) DeployedAccounts() []AccountKey {
	var out []AccountKey
	add := func(key, id string) {
		if !slices.ContainsFunc(out, func(a AccountKey) bool { return a.ID == id }) {
			out = append(out, AccountKey{Key: key, ID: id})
		}
	}
	if n := c.NetworkAccount; n != nil {
		add("networkAccount.accountId", n.AccountID)
	}
	for i, ca := range c.ClusterAccounts {
		add(validate.Path(validate.Index("clusterAccounts", i), "accountId"), ca.AccountID)
	}
	for i, w := range c.WorkloadAccounts {
		add(validate.Path(validate.Index("workloadAccounts", i), "accountId"), w.AccountID)
	}
	return out
}
