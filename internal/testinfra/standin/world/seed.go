package world

import (
	"fmt"
	"slices"
	"strings"
)

// Seed is what an organization holds before any stack runs: its accounts,
// and the roles that exist already (each account's deploy role, the
// administrators' roles that access entries name).
type Seed struct {
	Organization Organization
	// Roles are the ARNs of the roles that exist already.
	Roles []string
}

// Plant puts a seed into an empty world.
func (s *State) Plant(seed Seed) error {
	if len(s.Objects) > 0 {
		return fmt.Errorf("the stand-in AWS already holds %d objects; plant a seed in an empty world", len(s.Objects))
	}
	s.Organization = seed.Organization
	return s.addRoles(seed.Roles)
}

// Join adds what a seed has and the world lacks: accounts that join the
// organization, and their roles. The organization stays as it is; a seed of another organization is refused.
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
	return s.addRoles(seed.Roles)
}

// addRoles adds pre-existing roles, by ARN, that the world lacks.
func (s *State) addRoles(arns []string) error {
	for _, arn := range arns {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
			return fmt.Errorf("seed role %q is not an IAM role ARN", arn)
		}
		if !s.Organization.HasAccount(parts[4]) {
			return fmt.Errorf("seed role %s is in account %s, which is not in the organization", arn, parts[4])
		}
		rest := parts[5][len("role"):]
		cut := strings.LastIndex(rest, "/")
		name, path := rest[cut+1:], rest[:cut+1]
		if s.role(parts[4], name) != nil {
			continue
		}
		s.add(&Object{
			Type: "aws:iam/role:Role", ID: name, Account: parts[4], Preexisting: true,
			Inputs:   map[string]any{"name": name, "path": path},
			Computed: map[string]any{"arn": arn, "uniqueId": "AROA" + strings.ToUpper(s.token(17))},
		})
	}
	return nil
}
