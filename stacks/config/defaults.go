package config

import (
	"cmp"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/eksversion"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
)

// Defaults applied when a key is left out.
const (
	DefaultDeployRoleName = "OrganizationAccountAccessRole"
	DefaultBlueprint      = "general-purpose"
	DefaultNetworkName    = "network"
	DefaultRoutingDomain  = "default"
)

// DefaultKubernetesVersion is a cluster's Kubernetes version when the stack
// file names none: the newest minor in EKS standard support on the day
// EKS's calendar was last read (package eksversion).
var DefaultKubernetesVersion = eksversion.Default

// DefaultQuota is a tenant's quota when it sets none.
var DefaultQuota = tenancy.Quota{CPU: "8", Memory: "32Gi", Pods: 100}

// DefaultIdentity is the credential mode of a tenant that sets none: Pod
// Identity with role chaining into a centralized tenant's own account, and
// same-account Pod Identity on a de-centralized cluster.
func DefaultIdentity(model string) crossaccountrole.Mode {
	if model == Decentralized {
		return crossaccountrole.PodIdentity
	}
	return crossaccountrole.PodIdentityChain
}

// ApplyDefaults fills in every key left out. It is the one place defaults
// are decided.
func (c *Config) ApplyDefaults() {
	d := &c.Defaults
	d.DeployRoleName = cmp.Or(d.DeployRoleName, DefaultDeployRoleName)
	d.KubernetesVersion = cmp.Or(d.KubernetesVersion, DefaultKubernetesVersion)
	if n := c.NetworkAccount; n != nil {
		n.Name = cmp.Or(n.Name, DefaultNetworkName)
		n.Region = cmp.Or(n.Region, d.Region)
		n.AvailabilityZones = network.Zones(n.AvailabilityZones)
		if len(n.RoutingDomains) == 0 {
			n.RoutingDomains = []string{DefaultRoutingDomain}
		}
	}
	if c.Model == Decentralized || c.Model == NetworkModel {
		c.Routing = cmp.Or(c.Routing, RoutingDomains)
	}
	for i := range c.ClusterAccounts {
		ca := &c.ClusterAccounts[i]
		ca.Region = cmp.Or(ca.Region, d.Region)
		ca.ClusterName = cmp.Or(ca.ClusterName, ca.Name)
		ca.KubernetesVersion = cmp.Or(ca.KubernetesVersion, d.KubernetesVersion)
		ca.AvailabilityZones = network.Zones(ca.AvailabilityZones)
		ca.ChainingRole = cmp.Or(ca.ChainingRole, PerServiceAccount)
	}
	for i := range c.WorkloadAccounts {
		w := &c.WorkloadAccounts[i]
		w.Namespace = cmp.Or(w.Namespace, w.Name)
		w.Identity = cmp.Or(w.Identity, DefaultIdentity(c.Model))
		if w.Quota == (tenancy.Quota{}) {
			w.Quota = DefaultQuota
		}
		if c.Model != Decentralized {
			continue
		}
		w.Networking = cmp.Or(w.Networking, Dedicated)
		if w.Networking == Shared && c.NetworkAccount != nil {
			w.Region = cmp.Or(w.Region, c.NetworkAccount.Region)
		}
		w.Region = cmp.Or(w.Region, d.Region)
		w.Blueprint = cmp.Or(w.Blueprint, DefaultBlueprint)
		w.KubernetesVersion = cmp.Or(w.KubernetesVersion, d.KubernetesVersion)
		w.AvailabilityZones = network.Zones(w.AvailabilityZones)
		if c.Routed(*w) && len(c.NetworkAccount.RoutingDomains) == 1 {
			w.RoutingDomain = cmp.Or(w.RoutingDomain, c.NetworkAccount.RoutingDomains[0])
		}
		if w.GitOps != nil {
			for j := range w.GitOps.Repositories {
				r := &w.GitOps.Repositories[j]
				r.Branch = cmp.Or(r.Branch, gitops.DefaultBranch)
				r.Path = cmp.Or(r.Path, gitops.DefaultPath)
				r.Namespace = cmp.Or(r.Namespace, r.Team)
			}
		}
	}
}

// Routed reports whether a de-centralized workload account's VPC attaches
// to the network account's transit gateway: a dedicated VPC in the network
// account's region (transit gateways are regional).
func (c *Config) Routed(w WorkloadAccount) bool {
	return c.Model == Decentralized && w.Networking == Dedicated && c.NetworkAccount != nil && w.Region == c.NetworkAccount.Region
}

// PreflightOn reports whether the stack reads quotas and prerequisites
// before it registers anything: unless defaults.preflight is false.
func (d Defaults) PreflightOn() bool { return d.Preflight == nil || *d.Preflight }

// DeployRoleARN is the role the deployer assumes in an account.
func (d Defaults) DeployRoleARN(account partition.AccountRegion) string {
	return account.RoleARN("/", d.DeployRoleName)
}

// EndpointAccessOf returns how a cluster's API is reached: the cluster's own
// endpointAccess, else the defaults', else nil (a configuration error).
func (d Defaults) EndpointAccessOf(own *clusteraccount.EndpointAccess) *clusteraccount.EndpointAccess {
	return cmp.Or(own, d.EndpointAccess)
}
