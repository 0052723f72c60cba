package network

// The layout of a VPC's subnets and the checks of CIDR blocks: pure
// arithmetic on net/netip prefixes, which the stacks use too (to reject
// overlapping VPCs before anything is registered).

import (
	"fmt"
	"net/netip"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Limits on the VPC layout.
const (
	// MinAZs is the fewest availability zones EKS accepts for a cluster.
	MinAZs = 2
	// MaxAZs is the most availability zones a layout spreads over.
	MaxAZs = 6
	// MinVPCPrefix and MaxVPCPrefix bound the VPC block: AWS allows /16 to
	// /28, and the layout needs room for public subnets of at least /28.
	MinVPCPrefix = 16
	MaxVPCPrefix = 22
)

// Layout is the subnet plan of one VPC: one private and one public subnet
// per availability zone, index i of each in zone i.
type Layout struct {
	// VPC is the VPC block, host bits cleared.
	VPC netip.Prefix
	// Private are the private subnets, one per zone.
	Private []netip.Prefix
	// Public are the public subnets, one per zone.
	Public []netip.Prefix
}

// Plan splits vpc into azs private subnets, each an eighth of the VPC, and
// azs public subnets carved from the last eighth (a sixty-fourth each).
// Private subnets are large because pods take their addresses from them
// (the VPC CNI); public subnets hold only NAT gateways and load balancers.
func Plan(vpc netip.Prefix, azs int) (Layout, error) {
	if err := checkBlock(vpc); err != nil {
		return Layout{}, err
	}
	if azs < MinAZs || azs > MaxAZs {
		return Layout{}, fmt.Errorf("%d availability zones is outside %d..%d", azs, MinAZs, MaxAZs)
	}
	vpc = vpc.Masked()
	eighths := split(vpc, 3)
	publicBlocks := split(eighths[7], 3)
	l := Layout{VPC: vpc}
	for i := 0; i < azs; i++ {
		l.Private = append(l.Private, eighths[i])
		l.Public = append(l.Public, publicBlocks[i])
	}
	return l, nil
}

// ParseVPC parses a VPC CIDR block: an IPv4 block from /16 to /22 with no
// host bits set.
func ParseVPC(cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("is not a CIDR block")
	}
	return p, checkBlock(p)
}

// CheckVPC records the problems of a new VPC's block and zone count, each
// at its key path.
func CheckVPC(cidrPath, zonesPath, cidr string, zones int, ps *validate.Problems) {
	if _, err := ParseVPC(cidr); err != nil {
		ps.Add(cidrPath, cidr, err.Error())
	}
	if n := Zones(zones); n < MinAZs || n > MaxAZs {
		ps.Addf(zonesPath, n, "is outside %d..%d", MinAZs, MaxAZs)
	}
}

// checkBlock returns an error unless p is an IPv4 block from /16 to /22
// with no host bits set.
func checkBlock(p netip.Prefix) error {
	switch {
	case !p.Addr().Is4():
		return fmt.Errorf("is not an IPv4 CIDR block")
	case p.Bits() < MinVPCPrefix || p.Bits() > MaxVPCPrefix:
		return fmt.Errorf("is a /%d; a VPC block here must be /%d to /%d", p.Bits(), MinVPCPrefix, MaxVPCPrefix)
	case p.Masked() != p:
		return fmt.Errorf("has host bits set; did you mean %s?", p.Masked())
	}
	return nil
}

// split divides p into 2^bits equal prefixes in address order.
func split(p netip.Prefix, bits int) []netip.Prefix {
	n := 1 << bits
	size := uint32(1) << (32 - p.Bits() - bits)
	base := p.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	out := make([]netip.Prefix, n)
	for i := range n {
		a := start + uint32(i)*size
		addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		out[i] = netip.PrefixFrom(addr, p.Bits()+bits)
	}
	return out
}

// ParseCIDR parses any IPv4 or IPv6 CIDR block with no host bits set.
func ParseCIDR(cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("is not a CIDR block")
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("has host bits set; did you mean %s?", p.Masked())
	}
	return p, nil
}

// Holds reports whether outer holds all of inner.
func Holds(outer, inner netip.Prefix) bool {
	return outer.IsValid() && inner.IsValid() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}
