package world

import (
	"fmt"
	"strings"
)

// Seed is what an organization holds before any stack runs: its accounts,
// the roles that exist already (each account's deploy role, the
// administrators' roles that access entries name), and the API servers
// that will serve its clusters.
type Seed struct {
	Organization Organization
	// Roles are the ARNs of the roles that exist already.
	Roles []string
	// APIServers are the tier's kube-apiservers.
	APIServers []*APIServer
}

// Plant puts a seed into an empty world.
func (s *State) Plant(seed Seed) error {
	if len(s.Objects) > 0 {
		return fmt.Errorf("the stand-in AWS already holds %d objects; plant a seed in an empty world", len(s.Objects))
	}
	s.Organization = seed.Organization
	s.APIServers = seed.APIServers
	for _, arn := range seed.Roles {
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
