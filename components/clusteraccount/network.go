package clusteraccount

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/netplan"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
)

// Load balancer role tags: the AWS Load Balancer Controller picks subnets
// by them.
const (
	InternalELBTag = "kubernetes.io/role/internal-elb"
	PublicELBTag   = "kubernetes.io/role/elb"
)

// network is the VPC and subnets the cluster runs in.
type network struct {
	vpcID                   pulumi.StringOutput
	privateIDs, privateARNs pulumi.StringArrayOutput
	publicIDs               pulumi.StringArrayOutput
	// private lists each created private subnet, for sharing by RAM.
	private []sharedsubnets.Subnet
}

// existingNetwork returns the subnets the caller named.
func (b *builder) existingNetwork() network {
	n := b.args.ExistingNetwork
	out := network{vpcID: n.VpcID.ToStringOutput(), privateIDs: n.PrivateSubnetIDs.ToStringArrayOutput()}
	if n.PublicSubnetIDs != nil {
		out.publicIDs = n.PublicSubnetIDs.ToStringArrayOutput()
	} else {
		out.publicIDs = pulumi.StringArray{}.ToStringArrayOutput()
	}
	out.privateARNs = pulumi.StringArray{}.ToStringArrayOutput()
	return out
}

// newVPC creates the VPC: per zone a private subnet (nodes, pods, internal
// load balancers) routed through a NAT gateway, and a public subnet (NAT
// gateways, internet-facing load balancers) routed to an internet gateway.
func (b *builder) newVPC() (network, error) {
	a := b.args
	azs := a.availabilityZones()
	layout, err := netplan.Plan(mustPrefix(a.VPC.CIDR), azs)
	if err != nil {
		return network{}, err
	}
	zones, err := aws.GetAvailabilityZones(b.ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")},
		pulumi.Parent(b.parent), pulumi.Provider(a.Account.Provider))
	if err != nil {
		return network{}, fmt.Errorf("listing availability zones: %w", err)
	}
	if len(zones.Names) < azs {
		return network{}, fmt.Errorf("region %s has %d available zones, fewer than the %d asked for", a.Account.Region, len(zones.Names), azs)
	}
	clusterTag := "kubernetes.io/cluster/" + a.ClusterName

	vpc, err := ec2.NewVpc(b.ctx, naming.Child(b.name, "vpc"), &ec2.VpcArgs{
		CidrBlock:          pulumi.String(layout.VPC.String()),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               b.tags("vpc"),
	}, b.opts()...)
	if err != nil {
		return network{}, fmt.Errorf("creating VPC: %w", err)
	}
	igw, err := ec2.NewInternetGateway(b.ctx, naming.Child(b.name, "igw"), &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(), Tags: b.tags("igw"),
	}, b.opts()...)
	if err != nil {
		return network{}, fmt.Errorf("creating internet gateway: %w", err)
	}
	publicRT, err := ec2.NewRouteTable(b.ctx, naming.Child(b.name, "public-rt"), &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   b.tags("public"),
	}, b.opts()...)
	if err != nil {
		return network{}, fmt.Errorf("creating public route table: %w", err)
	}

	var out network
	var privateIDs, privateARNs, publicIDs pulumi.StringArray
	var nat *ec2.NatGateway
	for i := 0; i < azs; i++ {
		zone := zones.Names[i]
		public, err := b.subnet(fmt.Sprintf("public-%d", i), vpc, layout.Public[i].String(), zone,
			map[string]string{PublicELBTag: "1", clusterTag: "shared"}, publicRT)
		if err != nil {
			return network{}, err
		}
		publicIDs = append(publicIDs, public.ID())
		if nat == nil || !a.VPC.SingleNATGateway {
			if nat, err = b.natGateway(i, public); err != nil {
				return network{}, err
			}
		}
		privateRT, err := ec2.NewRouteTable(b.ctx, naming.Child(b.name, fmt.Sprintf("private-rt-%d", i)), &ec2.RouteTableArgs{
			VpcId:  vpc.ID(),
			Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID()}},
			Tags:   b.tags(fmt.Sprintf("private-%s", zone)),
		}, b.opts()...)
		if err != nil {
			return network{}, fmt.Errorf("creating private route table: %w", err)
		}
		private, err := b.subnet(fmt.Sprintf("private-%d", i), vpc, layout.Private[i].String(), zone,
			map[string]string{InternalELBTag: "1", clusterTag: "shared"}, privateRT)
		if err != nil {
			return network{}, err
		}
		privateIDs = append(privateIDs, private.ID())
		privateARNs = append(privateARNs, private.Arn)
		out.private = append(out.private, sharedsubnets.Subnet{ID: private.ID(), ARN: private.Arn})
	}
	out.vpcID = vpc.ID().ToStringOutput()
	out.privateIDs = privateIDs.ToStringArrayOutput()
	out.privateARNs = privateARNs.ToStringArrayOutput()
	out.publicIDs = publicIDs.ToStringArrayOutput()
	return out, nil
}

// subnet creates one subnet and associates it with its route table.
func (b *builder) subnet(role string, vpc *ec2.Vpc, cidr, zone string, tags map[string]string, rt *ec2.RouteTable) (*ec2.Subnet, error) {
	all := b.tags(role)
	for k, v := range tags {
		all[k] = pulumi.String(v)
	}
	s, err := ec2.NewSubnet(b.ctx, naming.Child(b.name, role), &ec2.SubnetArgs{
		VpcId:            vpc.ID(),
		CidrBlock:        pulumi.String(cidr),
		AvailabilityZone: pulumi.String(zone),
		Tags:             all,
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating subnet %s: %w", role, err)
	}
	if _, err := ec2.NewRouteTableAssociation(b.ctx, naming.Child(b.name, role, "rt"), &ec2.RouteTableAssociationArgs{
		SubnetId: s.ID(), RouteTableId: rt.ID(),
	}, b.opts()...); err != nil {
		return nil, fmt.Errorf("associating subnet %s: %w", role, err)
	}
	return s, nil
}

// natGateway creates the NAT gateway of zone i in its public subnet.
func (b *builder) natGateway(i int, public *ec2.Subnet) (*ec2.NatGateway, error) {
	eip, err := ec2.NewEip(b.ctx, naming.Child(b.name, fmt.Sprintf("nat-eip-%d", i)), &ec2.EipArgs{
		Domain: pulumi.String("vpc"), Tags: b.tags(fmt.Sprintf("nat-%d", i)),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating NAT address: %w", err)
	}
	nat, err := ec2.NewNatGateway(b.ctx, naming.Child(b.name, fmt.Sprintf("nat-%d", i)), &ec2.NatGatewayArgs{
		AllocationId: eip.AllocationId, SubnetId: public.ID(), Tags: b.tags(fmt.Sprintf("nat-%d", i)),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating NAT gateway: %w", err)
	}
	return nat, nil
}
