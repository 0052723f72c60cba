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
			Account:            partition.AccountRegion{ID: ca.AccountID, Region: ca.Region},
			SharedChainingRole: ca.ChainingRole == SharedChaining,
			FargateNamespaces:  ca.FargateNamespaces(),
		},
		Account:               partition.AccountRegion{ID: w.AccountID, Region: ca.Region},
		UseSharedChainingRole: ca.ChainingRole == SharedChaining,
	}
}

// ClusterFacts returns what a cluster account's checks need beyond its
// Spec: its account and region, and the deploy role that creates it.
func (c *Config) ClusterFacts(ca ClusterAccount) clusteraccount.Facts {
	account := partition.AccountRegion{ID: ca.AccountID, Region: ca.Region}
	return clusteraccount.Facts{Account: account, DeployRoleARN: c.Defaults.DeployRoleARN(account), SharedChainingRole: ca.ChainingRole == SharedChaining}
}
