package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// centralized is the validated plan of a centralized stack: cluster
// accounts hosting tenants from workload accounts.
type centralized struct {
	cfg *config.Config
}

// clusterArgs returns the ClusterAccount args of cluster account i: its
// Spec, with the endpoint access of the defaults when it has none, wired
// to its account.
func (m *centralized) clusterArgs(i int, account providers.Account, eksProvider pulumi.ProviderResource) *clusteraccount.Args {
	ca := m.cfg.ClusterAccounts[i]
	spec := ca.Spec
	spec.EndpointAccess = m.cfg.Defaults.EndpointAccessOf(spec.EndpointAccess)
	return &clusteraccount.Args{
		Spec:               spec,
		Account:            account,
		EKSProvider:        eksProvider,
		DeployRoleARN:      m.cfg.Defaults.DeployRoleARN(account.AccountRegion),
		SharedChainingRole: ca.HasSharedChainingRole(),
		Tags:               m.cfg.Defaults.Tags,
	}
}

// validate records every problem of the configuration.
func (m *centralized) validate(ps *validate.Problems) { m.cfg.Validate(ps) }

// apply creates the stack.
func (m *centralized) apply(ctx *pulumi.Context, acc *accounts) (*Estate, error) {
	out := newEstate()
	eksProvider, err := acc.eksProvider()
	if err != nil {
		return nil, err
	}
	clusters := make([]*clusteraccount.ClusterAccount, len(m.cfg.ClusterAccounts))
	for i, ca := range m.cfg.ClusterAccounts {
		account, err := acc.get(ca.AccountID, ca.Region, "")
		if err != nil {
			return nil, err
		}
		c, err := clusteraccount.NewClusterAccount(ctx, ca.Name, m.clusterArgs(i, account, eksProvider))
		if err != nil {
			return nil, err
		}
		clusters[i] = c
		out.cluster(ca.Name, c)
	}
	principals := make([][]string, len(clusters))
	for i, w := range m.cfg.WorkloadAccounts {
		h := m.cfg.Host(w)
		ca := m.cfg.ClusterAccounts[h]
		account, err := acc.get(w.AccountID, ca.Region, "")
		if err != nil {
			return nil, err
		}
		t, err := workloadaccount.NewWorkloadAccount(ctx, w.Name, tenantArgs(m.cfg, i, clusters[h].Ref(), account))
		if err != nil {
			return nil, err
		}
		out.tenant(w.Name, &Tenant{WorkloadAccount: t, Account: account})
		if w.ShareSubnets {
			principals[h] = append(principals[h], w.AccountID)
		}
	}
	for h, ca := range m.cfg.ClusterAccounts {
		if len(principals[h]) == 0 {
			continue
		}
		share, err := sharedsubnets.NewSharedSubnets(ctx, naming.Child(ca.Name, "subnets"), &sharedsubnets.Args{
			Owner:      clusters[h].Ref().Account,
			Subnets:    clusters[h].PrivateSubnets,
			Principals: principals[h],
			Tags:       m.cfg.Defaults.Tags,
		})
		if err != nil {
			return nil, err
		}
		out.share(ca.Name, share)
	}
	for _, w := range m.cfg.WorkloadAccounts {
		if w.ShareSubnets {
			out.Tenants[w.Name].Share = out.Shares[w.ClusterAccount]
		}
	}
	return out, nil
}

// tenantArgs returns the WorkloadAccount args of workload account i's
// tenant on cluster, in account.
func tenantArgs(cfg *config.Config, i int, cluster clusterref.Cluster, account providers.Account) *workloadaccount.Args {
	return &workloadaccount.Args{
		Spec:                  cfg.Tenant(i),
		Cluster:               cluster,
		Account:               account,
		UseSharedChainingRole: cluster.SharedChainingRole != nil,
		Tags:                  cfg.Defaults.Tags,
	}
}
