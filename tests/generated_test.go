package tests

import (
	"encoding/json"
	"fmt"
)

// Large configurations, generated, for the isolation proof and the
// benchmarks: many tenants, mixed modes, and namespace and service account
// names repeated across clusters (the adversary's favourite collision).

// endpointAccess opens the generated clusters' API to a documentation
// block, as a runner's egress.
var endpointAccess = map[string]any{"publicCidrs": []string{"203.0.113.0/24"}}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// largeCentralized has clusters cluster accounts and tenants tenants,
// spread round-robin; with shared, cluster 0 chains through its shared role
// (whose inline policies cap it at about 50 chaining tenants), the others
// through a source role per service account; tenants alternate between
// IRSA and Pod Identity chaining, and every namespace name (team-0 ...)
// repeats on every cluster.
func largeCentralized(clusters, tenants int, shared bool) map[string]string {
	var cas []map[string]any
	for c := 0; c < clusters; c++ {
		chaining := "perServiceAccount"
		if c == 0 && shared {
			chaining = "shared"
		}
		cas = append(cas, map[string]any{
			"name": fmt.Sprintf("c%d", c), "accountId": fmt.Sprintf("1000000000%02d", c),
			"vpcCidr": fmt.Sprintf("10.%d.0.0/16", c), "chainingRole": chaining,
			"nodeGroups": []any{map[string]any{"name": "general", "instanceTypes": []string{"m6i.large"}, "minSize": 1, "maxSize": 3, "desiredSize": 2}},
		})
	}
	var ws []map[string]any
	for i := 0; i < tenants; i++ {
		identity := "podIdentityChain"
		if i%2 == 1 {
			identity = "irsa"
		}
		sas := []any{map[string]any{"name": "app"}}
		if i%3 == 0 {
			other := "podIdentityChain"
			if identity == other {
				other = "irsa"
			}
			sas = append(sas, map[string]any{"name": "worker", "identity": other})
		}
		ws = append(ws, map[string]any{
			"name": fmt.Sprintf("t%04d", i), "accountId": fmt.Sprintf("2%011d", i),
			"clusterAccount": fmt.Sprintf("c%d", i%clusters), "namespace": fmt.Sprintf("team-%d", i/clusters),
			"identity": identity, "shareSubnets": i%4 == 0, "serviceAccounts": sas,
		})
	}
	return map[string]string{
		"eks-multi-account:model":            "centralized",
		"eks-multi-account:defaults":         mustJSON(map[string]any{"region": "us-east-1", "tags": map[string]string{"cost-center": "platform"}, "endpointAccess": endpointAccess}),
		"eks-multi-account:organization":     mustJSON(map[string]any{"managementAccountId": managementAccount}),
		"eks-multi-account:clusterAccounts":  mustJSON(cas),
		"eks-multi-account:workloadAccounts": mustJSON(ws),
	}
}

// managementAccount is the generated estates' management account.
const managementAccount = "000011112222"

// largeOrganization is the organization stack of the generated estates:
// the guardrails attached to the root.
func largeOrganization() map[string]string {
	return map[string]string{
		"eks-multi-account:model":    "organization",
		"eks-multi-account:defaults": mustJSON(map[string]any{"region": "us-east-1"}),
		"eks-multi-account:organization": mustJSON(map[string]any{
			"managementAccountId": managementAccount, "managementRoleArn": "arn:aws:iam::000011112222:role/PlatformOrgAdmin",
			"tagGuard": map[string]any{"targetIds": []string{"r-ab12"}, "exemptPrincipalArns": []string{"arn:aws:iam::111122223333:role/PlatformAdmin"}},
		}),
	}
}

// largeDecentralized has accounts workload accounts, each with a cluster;
// every other one on the network account's subnets, blueprints and modes
// mixed, and the same namespace and service account names everywhere.
func largeDecentralized(accounts int) map[string]string {
	blueprints := []string{"general-purpose", "batch", "ai-ml"}
	var ws []map[string]any
	for i := 0; i < accounts; i++ {
		w := map[string]any{
			"name": fmt.Sprintf("w%02d", i), "accountId": fmt.Sprintf("3%011d", i),
			"blueprint": blueprints[i%3], "namespace": "apps",
			"serviceAccounts": []any{map[string]any{"name": "app"}, map[string]any{"name": "worker", "identity": "irsa"}},
		}
		if i%2 == 0 {
			w["networking"] = "shared"
		} else {
			w["vpcCidr"] = fmt.Sprintf("10.%d.%d.0/20", 100+i/16, (i%16)*16)
		}
		ws = append(ws, w)
	}
	return map[string]string{
		"eks-multi-account:model":            "decentralized",
		"eks-multi-account:defaults":         mustJSON(map[string]any{"region": "us-west-2", "endpointAccess": endpointAccess}),
		"eks-multi-account:networkAccount":   mustJSON(map[string]any{"name": "network", "accountId": "999988887777", "vpcCidr": "10.10.0.0/16"}),
		"eks-multi-account:workloadAccounts": mustJSON(ws),
	}
}
