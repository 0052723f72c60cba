package world

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accountIDs reads the IDs of an answer's accounts.
func accountIDs(t *testing.T, answer map[string]any) []string {
	t.Helper()
	list, ok := answer["accounts"].([]any)
	require.True(t, ok, "the answer lists accounts: %v", answer)
	var out []string
	for _, a := range list {
		out = append(out, a.(map[string]any)["id"].(string))
	}
	return out
}

func TestAnOUsDescendantAccountsAreThoseBelowItAtAnyDepth(t *testing.T) {
	s := &State{dir: "test-world"}
	require.NoError(t, s.Plant(Seed{Organization: Organization{ID: "o-abc123", ManagementAccount: management, RootID: "r-ab12",
		Accounts: []string{management, cluster, tenant},
		OrganizationalUnits: []OrganizationalUnit{
			{ID: "ou-ab12-workload", Parent: "r-ab12", Accounts: []string{tenant}},
			{ID: "ou-ab12-platform", Parent: "r-ab12"},
			{ID: "ou-ab12-clusters", Parent: "ou-ab12-platform", Accounts: []string{cluster}},
		}}}))
	const token = "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
	got, err := s.Answer(inMgmt, token, map[string]any{"parentId": "ou-ab12-platform"})
	require.NoError(t, err)
	assert.Equal(t, []string{cluster}, accountIDs(t, got), "an account in a nested OU is a descendant")

	_, err = s.Answer(inMgmt, token, map[string]any{"parentId": "ou-ab12-nowhere"})
	requireAWSError(t, err, "ParentNotFoundException")
	_, err = s.Answer(inCluster, token, map[string]any{"parentId": "ou-ab12-platform"})
	requireAWSError(t, err, "AccessDeniedException")

	require.NoError(t, s.Organization.MoveAccount(cluster, "ou-ab12-workload"))
	got, err = s.Answer(inMgmt, token, map[string]any{"parentId": "ou-ab12-platform"})
	require.NoError(t, err)
	assert.Empty(t, accountIDs(t, got), "a moved account leaves its old OU")
	got, err = s.Answer(inMgmt, token, map[string]any{"parentId": "ou-ab12-workload"})
	require.NoError(t, err)
	assert.Equal(t, []string{cluster, tenant}, accountIDs(t, got))
	assert.Error(t, s.Organization.MoveAccount("999999999999", ""), "only a member moves")
}

func TestOnlyTheManagementAccountListsTheOrganizationsAccounts(t *testing.T) {
	s := seeded(t)
	const token = "aws:organizations/getOrganization:getOrganization"
	got, err := s.Answer(inMgmt, token, nil)
	require.NoError(t, err)
	assert.Equal(t, s.Organization.Accounts, accountIDs(t, got))
	got, err = s.Answer(inCluster, token, nil)
	require.NoError(t, err)
	assert.NotContains(t, got, "accounts", "a member account describes the organization but cannot list its accounts")
}

func TestJoiningASeedAddsItsOUs(t *testing.T) {
	s := &State{dir: "test-world"}
	org := Organization{ID: "o-abc123", ManagementAccount: management, RootID: "r-ab12", Accounts: []string{management, cluster},
		OrganizationalUnits: []OrganizationalUnit{{ID: "ou-ab12-clusters", Parent: "r-ab12", Accounts: []string{cluster}}}}
	require.NoError(t, s.Plant(Seed{Organization: org}))
	require.NoError(t, s.Join(Seed{Organization: Organization{ManagementAccount: management, Accounts: []string{tenant},
		OrganizationalUnits: []OrganizationalUnit{{ID: "ou-ab12-clusters", Accounts: []string{tenant}}, {ID: "ou-ab12-teams", Parent: "r-ab12"}}}}))
	ids, err := s.Organization.DescendantAccounts("ou-ab12-clusters")
	require.NoError(t, err)
	assert.Equal(t, []string{cluster, tenant}, ids)
	_, err = s.Organization.DescendantAccounts("ou-ab12-teams")
	assert.NoError(t, err, "a new OU joins")
}
