package config

import (
	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
)

// Host returns the index of the cluster account hosting a centralized
// tenant, -1 when it names none that is configured.
func (c *Config) Host(w WorkloadAccount) int {
	for i, ca := range c.ClusterAccounts {
		if ca.Name == w.ClusterAccount {
			return i
		}
	}
	return -1
}

// Tenant returns workload account i's tenant as its cluster runs it. In the
// de-centralized model the account's admins administer its whole cluster,
// so the namespace gets no admins of its own.
func (c *Config) Tenant(i int) workloadaccount.Spec {
	spec := c.WorkloadAccounts[i].Spec
	if c.Model == Decentralized {
		spec.Admins = nil
	}
	return spec
}

// TenantFacts returns where workload account i's tenant runs: on its host
// cluster account's cluster (centralized; an unknown cluster when the host
// is not configured), or on its own cluster (de-centralized).
func (c *Config) TenantFacts(i int) workloadaccount.Facts {
	w := c.WorkloadAccounts[i]
	if c.Model == Decentralized {
		own := partition.AccountRegion{ID: w.AccountID, Region: w.Region}
		return workloadaccount.Facts{Cluster: clusterref.Facts{Name: w.Name, Account: own}, Account: own}
	}
	h := c.Host(w)
	if h < 0 {
		return workloadaccount.Facts{Account: partition.AccountRegion{ID: w.AccountID, Region: c.Defaults.Region}}
	}
	ca := c.ClusterAccounts[h]
	return workloadaccount.Facts{
		Cluster: clusterref.Facts{
			Name:               ca.ClusterName,
			Account:            ca.Place(),
			SharedChainingRole: ca.HasSharedChainingRole(),
			FargateNamespaces:  ca.FargateNamespaces(),
		},
		Account:               partition.AccountRegion{ID: w.AccountID, Region: ca.Region},
		UseSharedChainingRole: ca.HasSharedChainingRole(),
	}
}

// Place is the cluster account's ID and region.
func (ca ClusterAccount) Place() partition.AccountRegion {
	return partition.AccountRegion{ID: ca.AccountID, Region: ca.Region}
}

// HasSharedChainingRole reports whether the cluster gets a shared chaining
// role.
func (ca ClusterAccount) HasSharedChainingRole() bool { return ca.ChainingRole == SharedChaining }

// ClusterFacts returns what a cluster account's checks need beyond its
// Spec.
func (c *Config) ClusterFacts(ca ClusterAccount) clusteraccount.Facts {
	return c.Defaults.ClusterFacts(ca.Place(), ca.HasSharedChainingRole())
}

// ClusterFacts returns what the checks of a cluster in account need beyond
// its Spec: the account, the deploy role that creates the cluster, and
// whether it gets a shared chaining role.
func (d Defaults) ClusterFacts(account partition.AccountRegion, sharedChainingRole bool) clusteraccount.Facts {
	return clusteraccount.Facts{Account: account, DeployRoleARN: d.DeployRoleARN(account), SharedChainingRole: sharedChainingRole}
}
