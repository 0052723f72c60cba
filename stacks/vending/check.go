package vending

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// check records the problems the stacks' own validation cannot see: what
// spans requests (one cluster per account), the waves, the pool, the
// request names and the blueprint versions. Everything a stack file
// would have is checked on the rendered stacks (Plan).
func (s *Set) check(ps *validate.Problems) {
	st := s.Settings
	if st.Organization == nil {
		ps.Add(at(SettingsFile, "organization"), nil, "is required: the management account, which no request may name")
	}
	if !validate.IsDNS1123Label(st.Project) {
		ps.Add(at(SettingsFile, "project"), st.Project, "is not a valid project name (lowercase letters, digits and '-')")
	}
	seen := map[string]bool{}
	for i, w := range st.Waves {
		p := at(SettingsFile, validate.Index("waves", i))
		switch {
		case !validate.IsDNS1123Label(w):
			ps.Add(p, w, "is not a valid environment name (lowercase letters, digits and '-')")
		case seen[w]:
			ps.Add(p, w, "is already a wave")
		}
		seen[w] = true
	}
	if st.Routing != "" && st.Routing != config.RoutingDomains && st.Routing != config.RoutingFlat {
		ps.Addf(at(SettingsFile, "routing"), st.Routing, "is not %q or %q", config.RoutingDomains, config.RoutingFlat)
	}
	if n := st.NetworkAccount; n != nil && len(n.RoutingDomains) > 0 {
		ps.Add(at(SettingsFile, "networkAccount.routingDomains"), n.RoutingDomains, "is not for vending: the routing domains are the waves (routing: domains) or one for all (routing: flat)")
	}
	s.checkTeams(ps)
	pool := s.checkPool(ps)
	accounts := map[string]string{}
	if n := st.NetworkAccount; n != nil {
		accounts[n.AccountID] = "the network account (" + at(SettingsFile, "networkAccount.accountId") + ")"
	}
	for i := range s.Requests {
		s.checkRequest(&s.Requests[i], pool, accounts, ps)
	}
}

// checkPool checks the CIDR pool and returns it, invalid when unset or bad.
func (s *Set) checkPool(ps *validate.Problems) netip.Prefix {
	st := s.Settings
	p := at(SettingsFile, "cidrPool")
	if st.CIDRPool == "" {
		for _, r := range s.Requests {
			if !r.Shared() && r.VpcCIDR == "" {
				ps.Addf(p, nil, "is required: %s asks for a dedicated VPC without pinning vpcCidr", r.File)
				break
			}
		}
		return netip.Prefix{}
	}
	pool, err := netip.ParsePrefix(st.CIDRPool)
	switch {
	case err != nil || !pool.Addr().Is4():
		ps.Add(p, st.CIDRPool, "is not an IPv4 CIDR block")
		return netip.Prefix{}
	case pool.Masked() != pool:
		ps.Add(p, st.CIDRPool, "has host bits set")
		return netip.Prefix{}
	case pool.Bits() > DefaultPrefixLength:
		ps.Addf(p, st.CIDRPool, "is smaller than one /%d, the size of an allocated VPC", DefaultPrefixLength)
		return netip.Prefix{}
	}
	if n := st.NetworkAccount; n != nil {
		if vpc, err := netip.ParsePrefix(n.VpcCIDR); err == nil && pool.Overlaps(vpc) {
			ps.Addf(p, st.CIDRPool, "overlaps networkAccount.vpcCidr (%s)", vpc)
		}
	}
	return pool
}

// checkRequest checks what only vending knows of a request.
func (s *Set) checkRequest(r *Request, pool netip.Prefix, accounts map[string]string, ps *validate.Problems) {
	switch {
	case !validate.IsDNS1123Label(r.Name):
		ps.Add(r.File, r.Name, "is not a valid request name: the file's name is the stack's and the cluster's (lowercase letters, digits and '-')")
	case r.Name == NetworkStack:
		ps.Add(r.File, r.Name, "is the network stack's name; name the request after its cluster")
	}
	switch {
	case r.Team == "":
		ps.Missing(at(r.File, "team"))
	case !validate.IsDNS1123Label(r.Team):
		ps.Add(at(r.File, "team"), r.Team, "is not a valid team name (lowercase letters, digits and '-')")
	}
	switch {
	case r.Environment == "":
		ps.Missing(at(r.File, "environment"))
	case !slices.Contains(s.Settings.Waves, r.Environment):
		ps.Addf(at(r.File, "environment"), r.Environment, "is not one of the waves (%s)", strings.Join(s.Settings.Waves, ", "))
	}
	if first, ok := accounts[r.AccountID]; ok && r.AccountID != "" {
		ps.Addf(at(r.File, "accountId"), r.AccountID, "is already %s: a de-centralized account has one cluster", first)
	} else {
		accounts[r.AccountID] = "requested by " + r.File
	}
	if s.checkBounds(r, nil, ps) {
		s.Unchecked = append(s.Unchecked, r)
	}
	if bp, ok := s.Blueprints.Get(r.Blueprint); ok && r.BlueprintVersion != "" && r.BlueprintVersion != bp.Version {
		ps.Addf(at(r.File, "blueprintVersion"), r.BlueprintVersion, "is not the version of blueprint %s, which is at %s", r.Blueprint, bp.Version)
	}
	if r.VpcCIDR != "" && pool.IsValid() {
		if vpc, err := netip.ParsePrefix(r.VpcCIDR); err == nil && vpc.Overlaps(pool) && !network.Holds(pool, vpc) {
			ps.Addf(at(r.File, "vpcCidr"), r.VpcCIDR, "straddles the edge of cidrPool %s", pool)
		}
	}
}
