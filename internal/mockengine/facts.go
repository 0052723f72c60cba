package mockengine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The offline planner's answers to the lookups the stacks make before they
// register anything: zones, add-on versions, instance types, quotas and the
// organization. Like the regions, they are facts written here, each with
// its source, not read from the code under test.

// zone is one zone a region lists.
type zone struct{ name, id, kind string }

// extraZones are the Local and Wavelength Zones that accounts opted into
// their groups see beside a region's availability zones
// (https://docs.aws.amazon.com/local-zones/latest/ug/available-local-zones.html,
// https://docs.aws.amazon.com/wavelength/latest/developerguide/available-wavelength-zones.html).
var extraZones = map[string][]zone{
	"us-east-1": {{"us-east-1-bos-1a", "use1-bos1-az1", "local-zone"}, {"us-east-1-wl1-bos-wlz-1", "use1-wl1-bos-wlz1", "wavelength-zone"}},
	"us-west-2": {{"us-west-2-lax-1a", "usw2-lax1-az1", "local-zone"}},
}

// irregularZoneIDs are the zone IDs of regions whose zones a new account
// sees are not az1, az2, ... in order: us-west-1 offers new accounts
// usw1-az1 and usw1-az3, while usw1-az2 is left to older ones
// (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html).
var irregularZoneIDs = map[string][]string{"us-west-1": {"usw1-az1", "usw1-az3"}}

// zonesOf lists a region's zones sorted by name, as DescribeAvailabilityZones
// does. The planner maps the name ending in the i-th letter to the i-th
// zone ID; in a real account the mapping differs, which is why the stacks
// choose by ID.
func zonesOf(region string) []zone {
	var out []zone
	for i, suffix := range "abcdef"[:zonesIn(region)] {
		id := fmt.Sprintf("%s-az%d", regionCode(region), i+1)
		if ids, ok := irregularZoneIDs[region]; ok {
			id = ids[i]
		}
		out = append(out, zone{region + string(suffix), id, "availability-zone"})
	}
	out = append(out, extraZones[region]...)
	slices.SortFunc(out, func(a, b zone) int { return strings.Compare(a.name, b.name) })
	return out
}

// availabilityZones answers getAvailabilityZones: the region's zones that
// pass its filters (zone-type, zone-name, zone-id) and are not excluded by
// name or ID.
func availabilityZones(region string, args resource.PropertyMap) map[string]any {
	excludedIDs, excludedNames := strs(args["excludeZoneIds"]), strs(args["excludeNames"])
	var names, ids []any
	for _, z := range zonesOf(region) {
		if slices.Contains(excludedIDs, z.id) || slices.Contains(excludedNames, z.name) || !passes(z, args["filters"]) {
			continue
		}
		names, ids = append(names, z.name), append(ids, z.id)
	}
	return map[string]any{"names": names, "zoneIds": ids, "id": region}
}

// passes reports whether a zone passes every filter of a lookup.
func passes(z zone, filters resource.PropertyValue) bool {
	if !filters.IsArray() {
		return true
	}
	for _, f := range filters.ArrayValue() {
		if !f.IsObject() {
			continue
		}
		var field string
		switch str(f.ObjectValue()["name"]) {
		case "zone-type":
			field = z.kind
		case "zone-name":
			field = z.name
		case "zone-id":
			field = z.id
		default:
			continue
		}
		if !slices.Contains(strs(f.ObjectValue()["values"]), field) {
			return false
		}
	}
	return true
}

// addonVersions are the planner's answer to getAddonVersion with
// mostRecent, per add-on and Kubernetes minor: versions in the form
// `aws eks describe-addon-versions --kubernetes-version <minor> --addon-name
// <name>` lists them, so that the plan shows each add-on pinned to a
// version of the cluster's minor. A real deploy resolves the newest version
// AWS lists on the day; the plan cannot know it, and does not claim to.
var addonVersions = map[string]map[string]string{
	"vpc-cni": {
		"1.28": "v1.19.2-eksbuild.5", "1.29": "v1.19.6-eksbuild.1", "1.30": "v1.19.6-eksbuild.1", "1.31": "v1.20.4-eksbuild.2",
		"1.32": "v1.20.4-eksbuild.2", "1.33": "v1.20.4-eksbuild.2", "1.34": "v1.21.1-eksbuild.1", "1.35": "v1.21.1-eksbuild.1", "1.36": "v1.21.1-eksbuild.1",
	},
	"eks-pod-identity-agent": {
		"1.28": "v1.3.4-eksbuild.1", "1.29": "v1.3.7-eksbuild.2", "1.30": "v1.3.7-eksbuild.2", "1.31": "v1.3.8-eksbuild.2",
		"1.32": "v1.3.8-eksbuild.2", "1.33": "v1.3.8-eksbuild.2", "1.34": "v1.3.10-eksbuild.1", "1.35": "v1.3.10-eksbuild.1", "1.36": "v1.3.10-eksbuild.1",
	},
}

// newestAddonMinor is the newest minor addonVersions holds. For a newer
// one the planner answers that minor's versions, as EKS's newest add-on
// versions support the newest minor; for an older one, it fails, as EKS
// lists no version.
const newestAddonMinor = 36

// addonVersion answers getAddonVersion.
func addonVersion(args resource.PropertyMap) (map[string]any, error) {
	name, minor := str(args["addonName"]), str(args["kubernetesVersion"])
	versions, ok := addonVersions[name]
	if !ok {
		return nil, fmt.Errorf("the mock engine knows no add-on %s", name)
	}
	v, ok := versions[minor]
	var n int
	if _, err := fmt.Sscanf(minor, "1.%d", &n); !ok && err == nil && n > newestAddonMinor {
		v, ok = versions[fmt.Sprintf("1.%d", newestAddonMinor)], true
	}
	if !ok {
		return nil, fmt.Errorf("the mock engine knows no version of add-on %s for Kubernetes %s", name, minor)
	}
	return map[string]any{"addonName": name, "kubernetesVersion": minor, "version": v, "id": name}, nil
}

// vcpusBySize are EC2's vCPUs per instance size of the families the
// blueprints and examples use (https://aws.amazon.com/ec2/instance-types/):
// each size doubles the one before; the burstable t3 and t3a sizes below
// large have 2.
var vcpusBySize = map[string]int{
	"medium": 1, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96, "48xlarge": 192,
}

// instanceType answers getInstanceType with the type's default vCPUs.
func instanceType(args resource.PropertyMap) (map[string]any, error) {
	t := str(args["instanceType"])
	family, size, _ := strings.Cut(t, ".")
	v, ok := vcpusBySize[size]
	if !ok {
		return nil, fmt.Errorf("the mock engine does not know the vCPUs of instance type %s", t)
	}
	if (family == "t3" || family == "t3a") && v < 2 {
		v = 2
	}
	return map[string]any{"instanceType": t, "defaultVcpus": v, "id": t}, nil
}

// QuotasAsOf is the day DefaultQuotas was read.
const QuotasAsOf = "2026-12-01"

// DefaultQuotas are the values Service Quotas gives a new account for the
// quotas the stacks' preflight reads, by quota code. EKS's and VPC's are
// their documented defaults
// (https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html,
// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html,
// Elastic IPs: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit);
// EC2's vCPU quotas start small in a new account and AWS raises them with
// use: 5 vCPUs of Standard instances, none of the accelerated groups, as
// Service Quotas shows them for new accounts
// (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).
var DefaultQuotas = map[string]float64{
	"L-1194D53C": 100, // EKS clusters per region
	"L-6D54EA21": 30,  // managed node groups per cluster
	"L-33415657": 10,  // Fargate profiles per cluster
	"L-F678F1CE": 5,   // VPCs per region
	"L-FE5A380F": 5,   // NAT gateways per availability zone
	"L-0263D0A3": 5,   // EC2-VPC Elastic IPs
	"L-1216C47A": 5,   // Running On-Demand Standard instances, vCPUs
	"L-34B43A08": 5,   // All Standard Spot Instance Requests, vCPUs
	"L-DB2E81BA": 0,   // Running On-Demand G and VT instances
	"L-3819A6DF": 0,   // All G and VT Spot Instance Requests
	"L-417A185B": 0,   // Running On-Demand P instances
	"L-7212CCBC": 0,   // All P Spot Instance Requests
	"L-74FC7D96": 0,   // Running On-Demand F instances
	"L-88CF9481": 0,   // All F Spot Instance Requests
	"L-7295265B": 0,   // Running On-Demand X instances
	"L-E3A00192": 0,   // All X Spot Instance Requests
	"L-1945791B": 0,   // Running On-Demand Inf instances
	"L-B5D1601B": 0,   // All Inf Spot Instance Requests
	"L-2C3B7624": 0,   // Running On-Demand Trn instances
	"L-6B0D517C": 0,   // All Trn Spot Instance Requests
	"L-6E869C2A": 0,   // Running On-Demand DL instances
	"L-85EED4F7": 0,   // All DL Spot Instance Requests
	"L-F7808C92": 0,   // Running On-Demand HPC instances
	"L-43DA4232": 0,   // Running On-Demand High Memory instances
}

// serviceQuota answers getServiceQuota: the engine's value for the code,
// else AWS's default.
func (e *Engine) serviceQuota(args resource.PropertyMap) (map[string]any, error) {
	code := str(args["quotaCode"])
	def, ok := DefaultQuotas[code]
	if !ok {
		return nil, fmt.Errorf("the mock engine does not know quota %s", code)
	}
	e.mu.Lock()
	value, set := e.quotas[code]
	e.mu.Unlock()
	if !set {
		value = def
	}
	return map[string]any{"serviceCode": str(args["serviceCode"]), "quotaCode": code, "value": value, "defaultValue": def, "id": code}, nil
}

// The organization as the planner answers for it: one root with service
// and resource control policies enabled, and only the AWS managed full
// access policies attached to each target. The plan cannot know better,
// and says so (check's organization-prerequisites rule).
const (
	mockRootID            = "r-mock"
	fullAWSAccess         = "p-FullAWSAccess"
	resourceFullAWSAccess = "p-RCPFullAWSAccess"
)

// organization answers with the management account and the accounts of
// every OU a test set, sorted.
func (e *Engine) organization(p Placement) map[string]any {
	enabled := []any{
		map[string]any{"type": "SERVICE_CONTROL_POLICY", "status": "ENABLED"},
		map[string]any{"type": "RESOURCE_CONTROL_POLICY", "status": "ENABLED"},
	}
	members := []string{p.Account}
	e.mu.Lock()
	for _, ids := range e.units {
		members = append(members, ids...)
	}
	e.mu.Unlock()
	slices.Sort(members)
	return map[string]any{
		"id": "o-mock", "masterAccountId": p.Account, "featureSet": "ALL",
		"roots":    []any{map[string]any{"id": mockRootID, "name": "Root", "policyTypes": enabled}},
		"accounts": activeAccounts(slices.Compact(members)),
	}
}

// descendantAccounts answers for an OU with the accounts SetOrganizationalUnit
// gave it, none unless a test did: the planner cannot know an
// organization's members, so an offline plan's guardedAccounts lists only
// the accounts the guardrails target by ID.
func (e *Engine) descendantAccounts(args resource.PropertyMap) map[string]any {
	id := str(args["parentId"])
	e.mu.Lock()
	ids := e.units[id]
	e.mu.Unlock()
	return map[string]any{"parentId": id, "id": id, "accounts": activeAccounts(ids)}
}

// activeAccounts lists accounts as Organizations does, each active.
func activeAccounts(ids []string) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{"id": id, "status": "ACTIVE", "arn": "arn:aws:organizations::" + id + ":account", "name": id, "email": id + "@example.com"})
	}
	return out
}

func policiesForTarget(args resource.PropertyMap) map[string]any {
	id := fullAWSAccess
	if str(args["filter"]) == "RESOURCE_CONTROL_POLICY" {
		id = resourceFullAWSAccess
	}
	return map[string]any{"ids": []any{id}, "targetId": str(args["targetId"]), "filter": str(args["filter"]), "id": str(args["targetId"])}
}

func policy(args resource.PropertyMap) map[string]any {
	id := str(args["policyId"])
	return map[string]any{"policyId": id, "id": id, "name": strings.TrimPrefix(id, "p-"), "awsManaged": true}
}
