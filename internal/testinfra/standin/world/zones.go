package world

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
)

// Zones as an account sees them. "AWS maps the physical Availability Zones
// randomly to the Availability Zone names for each AWS account", so that
// us-east-1a is a different zone in two accounts, while a zone ID such as
// use1-az1 is the same everywhere
// (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html).
// The stand-in maps each account's names to IDs by a permutation of its
// own, fixed by the account and region, unless the tier sets one
// (SetZoneOrder).

// Zone is one zone of a region as an account sees it.
type Zone struct {
	// Name is the account's name for it, such as us-east-1a.
	Name string
	// ID is the zone ID, the same in every account, such as use1-az1.
	ID string
	// Type is availability-zone, local-zone or wavelength-zone.
	Type string
}

// zoneIDsOf are the availability zone IDs of the regions the tier uses
// (`aws ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneId'`);
// another region has three.
var zoneIDsOf = map[string][]string{
	"us-east-1":    {"use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"},
	"us-west-1":    {"usw1-az1", "usw1-az2", "usw1-az3"},
	"us-west-2":    {"usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"},
	"ca-central-1": {"cac1-az1", "cac1-az2", "cac1-az3", "cac1-az4"},
}

// otherZones are the Local and Wavelength Zones an account that opted into
// their groups sees in a region, after its availability zones in name
// order (https://docs.aws.amazon.com/local-zones/latest/ug/available-local-zones.html).
var otherZones = map[string][]Zone{
	"us-east-1": {
		{"us-east-1-bos-1a", "use1-bos1-az1", "local-zone"},
		{"us-east-1-wl1-bos-wlz-1", "use1-wl1-bos-wlz1", "wavelength-zone"},
	},
	"us-west-2": {{"us-west-2-lax-1a", "usw2-lax1-az1", "local-zone"}},
}

// eksUnsupportedZoneIDs are the zone IDs where EKS refuses a cluster's
// subnets: "cluster creation may fail ... use1-az3, usw1-az2, cac1-az3"
// (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html#network-requirements-subnets).
var eksUnsupportedZoneIDs = []string{"use1-az3", "usw1-az2", "cac1-az3"}

// regionZoneIDs returns a region's availability zone IDs.
func regionZoneIDs(region string) []string {
	if ids, ok := zoneIDsOf[region]; ok {
		return ids
	}
	parts := strings.Split(region, "-")
	code := ""
	for _, p := range parts[:len(parts)-1] {
		code += p[:1]
	}
	code += parts[len(parts)-1]
	return []string{code + "-az1", code + "-az2", code + "-az3"}
}

// ZonesOf returns the zones an account sees in a region, sorted by name as
// DescribeAvailabilityZones lists them.
func (s *State) ZonesOf(account, region string) []Zone {
	ids := s.ZoneOrders[account+"/"+region]
	if ids == nil {
		ids = slices.Clone(regionZoneIDs(region))
		rank := func(id string) string {
			sum := sha256.Sum256([]byte(account + "|" + region + "|" + id))
			return string(sum[:])
		}
		slices.SortFunc(ids, func(a, b string) int { return strings.Compare(rank(a), rank(b)) })
	}
	var out []Zone
	for i, id := range ids {
		out = append(out, Zone{Name: region + string(rune('a'+i)), ID: id, Type: "availability-zone"})
	}
	out = append(out, otherZones[region]...)
	slices.SortFunc(out, func(a, b Zone) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// SetZoneOrder maps an account's zone names in a region to IDs: the first
// name (region+"a") to ids[0], and so on. The IDs must be the region's.
func (s *State) SetZoneOrder(account, region string, ids []string) error {
	want := slices.Sorted(slices.Values(regionZoneIDs(region)))
	if got := slices.Sorted(slices.Values(ids)); !slices.Equal(got, want) {
		return fmt.Errorf("zone order %v of %s is not a permutation of its zone IDs %v", ids, region, want)
	}
	if s.ZoneOrders == nil {
		s.ZoneOrders = map[string][]string{}
	}
	s.ZoneOrders[account+"/"+region] = slices.Clone(ids)
	return nil
}

// zone returns the zone an account knows by name or ID in a region.
func (s *State) zone(account, region, name, id string) (Zone, bool) {
	for _, z := range s.ZonesOf(account, region) {
		if (name != "" && z.Name == name) || (id != "" && z.ID == id) {
			return z, true
		}
	}
	return Zone{}, false
}
