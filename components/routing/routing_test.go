package routing_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/routing"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

const (
	networkID = "999988887777"
	spokeID   = "535353535353"
	region    = "us-west-2"
)

// hubAndSpoke runs a hub in the network account and a spoke from the
// spoke account (or, with sameAccount, from the network account itself),
// each edited first.
func hubAndSpoke(t *testing.T, sameAccount bool, editHub func(*routing.HubArgs), editSpoke func(*routing.SpokeArgs)) testkit.Result {
	t.Helper()
	return testkit.Run(t, func(ctx *pulumi.Context) error {
		network, err := testkit.Account(ctx, networkID, region)
		if err != nil {
			return err
		}
		spoke := network
		if !sameAccount {
			if spoke, err = testkit.Account(ctx, spokeID, region); err != nil {
				return err
			}
		}
		hubArgs := &routing.HubArgs{Owner: network, VpcID: pulumi.String("vpc-0hub"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-0h1", "subnet-0h2"}),
			Domains: []string{"dev", "prod"}, Principals: []string{spokeID}, Tags: map[string]string{"team": "network"}}
		if sameAccount {
			hubArgs.Principals = nil
		}
		editHub(hubArgs)
		hub, err := routing.NewHub(ctx, "net", hubArgs)
		if err != nil {
			return err
		}
		tgw := hub.TransitGatewayID
		if !sameAccount {
			if tgw, err = hub.SharedWith(spokeID); err != nil {
				return err
			}
		}
		dev, ok := hub.DomainTableID("dev")
		if !ok {
			return fmt.Errorf("no dev domain")
		}
		spokeArgs := &routing.SpokeArgs{Account: spoke, Network: network, TransitGatewayID: tgw,
			VpcID: pulumi.String("vpc-0web"), CIDR: "10.30.0.0/16", SubnetIDs: pulumi.ToStringArray([]string{"subnet-0w1", "subnet-0w2"}),
			RouteTableIDs: []pulumi.StringInput{pulumi.String("rtb-0w1"), pulumi.String("rtb-0w2")},
			Destinations:  []string{"10.10.0.0/16", "10.128.0.0/10"}, DomainTableID: dev, HubTableID: hub.HubTableID,
			HubRouteTableIDs: []pulumi.StringInput{pulumi.String("rtb-0h1"), pulumi.String("rtb-0h2")}, HubGatewayID: hub.AttachedGatewayID}
		editSpoke(spokeArgs)
		_, err = routing.NewSpoke(ctx, "web-tgw", spokeArgs)
		return err
	})
}

func noEdit[T any](*T) {}

// dependsOn reports whether r waits for the resource of type typ named
// name.
func dependsOn(t *testing.T, rs []mockengine.Resource, r mockengine.Resource, typ, name string) bool {
	t.Helper()
	return slices.Contains(r.Dependencies, testkit.Named(t, rs, typ, name).URN)
}

// Every resource of the hub is the network account's, and of the spoke
// the VPC's account's but the gateway's side (acceptance, association,
// propagations) and the hub VPC's routes back, which are the network
// account's.
func TestEachResourceIsInItsAccount(t *testing.T) {
	r := hubAndSpoke(t, false, noEdit, noEdit)
	require.NoError(t, r.Err)
	rs := r.Resources()
	want := map[string]string{}
	for _, name := range []string{"net-tgw", "net-tgw-rt-hub", "net-tgw-rt-dev", "net-tgw-rt-prod", "net-tgw-share", "net-tgw-gateway",
		"net-tgw-principal-" + spokeID, "net-attachment", "net-association", "net-propagation-dev", "net-propagation-prod",
		"web-tgw-accepter", "web-tgw-association", "web-tgw-propagation-domain", "web-tgw-propagation-hub", "web-tgw-hub-route-0", "web-tgw-hub-route-1"} {
		want[name] = networkID
	}
	for _, name := range []string{"web-tgw-attachment", "web-tgw-route-0-10-10-0-0-16", "web-tgw-route-0-10-128-0-0-10", "web-tgw-route-1-10-10-0-0-16", "web-tgw-route-1-10-128-0-0-10"} {
		want[name] = spokeID
	}
	got := map[string]string{}
	for _, res := range rs {
		if res.Custom && !res.IsProvider() {
			got[res.Name] = res.Account
			assert.NotEmpty(t, res.Provider, "%s has an explicit provider", res.Name)
		}
	}
	assert.Equal(t, want, got)
}

func TestTheHubHasNoDefaultRouteTableAndAcceptsNothingByItself(t *testing.T) {
	r := hubAndSpoke(t, false, noEdit, noEdit)
	require.NoError(t, r.Err)
	rs := r.Resources()
	tgw := testkit.Named(t, rs, "aws:ec2transitgateway/transitGateway:TransitGateway", "net-tgw")
	assert.Equal(t, "disable", testkit.Input(tgw, "defaultRouteTableAssociation"))
	assert.Equal(t, "disable", testkit.Input(tgw, "defaultRouteTablePropagation"))
	assert.Equal(t, "disable", testkit.Input(tgw, "autoAcceptSharedAttachments"))
	share := testkit.Named(t, rs, "aws:ram/resourceShare:ResourceShare", "net-tgw-share")
	assert.Equal(t, false, testkit.Value(share, "allowExternalPrincipals"))
	gateway := testkit.Named(t, rs, "aws:ram/resourceAssociation:ResourceAssociation", "net-tgw-gateway")
	assert.Equal(t, tgw.Outputs["arn"].StringValue(), testkit.Input(gateway, "resourceArn"), "the share holds the gateway")

	// The hub VPC is associated with the hub's table and propagated into
	// every domain's.
	tables := map[string]string{}
	for _, name := range []string{"hub", "dev", "prod"} {
		tables[name] = string(testkit.Named(t, rs, "aws:ec2transitgateway/routeTable:RouteTable", "net-tgw-rt-"+name).ID)
	}
	attachment := testkit.Named(t, rs, "aws:ec2transitgateway/vpcAttachment:VpcAttachment", "net-attachment")
	assoc := testkit.Named(t, rs, "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation", "net-association")
	assert.Equal(t, tables["hub"], testkit.Input(assoc, "transitGatewayRouteTableId"))
	assert.Equal(t, string(attachment.ID), testkit.Input(assoc, "transitGatewayAttachmentId"))
	for _, d := range []string{"dev", "prod"} {
		p := testkit.Named(t, rs, "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation", "net-propagation-"+d)
		assert.Equal(t, tables[d], testkit.Input(p, "transitGatewayRouteTableId"))
	}
}

// The spoke's attachment waits for the gateway's share with its account;
// its acceptance for the attachment; association, propagations and routes
// for the acceptance; the hub VPC's routes back for the hub VPC's
// attachment. A spoke in another account leaves the attachment's
// default-route-table flags unset (the provider cannot set them on a
// shared gateway), and its accepter sets them off.
func TestTheSpokeWaitsForWhatAWSRequires(t *testing.T) {
	r := hubAndSpoke(t, false, noEdit, noEdit)
	require.NoError(t, r.Err)
	rs := r.Resources()
	const (
		attachmentType = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
		accepterType   = "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter"
		routeType      = "aws:ec2/route:Route"
	)
	attachment := testkit.Named(t, rs, attachmentType, "web-tgw-attachment")
	assert.True(t, dependsOn(t, rs, attachment, "aws:ram/principalAssociation:PrincipalAssociation", "net-tgw-principal-"+spokeID))
	assert.True(t, dependsOn(t, rs, attachment, "aws:ram/resourceAssociation:ResourceAssociation", "net-tgw-gateway"))
	assert.False(t, attachment.Inputs.HasValue("transitGatewayDefaultRouteTableAssociation"))
	assert.False(t, attachment.Inputs.HasValue("transitGatewayDefaultRouteTablePropagation"))

	accepter := testkit.Named(t, rs, accepterType, "web-tgw-accepter")
	assert.Equal(t, string(attachment.ID), testkit.Input(accepter, "transitGatewayAttachmentId"))
	assert.Equal(t, false, testkit.Value(accepter, "transitGatewayDefaultRouteTableAssociation"))
	for _, dep := range []struct{ typ, name string }{
		{"aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation", "web-tgw-association"},
		{"aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation", "web-tgw-propagation-domain"},
		{"aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation", "web-tgw-propagation-hub"},
		{routeType, "web-tgw-route-0-10-10-0-0-16"},
		{routeType, "web-tgw-route-1-10-128-0-0-10"},
	} {
		assert.True(t, dependsOn(t, rs, testkit.Named(t, rs, dep.typ, dep.name), accepterType, "web-tgw-accepter"), "%s waits for the acceptance", dep.name)
	}
	for i := range 2 {
		back := testkit.Named(t, rs, routeType, fmt.Sprintf("web-tgw-hub-route-%d", i))
		assert.Equal(t, "10.30.0.0/16", testkit.Input(back, "destinationCidrBlock"))
		assert.Equal(t, fmt.Sprintf("rtb-0h%d", i+1), testkit.Input(back, "routeTableId"))
		assert.True(t, dependsOn(t, rs, back, attachmentType, "net-attachment"), "the hub VPC's route waits for the hub VPC's attachment")
	}
	domain := testkit.Named(t, rs, "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation", "web-tgw-propagation-domain")
	assert.Equal(t, string(testkit.Named(t, rs, "aws:ec2transitgateway/routeTable:RouteTable", "net-tgw-rt-dev").ID), testkit.Input(domain, "transitGatewayRouteTableId"))
}

// A spoke in the network account itself needs no share and no acceptance:
// its attachment is available at once, and sets the flags off.
func TestASpokeOfTheNetworkAccountNeedsNoAcceptance(t *testing.T) {
	r := hubAndSpoke(t, true, noEdit, noEdit)
	require.NoError(t, r.Err)
	rs := r.Resources()
	assert.Empty(t, testkit.OfType(rs, "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter"))
	assert.Empty(t, testkit.OfType(rs, "aws:ram/principalAssociation:PrincipalAssociation"))
	attachment := testkit.Named(t, rs, "aws:ec2transitgateway/vpcAttachment:VpcAttachment", "web-tgw-attachment")
	assert.Equal(t, false, testkit.Value(attachment, "transitGatewayDefaultRouteTableAssociation"))
	assoc := testkit.Named(t, rs, "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation", "web-tgw-association")
	assert.Equal(t, string(attachment.ID), testkit.Input(assoc, "transitGatewayAttachmentId"))
}

func TestBadArgumentsRegisterNothing(t *testing.T) {
	r := hubAndSpoke(t, false, func(a *routing.HubArgs) {
		a.Domains = []string{"dev", "Dev", "hub", "dev"}
		a.Principals = []string{networkID, "12"}
	}, noEdit)
	testkit.RequireRejected(t, r, `RoutingHub "net"`,
		`domains[1]: "Dev" is not a DNS label`, `domains[2]: "hub" is the name of the hub's own route table (the network VPC's)`, `domains[3]: "dev" is listed twice`,
		`principals[0]: "999988887777" is the owner account itself`, `principals[1]: "12" is not a 12-digit AWS account ID`)

	r = hubAndSpoke(t, false, noEdit, func(a *routing.SpokeArgs) {
		a.Network.Region = "us-east-1"
		a.CIDR = "10.30.0.1/16"
		a.Destinations = []string{"10.30.16.0/20", "nope"}
		a.RouteTableIDs = nil
	})
	require.Error(t, r.Err)
	for _, want := range []string{`RoutingSpoke "web-tgw"`, `network.region: "us-east-1" is not the VPC's region us-west-2: a transit gateway is regional`,
		`cidr: "10.30.0.1/16" is not an IPv4 CIDR block`, `destinations[1]: "nope" is not an IPv4 CIDR block`, "routeTableIds: is required"} {
		assert.Contains(t, r.Err.Error(), want)
	}
	assert.Empty(t, testkit.OfType(r.Resources(), "aws:ec2transitgateway/vpcAttachment:VpcAttachment")[1:], "no spoke resource")

	r = hubAndSpoke(t, false, noEdit, func(a *routing.SpokeArgs) { a.Destinations = []string{"10.30.16.0/20"} })
	assert.ErrorContains(t, r.Err, `destinations[0]: "10.30.16.0/20" is within the VPC's own block 10.30.0.0/16, which its local route serves`)
}
