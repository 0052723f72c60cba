package routing

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2transitgateway"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// SpokeType is a spoke's type token.
const SpokeType = "eks-multi-account:index:RoutingSpoke"

// SpokeArgs configures a Spoke: a VPC, and the hub it joins.
type SpokeArgs struct {
	// Account owns the VPC. Required.
	Account providers.Account
	// Network owns the gateway, in the same region. Required.
	Network providers.Account
	// TransitGatewayID is the gateway, as shared with Account (the hub's
	// SharedWith, or a network stack's output once it lists the account).
	// Required.
	TransitGatewayID pulumi.StringInput
	// VpcID and CIDR are the VPC and its block. Required.
	VpcID pulumi.StringInput
	CIDR  string
	// SubnetIDs are the VPC's subnets the gateway attaches to, one per
	// zone. Required.
	SubnetIDs pulumi.StringArrayInput
	// RouteTableIDs are the VPC's private route tables, which send each
	// destination to the gateway. Required.
	RouteTableIDs []pulumi.StringInput
	// Destinations are the blocks the VPC routes to the gateway: the hub
	// VPC's and its domain's others (or a pool that holds them). Required.
	Destinations []string
	// DomainTableID is the route table of the VPC's domain, HubTableID the
	// hub's. Required.
	DomainTableID, HubTableID pulumi.StringInput
	// HubRouteTableIDs are the hub VPC's private route tables, which send
	// CIDR back to the gateway, through HubGatewayID (the hub's
	// AttachedGatewayID). Required.
	HubRouteTableIDs []pulumi.StringInput
	HubGatewayID     pulumi.StringInput
	// Tags are added to the attachment. Optional.
	Tags map[string]string
}

// Validate reports every problem with the arguments, each naming its field
// and value.
func (a *SpokeArgs) Validate() error {
	var ps validate.Problems
	a.Account.Check("account", &ps)
	a.Network.Check("network", &ps)
	if a.Network.Region != a.Account.Region {
		ps.Addf("network.region", a.Network.Region, "is not the VPC's region %s: a transit gateway is regional", a.Account.Region)
	}
	for _, in := range []struct {
		key string
		set bool
	}{
		{"transitGatewayId", a.TransitGatewayID != nil}, {"vpcId", a.VpcID != nil}, {"subnetIds", a.SubnetIDs != nil},
		{"domainTableId", a.DomainTableID != nil}, {"hubTableId", a.HubTableID != nil}, {"hubGatewayId", a.HubGatewayID != nil},
	} {
		if !in.set {
			ps.Missing(in.key)
		}
	}
	if len(a.RouteTableIDs) == 0 {
		ps.Missing("routeTableIds")
	}
	if len(a.HubRouteTableIDs) == 0 {
		ps.Missing("hubRouteTableIds")
	}
	own, err := netip.ParsePrefix(a.CIDR)
	if err != nil || own != own.Masked() {
		ps.Add("cidr", a.CIDR, "is not an IPv4 CIDR block such as 10.20.0.0/20")
	}
	if len(a.Destinations) == 0 {
		ps.Missing("destinations")
	}
	CheckDestinations("destinations", a.CIDR, a.Destinations, &ps)
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

// CheckDestinations records, under path, each destination a VPC of block
// cidr would route to the gateway that is no IPv4 CIDR block, or lies
// within the VPC's own block (which its local route serves).
func CheckDestinations(path, cidr string, destinations []string, ps *validate.Problems) {
	own, _ := netip.ParsePrefix(cidr)
	for i, d := range destinations {
		p := validate.Index(path, i)
		block, err := netip.ParsePrefix(d)
		switch {
		case err != nil || block != block.Masked() || !block.Addr().Is4():
			ps.Add(p, d, "is not an IPv4 CIDR block such as 10.10.0.0/16")
		case network.Holds(own, block):
			ps.Addf(p, d, "is within the VPC's own block %s, which its local route serves", cidr)
		}
	}
}

// Spoke is one VPC joined to a hub.
type Spoke struct {
	pulumi.ResourceState

	// AttachmentID is the VPC's attachment, known once accepted.
	AttachmentID pulumi.StringOutput `pulumi:"attachmentId"`
}

// NewSpoke attaches the VPC, accepts, associates and propagates the
// attachment in the network account, and routes both VPCs to each other.
func NewSpoke(ctx *pulumi.Context, name string, args *SpokeArgs, opts ...pulumi.ResourceOption) (*Spoke, error) {
	return lifecycle.New(ctx, SpokeType, name, args, func(s *Spoke) error { return args.build(ctx, name, s) }, opts...)
}

// build creates the spoke's resources as children of s.
func (a *SpokeArgs) build(ctx *pulumi.Context, name string, s *Spoke) error {
	own := []pulumi.ResourceOption{pulumi.Parent(s), pulumi.Provider(a.Account.Provider)}
	network := []pulumi.ResourceOption{pulumi.Parent(s), pulumi.Provider(a.Network.Provider)}
	// The attachment's default-route-table flags are left alone: on a
	// gateway shared from another account the provider cannot set them
	// (its documentation: "This cannot be configured or perform drift
	// detection with Resource Access Manager shared EC2 Transit
	// Gateways"), and the hub has no default route table for them to act
	// on.
	attachArgs := &ec2transitgateway.VpcAttachmentArgs{
		TransitGatewayId: a.TransitGatewayID,
		VpcId:            a.VpcID,
		SubnetIds:        a.SubnetIDs,
		Tags:             pulumi.ToStringMap(a.Tags),
	}
	if a.Account.ID == a.Network.ID {
		attachArgs.TransitGatewayDefaultRouteTableAssociation = pulumi.Bool(false)
		attachArgs.TransitGatewayDefaultRouteTablePropagation = pulumi.Bool(false)
	}
	attachment, err := ec2transitgateway.NewVpcAttachment(ctx, naming.Child(name, "attachment"), attachArgs, own...)
	if err != nil {
		return fmt.Errorf("attaching the VPC: %w", err)
	}
	accepted := attachment.ID().ToStringOutput()
	if a.Account.ID != a.Network.ID {
		// An attachment from another account than the gateway's waits,
		// pendingAcceptance, until the owner accepts it
		// (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle).
		accepter, err := ec2transitgateway.NewVpcAttachmentAccepter(ctx, naming.Child(name, "accepter"), &ec2transitgateway.VpcAttachmentAccepterArgs{
			TransitGatewayAttachmentId:                 attachment.ID(),
			TransitGatewayDefaultRouteTableAssociation: pulumi.Bool(false),
			TransitGatewayDefaultRouteTablePropagation: pulumi.Bool(false),
			Tags: pulumi.ToStringMap(a.Tags),
		}, network...)
		if err != nil {
			return fmt.Errorf("accepting the attachment: %w", err)
		}
		accepted = accepter.ID().ToStringOutput()
	}
	if _, err := ec2transitgateway.NewRouteTableAssociation(ctx, naming.Child(name, "association"), &ec2transitgateway.RouteTableAssociationArgs{
		TransitGatewayAttachmentId: accepted, TransitGatewayRouteTableId: a.DomainTableID,
	}, network...); err != nil {
		return fmt.Errorf("associating the attachment: %w", err)
	}
	for _, p := range []struct {
		role  string
		table pulumi.StringInput
	}{{"propagation-domain", a.DomainTableID}, {"propagation-hub", a.HubTableID}} {
		if _, err := ec2transitgateway.NewRouteTablePropagation(ctx, naming.Child(name, p.role), &ec2transitgateway.RouteTablePropagationArgs{
			TransitGatewayAttachmentId: accepted, TransitGatewayRouteTableId: p.table,
		}, network...); err != nil {
			return fmt.Errorf("propagating the attachment (%s): %w", p.role, err)
		}
	}
	// A route to the gateway waits for the attachment to be accepted: EC2
	// refuses one while the VPC has no available attachment to it.
	gateway := pulumi.All(a.TransitGatewayID, accepted).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	for i, table := range a.RouteTableIDs {
		for _, d := range a.Destinations {
			if err := route(ctx, naming.Child(name, "route", fmt.Sprint(i), blockKey(d)), table, d, gateway, own); err != nil {
				return err
			}
		}
	}
	for i, table := range a.HubRouteTableIDs {
		if err := route(ctx, naming.Child(name, "hub-route", fmt.Sprint(i)), table, a.CIDR, a.HubGatewayID, network); err != nil {
			return err
		}
	}
	s.AttachmentID = accepted
	return nil
}

// route sends a block of a VPC route table to a transit gateway.
func route(ctx *pulumi.Context, name string, table pulumi.StringInput, block string, gateway pulumi.StringInput, opts []pulumi.ResourceOption) error {
	if _, err := ec2.NewRoute(ctx, name, &ec2.RouteArgs{
		RouteTableId: table, DestinationCidrBlock: pulumi.String(block), TransitGatewayId: gateway,
	}, opts...); err != nil {
		return fmt.Errorf("routing %s: %w", block, err)
	}
	return nil
}

// blockKey names a CIDR block in logical names: 10.10.0.0/16 is
// 10-10-0-0-16.
func blockKey(block string) string {
	return strings.NewReplacer(".", "-", "/", "-").Replace(block)
}
