package clusteraccount

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/network"
)

// subnets is the VPC and subnets the cluster runs in.
type subnets struct {
	vpcID                   pulumi.StringOutput
	privateIDs, privateARNs pulumi.StringArrayOutput
	// routedIDs are the private subnets, known once they route to a NAT
	// gateway: what nodes run in.
	routedIDs pulumi.StringArrayOutput
	publicIDs pulumi.StringArrayOutput
	// privateRouteTableIDs are the created private subnets' route tables;
	// empty for subnets the caller named.
	privateRouteTableIDs pulumi.StringArrayOutput
	// private lists each created private subnet, for sharing by RAM.
	private []network.Subnet
}

// vpcArgs describes the VPC to create for the cluster.
func (a *Args) vpcArgs() network.Args {
	return network.Args{
		Account:           a.Account,
		CIDR:              a.VpcCIDR,
		AvailabilityZones: a.AvailabilityZones,
		SingleNATGateway:  a.SingleNatGateway,
		ClusterNames:      []string{a.ClusterName},
		NamePrefix:        a.ClusterName,
		Tags:              a.Tags,
	}
}

// network creates the cluster's VPC, or returns the subnets the caller
// named.
func (b *builder) network() (subnets, error) {
	a := b.args
	if n := a.ExistingNetwork; n != nil {
		out := subnets{
			vpcID:       n.VpcID.ToStringOutput(),
			privateIDs:  n.PrivateSubnetIDs.ToStringArrayOutput(),
			routedIDs:   n.PrivateSubnetIDs.ToStringArrayOutput(),
			publicIDs:   pulumi.StringArray{}.ToStringArrayOutput(),
			privateARNs: pulumi.StringArray{}.ToStringArrayOutput(),
			// The route tables are the subnets' owner's.
			privateRouteTableIDs: pulumi.StringArray{}.ToStringArrayOutput(),
		}
		if n.PublicSubnetIDs != nil {
			out.publicIDs = n.PublicSubnetIDs.ToStringArrayOutput()
		}
		return out, nil
	}
	vpc, err := network.New(b.ctx, b.name, a.vpcArgs(), b.parent)
	if err != nil {
		return subnets{}, err
	}
	return subnets{
		vpcID:       vpc.VpcID,
		privateIDs:  vpc.PrivateIDs,
		routedIDs:   vpc.RoutedPrivateIDs,
		privateARNs: vpc.PrivateARNs(),
		publicIDs:   vpc.PublicIDs,
		private:     vpc.Private,

		privateRouteTableIDs: vpc.PrivateRouteTableIDs,
	}, nil
}
