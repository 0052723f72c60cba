// Package vending turns a directory of cluster requests into stacks: one
// network stack (the network account's VPC, shared by RAM with exactly the
// accounts of requests on shared networking) and one de-centralized stack
// per request, named after its file, whose configuration is rendered from
// the request and vending.yaml. It reads and checks the files, allocates
// dedicated VPCs from the CIDR pool, and renders each stack's
// configuration as the stacks read it; running the stacks is cmd/vend's.
package vending

import (
	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
)

// Files and names of a vending directory.
const (
	// SettingsFile holds what every vended cluster shares.
	SettingsFile = "vending.yaml"
	// RequestsDir holds one request file per cluster.
	RequestsDir = "requests"
	// NetworkStack is the network stack's name; no request may take it.
	NetworkStack = "network"
)

// Defaults of vending.yaml.
const (
	// DefaultProject is the Pulumi project of the vended stacks.
	DefaultProject = "eks-multi-account-vending"
	// DefaultPulumiOrganization is the organization of stack names on a
	// self-managed (file://, s3://) backend.
	DefaultPulumiOrganization = "organization"
	// DefaultPrefixLength is the size of a dedicated VPC allocated from
	// the pool.
	DefaultPrefixLength = 20
)

// DefaultWaves is the upgrade order when vending.yaml gives none.
var DefaultWaves = []string{"dev", "staging", "prod"}

// Settings is vending.yaml: what every vended cluster shares.
type Settings struct {
	// Project is the Pulumi project of the vended stacks; default
	// eks-multi-account-vending.
	Project string `json:"project,omitempty"`
	// PulumiOrganization is the organization part of the stacks' fully
	// qualified names (organization/project/stack), which the vended stacks
	// use to reference the network stack; default "organization", a
	// self-managed backend's. Set it to the Pulumi Cloud organization there.
	PulumiOrganization string `json:"pulumiOrganization,omitempty"`
	// Organization names the management account, so that no request
	// names it, and the role vend reads the teams' organizational units
	// with. Required.
	Organization *Organization `json:"organization"`
	// Teams bound where each team may vend: a request's team must be one,
	// and its account one of the team's accounts or in one of its
	// organizational units. Required.
	Teams map[string]Team `json:"teams"`
	// OrganizationStack names the organization stack whose guardrails
	// must bind every vended account, as organizationStack does in a stack
	// file: each vended stack, and the network stack, names it, and fails
	// its preview for an account outside them. Optional.
	OrganizationStack string `json:"organizationStack,omitempty"`
	// Defaults apply to every vended cluster, as in a stack file. Required.
	Defaults config.Defaults `json:"defaults"`
	// NetworkAccount owns the VPC that requests on shared networking use.
	// Optional.
	NetworkAccount *config.NetworkAccount `json:"networkAccount,omitempty"`
	// CIDRPool is the block dedicated VPCs are allocated from, a /20 each
	// unless a request pins its own. Required when a dedicated request
	// pins none.
	CIDRPool string `json:"cidrPool,omitempty"`
	// Waves are the environments in upgrade order; default dev, staging,
	// prod. Every request's environment is one of them.
	Waves []string `json:"waves,omitempty"`
	// Routing is domains (default: each wave is a routing domain of the
	// network account's transit gateway, so a dedicated VPC reaches its
	// own wave's and the network VPC) or flat (one domain for all).
	Routing string `json:"routing,omitempty"`
	// Charts locates the charts the clusters install, for machines without
	// the internet, as in a stack file. Optional.
	Charts *config.Charts `json:"charts,omitempty"`
}

// Request is one cluster, from requests/<name>.yaml.
type Request struct {
	// Name is the file's name without .yaml: the stack's, the cluster's
	// and the workload account entry's name.
	Name string `json:"-"`
	// File is the file's path in the vending directory.
	File string `json:"-"`

	// Team owns the cluster. Required.
	Team string `json:"team"`
	// Environment is one of the waves. Required.
	Environment string `json:"environment"`
	// AccountID is the workload account the cluster is in. Required.
	AccountID string `json:"accountId"`
	// Region is the cluster's region; default the network account's on
	// shared networking, else defaults.region.
	Region string `json:"region,omitempty"`
	// Blueprint names the blueprint; default general-purpose.
	Blueprint string `json:"blueprint,omitempty"`
	// BlueprintVersion pins the blueprint's version: the request is refused
	// when the blueprint is at another. Optional.
	BlueprintVersion string `json:"blueprintVersion,omitempty"`
	// KubernetesVersion is the cluster's; default the blueprint's, else
	// defaults.kubernetesVersion.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// Networking is dedicated (default) or shared.
	Networking string `json:"networking,omitempty"`
	// VpcCIDR pins a dedicated VPC's block; default one allocated from the
	// pool.
	VpcCIDR string `json:"vpcCidr,omitempty"`
	// AvailabilityZones is how many zones a dedicated VPC spans.
	AvailabilityZones int `json:"availabilityZones,omitempty"`
	// Identity is podIdentity (default) or irsa.
	Identity crossaccountrole.Mode `json:"identity,omitempty"`
	// Admins administer the cluster.
	Admins []string `json:"admins,omitempty"`
	// ServiceAccounts are the team's service accounts and their access.
	ServiceAccounts []crossaccountrole.Spec `json:"serviceAccounts,omitempty"`
	// NodeGroups override the blueprint's node groups field by field.
	NodeGroups []config.NodeGroupOverride `json:"nodeGroups,omitempty"`
	// Quota is the team namespace's quota.
	Quota *tenancy.Quota `json:"quota,omitempty"`
	// Egress opens the namespace's network policy to more destinations.
	Egress []tenancy.EgressRule `json:"egress,omitempty"`
	// PodSecurity is the Pod Security Standard the team's namespace
	// enforces: restricted (default) or baseline.
	PodSecurity string `json:"podSecurity,omitempty"`
	// GitOps bootstraps Flux with the team's repositories.
	GitOps *gitops.Spec `json:"gitops,omitempty"`
	// EndpointAccess overrides defaults.endpointAccess.
	EndpointAccess *clusteraccount.EndpointAccess `json:"endpointAccess,omitempty"`
}

// Shared reports whether the request uses the network account's subnets.
func (r *Request) Shared() bool { return r.Networking == config.Shared }
