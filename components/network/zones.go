package network

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
)

// A zone name (us-east-1a) names a different physical zone in every
// account; a zone ID (use1-az1) names the same one everywhere
// (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html).
// The library therefore chooses zones by ID and creates subnets by
// availabilityZoneId, so that two accounts' subnets, and a network account's
// shared subnets, land where the clusters can use them.

// ZoneTypeAvailabilityZone is the zone-type of a regular availability zone,
// as opposed to a Local Zone or a Wavelength Zone, where EKS control planes
// and the library's subnets do not go.
const ZoneTypeAvailabilityZone = "availability-zone"

// EKSUnsupportedZoneIDs are the zone IDs in which EKS refuses a cluster's
// subnets (CreateCluster fails with UnsupportedAvailabilityZoneException),
// per region, from the EKS user guide's subnet requirements
// (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html#network-requirements-subnets),
// as of 2026-12.
var EKSUnsupportedZoneIDs = map[string][]string{
	"us-east-1":    {"use1-az3"},
	"us-west-1":    {"usw1-az2"},
	"ca-central-1": {"cac1-az3"},
}

// EKSSupportsZone reports whether EKS accepts cluster subnets in a zone ID
// of a region.
func EKSSupportsZone(region, zoneID string) bool {
	return !slices.Contains(EKSUnsupportedZoneIDs[region], zoneID)
}

// ChooseZones returns the IDs of n availability zones of the account's
// region in which EKS runs control planes: the region's available zones of
// type availability-zone with EKS's unsupported IDs excluded, the lowest n
// IDs, so that every account of an organization picks the same physical
// zones. It reads them through the account's provider, as a child of
// parent.
func ChooseZones(ctx *pulumi.Context, account providers.Account, n int, parent pulumi.Resource) ([]string, error) {
	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State:          pulumi.StringRef("available"),
		Filters:        []aws.GetAvailabilityZonesFilter{{Name: "zone-type", Values: []string{ZoneTypeAvailabilityZone}}},
		ExcludeZoneIds: EKSUnsupportedZoneIDs[account.Region],
	}, pulumi.Parent(parent), pulumi.Provider(account.Provider))
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	ids := slices.Sorted(slices.Values(zones.ZoneIds))
	if len(ids) < n {
		return nil, fmt.Errorf("region %s of account %s has %d availability zones where EKS runs clusters (%v), fewer than the %d asked for", account.Region, account.ID, len(ids), ids, n)
	}
	return ids[:n], nil
}

// CheckClusterZones checks that the zone IDs of a cluster's subnets are
// ones EKS accepts in the region and span at least MinAZs of them; what the
// error says names where the subnets come from.
func CheckClusterZones(region string, zoneIDs []string, from string) error {
	var refused []string
	distinct := map[string]bool{}
	for _, id := range zoneIDs {
		if !EKSSupportsZone(region, id) {
			refused = append(refused, id)
		}
		distinct[id] = true
	}
	switch {
	case len(refused) > 0:
		return fmt.Errorf("%s: subnets in zone %v, where EKS refuses cluster subnets in %s (UnsupportedAvailabilityZoneException)", from, refused, region)
	case len(distinct) < MinAZs:
		return fmt.Errorf("%s: subnets span %d zone ID(s) %v; EKS needs subnets in at least %d", from, len(distinct), slices.Sorted(maps.Keys(distinct)), MinAZs)
	}
	return nil
}
