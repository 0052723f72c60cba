package vending

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Organization is vending.yaml's organization: the management account,
// which no request may name, and the role vend assumes there to read which
// accounts the teams' organizational units hold.
type Organization struct {
	// ManagementAccountID is the organization's management account.
	// Required.
	ManagementAccountID string `json:"managementAccountId"`
	// ManagementRoleArn is the role in the management account vend assumes
	// to read the teams' organizational units at apply. Required when a
	// team is bounded by organizational units.
	ManagementRoleArn string `json:"managementRoleArn,omitempty"`
}

// Team bounds where one team may vend clusters: the admin-level deploy role
// builds a cluster in any member account a request names, so a team names
// only its own accounts, by ID or by the organizational units that hold
// them.
type Team struct {
	// Accounts are the team's accounts. Optional when OrganizationalUnits
	// are given.
	Accounts []string `json:"accounts,omitempty"`
	// OrganizationalUnits hold the team's accounts, read at apply through
	// Organizations. Optional when Accounts are given.
	OrganizationalUnits []string `json:"organizationalUnits,omitempty"`
}

var ouID = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)

// teamsExample is how a vending.yaml names its teams.
const teamsExample = `teams: {vision: {accounts: ["313131313131"]}, payments: {organizationalUnits: [ou-ab12-cdef3456]}}`

// checkTeams records every problem of vending.yaml's teams.
func (s *Set) checkTeams(ps *validate.Problems) {
	st := s.Settings
	if st.Teams == nil {
		ps.Addf(at(SettingsFile, "teams"), nil, "is required: name the accounts (or organizational units) each team may vend clusters into, as %s", teamsExample)
		return
	}
	usesOUs := false
	for _, name := range slices.Sorted(maps.Keys(st.Teams)) {
		team, p := st.Teams[name], at(SettingsFile, "teams."+name)
		if !validate.IsDNS1123Label(name) {
			ps.Add(p, name, "is not a valid team name (lowercase letters, digits and '-')")
		}
		if len(team.Accounts)+len(team.OrganizationalUnits) == 0 {
			ps.Addf(p, nil, "names no account and no organizational unit: a team needs at least one")
		}
		for i, a := range team.Accounts {
			if !validate.IsAccountID(a) {
				ps.Add(validate.Index(p+".accounts", i), a, "is not a 12-digit AWS account ID")
			}
		}
		for i, ou := range team.OrganizationalUnits {
			if !ouID.MatchString(ou) {
				ps.Add(validate.Index(p+".organizationalUnits", i), ou, "is not an organizational unit ID (ou-...-...)")
			}
		}
		usesOUs = usesOUs || len(team.OrganizationalUnits) > 0
	}
	if org := st.Organization; org != nil {
		key := at(SettingsFile, "organization.managementRoleArn")
		if org.ManagementRoleArn == "" && usesOUs {
			ps.Add(key, nil, "is required: vend assumes it in the management account to read which accounts the teams' organizational units hold")
		}
		ps.RoleOf(key, org.ManagementRoleArn, org.ManagementAccountID, "the management account")
	}
}

// checkBounds records a request whose team vending.yaml does not name, or
// whose account its team may not vend into. An account outside the team's
// accounts is known to be out of bounds only when the team names no
// organizational unit, or when ous (organizational unit ID to the accounts
// it holds, read at apply) says so; otherwise it is left unchecked.
func (s *Set) checkBounds(r *Request, ous map[string][]string, ps *validate.Problems) (unchecked bool) {
	teams := s.Settings.Teams
	if teams == nil || r.Team == "" || !validate.IsAccountID(r.AccountID) {
		return false
	}
	team, ok := teams[r.Team]
	if !ok {
		ps.Addf(at(r.File, "team"), r.Team, "is not one of vending.yaml's teams (%s)", strings.Join(slices.Sorted(maps.Keys(teams)), ", "))
		return false
	}
	if slices.Contains(team.Accounts, r.AccountID) {
		return false
	}
	var known []string
	for _, ou := range team.OrganizationalUnits {
		accounts, read := ous[ou]
		if !read {
			return true
		}
		if slices.Contains(accounts, r.AccountID) {
			return false
		}
		known = append(known, fmt.Sprintf("%s: %d %s", ou, len(accounts), map[bool]string{true: "account", false: "accounts"}[len(accounts) == 1]))
	}
	where := fmt.Sprintf("team %s's accounts (%s)", r.Team, strings.Join(team.Accounts, ", "))
	if len(team.Accounts) == 0 {
		where = fmt.Sprintf("team %s's accounts", r.Team)
	}
	if len(known) > 0 {
		where += " nor in its organizational units (" + strings.Join(known, "; ") + ")"
	}
	ps.Addf(at(r.File, "accountId"), r.AccountID, "is not one of %s", where)
	return false
}
