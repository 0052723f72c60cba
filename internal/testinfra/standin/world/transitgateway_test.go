package world

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shareGateway shares a transit gateway of its owner with an account by
// RAM, the organization's sharing on.
func shareGateway(t *testing.T, s *State, owner Caller, tgw *Object, account string) {
	t.Helper()
	s.Organization.RAMSharing = true
	share := mustCreate(t, s, owner, "aws:ram/resourceShare:ResourceShare", map[string]any{"name": "tgw", "allowExternalPrincipals": false})
	mustCreate(t, s, owner, "aws:ram/resourceAssociation:ResourceAssociation", map[string]any{"resourceShareArn": share.ID, "resourceArn": tgw.Str("arn")})
	mustCreate(t, s, owner, "aws:ram/principalAssociation:PrincipalAssociation", map[string]any{"resourceShareArn": share.ID, "principal": account})
}

// privateRouteTable creates a route table in the VPC of subnets.
func privateRouteTable(t *testing.T, s *State, c Caller, subnets []*Object) *Object {
	t.Helper()
	return mustCreate(t, s, c, "aws:ec2/routeTable:RouteTable", map[string]any{"vpcId": subnets[0].Str("vpcId")})
}

// A VPC of another account attaches to a gateway only once it is shared
// with it, with one subnet per zone, and only once; the attachment waits
// for the owner's acceptance, and until then no route goes through it and
// no route table takes it; accepted, it joins exactly one route table and
// propagates into several.
func TestAnAttachmentToASharedGatewayWaitsForItsOwner(t *testing.T) {
	s := seeded(t)
	tgw := mustCreate(t, s, inCluster, TransitGatewayType, map[string]any{
		"defaultRouteTableAssociation": "disable", "defaultRouteTablePropagation": "disable"})
	subnets := network(t, s, inTenant, 3)
	vpc := subnets[0].Str("vpcId")
	attach := map[string]any{"transitGatewayId": tgw.ID, "vpcId": vpc, "subnetIds": []any{subnets[0].ID, subnets[1].ID}}

	_, err := s.Create(inTenant, TGWAttachmentType, attach)
	requireAWSError(t, err, "InvalidTransitGatewayID.NotFound")
	shareGateway(t, s, inCluster, tgw, tenant)

	sameZone := mustCreate(t, s, inTenant, "aws:ec2/subnet:Subnet", map[string]any{"vpcId": vpc, "cidrBlock": "10.0.9.0/24", "availabilityZoneId": subnets[0].Str("availabilityZoneId")})
	_, err = s.Create(inTenant, TGWAttachmentType, map[string]any{"transitGatewayId": tgw.ID, "vpcId": vpc, "subnetIds": []any{subnets[0].ID, sameZone.ID}})
	requireAWSError(t, err, "DuplicateSubnetsInSameZone")
	_, err = s.Create(inTenant, TGWAttachmentType, map[string]any{"transitGatewayId": tgw.ID, "vpcId": vpc, "subnetIds": []any{subnets[0].ID},
		"transitGatewayDefaultRouteTableAssociation": false})
	requireAWSError(t, err, "InvalidRouteTableID.NotFound")

	a := mustCreate(t, s, inTenant, TGWAttachmentType, attach)
	assert.Equal(t, AttachmentPendingAcceptance, a.Str("state"))
	_, err = s.Create(inTenant, TGWAttachmentType, attach)
	requireAWSError(t, err, "DuplicateTransitGatewayAttachment")

	rt := privateRouteTable(t, s, inTenant, subnets)
	route := map[string]any{"routeTableId": rt.ID, "destinationCidrBlock": "10.200.0.0/16", "transitGatewayId": tgw.ID}
	_, err = s.Create(inTenant, VPCRouteType, route)
	requireAWSError(t, err, "InvalidTransitGatewayID.NotFound")

	dev := mustCreate(t, s, inCluster, TGWRouteTableType, map[string]any{"transitGatewayId": tgw.ID})
	prod := mustCreate(t, s, inCluster, TGWRouteTableType, map[string]any{"transitGatewayId": tgw.ID})
	link := func(table *Object) map[string]any {
		return map[string]any{"transitGatewayRouteTableId": table.ID, "transitGatewayAttachmentId": a.ID}
	}
	_, err = s.Create(inCluster, TGWAssociationType, link(dev))
	requireAWSError(t, err, "IncorrectState")
	_, err = s.Create(inTenant, TGWAttachmentAccepterType, map[string]any{"transitGatewayAttachmentId": a.ID})
	requireAWSError(t, err, "InvalidTransitGatewayAttachmentID.NotFound")

	accepter := mustCreate(t, s, inCluster, TGWAttachmentAccepterType, map[string]any{"transitGatewayAttachmentId": a.ID})
	assert.Equal(t, AttachmentAvailable, a.Str("state"))
	mustCreate(t, s, inTenant, VPCRouteType, route)
	_, err = s.Create(inTenant, VPCRouteType, route)
	requireAWSError(t, err, "RouteAlreadyExists")
	mustCreate(t, s, inCluster, TGWAssociationType, link(dev))
	_, err = s.Create(inCluster, TGWAssociationType, link(prod))
	requireAWSError(t, err, "Resource.AlreadyAssociated")
	mustCreate(t, s, inCluster, TGWPropagationType, link(dev))
	mustCreate(t, s, inCluster, TGWPropagationType, link(prod))

	requireAWSError(t, s.Delete(inTenant, subnets[0].Type, subnets[0].ID), "DependencyViolation")
	requireAWSError(t, s.Delete(inCluster, tgw.Type, tgw.ID), "IncorrectState")
	require.NoError(t, s.Delete(inCluster, accepter.Type, accepter.ID), "the accepter's delete deletes the attachment")
	assert.Empty(t, s.Select(TGWAttachmentType, nil))
	assert.Empty(t, s.Select(TGWAssociationType, nil), "and its association")
	assert.Empty(t, s.Select(TGWPropagationType, nil), "and its propagations")
	require.NoError(t, s.Delete(inTenant, a.Type, a.ID), "the requester's delete finds it gone")
	require.NoError(t, s.Delete(inTenant, subnets[0].Type, subnets[0].ID))
	for _, table := range []*Object{dev, prod, tgw} {
		require.NoError(t, s.Delete(inCluster, table.Type, table.ID))
	}
}

// A gateway that keeps EC2's defaults makes a default route table that
// every attachment joins, so an explicit association is refused; one that
// accepts shared attachments itself makes them available at once.
func TestAGatewaysDefaults(t *testing.T) {
	s := seeded(t)
	defaults := mustCreate(t, s, inCluster, TransitGatewayType, map[string]any{"autoAcceptSharedAttachments": "enable"})
	shareGateway(t, s, inCluster, defaults, tenant)
	subnets := network(t, s, inTenant, 2)
	a := mustCreate(t, s, inTenant, TGWAttachmentType, map[string]any{"transitGatewayId": defaults.ID, "vpcId": subnets[0].Str("vpcId"),
		"subnetIds": []any{subnets[0].ID, subnets[1].ID}})
	assert.Equal(t, AttachmentAvailable, a.Str("state"), "auto-accepted")
	domain := mustCreate(t, s, inCluster, TGWRouteTableType, map[string]any{"transitGatewayId": defaults.ID})
	_, err := s.Create(inCluster, TGWAssociationType, map[string]any{"transitGatewayRouteTableId": domain.ID, "transitGatewayAttachmentId": a.ID})
	requireAWSError(t, err, "Resource.AlreadyAssociated")

	require.NoError(t, s.Delete(inTenant, a.Type, a.ID))
	require.NoError(t, s.Delete(inCluster, domain.Type, domain.ID))
	require.NoError(t, s.Delete(inCluster, defaults.Type, defaults.ID))
	assert.Empty(t, s.Select(TGWRouteTableType, nil), "the default route table goes with its gateway")
}
