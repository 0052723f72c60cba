package tests

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

// orgStackName is the organization stack the centralized base names.
const orgStackName = "acme/eks-multi-account-organization/org"

// runOrganizationStack runs an organization stack file's text in an
// organization whose OUs hold the given accounts, and returns its
// organization output as the backend keeps it (JSON).
func runOrganizationStack(t *testing.T, text string, units map[string][]string) map[string]any {
	t.Helper()
	cfg, err := stackfile.ParseConfig([]byte(text))
	require.NoError(t, err)
	e := testkit.Established(mockengine.New("eks-multi-account-organization", "org"))
	for ou, accounts := range units {
		e.SetOrganizationalUnit(ou, accounts...)
	}
	var output map[string]any
	require.NoError(t, e.Run(func(ctx *pulumi.Context) error {
		est, err := stacks.Run(ctx, stacks.Options{})
		if err != nil {
			return err
		}
		v, known, err := testkit.Await(ctx, est.Outputs().ToMapOutput())
		require.True(t, known)
		output = v.(map[string]any)[stacks.OrganizationOutput].(map[string]any)
		return err
	}, cfg))
	stored, err := json.Marshal(output)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(stored, &output))
	return output
}

// runGuarded runs the centralized base, naming the organization stack,
// against that stack's output.
func runGuarded(t *testing.T, organization map[string]any) ([]mockengine.Resource, error) {
	t.Helper()
	cfg, err := stackfile.ParseConfig([]byte(centralizedBase + "  eks-multi-account:organizationStack: " + orgStackName + "\n"))
	require.NoError(t, err)
	e := testkit.Established(mockengine.New("eks-multi-account", "dev"))
	if organization != nil {
		e.SetStackOutputs(orgStackName, map[string]any{stacks.OrganizationOutput: organization})
	}
	err = e.Run(stacksProgram, cfg)
	return e.Resources(), err
}

// TestTheOrganizationStackExportsTheAccountsItsGuardrailsBind: the accounts
// of every OU target, at any depth as Organizations lists them, and the
// accounts targeted by ID, sorted and each once; never the management
// account, which no SCP binds even under the root.
func TestTheOrganizationStackExportsTheAccountsItsGuardrailsBind(t *testing.T) {
	text := organizationBase(t, "targetIds: [ou-ab12-cdef3456]", `targetIds: [ou-ab12-cdef3456, ou-ab12-fedc6543, "555566667777"]`)
	out := runOrganizationStack(t, text, map[string][]string{
		"ou-ab12-cdef3456":  {"222233334444", "111122223333"},
		"ou-ab12-fedc6543":  {"444455556666", "111122223333"},
		"ou-ab12-elsewhere": {"999999999999"},
	})
	assert.Equal(t, []any{"111122223333", "222233334444", "444455556666", "555566667777"}, out["guardedAccounts"])
	assert.Equal(t, []any{"ou-ab12-cdef3456", "ou-ab12-fedc6543", "555566667777"}, out["targetIds"])
	assert.Contains(t, out, "serviceControlPolicyId")

	root := runOrganizationStack(t, organizationBase(t, "targetIds: [ou-ab12-cdef3456]", "targetIds: [r-ab12]"),
		map[string][]string{"ou-ab12-cdef3456": {"111122223333"}, "ou-ab12-fedc6543": {"444455556666"}})
	assert.Equal(t, []any{"111122223333", "444455556666"}, root["guardedAccounts"], "a root holds every member account but the management account")
}

// TestAStackOutsideTheGuardrailsFailsNamingEachAccount: a stack naming the
// organization stack fails, before it registers anything but the stack
// reference, for each of its accounts outside the guardrails, named with
// its key; with every account inside them, it deploys.
func TestAStackOutsideTheGuardrailsFailsNamingEachAccount(t *testing.T) {
	org := runOrganizationStack(t, organizationBase0, map[string][]string{"ou-ab12-cdef3456": {"111122223333", "444455556666"}})
	resources, err := runGuarded(t, org)
	var coverage *stacks.CoverageError
	require.True(t, errors.As(err, &coverage), "%v", err)
	assert.Equal(t, []string{`clusterAccounts[1].accountId "222233334444"`, `workloadAccounts[1].accountId "555566667777"`}, coverage.Uncovered)
	assert.ErrorContains(t, err, `the guardrails of organization stack acme/eks-multi-account-organization/org (targets ou-ab12-cdef3456) do not bind clusterAccounts[1].accountId "222233334444", workloadAccounts[1].accountId "555566667777"`)
	assert.ErrorContains(t, err, "run pulumi up of acme/eks-multi-account-organization/org")
	for _, r := range resources {
		assert.Contains(t, []string{"pulumi:pulumi:Stack", mockengine.StackReferenceType}, r.Type, "%s %s registered before the coverage check", r.Type, r.Name)
	}

	unguarded := runOrganizationStack(t, organizationBase(t, "    tagGuard: {targetIds: [ou-ab12-cdef3456], exemptPrincipalArns: [\"arn:aws:iam::111122223333:role/PlatformAdmin\"]}\n", ""), nil)
	assert.Equal(t, []any{}, unguarded["guardedAccounts"], "without a tag guard nothing is guarded")
	_, err = runGuarded(t, unguarded)
	assert.ErrorContains(t, err, "(no targets) do not bind clusterAccounts[0].accountId \"111122223333\", clusterAccounts[1].accountId")

	org = runOrganizationStack(t, organizationBase0, map[string][]string{"ou-ab12-cdef3456": {"111122223333", "222233334444", "444455556666", "555566667777"}})
	resources, err = runGuarded(t, org)
	require.NoError(t, err)
	assert.NotEmpty(t, testkit.OfType(resources, "eks:index:Cluster"))
}

// TestAnOrganizationStackWithoutGuardedAccountsIsRefused: a stack name that
// is no organization stack, or one deployed by an older version, fails
// with what to do, and nothing is deployed.
func TestAnOrganizationStackWithoutGuardedAccountsIsRefused(t *testing.T) {
	resources, err := runGuarded(t, map[string]any{"serviceControlPolicyId": "p-1", "resourceControlPolicyId": "p-2"})
	require.ErrorContains(t, err, "organizationStack: organization stack acme/eks-multi-account-organization/org has no organization.guardedAccounts output: is it an organization stack (model: organization), deployed with this version of the library?")
	assert.Empty(t, testkit.OfType(resources, "eks:index:Cluster"))
}
