package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

// runNetworkStack runs a network stack file's text and returns what it
// registered and its network output.
func runNetworkStack(t *testing.T, text string) ([]mockengine.Resource, map[string]any) {
	t.Helper()
	cfg, err := stackfile.ParseConfig([]byte(text))
	require.NoError(t, err)
	var output map[string]any
	e := testkit.Established(mockengine.New("eks-multi-account", "network"))
	require.NoError(t, e.Run(func(ctx *pulumi.Context) error {
		est, err := stacks.Run(ctx, stacks.Options{})
		if err != nil {
			return err
		}
		v, known, err := testkit.Await(ctx, est.Network.ToMapOutput())
		require.True(t, known)
		output = v.(map[string]any)
		return err
	}, cfg))
	// As the backend keeps it: JSON.
	stored, err := json.Marshal(output)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(stored, &output))
	return e.Resources(), output
}

func TestANetworkStackSharesItsSubnetsWithExactlyItsAccounts(t *testing.T) {
	resources, out := runNetworkStack(t, networkBase)

	for _, r := range resources {
		if r.Custom && !r.IsProvider() {
			assert.Equal(t, "999988887777", r.Account, "%s %s is in the network account", r.Type, r.Name)
		}
	}
	var principals []string
	for _, r := range testkit.OfType(resources, "aws:ram/principalAssociation:PrincipalAssociation") {
		principals = append(principals, testkit.Input(r, "principal"))
	}
	slices.Sort(principals)
	assert.Equal(t, []string{"313131313131", "535353535353"}, principals)
	var shares []string
	for _, r := range testkit.OfType(resources, "aws:ram/resourceShare:ResourceShare") {
		shares = append(shares, r.Name)
	}
	assert.ElementsMatch(t, []string{"network-subnets-share", "network-routing-tgw-share"}, shares, "one share of the subnets, one of the transit gateway")

	vpc := testkit.OfType(resources, "aws:ec2/vpc:Vpc")
	require.Len(t, vpc, 1)
	tgw := testkit.OfType(resources, "aws:ec2transitgateway/transitGateway:TransitGateway")
	require.Len(t, tgw, 1, "the network account owns a transit gateway")
	tables := map[string]any{}
	for _, r := range testkit.OfType(resources, "aws:ec2transitgateway/routeTable:RouteTable") {
		tables[r.Name] = r.ID
	}
	var privateTables []any
	for i := range 3 {
		privateTables = append(privateTables, testkit.Named(t, resources, "aws:ec2/routeTable:RouteTable", fmt.Sprintf("network-private-routes-%d", i)).ID)
	}
	assert.Equal(t, map[string]any{
		"accountId": "999988887777", "region": "us-west-2", "vpcId": vpc[0].ID, "vpcCidr": "10.10.0.0/16",
		"privateSubnetIds": out["privateSubnetIds"], "sharedWith": []any{"313131313131", "535353535353"},
		"privateSubnetZoneIds": []any{"usw2-az1", "usw2-az2", "usw2-az3"},
		"transitGatewayId":     tgw[0].ID, "hubGatewayId": tgw[0].ID,
		"routingDomains":       map[string]any{"default": tables["network-routing-tgw-rt-default"]},
		"hubRouteTableId":      tables["network-routing-tgw-rt-hub"],
		"privateRouteTableIds": privateTables,
		"routedWith":           []any{},
	}, out, "the zone IDs of the private subnets, in their order, and the routing hub")
	var private []string
	for _, r := range testkit.OfType(resources, "aws:ec2/subnet:Subnet") {
		if testkit.Input(r, "tags", "kubernetes.io/role/internal-elb") == "1" {
			private = append(private, r.ID)
			assert.Equal(t, "shared", testkit.Input(r, "tags", "kubernetes.io/cluster/ml"), "tagged for the ml cluster's load balancers")
		}
	}
	assert.ElementsMatch(t, private, out["privateSubnetIds"], "the output lists the private subnets")
	assert.Len(t, private, 3)
}

// vendedOnNetworkStack is a de-centralized stack whose cluster uses the
// network stack's subnets.
const vendedOnNetworkStack = `
config:
  eks-multi-account:model: decentralized
  eks-multi-account:defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
  eks-multi-account:networkAccount: {name: network, accountId: "999988887777", vpcCidr: 10.10.0.0/16}
  eks-multi-account:networkStack: acme/vending/network
  eks-multi-account:workloadAccounts:
    - {name: ml, accountId: "313131313131", networking: shared}
`

// runVended runs the vended stack with the network stack's output.
func runVended(t *testing.T, network map[string]any) ([]mockengine.Resource, error) {
	t.Helper()
	cfg, err := stackfile.ParseConfig([]byte(vendedOnNetworkStack))
	require.NoError(t, err)
	e := testkit.Established(mockengine.New("eks-multi-account", "ml"))
	e.SetStackOutputs("acme/vending/network", map[string]any{stacks.NetworkOutput: network})
	err = e.Run(stacksProgram, cfg)
	return e.Resources(), err
}

func TestAVendedStackUsesTheNetworkStacksSubnets(t *testing.T) {
	_, network := runNetworkStack(t, networkBase)
	resources, err := runVended(t, network)
	require.NoError(t, err)

	assert.Empty(t, testkit.OfType(resources, "aws:ec2/vpc:Vpc"), "the VPC is the network stack's")
	assert.Empty(t, testkit.OfType(resources, "aws:ram/resourceShare:ResourceShare"), "and so is the share")
	refs := testkit.OfType(resources, mockengine.StackReferenceType)
	require.Len(t, refs, 1)
	assert.Equal(t, "acme/vending/network", refs[0].ID)

	clusters := testkit.OfType(resources, "eks:index:Cluster")
	require.Len(t, clusters, 1)
	assert.Equal(t, "313131313131", clusters[0].Account)
	assert.Equal(t, network["privateSubnetIds"], testkit.Value(clusters[0], "privateSubnetIds"))
	assert.Equal(t, network["vpcId"], testkit.Value(clusters[0], "vpcId"))
}

func TestAVendedStackFailsFastOutsideTheNetworkStacksShare(t *testing.T) {
	_, network := runNetworkStack(t, edit(t, networkBase, `- {accountId: "313131313131", cluster: ml}`, ""))
	resources, err := runVended(t, network)
	require.ErrorContains(t, err, "account 313131313131 is not in network stack acme/vending/network's sharedWith output [535353535353]: its subnets are not shared with the account yet; update the network stack first")
	assert.Empty(t, testkit.OfType(resources, "eks:index:Cluster"), "no cluster is registered")

	network["accountId"] = "111122223333"
	_, err = runVended(t, network)
	assert.ErrorContains(t, err, "network stack acme/vending/network is in account 111122223333, not networkAccount.accountId 999988887777")
}

// A vended cluster on the network stack's subnets is checked against their
// zone IDs, which are the clusters' too: EKS must run control planes there.
func TestAVendedStackChecksTheNetworkStacksZones(t *testing.T) {
	_, network := runNetworkStack(t, networkBase)
	network["privateSubnetZoneIds"] = []any{"usw2-az1", "usw2-az1", "usw2-az1"}
	resources, err := runVended(t, network)
	require.ErrorContains(t, err, "network stack acme/vending/network: subnets span 1 zone ID(s) [usw2-az1]; EKS needs subnets in at least 2")
	assert.Empty(t, testkit.OfType(resources, "eks:index:Cluster"), "no cluster is registered")

	delete(network, "privateSubnetZoneIds")
	_, err = runVended(t, network)
	assert.ErrorContains(t, err, "network stack acme/vending/network does not export the zone IDs of its subnets (privateSubnetZoneIds): update it with this version of the library first")
}
