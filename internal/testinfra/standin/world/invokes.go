package world

import (
	"fmt"
	"slices"
)

// Answer answers a data source (an invoke) as AWS would for the caller:
// the region's zones, add-on versions, instance types, Service Quotas and
// the organization. The aws plugin answers who the caller is itself.
func (s *State) Answer(c Caller, token string, args map[string]any) (map[string]any, error) {
	switch token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return s.availabilityZones(c, args), nil
	case "aws:eks/getAddonVersion:getAddonVersion":
		mostRecent, _ := args["mostRecent"].(bool)
		name, minor := str(args["addonName"]), str(args["kubernetesVersion"])
		v, err := AddonVersion(name, minor, mostRecent)
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": name, "addonName": name, "kubernetesVersion": minor, "mostRecent": mostRecent, "version": v}, nil
	case "aws:ec2/getInstanceType:getInstanceType":
		t := str(args["instanceType"])
		v, err := InstanceVCPUs(t)
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": t, "instanceType": t, "defaultVcpus": v}, nil
	case "aws:servicequotas/getServiceQuota:getServiceQuota":
		code := str(args["quotaCode"])
		v, err := s.Quota(c.Account, c.Region, code)
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": code, "serviceCode": str(args["serviceCode"]), "quotaCode": code, "value": v, "defaultValue": defaultQuotas[code]}, nil
	case "aws:organizations/getOrganization:getOrganization":
		return s.describeOrganization(c)
	case "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts":
		if err := s.mayReadOrganization("ListAccountsForParent", c); err != nil {
			return nil, err
		}
		parent := str(args["parentId"])
		ids, err := s.Organization.DescendantAccounts(parent)
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": parent, "parentId": parent, "accounts": s.Organization.describeAccounts(ids)}, nil
	case "aws:organizations/getPoliciesForTarget:getPoliciesForTarget":
		if err := s.mayReadOrganization("ListPoliciesForTarget", c); err != nil {
			return nil, err
		}
		target, typ := str(args["targetId"]), str(args["filter"])
		return map[string]any{"id": target, "targetId": target, "filter": typ, "ids": s.PoliciesForTarget(target, typ)}, nil
	case "aws:organizations/getPolicy:getPolicy":
		if err := s.mayReadOrganization("DescribePolicy", c); err != nil {
			return nil, err
		}
		id := str(args["policyId"])
		name, managed, ok := s.PolicyName(id)
		if !ok {
			return nil, refuse("DescribePolicy", "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
		}
		return map[string]any{"id": id, "policyId": id, "name": name, "awsManaged": managed}, nil
	}
	return nil, fmt.Errorf("the stand-in AWS does not answer %s", token)
}

// availabilityZones answers getAvailabilityZones: the caller's zones of
// its region that pass the filters (zone-type, zone-name, zone-id) and are
// not excluded by name or ID, names and IDs in the same order.
func (s *State) availabilityZones(c Caller, args map[string]any) map[string]any {
	excludedIDs, excludedNames := strs(args["excludeZoneIds"]), strs(args["excludeNames"])
	names, ids := []any{}, []any{}
	for _, z := range s.ZonesOf(c.Account, c.Region) {
		if slices.Contains(excludedIDs, z.ID) || slices.Contains(excludedNames, z.Name) || !zonePasses(z, args["filters"]) {
			continue
		}
		names, ids = append(names, z.Name), append(ids, z.ID)
	}
	return map[string]any{"id": c.Region, "names": names, "zoneIds": ids}
}

// zonePasses reports whether a zone passes every filter of
// DescribeAvailabilityZones the stand-in knows.
func zonePasses(z Zone, filters any) bool {
	for _, f := range asMaps(filters) {
		field := map[string]string{"zone-type": z.Type, "zone-name": z.Name, "zone-id": z.ID}
		v, known := field[str(f["name"])]
		if known && !slices.Contains(strs(f["values"]), v) {
			return false
		}
	}
	return true
}

// describeOrganization answers getOrganization: the organization and its
// root with the policy types enabled on it, and, to the management account
// or a delegated administrator, who alone may call ListAccounts
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html),
// its accounts.
func (s *State) describeOrganization(c Caller) (map[string]any, error) {
	o := s.Organization
	if !o.HasAccount(c.Account) {
		return nil, refuse("DescribeOrganization", "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	}
	var types []any
	for _, t := range o.EnabledPolicyTypes {
		types = append(types, map[string]any{"type": t, "status": "ENABLED"})
	}
	out := map[string]any{
		"id": o.ID, "featureSet": "ALL", "masterAccountId": o.ManagementAccount, "enabledPolicyTypes": slices.Clone(o.EnabledPolicyTypes),
		"roots": []any{map[string]any{"id": o.RootID, "name": "Root", "arn": fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", o.ManagementAccount, o.ID, o.RootID), "policyTypes": types}},
	}
	if o.mayManagePolicies(c.Account) {
		out["accounts"] = o.describeAccounts(o.Accounts)
	}
	return out, nil
}

// describeAccounts describes member accounts as ListAccounts does; every
// account of the stand-in is ACTIVE.
func (o Organization) describeAccounts(ids []string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{
			"id": id, "arn": fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.ManagementAccount, o.ID, id),
			"name": "account-" + id, "email": id + "@example.com", "status": "ACTIVE",
		})
	}
	return out
}

// mayReadOrganization refuses a caller that is neither the management account
// nor a delegated administrator.
func (s *State) mayReadOrganization(action string, c Caller) error {
	if !s.Organization.mayManagePolicies(c.Account) {
		return refuse(action, "AccessDeniedException", "You don't have permissions to access this resource: %s is not the organization's management account or a delegated administrator", c.Account)
	}
	return nil
}

// str reads a string value.
func str(v any) string { s, _ := v.(string); return s }

// asMaps reads a JSON list of objects.
func asMaps(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
