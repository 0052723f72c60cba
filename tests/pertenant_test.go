package tests

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
)

// tenantCost is what one centralized tenant registers: resources with one
// service account, and how many more each further service account adds.
type tenantCost struct{ tenant, perServiceAccount int }

// resourcesPerTenant is the README's table (Performance), per identity
// mode and chaining role, for a tenant in its own workload account.
var resourcesPerTenant = map[string]tenantCost{
	"irsa":                                {tenant: 10, perServiceAccount: 3},
	"irsa, shareSubnets":                  {tenant: 11, perServiceAccount: 3},
	"podIdentityChain, perServiceAccount": {tenant: 13, perServiceAccount: 7},
	"podIdentityChain, shared":            {tenant: 12, perServiceAccount: 5},
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
// further service account register in each mode, and holds the README's
// table to it. The account provider a tenant's workload account brings is
// counted with the tenant.
func TestResourcesPerTenant(t *testing.T) {
	count := func(cfg map[string]string) int {
		e := mockengine.New("eks-multi-account", "per-tenant")
		require.NoError(t, e.Run(stacksProgram, cfg))
		return e.Count()
	}
	modes := map[string]struct {
		identity, chaining string
		share              bool
	}{
		"irsa":                                {"irsa", "perServiceAccount", false},
		"irsa, shareSubnets":                  {"irsa", "perServiceAccount", true},
		"podIdentityChain, perServiceAccount": {"podIdentityChain", "perServiceAccount", false},
		"podIdentityChain, shared":            {"podIdentityChain", "shared", false},
	}
	for name, m := range modes {
		base := count(singleModeEstate(m.identity, m.chaining, m.share, 1, 1))
		got := tenantCost{
			tenant:            count(singleModeEstate(m.identity, m.chaining, m.share, 2, 1)) - base,
			perServiceAccount: count(singleModeEstate(m.identity, m.chaining, m.share, 1, 2)) - base,
		}
		assert.Equal(t, resourcesPerTenant[name], got, name)
		// Linear: ten tenants cost ten times one.
		assert.Equal(t, base+9*got.tenant, count(singleModeEstate(m.identity, m.chaining, m.share, 10, 1)), name)
	}
}
