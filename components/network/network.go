// Package network builds a VPC laid out for EKS: per availability zone a
// private subnet (nodes, pods, internal load balancers) routed through a
// NAT gateway, and a public subnet (NAT gateways, internet-facing load
// balancers) routed to an internet gateway. ClusterAccount uses it for its
// own VPC; the de-centralized stack uses it for a network account's VPC
// that it shares with workload accounts.
package network

import (
	"cmp"
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
)

// Load balancer role tags: the AWS Load Balancer Controller picks subnets
// by them.
const (
	InternalELBTag = "kubernetes.io/role/internal-elb"
	PublicELBTag   = "kubernetes.io/role/elb"
)

// DefaultAZs is the number of availability zones when none is given.
const DefaultAZs = 3

// Args describes a VPC to create.
type Args struct {
	// Account owns the VPC. Required.
	Account providers.Account
	// CIDR is the VPC's IPv4 block, /16 to /22. Required.
	CIDR string
	// AvailabilityZones is how many zones to spread over, 2 to 6.
	// Optional; default 3.
	AvailabilityZones int
	// SingleNATGateway uses one NAT gateway for all zones. Optional.
	SingleNATGateway bool
	// ClusterNames are the EKS clusters that use the subnets; each gets a
	// kubernetes.io/cluster/<name> tag. Optional.
	ClusterNames []string
	// NamePrefix starts the Name tag of every resource. Required.
	NamePrefix string
	// Tags are added to every resource. Optional.
	Tags map[string]string
}

// Zones returns the number of availability zones, the default applied.
func Zones(n int) int { return cmp.Or(n, DefaultAZs) }

// Network is a created VPC and its subnets.
type Network struct {
	// VpcID is the VPC.
	VpcID pulumi.StringOutput
	// PrivateIDs are the private subnets, one per zone.
	PrivateIDs pulumi.StringArrayOutput
	// RoutedPrivateIDs are the same subnets, known once each is associated
	// with its route table and that table's egress route exists: nodes in
	// them need egress to join their cluster.
	RoutedPrivateIDs pulumi.StringArrayOutput
	// PublicIDs are the public subnets, one per zone.
	PublicIDs pulumi.StringArrayOutput
	// PrivateRouteTableIDs are the private subnets' route tables, one per
	// zone, in PrivateIDs' order: where routes to other networks (a
	// transit gateway, a peering) go.
	PrivateRouteTableIDs pulumi.StringArrayOutput
	// Private lists each private subnet with its ARN, for sharing by RAM;
	// its ID is the routed one.
	Private []Subnet
	// ZoneIDs are the zone IDs of the subnets: index i of PrivateIDs and of
	// PublicIDs is in ZoneIDs[i].
	ZoneIDs []string
}

// Subnet is a subnet as RAM shares it: its ID and ARN.
type Subnet struct {
	// ID is the subnet ID, handed to participants as an output.
	ID pulumi.StringInput
	// ARN is the subnet ARN, which RAM shares.
	ARN pulumi.StringInput
}

// PrivateARNs returns the ARNs of the private subnets.
func (n *Network) PrivateARNs() pulumi.StringArrayOutput {
	var arns pulumi.StringArray
	for _, s := range n.Private {
		arns = append(arns, s.ARN)
	}
	return arns.ToStringArrayOutput()
}

// builder holds what the steps of one VPC share.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   Args
	parent pulumi.Resource
}

// New creates the VPC as children of parent, named name-<role>, with the
// account's provider. The args must have passed Check.
func New(ctx *pulumi.Context, name string, args Args, parent pulumi.Resource) (*Network, error) {
	b := &builder{ctx: ctx, name: name, args: args, parent: parent}
	return b.build()
}

func (b *builder) opts() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{pulumi.Parent(b.parent), pulumi.Provider(b.args.Account.Provider)}
}

func (b *builder) tags(role string, extra map[string]string) pulumi.StringMap {
	m := pulumi.ToStringMap(b.args.Tags)
	for k, v := range extra {
		m[k] = pulumi.String(v)
	}
	m["Name"] = pulumi.String(naming.Child(b.args.NamePrefix, role))
	return m
}

func (b *builder) build() (*Network, error) {
	a := b.args
	azs := Zones(a.AvailabilityZones)
	vpcBlock, err := netip.ParsePrefix(a.CIDR)
	if err != nil {
		return nil, fmt.Errorf("vpc cidr %q: %w", a.CIDR, err)
	}
	layout, err := Plan(vpcBlock, azs)
	if err != nil {
		return nil, err
	}
	zones, err := ChooseZones(b.ctx, a.Account, azs, b.parent)
	if err != nil {
		return nil, err
	}
	clusterTags := map[string]string{}
	for _, c := range a.ClusterNames {
		clusterTags["kubernetes.io/cluster/"+c] = "shared"
	}

	vpc, err := ec2.NewVpc(b.ctx, naming.Child(b.name, "vpc"), &ec2.VpcArgs{
		CidrBlock:          pulumi.String(layout.VPC.String()),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               b.tags("vpc", nil),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating VPC: %w", err)
	}
	igw, err := ec2.NewInternetGateway(b.ctx, naming.Child(b.name, "igw"), &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(), Tags: b.tags("igw", nil),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating internet gateway: %w", err)
	}
	publicRT, err := ec2.NewRouteTable(b.ctx, naming.Child(b.name, "public-rt"), &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   b.tags("public", nil),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating public route table: %w", err)
	}

	out := &Network{VpcID: vpc.ID().ToStringOutput(), ZoneIDs: zones}
	var privateIDs, routedIDs, publicIDs, privateTables pulumi.StringArray
	var nat *ec2.NatGateway
	for i := 0; i < azs; i++ {
		zone := zones[i]
		public, _, err := b.subnet(fmt.Sprintf("public-%d", i), vpc, layout.Public[i].String(), zone,
			withTag(clusterTags, PublicELBTag), &routeTable{RouteTable: publicRT})
		if err != nil {
			return nil, err
		}
		publicIDs = append(publicIDs, public.ID())
		if nat == nil || !a.SingleNATGateway {
			if nat, err = b.natGateway(i, public, igw); err != nil {
				return nil, err
			}
		}
		privateRT, err := b.privateRouteTable(i, zone, vpc, nat)
		if err != nil {
			return nil, err
		}
		private, routed, err := b.subnet(fmt.Sprintf("private-%d", i), vpc, layout.Private[i].String(), zone,
			withTag(clusterTags, InternalELBTag), privateRT)
		if err != nil {
			return nil, err
		}
		routedID := pulumi.All(private.ID(), routed.ID()).ApplyT(func(v []any) string { return string(v[0].(pulumi.ID)) }).(pulumi.StringOutput)
		privateIDs = append(privateIDs, private.ID())
		routedIDs = append(routedIDs, routedID)
		privateTables = append(privateTables, privateRT.ID())
		// Participants run nodes in the shared subnets too: they get the
		// routed IDs.
		out.Private = append(out.Private, Subnet{ID: routedID, ARN: private.Arn})
	}
	out.PrivateIDs = privateIDs.ToStringArrayOutput()
	out.RoutedPrivateIDs = routedIDs.ToStringArrayOutput()
	out.PublicIDs = publicIDs.ToStringArrayOutput()
	out.PrivateRouteTableIDs = privateTables.ToStringArrayOutput()
	return out, nil
}

// privateRouteTable creates the route table of zone i's private subnet,
// with its egress through the NAT gateway as a route of its own: other
// programs add routes to the table (to a transit gateway), and a route
// table that lists routes inline owns them all, removing any other on its
// next update (the provider's note on aws.ec2.RouteTable: "you cannot use
// a Route Table with in-line routes in conjunction with any Route
// resources"). The table is named private-routes-<i>, not private-rt-<i>
// as tables with the inline route were: a deployed stack gets a new table
// with the route, its subnet moves to it once the route exists, and the
// old table goes; re-declaring the route on the old table would fail
// (CreateRoute: RouteAlreadyExists). It returns the table once its egress
// route exists.
func (b *builder) privateRouteTable(i int, zone string, vpc *ec2.Vpc, nat *ec2.NatGateway) (*routeTable, error) {
	rt, err := ec2.NewRouteTable(b.ctx, naming.Child(b.name, "private-routes", fmt.Sprint(i)), &ec2.RouteTableArgs{
		VpcId: vpc.ID(),
		Tags:  b.tags("private-"+zone, nil),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating private route table: %w", err)
	}
	egress, err := ec2.NewRoute(b.ctx, naming.Child(b.name, "private-egress", fmt.Sprint(i)), &ec2.RouteArgs{
		RouteTableId:         rt.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		NatGatewayId:         nat.ID(),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating private egress route: %w", err)
	}
	return &routeTable{RouteTable: rt, ready: egress}, nil
}

// routeTable is a route table and the route a subnet waits for before it
// moves to it, nil for none.
type routeTable struct {
	*ec2.RouteTable
	ready pulumi.Resource
}

// withTag returns tags plus key=1.
func withTag(tags map[string]string, key string) map[string]string {
	out := map[string]string{key: "1"}
	for k, v := range tags {
		out[k] = v
	}
	return out
}

// subnet creates one subnet and associates it with its route table.
func (b *builder) subnet(role string, vpc *ec2.Vpc, cidr, zoneID string, tags map[string]string, rt *routeTable) (*ec2.Subnet, *ec2.RouteTableAssociation, error) {
	s, err := ec2.NewSubnet(b.ctx, naming.Child(b.name, role), &ec2.SubnetArgs{
		VpcId:              vpc.ID(),
		CidrBlock:          pulumi.String(cidr),
		AvailabilityZoneId: pulumi.String(zoneID),
		Tags:               b.tags(role, tags),
	}, b.opts()...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating subnet %s: %w", role, err)
	}
	opts := b.opts()
	if rt.ready != nil {
		opts = append(opts, pulumi.DependsOn([]pulumi.Resource{rt.ready}))
	}
	assoc, err := ec2.NewRouteTableAssociation(b.ctx, naming.Child(b.name, role, "rt"), &ec2.RouteTableAssociationArgs{
		SubnetId: s.ID(), RouteTableId: rt.ID(),
	}, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("associating subnet %s: %w", role, err)
	}
	return s, assoc, nil
}

// natGateway creates the NAT gateway of zone i in its public subnet. It
// waits for the internet gateway, which no input of it names: EC2 accepts
// a public NAT gateway in a VPC without one and then fails it
// (failure code Gateway.NotAttached, "Network vpc-... has no Internet
// gateway attached", in the EC2 API reference of NatGateway).
func (b *builder) natGateway(i int, public *ec2.Subnet, igw *ec2.InternetGateway) (*ec2.NatGateway, error) {
	role := fmt.Sprintf("nat-%d", i)
	eip, err := ec2.NewEip(b.ctx, naming.Child(b.name, "nat-eip", fmt.Sprint(i)), &ec2.EipArgs{
		Domain: pulumi.String("vpc"), Tags: b.tags(role, nil),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating NAT address: %w", err)
	}
	nat, err := ec2.NewNatGateway(b.ctx, naming.Child(b.name, role), &ec2.NatGatewayArgs{
		AllocationId: eip.AllocationId, SubnetId: public.ID(), Tags: b.tags(role, nil),
	}, append(b.opts(), pulumi.DependsOn([]pulumi.Resource{igw}))...)
	if err != nil {
		return nil, fmt.Errorf("creating NAT gateway: %w", err)
	}
	return nat, nil
}
