package world

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Seed is what an organization holds before any stack runs: its accounts,
// the IAM principals and policies that exist already (each account's
// deploy role, the administrators' roles and users that access entries
// name, customer managed policies that roles attach), and the quotas its
// accounts have.
type Seed struct {
	Organization Organization
	// Roles are the ARNs of the IAM roles and users that exist already.
	Roles []string
	// Policies are the ARNs of the customer managed IAM policies that exist
	// already.
	Policies []string
	// Quotas are the Service Quotas values of every account of the seed, in
	// every region, by quota code; the others are a new account's.
	Quotas map[string]float64
	// InterfaceLinger is how long a deleted cluster's network interfaces
	// stay in its subnets.
	InterfaceLinger time.Duration
}

// Plant puts a seed into an empty world.
func (s *State) Plant(seed Seed) error {
	if len(s.Objects) > 0 {
		return fmt.Errorf("the stand-in AWS already holds %d objects; plant a seed in an empty world", len(s.Objects))
	}
	s.Organization, s.InterfaceLinger = seed.Organization, seed.InterfaceLinger
	return s.addSeed(seed)
}

// Join adds what a seed has and the world lacks: accounts that join the
// organization, the OUs it names and the accounts they hold, and their
// roles. The organization stays as it is; a seed of another organization is refused.
func (s *State) Join(seed Seed) error {
	if s.Organization.ManagementAccount == "" {
		return s.Plant(seed)
	}
	if seed.Organization.ManagementAccount != s.Organization.ManagementAccount {
		return fmt.Errorf("the stand-in AWS is the organization of %s, not of %s", s.Organization.ManagementAccount, seed.Organization.ManagementAccount)
	}
	for _, a := range seed.Organization.Accounts {
		if !s.Organization.HasAccount(a) {
			s.Organization.Accounts = append(s.Organization.Accounts, a)
		}
	}
	slices.Sort(s.Organization.Accounts)
	s.Organization.joinUnits(seed.Organization.OrganizationalUnits)
	return s.addSeed(seed)
}

// addSeed adds a seed's principals, policies and quotas that the world
// lacks.
func (s *State) addSeed(seed Seed) error {
	if err := s.addRoles(seed.Roles); err != nil {
		return err
	}
	if err := s.addPolicies(seed.Policies); err != nil {
		return err
	}
	for _, account := range seed.Organization.Accounts {
		for code, v := range seed.Quotas {
			if err := s.SetQuota(account, anyRegion, code, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// addPolicies adds pre-existing customer managed policies, by ARN.
func (s *State) addPolicies(arns []string) error {
	for _, arn := range arns {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "policy/") {
			return fmt.Errorf("seed policy %q is not an IAM policy ARN", arn)
		}
		if s.customerPolicy(parts[4], arn) != nil {
			continue
		}
		s.add(&Object{Type: "aws:iam/policy:Policy", ID: arn, Account: parts[4], Preexisting: true,
			Inputs: map[string]any{"name": parts[5][strings.LastIndex(parts[5], "/")+1:]}, Computed: map[string]any{"arn": arn}})
	}
	return nil
}

// addRoles adds pre-existing roles and users, by ARN, that the world
// lacks.
func (s *State) addRoles(arns []string) error {
	for _, arn := range arns {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 || parts[2] != "iam" || !(strings.HasPrefix(parts[5], "role/") || strings.HasPrefix(parts[5], "user/")) {
			return fmt.Errorf("seed role %q is not an IAM role or user ARN", arn)
		}
		if !s.Organization.HasAccount(parts[4]) {
			return fmt.Errorf("seed role %s is in account %s, which is not in the organization", arn, parts[4])
		}
		kind, rest, _ := strings.Cut(parts[5], "/")
		cut := strings.LastIndex(rest, "/")
		name, path := rest[cut+1:], "/"+rest[:cut+1]
		typ, prefix := "aws:iam/role:Role", "AROA"
		if kind == "user" {
			typ, prefix = "aws:iam/user:User", "AIDA"
		}
		if s.first(typ, func(r *Object) bool { return r.Account == parts[4] && strings.EqualFold(r.ID, name) }) != nil {
			continue
		}
		s.add(&Object{
			Type: typ, ID: name, Account: parts[4], Preexisting: true,
			Inputs:   map[string]any{"name": name, "path": path},
			Computed: map[string]any{"arn": arn, "uniqueId": prefix + strings.ToUpper(s.token(17))},
		})
	}
	return nil
}
