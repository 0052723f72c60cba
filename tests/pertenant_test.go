package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// tenantCost is what one centralized tenant registers: resources with one
// service account, and how many more each further service account adds.
type tenantCost struct{ tenant, perServiceAccount int }

// documentedCostPerTenant reads the table of docs/performance.md that says
// what a tenant costs, keyed by its first column without backquotes
// ("irsa, shareSubnets: true").
func documentedCostPerTenant(t *testing.T) map[string]tenantCost {
	t.Helper()
	text := readPage(t, "docs/performance.md")
	start := strings.Index(text, "| tenant (centralized) |")
	require.GreaterOrEqual(t, start, 0, "the table of docs/performance.md")
	out := map[string]tenantCost{}
	for _, line := range strings.Split(text[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		require.Len(t, cells, 3, line)
		tenant, err := strconv.Atoi(strings.TrimSpace(cells[1]))
		require.NoError(t, err, line)
		perServiceAccount, err := strconv.Atoi(strings.TrimSpace(cells[2]))
		require.NoError(t, err, line)
		out[strings.ReplaceAll(strings.TrimSpace(cells[0]), "`", "")] = tenantCost{tenant, perServiceAccount}
	}
	return out
}

// singleModeEstate is a centralized stack of one cluster account and
// tenants tenants, each with serviceAccounts service accounts of one
// identity mode.
func singleModeEstate(identity, chaining string, share bool, tenants, serviceAccounts int) map[string]string {
	var ws []map[string]any
	for i := range tenants {
		var sas []any
		for s := range serviceAccounts {
			sas = append(sas, map[string]any{"name": fmt.Sprintf("sa%d", s)})
		}
		ws = append(ws, map[string]any{
			"name": fmt.Sprintf("t%d", i), "accountId": fmt.Sprintf("2%011d", i), "clusterAccount": "c0",
			"namespace": fmt.Sprintf("team-%d", i), "identity": identity, "shareSubnets": share, "serviceAccounts": sas,
		})
	}
	return map[string]string{
		"eks-multi-account:model":        "centralized",
		"eks-multi-account:defaults":     mustJSON(map[string]any{"region": "us-east-1", "endpointAccess": endpointAccess}),
		"eks-multi-account:organization": mustJSON(map[string]any{"managementAccountId": managementAccount}),
		"eks-multi-account:clusterAccounts": mustJSON([]map[string]any{{
			"name": "c0", "accountId": "100000000000", "vpcCidr": "10.0.0.0/16", "chainingRole": chaining,
			"nodeGroups": []any{map[string]any{"name": "general", "instanceTypes": []string{"m6i.large"}, "minSize": 1, "maxSize": 3, "desiredSize": 2}},
		}}),
		"eks-multi-account:workloadAccounts": mustJSON(ws),
	}
}

// TestResourcesPerTenant measures, by difference, what a tenant and a
// further service account register in each mode, and holds the table of
// docs/performance.md to it. The account provider a tenant's workload account brings is
// counted with the tenant.
func TestResourcesPerTenant(t *testing.T) {
	count := func(cfg map[string]string) int {
		e := testkit.Established(mockengine.New("eks-multi-account", "per-tenant"))
		require.NoError(t, e.Run(stacksProgram, cfg))
		return e.Count()
	}
	modes := map[string]struct {
		identity, chaining string
		share              bool
	}{
		"irsa":                     {"irsa", "perServiceAccount", false},
		"irsa, shareSubnets: true": {"irsa", "perServiceAccount", true},
		"podIdentityChain, chainingRole: perServiceAccount": {"podIdentityChain", "perServiceAccount", false},
		"podIdentityChain, chainingRole: shared":            {"podIdentityChain", "shared", false},
	}
	documented := documentedCostPerTenant(t)
	require.Len(t, documented, len(modes), "the rows of the table")
	for name, m := range modes {
		base := count(singleModeEstate(m.identity, m.chaining, m.share, 1, 1))
		got := tenantCost{
			tenant:            count(singleModeEstate(m.identity, m.chaining, m.share, 2, 1)) - base,
			perServiceAccount: count(singleModeEstate(m.identity, m.chaining, m.share, 1, 2)) - base,
		}
		assert.Equal(t, documented[name], got, name)
		// Linear: ten tenants cost ten times one.
		assert.Equal(t, base+9*got.tenant, count(singleModeEstate(m.identity, m.chaining, m.share, 10, 1)), name)
	}
}
