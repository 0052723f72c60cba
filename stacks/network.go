package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/routing"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// Stack outputs other programs read: a network stack's, which vended
// clusters read by stack reference, and the clusters of the other models
// (per cluster: name, arn, oidcIssuerUrl, kubeconfig).
const (
	NetworkOutput  = "network"
	ClustersOutput = "clusters"
)

// networkModel is the validated plan of a network stack: the network
// account's VPC and one share of its private subnets with exactly the
// accounts of vended clusters on shared networking.
type networkModel struct {
	cfg *config.Config
}

// validate records every problem of the configuration, the network
// account's VPC included.
func (m *networkModel) validate(ps *validate.Problems) { m.cfg.Validate(ps) }

// apply creates the VPC and the share, and exports what vended clusters
// read: the share lists an account in sharedWith only once both of its
// associations (the account's, and every subnet's) exist.
func (m *networkModel) apply(ctx *pulumi.Context, acc *accounts) (*Estate, error) {
	out := newEstate()
	n := m.cfg.NetworkAccount
	var routed []string
	for _, r := range m.cfg.RouteWith {
		routed = append(routed, r.AccountID)
	}
	shared, err := applySharedNetwork(ctx, acc, networkPlan{account: n, shares: m.cfg.ShareWith, routed: routed, tags: m.cfg.Defaults.Tags}, out)
	if err != nil {
		return nil, err
	}
	out.Network = pulumi.Map{
		"accountId":        pulumi.String(n.AccountID),
		"region":           pulumi.String(n.Region),
		"vpcId":            shared.vpcID,
		"vpcCidr":          pulumi.String(n.VpcCIDR),
		"privateSubnetIds": shared.subnetIDs,
		// The zone IDs of the private subnets, in their order: a vended
		// cluster checks them against the zones where EKS runs clusters.
		"privateSubnetZoneIds": pulumi.ToStringArray(shared.zoneIDs),
		"sharedWith":           shared.accounts(),
		// What a vended dedicated VPC attaches to and routes through.
		"transitGatewayId":     shared.hub.TransitGatewayID,
		"routingDomains":       shared.hub.DomainTableIDs,
		"hubRouteTableId":      shared.hub.HubTableID,
		"hubGatewayId":         shared.hub.AttachedGatewayID,
		"privateRouteTableIds": shared.routeTables,
		"routedWith":           shared.routedAccounts(),
	}
	return out, nil
}

// networkArgs describes the network account's VPC, its subnets tagged for
// the clusters of the accounts it is shared with.
func networkArgs(n *config.NetworkAccount, account providers.Account, shares []config.SharedAccount, tags map[string]string) network.Args {
	var clusters []string
	for _, s := range shares {
		clusters = append(clusters, s.Cluster)
	}
	return network.Args{
		Account: account, CIDR: n.VpcCIDR, AvailabilityZones: n.AvailabilityZones,
		ClusterNames: clusters, NamePrefix: n.Name, Tags: tags,
	}
}

// networkSource is where a de-centralized stack's workload accounts find
// the network account's subnets and transit gateway.
type networkSource interface {
	subnetSource
	hubSource
}

// subnetSource is where workload accounts on shared networking find the
// subnets shared with them.
type subnetSource interface {
	// sharedWith describes the subnets shared with an account, or fails
	// for an account they are not shared with.
	sharedWith(account string) (*clusteraccount.ExistingNetwork, error)
}

// hubSource is where dedicated VPCs find the transit gateway they attach
// to.
type hubSource interface {
	// hubFor describes the hub to a VPC of an account in a routing domain,
	// or fails for an account the gateway is not shared with.
	hubFor(account, domain string) (*hubEnd, error)
}

// hubEnd is what a spoke needs of its hub.
type hubEnd struct {
	// network is the account owning the gateway.
	network providers.Account
	// transitGatewayID is the gateway as shared with the spoke's account.
	transitGatewayID pulumi.StringInput
	// domainTableID and hubTableID are the domain's and the hub's route
	// tables; hubGatewayID the target of the hub VPC's routes.
	domainTableID, hubTableID, hubGatewayID pulumi.StringInput
	// hubRouteTableIDs are the network VPC's private route tables.
	hubRouteTableIDs []pulumi.StringInput
}

// networkPlan is what the network account's stack part creates: its VPC,
// the share of its subnets with the accounts of shares, and its transit
// gateway, shared with the accounts of routed.
type networkPlan struct {
	account *config.NetworkAccount
	shares  []config.SharedAccount
	routed  []string
	tags    map[string]string
}

// sharedNetwork is the network account's VPC, the share of its private
// subnets and its routing hub, created by this stack.
type sharedNetwork struct {
	plan        networkPlan
	account     providers.Account
	vpcID       pulumi.StringOutput
	subnetIDs   pulumi.StringArrayOutput
	zoneIDs     []string
	share       *sharedsubnets.SharedSubnets
	principals  []string
	hub         *routing.Hub
	routeTables pulumi.StringArrayOutput
}

// hubFor describes the hub to an account's VPC in a domain.
func (n *sharedNetwork) hubFor(account, domain string) (*hubEnd, error) {
	tgw := n.hub.TransitGatewayID
	if account != n.account.ID {
		var err error
		if tgw, err = n.hub.SharedWith(account); err != nil {
			return nil, err
		}
	}
	table, ok := n.hub.DomainTableID(domain)
	if !ok {
		return nil, fmt.Errorf("the network account has no routing domain %s", domain)
	}
	end := &hubEnd{network: n.account, transitGatewayID: tgw, domainTableID: table,
		hubTableID: n.hub.HubTableID, hubGatewayID: n.hub.AttachedGatewayID}
	for i := range n.plan.account.AvailabilityZones {
		end.hubRouteTableIDs = append(end.hubRouteTableIDs, n.routeTables.Index(pulumi.Int(i)))
	}
	return end, nil
}

// routedAccounts lists the accounts the gateway is shared with, known once
// each is associated (the network account's own needs no share).
func (n *sharedNetwork) routedAccounts() pulumi.StringArrayOutput {
	return sharedOnce(n.plan.routed, func(p string) (any, bool) {
		id, err := n.hub.SharedWith(p)
		return id, err == nil
	})
}

// sharedOnce lists accounts, sorted and each once, as an output known once
// every wait of theirs is (a share's association with the account); an
// account without one is listed at once.
func sharedOnce(accounts []string, wait func(string) (any, bool)) pulumi.StringArrayOutput {
	var waits []any
	for _, a := range accounts {
		if w, ok := wait(a); ok {
			waits = append(waits, w)
		}
	}
	listed := append([]string{}, accounts...)
	slices.Sort(listed)
	listed = slices.Compact(listed)
	return pulumi.All(waits...).ApplyT(func([]any) []string { return listed }).(pulumi.StringArrayOutput)
}

// sharedWith describes the subnets shared with an account, as outputs that
// are known only once the subnets and the account are associated with the
// share: a cluster (and its security groups) created in subnets not yet
// shared with its account would fail.
func (n *sharedNetwork) sharedWith(account string) (*clusteraccount.ExistingNetwork, error) {
	ids, err := n.share.SharedWith(account)
	if err != nil {
		return nil, err
	}
	return &clusteraccount.ExistingNetwork{
		VpcID:            pulumi.All(n.vpcID, ids).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput),
		PrivateSubnetIDs: ids,
	}, nil
}

// accounts lists the accounts the subnets are shared with, known once
// every association exists.
func (n *sharedNetwork) accounts() pulumi.StringArrayOutput {
	return sharedOnce(n.principals, func(p string) (any, bool) {
		ids, err := n.share.SharedWith(p)
		return ids, err == nil
	})
}

// applySharedNetwork creates the network account's VPC, shares its private
// subnets with the accounts of the plan's shares, and creates its transit
// gateway and routing domains.
func applySharedNetwork(ctx *pulumi.Context, acc *accounts, plan networkPlan, out *Estate) (*sharedNetwork, error) {
	n := plan.account
	account, err := acc.get(n.AccountID, n.Region, "")
	if err != nil {
		return nil, err
	}
	var principals []string
	for _, s := range plan.shares {
		principals = append(principals, s.AccountID)
	}
	shared := &sharedNetwork{plan: plan, account: account, principals: principals}
	_, err = lifecycle.Group(ctx, NetworkAccountType, n.Name, func(na *networkAccount) error {
		vpc, err := network.New(ctx, n.Name, networkArgs(n, account, plan.shares, plan.tags), na)
		if err != nil {
			return err
		}
		shared.vpcID, shared.subnetIDs, shared.zoneIDs, shared.routeTables = vpc.VpcID, vpc.PrivateIDs, vpc.ZoneIDs, vpc.PrivateRouteTableIDs
		na.VpcID = vpc.VpcID
		if shared.hub, err = newHub(ctx, plan, account, vpc, na); err != nil {
			return err
		}
		if len(principals) == 0 {
			na.ShareArn = pulumi.String("").ToStringOutput()
			return nil
		}
		share, err := sharedsubnets.NewSharedSubnets(ctx, naming.Child(n.Name, "subnets"), &sharedsubnets.Args{
			Owner: account, Subnets: vpc.Private, Principals: principals, Tags: plan.tags,
		}, pulumi.Parent(na))
		if err != nil {
			return err
		}
		out.share(n.Name, share)
		shared.share, shared.subnetIDs, na.ShareArn = share, share.SubnetIDs, share.ShareArn
		return nil
	})
	return shared, err
}

// newHub creates the network account's transit gateway, with a route table
// per routing domain (one with flat routing), shared with the routed
// accounts, the network VPC attached in its private subnets.
func newHub(ctx *pulumi.Context, plan networkPlan, account providers.Account, vpc *network.Network, parent pulumi.Resource) (*routing.Hub, error) {
	var principals []string
	for _, p := range plan.routed {
		if p != account.ID && !slices.Contains(principals, p) {
			principals = append(principals, p)
		}
	}
	return routing.NewHub(ctx, naming.Child(plan.account.Name, "routing"), &routing.HubArgs{
		Owner: account, VpcID: vpc.VpcID, SubnetIDs: vpc.RoutedPrivateIDs,
		Domains: plan.account.RoutingDomains, Principals: principals, Tags: plan.tags,
	}, pulumi.Parent(parent))
}

// networkAccount groups the network account's VPC and share.
type networkAccount struct {
	pulumi.ResourceState

	VpcID    pulumi.StringOutput `pulumi:"vpcId"`
	ShareArn pulumi.StringOutput `pulumi:"shareArn"`
}

// Network is a network stack's output, as another stack or program reads
// it.
type Network struct {
	AccountID        string
	Region           string
	VpcID            string
	PrivateSubnetIDs []string
	// PrivateSubnetZoneIDs are the zone IDs of the private subnets, in
	// their order.
	PrivateSubnetZoneIDs []string
	// SharedWith lists the accounts whose associations all exist.
	SharedWith []string
	// VpcCIDR is the VPC's block.
	VpcCIDR string
	// TransitGatewayID is the routing hub's gateway; RoutingDomains its
	// route tables by domain, HubRouteTableID the network VPC's, and
	// HubGatewayID the gateway once the network VPC is attached.
	TransitGatewayID, HubRouteTableID, HubGatewayID string
	RoutingDomains                                  map[string]string
	// PrivateRouteTableIDs are the private subnets' route tables, in
	// their order.
	PrivateRouteTableIDs []string
	// RoutedWith lists the accounts the gateway is shared with.
	RoutedWith []string
}

// ReadNetwork decodes a network stack's output as the backend returns it
// (a map of JSON values); ok is false when v is not one.
func ReadNetwork(v any) (n Network, ok bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return Network{}, false
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	list := func(k string) []string { l, _ := stringList(m, k); return l }
	domains := map[string]string{}
	if d, isMap := m["routingDomains"].(map[string]any); isMap {
		for k, v := range d {
			domains[k], _ = v.(string)
		}
	}
	return Network{AccountID: str("accountId"), Region: str("region"), VpcID: str("vpcId"),
		PrivateSubnetIDs: list("privateSubnetIds"), PrivateSubnetZoneIDs: list("privateSubnetZoneIds"), SharedWith: list("sharedWith"),
		VpcCIDR: str("vpcCidr"), TransitGatewayID: str("transitGatewayId"), HubRouteTableID: str("hubRouteTableId"), HubGatewayID: str("hubGatewayId"),
		RoutingDomains: domains, PrivateRouteTableIDs: list("privateRouteTableIds"), RoutedWith: list("routedWith")}, true
}

// stringList reads a list of strings from a stack output as the backend
// returns it (JSON values): the strings of m[key], and whether it is a
// list at all.
func stringList(m map[string]any, key string) ([]string, bool) {
	items, ok := m[key].([]any)
	out := make([]string, 0, len(items))
	for _, item := range items {
		if s, isString := item.(string); isString {
			out = append(out, s)
		}
	}
	return out, ok
}

// referencedNetwork is a network stack's subnets and routing hub, read by
// stack reference.
type referencedNetwork struct {
	stack string
	// account gives the network account's provider, made only for a
	// stack that routes through the hub.
	account func() (providers.Account, error)
	Network
}

// readNetworkStack reads the network stack's output, which must be the
// network account's: a vended stack fails fast rather than create a
// cluster in subnets that are not there.
func readNetworkStack(ctx *pulumi.Context, stack string, n *config.NetworkAccount, account func() (providers.Account, error)) (*referencedNetwork, error) {
	ref, err := pulumi.NewStackReference(ctx, stack, nil)
	if err != nil {
		return nil, err
	}
	details, err := ref.GetOutputDetails(NetworkOutput)
	if err != nil {
		return nil, fmt.Errorf("reading network stack %s: %w", stack, err)
	}
	out, ok := ReadNetwork(details.Value)
	switch {
	case !ok:
		return nil, fmt.Errorf("network stack %s has no %q output: is it a network stack (model: network), and deployed?", stack, NetworkOutput)
	case out.AccountID != n.AccountID:
		return nil, fmt.Errorf("network stack %s is in account %s, not networkAccount.accountId %s", stack, out.AccountID, n.AccountID)
	case out.Region != n.Region:
		return nil, fmt.Errorf("network stack %s is in region %s, not networkAccount.region %s", stack, out.Region, n.Region)
	case len(out.PrivateSubnetZoneIDs) == 0:
		return nil, fmt.Errorf("network stack %s does not export the zone IDs of its subnets (privateSubnetZoneIds): update it with this version of the library first", stack)
	}
	// Zone IDs are the same in every account, so the network account's
	// are the clusters': EKS must run control planes in them.
	if err := network.CheckClusterZones(out.Region, out.PrivateSubnetZoneIDs, "network stack "+stack); err != nil {
		return nil, err
	}
	return &referencedNetwork{stack: stack, account: account, Network: out}, nil
}

// hubFor fails for an account the network stack does not yet list in
// routedWith: its gateway is not shared with the account, so its
// attachment would be refused.
func (n *referencedNetwork) hubFor(account, domain string) (*hubEnd, error) {
	switch {
	case n.TransitGatewayID == "":
		return nil, fmt.Errorf("network stack %s exports no transitGatewayId: update it with this version of the library first", n.stack)
	case account != n.AccountID && !slices.Contains(n.RoutedWith, account):
		return nil, fmt.Errorf("account %s is not in network stack %s's routedWith output %v: its transit gateway is not shared with the account yet; update the network stack first", account, n.stack, n.RoutedWith)
	}
	table, ok := n.RoutingDomains[domain]
	if !ok {
		return nil, fmt.Errorf("network stack %s has no routing domain %s (it has %v): update the network stack first", n.stack, domain, slices.Sorted(maps.Keys(n.RoutingDomains)))
	}
	owner, err := n.account()
	if err != nil {
		return nil, err
	}
	end := &hubEnd{network: owner, transitGatewayID: pulumi.String(n.TransitGatewayID), domainTableID: pulumi.String(table),
		hubTableID: pulumi.String(n.HubRouteTableID), hubGatewayID: pulumi.String(n.HubGatewayID)}
	for _, id := range n.PrivateRouteTableIDs {
		end.hubRouteTableIDs = append(end.hubRouteTableIDs, pulumi.String(id))
	}
	return end, nil
}

// sharedWith fails for an account the network stack does not yet list:
// its RAM associations do not exist, so its cluster could not be created.
func (n *referencedNetwork) sharedWith(account string) (*clusteraccount.ExistingNetwork, error) {
	if !slices.Contains(n.SharedWith, account) {
		return nil, fmt.Errorf("account %s is not in network stack %s's sharedWith output %v: its subnets are not shared with the account yet; update the network stack first", account, n.stack, n.SharedWith)
	}
	return &clusteraccount.ExistingNetwork{
		VpcID:            pulumi.String(n.VpcID).ToStringOutput(),
		PrivateSubnetIDs: pulumi.ToStringArray(n.PrivateSubnetIDs).ToStringArrayOutput(),
	}, nil
}
