package stacks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/routing"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
	"github.com/eks-multi-account/eks-multi-account/stacks/charts"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
)

// Type tokens of the de-centralized stack's own components.
const (
	VendedClusterType  = "eks-multi-account:index:VendedCluster"
	NetworkAccountType = "eks-multi-account:index:NetworkAccount"
)

// decentralized is the validated plan of a de-centralized stack: a cluster
// per workload account, vended from a blueprint.
type decentralized struct {
	cfg        *config.Config
	blueprints *blueprints.Registry
}

// clusterSpec is the cluster workload account i gets: named for the
// account, with its blueprint's node groups as the account overrides them,
// and the endpoint access of the defaults when it sets none.
func (m *decentralized) clusterSpec(i int) clusteraccount.Spec {
	w := m.cfg.WorkloadAccounts[i]
	bp, _ := m.blueprints.Get(w.Blueprint)
	spec := clusteraccount.Spec{
		ClusterName:       w.Name,
		KubernetesVersion: w.KubernetesVersion,
		NodeGroups:        bp.WithOverrides(w.NodeGroups),
		Admins:            w.Admins,
		EndpointAccess:    m.cfg.Defaults.EndpointAccessOf(w.EndpointAccess),
	}
	if w.Networking == config.Dedicated {
		spec.VpcCIDR, spec.AvailabilityZones = w.VpcCIDR, w.AvailabilityZones
	}
	return spec
}

// clusterArgs returns the ClusterAccount args of workload account i, in
// account, on the network account's subnets when it uses shared
// networking.
func (m *decentralized) clusterArgs(i int, account providers.Account, eksProvider pulumi.ProviderResource, shared *clusteraccount.ExistingNetwork) *clusteraccount.Args {
	args := &clusteraccount.Args{
		Spec:          m.clusterSpec(i),
		Account:       account,
		EKSProvider:   eksProvider,
		DeployRoleARN: m.cfg.Defaults.DeployRoleARN(account.AccountRegion),
		Tags:          m.cfg.Defaults.Tags,
	}
	if m.cfg.WorkloadAccounts[i].Networking == config.Shared {
		args.ExistingNetwork = shared
	}
	return args
}

// sharedAccounts are the workload accounts on shared networking, each with
// its cluster.
func (m *decentralized) sharedAccounts() []config.SharedAccount {
	var out []config.SharedAccount
	for _, w := range m.cfg.WorkloadAccounts {
		if w.Networking == config.Shared {
			out = append(out, config.SharedAccount{AccountID: w.AccountID, Cluster: w.Name})
		}
	}
	return out
}

// validate records every problem of the configuration, and what needs the
// blueprints to see: an unknown blueprint, a name too long for the roles
// the cluster gets, a node group an override makes invalid (at the
// override's key), and an admin who would take the access entry of the
// deploy role or the node role a second time.
func (m *decentralized) validate(ps *validate.Problems) {
	m.cfg.Validate(ps)
	m.validateCharts(ps)
	for i, w := range m.cfg.WorkloadAccounts {
		p := validate.Index("workloadAccounts", i)
		if _, ok := m.blueprints.Get(w.Blueprint); !ok {
			ps.Addf(p+".blueprint", w.Blueprint, "is not a known blueprint (want one of %s)", strings.Join(m.blueprints.Names(), ", "))
			continue
		}
		spec := m.clusterSpec(i)
		for k, o := range w.NodeGroups {
			j := slices.IndexFunc(spec.NodeGroups, func(ng clusteraccount.NodeGroup) bool { return ng.Name == o.Name })
			spec.NodeGroups[j].Check(validate.Index(p+".nodeGroups", k), ps)
		}
		facts := m.cfg.Defaults.ClusterFacts(partition.AccountRegion{ID: w.AccountID, Region: w.Region}, false)
		if validate.IsDNS1123Label(w.Name) { // else the tenant's Check reports it
			spec.CheckName(p+".name", facts, ps)
		}
		clusterref.CheckAccessEntries(spec.AccessEntries(p, facts), ps)
	}
}

// validateCharts reports a chart source for a chart these stacks never
// install.
func (m *decentralized) validateCharts(ps *validate.Problems) {
	if m.cfg.Charts == nil {
		return
	}
	known := []string{gitops.FluxChart}
	for _, name := range m.blueprints.Names() {
		bp, _ := m.blueprints.Get(name)
		for _, c := range bp.Charts {
			known = append(known, c.Chart)
		}
	}
	slices.Sort(known)
	known = slices.Compact(known)
	for _, name := range slices.Sorted(maps.Keys(m.cfg.Charts.Sources)) {
		if !slices.Contains(known, name) {
			ps.Addf("charts.sources."+name, nil, "is not a chart these stacks install (want one of %s)", strings.Join(known, ", "))
		}
	}
}

// apply creates the stack.
func (m *decentralized) apply(ctx *pulumi.Context, acc *accounts) (*Estate, error) {
	out := newEstate()
	eksProvider, err := acc.eksProvider()
	if err != nil {
		return nil, err
	}
	networks, err := m.applyNetwork(ctx, acc, out)
	if err != nil {
		return nil, err
	}
	for i, w := range m.cfg.WorkloadAccounts {
		account, err := acc.get(w.AccountID, w.Region, "")
		if err != nil {
			return nil, err
		}
		var subnets *clusteraccount.ExistingNetwork
		if w.Networking == config.Shared {
			if subnets, err = networks.sharedWith(w.AccountID); err != nil {
				return nil, err
			}
		}
		b := &vendedBuilder{ctx: ctx, m: m, i: i, account: account, eksProvider: eksProvider, shared: subnets, network: networks, out: out}
		if _, err := lifecycle.Group(ctx, VendedClusterType, w.Name, b.build); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applyNetwork returns where the workload accounts find the network
// account's subnets and transit gateway: the network stack's, read by
// stack reference when an account needs either, or the network account's
// VPC and transit gateway, created here (wherever a network account is,
// it owns a transit gateway), its subnets shared with the accounts on
// shared networking and its gateway with the accounts of routed dedicated
// VPCs; nil without a network account.
func (m *decentralized) applyNetwork(ctx *pulumi.Context, acc *accounts, out *Estate) (networkSource, error) {
	n, shares, routed := m.cfg.NetworkAccount, m.sharedAccounts(), m.routedAccounts()
	switch {
	case n == nil:
		return nil, nil
	case m.cfg.NetworkStack == "":
		return applySharedNetwork(ctx, acc, networkPlan{account: n, shares: shares, routed: routed, tags: m.cfg.Defaults.Tags}, out)
	case len(shares) == 0 && len(routed) == 0:
		return nil, nil
	}
	return readNetworkStack(ctx, m.cfg.NetworkStack, n, func() (providers.Account, error) { return acc.get(n.AccountID, n.Region, "") })
}

// routedAccounts are the accounts whose dedicated VPCs attach to the
// network account's transit gateway.
func (m *decentralized) routedAccounts() []string {
	var out []string
	for _, w := range m.cfg.WorkloadAccounts {
		if m.cfg.Routed(w) {
			out = append(out, w.AccountID)
		}
	}
	return out
}

// destinations are the blocks workload account i's VPC sends to the
// transit gateway: its routeTo, else the network VPC's and those of the
// other routed VPCs of its domain.
func (m *decentralized) destinations(i int) []string {
	w := m.cfg.WorkloadAccounts[i]
	if len(w.RouteTo) > 0 {
		return w.RouteTo
	}
	out := []string{m.cfg.NetworkAccount.VpcCIDR}
	for j, o := range m.cfg.WorkloadAccounts {
		if j != i && m.cfg.Routed(o) && o.RoutingDomain == w.RoutingDomain {
			out = append(out, o.VpcCIDR)
		}
	}
	return out
}

// spoke attaches workload account i's dedicated VPC to the network
// account's transit gateway in its routing domain, and routes it.
func (b *vendedBuilder) spoke(v *vendedCluster, c *clusteraccount.ClusterAccount) error {
	w := b.m.cfg.WorkloadAccounts[b.i]
	hub, err := b.network.hubFor(w.AccountID, w.RoutingDomain)
	if err != nil {
		return err
	}
	var tables []pulumi.StringInput
	for i := range w.AvailabilityZones {
		tables = append(tables, c.PrivateRouteTableIDs.Index(pulumi.Int(i)))
	}
	_, err = routing.NewSpoke(b.ctx, naming.Child(w.Name, "tgw"), &routing.SpokeArgs{
		Account: b.account, Network: hub.network, TransitGatewayID: hub.transitGatewayID,
		VpcID: c.VpcID, CIDR: w.VpcCIDR, SubnetIDs: c.PrivateSubnetIDs, RouteTableIDs: tables,
		Destinations: b.m.destinations(b.i), DomainTableID: hub.domainTableID, HubTableID: hub.hubTableID,
		HubRouteTableIDs: hub.hubRouteTableIDs, HubGatewayID: hub.hubGatewayID, Tags: b.m.cfg.Defaults.Tags,
	}, pulumi.Parent(v))
	return err
}

// vendedCluster groups one workload account's cluster, charts, namespace
// and GitOps bootstrap.
type vendedCluster struct {
	pulumi.ResourceState

	ClusterArn pulumi.StringOutput `pulumi:"clusterArn"`
}

// vendedBuilder is what building one vended cluster needs.
type vendedBuilder struct {
	ctx         *pulumi.Context
	m           *decentralized
	i           int
	account     providers.Account
	eksProvider pulumi.ProviderResource
	shared      *clusteraccount.ExistingNetwork
	network     networkSource
	out         *Estate
}

func (b *vendedBuilder) build(v *vendedCluster) error {
	ctx, m, out := b.ctx, b.m, b.out
	w := m.cfg.WorkloadAccounts[b.i]
	c, err := clusteraccount.NewClusterAccount(ctx, w.Name, m.clusterArgs(b.i, b.account, b.eksProvider, b.shared), pulumi.Parent(v))
	if err != nil {
		return err
	}
	out.cluster(w.Name, c)
	if m.cfg.Routed(w) {
		if err := b.spoke(v, c); err != nil {
			return err
		}
	}
	ref := c.Ref()
	platform, flux, err := b.platform(v, w, c)
	if err != nil {
		return err
	}
	ref.Platform = append(slices.Clone(ref.Platform), platform...)
	t, err := workloadaccount.NewWorkloadAccount(ctx, w.Name, tenantArgs(m.cfg, b.i, ref, b.account), pulumi.Parent(v))
	if err != nil {
		return err
	}
	tenant := &Tenant{WorkloadAccount: t, Account: b.account}
	if w.Networking == config.Shared {
		tenant.Share = out.Shares[m.cfg.NetworkAccount.Name]
	}
	out.tenant(w.Name, tenant)
	// The repositories wait for Flux and for the tenant's namespace.
	if flux != nil {
		g := &gitops.Args{Spec: *w.GitOps, KubernetesProvider: c.KubernetesProvider, ExistingNamespaces: []string{w.Namespace},
			Flux: flux, After: []pulumi.Resource{t.NamespaceResource}}
		if _, err := gitops.NewGitOps(ctx, w.Name, g, pulumi.Parent(v)); err != nil {
			return err
		}
	}
	v.ClusterArn = c.ClusterArn
	return nil
}

// platform installs what the cluster's platform runs, after its nodes and
// add-ons (Helm waits for the charts' pods): the blueprint's charts, and
// Flux when the workload account bootstraps repositories. It returns them
// all, which the tenant's namespace waits for so that a destroy deletes it
// first, and Flux, nil without GitOps.
func (b *vendedBuilder) platform(v *vendedCluster, w config.WorkloadAccount, c *clusteraccount.ClusterAccount) ([]pulumi.Resource, *gitops.Flux, error) {
	m := b.m
	bp, _ := m.blueprints.Get(w.Blueprint)
	var out []pulumi.Resource
	for _, chart := range bp.Charts {
		release := &helmv3.ReleaseArgs{
			Name:            pulumi.String(chart.Name),
			Namespace:       pulumi.String(chart.Namespace),
			CreateNamespace: pulumi.Bool(true),
			Values:          pulumi.ToMap(chart.Values),
		}
		var src charts.Source
		if cfg := m.cfg.Charts; cfg != nil {
			src = cfg.Sources[chart.Chart]
			if cfg.SkipAwait {
				release.SkipAwait = pulumi.Bool(true)
			}
		}
		charts.Locate(release, charts.Chart{Name: chart.Chart, Version: chart.Version, Repository: chart.Repository}, src)
		r, err := helmv3.NewRelease(b.ctx, naming.Child(w.Name, chart.Name), release,
			pulumi.Parent(v), pulumi.Provider(c.KubernetesProvider), pulumi.DependsOn(c.Ready))
		if err != nil {
			return nil, nil, fmt.Errorf("installing %s: %w", chart.Name, err)
		}
		out = append(out, r)
	}
	if w.GitOps == nil {
		return out, nil, nil
	}
	args := &gitops.FluxArgs{KubernetesProvider: c.KubernetesProvider, After: c.Ready}
	if cfg := m.cfg.Charts; cfg != nil {
		args.Source, args.SkipAwait = cfg.Sources[gitops.FluxChart], cfg.SkipAwait
	}
	flux, err := gitops.NewFlux(b.ctx, w.Name, args, pulumi.Parent(v))
	if err != nil {
		return nil, nil, err
	}
	return append(out, flux.Platform...), flux, nil
}
