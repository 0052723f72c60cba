package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// centralized is the validated plan of a centralized stack: cluster
// accounts hosting tenants from workload accounts.
type centralized struct {
	cfg *config.Config
}

// clusterArgs returns the ClusterAccount args of cluster account i in
// account.
func (m *centralized) clusterArgs(i int, account providers.Account, eksProvider pulumi.ProviderResource) *clusteraccount.Args {
	ca := m.cfg.ClusterAccounts[i]
	return &clusteraccount.Args{
		Account:            account,
		EKSProvider:        eksProvider,
		ClusterName:        ca.ClusterName,
		KubernetesVersion:  ca.KubernetesVersion,
		DeployRoleARN:      deployRoleARN(m.cfg.Defaults, account),
		VPC:                &clusteraccount.VPC{CIDR: ca.VpcCIDR, AvailabilityZones: ca.AvailabilityZones, SingleNATGateway: ca.SingleNatGateway},
		NodeGroups:         nodeGroups(ca.NodeGroups),
		FargateProfiles:    fargateProfiles(ca.FargateProfiles),
		AdminRoleARNs:      ca.Admins,
		SharedChainingRole: ca.ChainingRole == config.SharedChaining,
		EndpointAccess:     endpointAccess(m.cfg.Defaults, ca.EndpointAccess),
		Tags:               m.cfg.Defaults.Tags,
	}
}

// host returns the index of the cluster account hosting tenant w.
func (m *centralized) host(w config.WorkloadAccount) int {
	for i, ca := range m.cfg.ClusterAccounts {
		if ca.Name == w.ClusterAccount {
			return i
		}
	}
	return -1
}

// validate records every problem of the configuration and of the
// arguments each component would get.
func (m *centralized) validate(ps *validate.Problems) {
	m.cfg.Validate(ps)
	m.checkAccessEntries(ps)
	checks := newComponentChecks(ps)
	for i, ca := range m.cfg.ClusterAccounts {
		account := placeholderAccount(ca.AccountID, ca.Region)
		checks.nest(validate.Index("clusterAccounts", i), m.clusterArgs(i, account, placeholderProvider).Validate(), clusterPaths)
	}
	chainingSize := make([]int, len(m.cfg.ClusterAccounts))
	for i, w := range m.cfg.WorkloadAccounts {
		cluster, h := m.placeholderHost(w)
		args := tenantArgs(w, cluster, placeholderAccount(w.AccountID, cluster.Account.Region), m.cfg.Defaults.Tags)
		checks.nest(validate.Index("workloadAccounts", i), args.Validate(), tenantPaths)
		if h >= 0 && cluster.SharedChainingRole != nil && w.Identity == string(crossaccountrole.PodIdentityChain) {
			text, _ := trust.ChainingPermissions(args.Account.RolePathARN(naming.RolePath(cluster.Name))).JSON()
			chainingSize[h] += iampolicy.Size(text) + len("chain-to-") + len(w.AccountID)
		}
	}
	for h, size := range chainingSize {
		if size > iampolicy.InlineRolePoliciesLimit {
			ps.Addf(validate.Index("clusterAccounts", h)+".chainingRole", config.SharedChaining,
				"gives the shared chaining role %d characters of inline policies, over IAM's %d; use perServiceAccount or another cluster account",
				size, iampolicy.InlineRolePoliciesLimit)
		}
	}
}

// unknownHost stands in for the cluster of a tenant whose cluster account
// is unknown (a problem reported on its own), so that the tenant's other
// problems are still found. Its name is as short as a name can be, so no
// generated name or policy built from it is too long on its account.
const unknownHost = "c"

// placeholderHost describes, for validation, the cluster that hosts tenant
// w, and its index in the cluster accounts (-1 when it is unknown).
func (m *centralized) placeholderHost(w config.WorkloadAccount) (clusterref.Cluster, int) {
	h := m.host(w)
	if h < 0 {
		return placeholderCluster(unknownHost, placeholderAccount("000000000000", m.cfg.Defaults.Region), false, nil), h
	}
	ca := m.cfg.ClusterAccounts[h]
	return placeholderCluster(ca.ClusterName, placeholderAccount(ca.AccountID, ca.Region), ca.ChainingRole == config.SharedChaining, fargateNamespaces(ca)), h
}

// checkAccessEntries records every principal that would get a second
// access entry on a cluster: the deploy role, the node and Fargate roles,
// the cluster's admins and its tenants' admins each get one, and EKS
// refuses a second.
func (m *centralized) checkAccessEntries(ps *validate.Problems) {
	for h, ca := range m.cfg.ClusterAccounts {
		prefix := validate.Index("clusterAccounts", h)
		entries := entriesAt(prefix, m.clusterArgs(h, placeholderAccount(ca.AccountID, ca.Region), placeholderProvider).AccessEntries(), clusterPaths)
		for i, w := range m.cfg.WorkloadAccounts {
			if m.host(w) != h {
				continue
			}
			for j, arn := range w.Admins {
				path := validate.Index(validate.Index("workloadAccounts", i)+".admins", j)
				entries = append(entries, clusterref.AccessEntry{PrincipalARN: arn, Path: path, Holder: path})
			}
		}
		clusterref.CheckAccessEntries(entries, ps)
	}
}

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
	for _, w := range m.cfg.WorkloadAccounts {
		h := m.host(w)
		ca := m.cfg.ClusterAccounts[h]
		account, err := acc.get(w.AccountID, ca.Region, "")
		if err != nil {
			return nil, err
		}
		t, err := workloadaccount.NewWorkloadAccount(ctx, w.Name, tenantArgs(w, clusters[h].Ref(), account, m.cfg.Defaults.Tags))
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

// tenantArgs returns the WorkloadAccount args of a tenant on cluster.
func tenantArgs(w config.WorkloadAccount, cluster clusterref.Cluster, account providers.Account, tags map[string]string) *workloadaccount.Args {
	sas := make([]workloadaccount.ServiceAccount, len(w.ServiceAccounts))
	for i, sa := range w.ServiceAccounts {
		sas[i] = workloadaccount.ServiceAccount{
			Name:                   sa.Name,
			Identity:               crossaccountrole.Mode(sa.Identity),
			RoleName:               sa.RoleName,
			ManagedPolicyArns:      sa.ManagedPolicyArns,
			Policy:                 string(sa.Policy),
			SessionDurationSeconds: sa.SessionDurationSeconds,
		}
	}
	return &workloadaccount.Args{
		Tenant:                w.Name,
		Cluster:               cluster,
		Account:               account,
		Namespace:             w.Namespace,
		Identity:              crossaccountrole.Mode(w.Identity),
		UseSharedChainingRole: cluster.SharedChainingRole != nil,
		Quota:                 tenancy.Quota{CPU: w.Quota.CPU, Memory: w.Quota.Memory, Pods: w.Quota.Pods},
		Admins:                w.Admins,
		ServiceAccounts:       sas,
		Egress:                egressRules(w.Egress),
		Tags:                  tags,
	}
}

// egressRules converts a tenant's configured egress rules.
func egressRules(rules []config.EgressRule) []tenancy.EgressRule {
	out := make([]tenancy.EgressRule, len(rules))
	for i, r := range rules {
		out[i] = tenancy.EgressRule{CIDRs: r.CIDRs}
		for _, p := range r.Ports {
			out[i].Ports = append(out[i].Ports, tenancy.Port{Port: p.Port, Protocol: p.Protocol})
		}
	}
	return out
}

// nodeGroups converts configured node groups (absent sizes are zero).
func nodeGroups(ngs []config.NodeGroup) []clusteraccount.NodeGroup {
	return blueprints.Blueprint{}.WithOverrides(ngs)
}

func fargateProfiles(fps []config.FargateProfile) []clusteraccount.FargateProfile {
	out := make([]clusteraccount.FargateProfile, len(fps))
	for i, fp := range fps {
		out[i] = clusteraccount.FargateProfile{Name: fp.Name, Namespaces: fp.Namespaces}
	}
	return out
}

func fargateNamespaces(ca config.ClusterAccount) []string {
	var out []string
	for _, fp := range ca.FargateProfiles {
		out = append(out, fp.Namespaces...)
	}
	return out
}
