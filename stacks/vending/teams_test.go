package vending

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// teamSettings is vending.yaml with the given organization and teams.
func teamSettings(organization, teams string) string {
	return "organization: " + organization + "\nteams: " + teams + `
defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
cidrPool: 10.128.0.0/18
`
}

// teamRequest is a valid request of a team for an account.
func teamRequest(team, account string) string {
	return "team: " + team + "\nenvironment: dev\naccountId: \"" + account + "\"\n"
}

const managementOnly = `{managementAccountId: "000011112222"}`

func TestARequestOutsideItsTeamsAccountsIsRefusedOnOneLine(t *testing.T) {
	_, err := Load(writeDir(t, map[string]string{
		SettingsFile:              teamSettings(managementOnly, `{maps: {accounts: ["941000000041"]}, search: {accounts: ["942000000042"]}}`),
		"requests/maps-prod.yaml": teamRequest("maps", "942000000042"),
		"requests/ads-dev.yaml":   teamRequest("ads", "943000000043"),
		"requests/search.yaml":    teamRequest("search", "942000000042"),
	}), nil)
	var vendErr *Error
	require.ErrorAs(t, err, &vendErr)
	assert.Contains(t, strings.Split(err.Error(), "\n"), `requests/maps-prod.yaml: accountId: "942000000042" is not one of team maps's accounts (941000000041)`,
		"another team's account is refused, naming the file, the key, the value and the team's accounts")
	assert.Contains(t, strings.Split(err.Error(), "\n"), `requests/ads-dev.yaml: team: "ads" is not one of vending.yaml's teams (maps, search)`)
	assert.NotContains(t, err.Error(), "requests/search.yaml: team", "a request within its team's accounts is not refused for its team")
}

func TestVendingWithoutTeamsIsRefusedShowingHowToAddThem(t *testing.T) {
	_, err := Load(writeDir(t, map[string]string{
		SettingsFile:      settings[strings.Index(settings, "defaults:"):] + "organization: " + managementOnly + "\n",
		"requests/a.yaml": teamRequest("t", "222222222222"),
	}), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `vending.yaml: teams: is required: name the accounts (or organizational units) each team may vend clusters into, as teams: {vision: {accounts: ["313131313131"]}`)
}

func TestTeamsAreChecked(t *testing.T) {
	_, err := Load(writeDir(t, map[string]string{
		SettingsFile: teamSettings(`{managementAccountId: "000011112222", managementRoleArn: "arn:aws:iam::999999999999:role/Reader"}`,
			`{Vision: {accounts: ["1234"]}, empty: {}, risk: {organizationalUnits: [ou-risk]}}`),
	}), nil)
	require.Error(t, err)
	for _, want := range []string{
		`vending.yaml: teams.Vision: "Vision" is not a valid team name`,
		`vending.yaml: teams.Vision.accounts[0]: "1234" is not a 12-digit AWS account ID`,
		`vending.yaml: teams.empty: names no account and no organizational unit`,
		`vending.yaml: teams.risk.organizationalUnits[0]: "ou-risk" is not an organizational unit ID`,
		`vending.yaml: organization.managementRoleArn: "arn:aws:iam::999999999999:role/Reader" is not a role of the management account 000011112222`,
	} {
		assert.Contains(t, err.Error(), want)
	}

	_, err = Load(writeDir(t, map[string]string{
		SettingsFile: teamSettings(managementOnly, `{risk: {organizationalUnits: [ou-ab12-risk0001]}}`),
	}), nil)
	assert.ErrorContains(t, err, `vending.yaml: organization.managementRoleArn: is required: vend assumes it in the management account`,
		"a team bounded by an organizational unit needs the role that reads it")
}

func TestATeamsOrganizationalUnitsAreCheckedWhenOrganizationsAnswers(t *testing.T) {
	set, err := Load(writeDir(t, map[string]string{
		SettingsFile: teamSettings(`{managementAccountId: "000011112222", managementRoleArn: "arn:aws:iam::000011112222:role/Reader"}`,
			`{risk: {accounts: ["515151515151"], organizationalUnits: [ou-ab12-risk0002, ou-ab12-risk0001]}}`),
		"requests/risk-a.yaml": teamRequest("risk", "515151515151"),
		"requests/risk-b.yaml": teamRequest("risk", "525252525252"),
		"requests/risk-c.yaml": teamRequest("risk", "535353535353"),
	}), nil)
	require.NoError(t, err, "offline, an account that may be in the team's organizational units is not refused")
	require.Len(t, set.Unchecked, 2, "the account named among the team's accounts is checked offline")
	assert.Equal(t, []string{"requests/risk-b.yaml", "requests/risk-c.yaml"}, []string{set.Unchecked[0].File, set.Unchecked[1].File})
	assert.Equal(t, []string{"ou-ab12-risk0001", "ou-ab12-risk0002"}, set.OrganizationalUnits(), "each unit once, sorted")

	err = set.CheckOrganizationalUnits(map[string][]string{
		"ou-ab12-risk0001": {"525252525252"},
		"ou-ab12-risk0002": {"545454545454", "555555555555"},
	})
	var vendErr *Error
	require.ErrorAs(t, err, &vendErr)
	assert.Equal(t, `invalid vending requests:
requests/risk-c.yaml: accountId: "535353535353" is not one of team risk's accounts (515151515151) nor in its organizational units (ou-ab12-risk0002: 2 accounts; ou-ab12-risk0001: 1 account)`, err.Error(),
		"the account in one of the units passes; the account in none is refused")
	assert.NoError(t, set.CheckOrganizationalUnits(map[string][]string{
		"ou-ab12-risk0001": {"525252525252"},
		"ou-ab12-risk0002": {"535353535353"},
	}))
}
