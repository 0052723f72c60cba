package world

import "slices"

// Organizations' policy types and per-target limits.

// The policy types the stand-in knows.
const (
	ServiceControlPolicy  = "SERVICE_CONTROL_POLICY"
	ResourceControlPolicy = "RESOURCE_CONTROL_POLICY"
)

// The AWS managed policies "attached to every root, OU, and account" when
// the type is enabled: FullAWSAccess for SCPs
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)
// and RCPFullAWSAccess for RCPs
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
var managedPolicies = map[string]struct{ id, name string }{
	ServiceControlPolicy:  {"p-FullAWSAccess", "FullAWSAccess"},
	ResourceControlPolicy: {"p-RCPFullAWSAccess", "RCPFullAWSAccess"},
}

// maxPoliciesPerTarget is how many policies of one type a root, OU or
// account may have attached directly, the AWS managed one included
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
const maxPoliciesPerTarget = 5

// PolicyTypeEnabled reports whether the organization's root has a policy
// type enabled.
func (o Organization) PolicyTypeEnabled(typ string) bool {
	return slices.Contains(o.EnabledPolicyTypes, typ)
}

// mayManagePolicies reports whether an account may create and attach
// Organizations policies: the management account, or a delegated
// administrator for policy management
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs-policy-delegate.html).
func (o Organization) mayManagePolicies(account string) bool {
	return account == o.ManagementAccount || slices.Contains(o.DelegatedAdministrators, account)
}

// PoliciesForTarget returns the IDs of the policies of a type attached
// directly to a target: the AWS managed one, when the type is enabled, and
// those attached since.
func (s *State) PoliciesForTarget(target, typ string) []string {
	var ids []string
	if s.Organization.PolicyTypeEnabled(typ) {
		ids = append(ids, managedPolicies[typ].id)
	}
	for _, a := range s.Select("aws:organizations/policyAttachment:PolicyAttachment", func(a *Object) bool { return a.Str("targetId") == target }) {
		if p := s.policy(a.Str("policyId")); p != nil && p.Str("type") == typ {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// PolicyName returns the name of a policy by ID, the AWS managed ones
// included, and whether it exists.
func (s *State) PolicyName(id string) (name string, awsManaged, ok bool) {
	for _, m := range managedPolicies {
		if m.id == id {
			return m.name, true, true
		}
	}
	if p := s.policy(id); p != nil {
		return p.Str("name"), false, true
	}
	return "", false, false
}

// policy returns an Organizations policy the stacks or the tier created.
func (s *State) policy(id string) *Object {
	return s.first("aws:organizations/policy:Policy", func(p *Object) bool { return p.ID == id })
}
