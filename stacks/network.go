package stacks

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
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
	shared, err := applySharedNetwork(ctx, acc, n, m.cfg.ShareWith, m.cfg.Defaults.Tags, out)
	if err != nil {
		return nil, err
	}
	out.Network = pulumi.Map{
		"accountId":        pulumi.String(n.AccountID),
		"region":           pulumi.String(n.Region),
		"vpcId":            shared.vpcID,
		"privateSubnetIds": shared.subnetIDs,
		// The zone IDs of the private subnets, in their order: a vended
		// cluster checks them against the zones where EKS runs clusters.
		"privateSubnetZoneIds": pulumi.ToStringArray(shared.zoneIDs),
		"sharedWith":           shared.accounts(),
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

// subnetSource is where workload accounts on shared networking find the
// subnets shared with them.
type subnetSource interface {
	// sharedWith describes the subnets shared with an account, or fails
	// for an account they are not shared with.
	sharedWith(account string) (*clusteraccount.ExistingNetwork, error)
}

// sharedNetwork is the network account's VPC and the share of its private
// subnets, created by this stack.
type sharedNetwork struct {
	vpcID      pulumi.StringOutput
	subnetIDs  pulumi.StringArrayOutput
	zoneIDs    []string
	share      *sharedsubnets.SharedSubnets
	principals []string
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
	var waits []any
	for _, p := range n.principals {
		ids, _ := n.share.SharedWith(p)
		waits = append(waits, ids)
	}
	principals := slices.Clone(n.principals)
	slices.Sort(principals)
	return pulumi.All(waits...).ApplyT(func([]any) []string { return principals }).(pulumi.StringArrayOutput)
}

// applySharedNetwork creates the network account's VPC and shares its
// private subnets with the accounts.
func applySharedNetwork(ctx *pulumi.Context, acc *accounts, n *config.NetworkAccount, shares []config.SharedAccount, tags map[string]string, out *Estate) (*sharedNetwork, error) {
	account, err := acc.get(n.AccountID, n.Region, "")
	if err != nil {
		return nil, err
	}
	var principals []string
	for _, s := range shares {
		principals = append(principals, s.AccountID)
	}
	var shared *sharedNetwork
	_, err = lifecycle.Group(ctx, NetworkAccountType, n.Name, func(na *networkAccount) error {
		vpc, err := network.New(ctx, n.Name, networkArgs(n, account, shares, tags), na)
		if err != nil {
			return err
		}
		shared = &sharedNetwork{vpcID: vpc.VpcID, subnetIDs: vpc.PrivateIDs, zoneIDs: vpc.ZoneIDs, principals: principals}
		na.VpcID = vpc.VpcID
		if len(principals) == 0 {
			na.ShareArn = pulumi.String("").ToStringOutput()
			return nil
		}
		share, err := sharedsubnets.NewSharedSubnets(ctx, naming.Child(n.Name, "subnets"), &sharedsubnets.Args{
			Owner: account, Subnets: vpc.Private, Principals: principals, Tags: tags,
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
	return Network{AccountID: str("accountId"), Region: str("region"), VpcID: str("vpcId"),
		PrivateSubnetIDs: list("privateSubnetIds"), PrivateSubnetZoneIDs: list("privateSubnetZoneIds"), SharedWith: list("sharedWith")}, true
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

// referencedNetwork is a network stack's subnets, read by stack reference.
type referencedNetwork struct {
	stack string
	Network
}

// readNetworkStack reads the network stack's output, which must be the
// network account's: a vended stack fails fast rather than create a
// cluster in subnets that are not there.
func readNetworkStack(ctx *pulumi.Context, stack string, n *config.NetworkAccount) (*referencedNetwork, error) {
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
	return &referencedNetwork{stack: stack, Network: out}, nil
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
