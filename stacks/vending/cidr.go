package vending

import (
	"maps"
	"net/netip"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Allocations maps a vended stack's name to its dedicated VPC's block.
type Allocations map[string]string

// allocate gives every dedicated request a VPC block and records what
// cannot be given: a request's pinned block; else the block its stack
// already has (existing, as the backend keeps it), which never moves; else
// the lowest free /20 of the pool. No block overlaps the network VPC or
// another stack's, and a stack whose request is gone keeps its block
// until it is retired.
func (s *Set) allocate(existing Allocations, ps *validate.Problems) Allocations {
	type taken struct {
		by    string
		block netip.Prefix
	}
	var used []taken
	take := func(path, by string, block netip.Prefix) bool {
		for _, t := range used {
			if t.block.Overlaps(block) {
				ps.Addf(path, block.String(), "overlaps %s (%s)", t.by, t.block)
				return false
			}
		}
		used = append(used, taken{by, block})
		return true
	}
	if n := s.Settings.NetworkAccount; n != nil {
		if vpc, err := netip.ParsePrefix(n.VpcCIDR); err == nil {
			used = append(used, taken{"networkAccount.vpcCidr", vpc})
		}
	}
	out := Allocations{}
	// Pinned blocks first, then the blocks stacks already have, then new
	// ones, each in name order: the result does not depend on the order
	// requests came in.
	for _, r := range s.Requests {
		if r.Shared() || r.VpcCIDR == "" {
			continue
		}
		if block, err := netip.ParsePrefix(r.VpcCIDR); err == nil && take(at(r.File, "vpcCidr"), r.File, block) {
			out[r.Name] = block.String()
		}
	}
	for _, name := range slices.Sorted(maps.Keys(existing)) {
		r, requested := s.Request(name)
		if requested && (r.Shared() || r.VpcCIDR != "") {
			continue // no longer the stack's allocation to keep
		}
		block, err := netip.ParsePrefix(existing[name])
		if err != nil {
			ps.Addf("stack "+name, existing[name], "has an allocation that is not a CIDR block")
			continue
		}
		if take("stack "+name, "stack "+name+"'s allocation", block) && requested {
			out[name] = block.String()
		}
	}
	pool, err := netip.ParsePrefix(s.Settings.CIDRPool)
	for _, r := range s.Requests {
		if _, done := out[r.Name]; done || r.Shared() || r.VpcCIDR != "" || err != nil {
			continue
		}
		block, ok := free(pool, DefaultPrefixLength, func(b netip.Prefix) bool {
			return !slices.ContainsFunc(used, func(t taken) bool { return t.block.Overlaps(b) })
		})
		if !ok {
			ps.Addf(at(SettingsFile, "cidrPool"), s.Settings.CIDRPool, "has no free /%d left for %s", DefaultPrefixLength, r.File)
			continue
		}
		used = append(used, taken{r.File, block})
		out[r.Name] = block.String()
	}
	return out
}

// free returns the lowest block of a size in pool that is free.
func free(pool netip.Prefix, bits int, isFree func(netip.Prefix) bool) (netip.Prefix, bool) {
	base := pool.Addr().As4()
	start := uint64(base[0])<<24 | uint64(base[1])<<16 | uint64(base[2])<<8 | uint64(base[3])
	size := uint64(1) << (32 - bits)
	for a := start; a < start+(uint64(1)<<(32-pool.Bits())); a += size {
		block := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits)
		if isFree(block) {
			return block, true
		}
	}
	return netip.Prefix{}, false
}
