package world

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// EC2 as the library uses it: a VPC per cluster or network account, its
// subnets, gateways and route tables, the security groups pulumi-eks
// creates, and launch templates. The error codes are EC2's
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).

var ec2VPC = kind{
	replaceOn: []string{"cidrBlock", "instanceTenancy"},
	create: func(s *State, c Caller, o *Object) error {
		if _, err := netip.ParsePrefix(o.Str("cidrBlock")); err != nil {
			return refuse("CreateVpc", "InvalidParameterValue", "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", o.Str("cidrBlock"))
		}
		o.ID = s.ec2ID("vpc")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:vpc/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("ownerId", c.Account)
		o.set("defaultSecurityGroupId", s.ec2ID("sg"))
		o.set("mainRouteTableId", s.ec2ID("rtb"))
		o.set("defaultNetworkAclId", s.ec2ID("acl"))
		return nil
	},
	remove: func(s *State, o *Object) error {
		// "You must detach or delete all gateways and resources that are
		// associated with the VPC before you can delete it"
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html).
		for _, typ := range []string{"aws:ec2/subnet:Subnet", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/routeTable:RouteTable", "aws:ec2/securityGroup:SecurityGroup"} {
			if len(s.Select(typ, func(d *Object) bool { return d.Str("vpcId") == o.ID })) > 0 {
				return refuse("DeleteVpc", "DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted.", o.ID)
			}
		}
		return nil
	},
}

var ec2Subnet = kind{
	replaceOn: []string{"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"},
	create: func(s *State, c Caller, o *Object) error {
		vpc := s.Find(c, "aws:ec2/vpc:Vpc", o.Str("vpcId"))
		if vpc == nil {
			return refuse("CreateSubnet", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", o.Str("vpcId"))
		}
		cidr, err := netip.ParsePrefix(o.Str("cidrBlock"))
		vpcCIDR, _ := netip.ParsePrefix(vpc.Str("cidrBlock"))
		if err != nil || !vpcCIDR.Contains(cidr.Addr()) || cidr.Bits() < vpcCIDR.Bits() {
			return refuse("CreateSubnet", "InvalidSubnet.Range", "The CIDR '%s' is invalid.", o.Str("cidrBlock"))
		}
		for _, other := range s.Select(o.Type, func(x *Object) bool { return x.Str("vpcId") == vpc.ID }) {
			if p, _ := netip.ParsePrefix(other.Str("cidrBlock")); p.Overlaps(cidr) {
				return refuse("CreateSubnet", "InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", o.Str("cidrBlock"))
			}
		}
		// A subnet names its zone by name or by ID
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html);
		// both are the caller account's.
		zone, ok := s.zone(c.Account, c.Region, o.Str("availabilityZone"), o.Str("availabilityZoneId"))
		if !ok {
			var known []string
			for _, z := range s.ZonesOf(c.Account, c.Region) {
				known = append(known, z.Name+" ("+z.ID+")")
			}
			return refuse("CreateSubnet", "InvalidParameterValue", "Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.", o.Str("availabilityZone")+o.Str("availabilityZoneId"), strings.Join(known, ", "))
		}
		o.ID = s.ec2ID("subnet")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:subnet/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("ownerId", c.Account)
		o.set("availabilityZone", zone.Name)
		o.set("availabilityZoneId", zone.ID)
		return nil
	},
	remove: func(s *State, o *Object) error {
		// A subnet with network interfaces in it cannot be deleted
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html):
		// a NAT gateway's, a cluster's, a node group's, a transit gateway
		// attachment's.
		inSubnet := func(d *Object) bool {
			return d.Str("subnetId") == o.ID || slices.Contains(d.Strs("subnetIds"), o.ID) || slices.Contains(clusterSubnets(d), o.ID)
		}
		for _, typ := range []string{"aws:ec2/natGateway:NatGateway", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/fargateProfile:FargateProfile", NetworkInterfaceType, TGWAttachmentType} {
			if len(s.Select(typ, inSubnet)) > 0 {
				return refuse("DeleteSubnet", "DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", o.ID)
			}
		}
		return nil
	},
}

var ec2InternetGateway = kind{
	create: func(s *State, c Caller, o *Object) error {
		if vpc := o.Str("vpcId"); vpc != "" && s.Find(c, "aws:ec2/vpc:Vpc", vpc) == nil {
			return refuse("AttachInternetGateway", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpc)
		}
		o.ID = s.ec2ID("igw")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:internet-gateway/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("ownerId", c.Account)
		return nil
	},
	remove: func(s *State, o *Object) error {
		// A gateway is detached before it is deleted, and EC2 refuses to
		// detach it while public addresses are mapped in the VPC
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html):
		// a NAT gateway's, an internet-facing load balancer's.
		nats := s.Select("aws:ec2/natGateway:NatGateway", func(n *Object) bool {
			subnet := s.first("aws:ec2/subnet:Subnet", func(x *Object) bool { return x.ID == n.Str("subnetId") })
			return subnet != nil && subnet.Str("vpcId") == o.Str("vpcId")
		})
		public := s.Select(NetworkInterfaceType, func(e *Object) bool { return e.Str("vpcId") == o.Str("vpcId") && e.Str("publicIp") != "" })
		if len(nats)+len(public) > 0 {
			return refuse("DetachInternetGateway", "DependencyViolation", "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", o.Str("vpcId"))
		}
		return nil
	},
}

var ec2EIP = kind{
	replaceOn: []string{"domain"},
	create: func(s *State, c Caller, o *Object) error {
		o.ID = s.ec2ID("eipalloc")
		o.set("allocationId", o.ID)
		o.set("publicIp", fmt.Sprintf("198.51.100.%d", 1+s.Serial%250))
		return nil
	},
}

var ec2NATGateway = kind{
	replaceOn: []string{"allocationId", "subnetId", "connectivityType"},
	create: func(s *State, c Caller, o *Object) error {
		subnet := s.Find(c, "aws:ec2/subnet:Subnet", o.Str("subnetId"))
		if subnet == nil {
			return refuse("CreateNatGateway", "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", o.Str("subnetId"))
		}
		if s.Find(c, "aws:ec2/eip:Eip", o.Str("allocationId")) == nil {
			return refuse("CreateNatGateway", "InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", o.Str("allocationId"))
		}
		// A public NAT gateway needs the VPC's internet gateway attached
		// first: its failure codes include Gateway.NotAttached, "Network
		// vpc-xxxxxxxx has no Internet gateway attached"
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html).
		if s.first("aws:ec2/internetGateway:InternetGateway", func(g *Object) bool { return g.Str("vpcId") == subnet.Str("vpcId") }) == nil {
			return refuse("CreateNatGateway", "Gateway.NotAttached", "Network %s has no Internet gateway attached", subnet.Str("vpcId"))
		}
		o.ID = s.ec2ID("nat")
		o.set("networkInterfaceId", s.ec2ID("eni"))
		return nil
	},
}

var ec2RouteTable = kind{
	replaceOn: []string{"vpcId"},
	create: func(s *State, c Caller, o *Object) error {
		if s.Find(c, "aws:ec2/vpc:Vpc", o.Str("vpcId")) == nil {
			return refuse("CreateRouteTable", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", o.Str("vpcId"))
		}
		if err := s.checkRoutes(c, o.Str("vpcId"), o.Inputs["routes"]); err != nil {
			return err
		}
		o.ID = s.ec2ID("rtb")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:route-table/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("ownerId", c.Account)
		return nil
	},
	update: func(s *State, c Caller, o *Object, inputs map[string]any) error {
		return s.checkRoutes(c, o.Str("vpcId"), inputs["routes"])
	},
	remove: func(s *State, o *Object) error {
		if len(s.Select("aws:ec2/routeTableAssociation:RouteTableAssociation", func(a *Object) bool { return a.Str("routeTableId") == o.ID })) > 0 {
			return refuse("DeleteRouteTable", "DependencyViolation", "The routeTable '%s' has dependencies and cannot be deleted.", o.ID)
		}
		return nil
	},
}

// checkRoutes checks each of a route table's inline routes (checkRoute).
func (s *State) checkRoutes(c Caller, vpcID string, routes any) error {
	list, _ := routes.([]any)
	for _, r := range list {
		route, _ := r.(map[string]any)
		if err := s.checkRoute(c, vpcID, route); err != nil {
			return err
		}
	}
	return nil
}

// checkRoute refuses a route of a VPC's route table to a target that does
// not exist: EC2 checks the target when it creates the route
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html).
func (s *State) checkRoute(c Caller, vpcID string, route map[string]any) error {
	if id, _ := route["gatewayId"].(string); id != "" && s.Find(c, "aws:ec2/internetGateway:InternetGateway", id) == nil {
		return refuse("CreateRoute", "InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", id)
	}
	if id, _ := route["natGatewayId"].(string); id != "" && s.Find(c, "aws:ec2/natGateway:NatGateway", id) == nil {
		return refuse("CreateRoute", "InvalidNatGatewayID.NotFound", "The natGateway ID '%s' does not exist", id)
	}
	if id, _ := route["transitGatewayId"].(string); id != "" {
		return s.checkTransitGatewayRoute(vpcID, id)
	}
	return nil
}

var ec2RouteTableAssociation = kind{
	replaceOn: []string{"subnetId", "gatewayId"},
	create: func(s *State, c Caller, o *Object) error {
		subnet := s.Find(c, "aws:ec2/subnet:Subnet", o.Str("subnetId"))
		if subnet == nil {
			return refuse("AssociateRouteTable", "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", o.Str("subnetId"))
		}
		table := s.Find(c, "aws:ec2/routeTable:RouteTable", o.Str("routeTableId"))
		if table == nil {
			return refuse("AssociateRouteTable", "InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", o.Str("routeTableId"))
		}
		if table.Str("vpcId") != subnet.Str("vpcId") {
			return refuse("AssociateRouteTable", "InvalidParameterValue", "route table %s and subnet %s belong to different networks", table.ID, subnet.ID)
		}
		if s.first(o.Type, func(a *Object) bool { return a.Str("subnetId") == subnet.ID }) != nil {
			return refuse("AssociateRouteTable", "Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", table.ID)
		}
		o.ID = s.ec2ID("rtbassoc")
		return nil
	},
}

var ec2SecurityGroup = kind{
	replaceOn: []string{"name", "namePrefix", "vpcId", "description"},
	create: func(s *State, c Caller, o *Object) error {
		if !s.vpcVisible(c, o.Str("vpcId")) {
			return refuse("CreateSecurityGroup", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", o.Str("vpcId"))
		}
		if s.first(o.Type, func(g *Object) bool { return g.Str("vpcId") == o.Str("vpcId") && g.Str("name") == o.Str("name") }) != nil {
			return refuse("CreateSecurityGroup", "InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", o.Str("name"), o.Str("vpcId"))
		}
		o.ID = s.ec2ID("sg")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("ownerId", c.Account)
		return nil
	},
	remove: func(s *State, o *Object) error {
		// A group that a network interface (a cluster's, a load balancer's)
		// or another group's rule uses cannot be deleted
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html).
		used := len(s.Select("aws:eks/cluster:Cluster", func(cl *Object) bool { return slices.Contains(clusterSecurityGroups(cl), o.ID) })) > 0 ||
			len(s.Select(NetworkInterfaceType, func(e *Object) bool { return slices.Contains(e.Strs("securityGroups"), o.ID) })) > 0 ||
			len(s.Select("aws:ec2/securityGroupRule:SecurityGroupRule", func(r *Object) bool {
				return r.Str("sourceSecurityGroupId") == o.ID && r.Str("securityGroupId") != o.ID
			})) > 0
		if used {
			return refuse("DeleteSecurityGroup", "DependencyViolation", "resource %s has a dependent object", o.ID)
		}
		return nil
	},
}

var ec2SecurityGroupRule = kind{
	replaceOn: []string{"securityGroupId", "type", "fromPort", "toPort", "protocol", "cidrBlocks", "ipv6CidrBlocks", "sourceSecurityGroupId", "self", "prefixListIds"},
	create: func(s *State, c Caller, o *Object) error {
		for _, key := range []string{"securityGroupId", "sourceSecurityGroupId"} {
			if id := o.Str(key); id != "" && s.Find(c, "aws:ec2/securityGroup:SecurityGroup", id) == nil {
				return refuse("AuthorizeSecurityGroupIngress", "InvalidGroup.NotFound", "The security group '%s' does not exist", id)
			}
		}
		o.ID = "sgrule-" + s.token(10)
		return nil
	},
}

var ec2LaunchTemplate = kind{
	replaceOn: []string{"name", "namePrefix"},
	create: func(s *State, c Caller, o *Object) error {
		if s.first(o.Type, func(t *Object) bool {
			return t.Account == c.Account && t.Region == c.Region && t.Str("name") == o.Str("name")
		}) != nil {
			return refuse("CreateLaunchTemplate", "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
		}
		o.ID = s.ec2ID("lt")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:launch-template/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("latestVersion", 1.0)
		o.set("defaultVersion", 1.0)
		return nil
	},
	update: func(_ *State, _ Caller, o *Object, _ map[string]any) error {
		v, _ := o.Computed["latestVersion"].(float64)
		o.set("latestVersion", v+1)
		return nil
	},
}

// ec2ID returns a new EC2-style ID: prefix-0 and 16 hex digits.
func (s *State) ec2ID(prefix string) string { return prefix + "-0" + s.token(16) }

// subnetVisible returns the subnet with an ID if the caller may use it: its
// account owns it, or a RAM share of the owner holds the subnet and is
// associated with the caller's account, as VPC sharing works
// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html).
// Subnets shared from elsewhere are visible in the same region only.
func (s *State) subnetVisible(c Caller, id string) *Object {
	subnet := s.first("aws:ec2/subnet:Subnet", func(x *Object) bool { return x.ID == id && x.Region == c.Region })
	if subnet == nil {
		return nil
	}
	if subnet.Account == c.Account || s.sharedWith(subnet.Account, subnet.Str("arn"), c.Account) {
		return subnet
	}
	return nil
}

// vpcVisible reports whether the caller may create in a VPC: it owns it, or
// one of its subnets is shared with the caller.
func (s *State) vpcVisible(c Caller, id string) bool {
	if s.Find(c, "aws:ec2/vpc:Vpc", id) != nil {
		return true
	}
	for _, subnet := range s.Select("aws:ec2/subnet:Subnet", func(x *Object) bool { return x.Str("vpcId") == id }) {
		if s.subnetVisible(c, subnet.ID) != nil {
			return true
		}
	}
	return false
}
