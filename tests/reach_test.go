package tests

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/vend"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// The plan's reachability is computed from the planned transit gateway,
// route tables, associations, propagations and VPC routes, by an evaluator
// that knows nothing of the configuration. These tests hold it to the
// intent, which they compute from the configuration alone: the network VPC
// reaches every routed VPC; a routed VPC reaches the network VPC and the
// routed VPCs of its own domain; no other VPC reaches anything.

// intent maps a VPC's logical name to the VPCs it should reach, sorted.
type intent map[string][]string

// link records that a and b reach each other.
func (in intent) link(a, b string) {
	in[a] = append(in[a], b)
	in[b] = append(in[b], a)
}

// sorted sorts and dedupes every entry.
func (in intent) sorted() intent {
	for k, v := range in {
		slices.Sort(v)
		in[k] = slices.Compact(v)
	}
	return in
}

// routedVPC is a VPC attached to the hub, by its logical name and domain.
type routedVPC struct{ name, domain string }

// intentOf is what routing should give: the hub reaches every routed VPC,
// and each routed VPC the others of its domain.
func intentOf(hub string, routed []routedVPC) intent {
	in := intent{}
	for i, r := range routed {
		in.link(hub, r.name)
		for _, o := range routed[i+1:] {
			if o.domain == r.domain {
				in.link(r.name, o.name)
			}
		}
	}
	return in.sorted()
}

// stackIntent is a stack file's intent: its dedicated VPCs in the network
// account's region, with their domains, when the stack creates the hub.
func stackIntent(t *testing.T, cfg map[string]string) intent {
	t.Helper()
	c, err := config.Load(config.FromMap(cfg))
	require.NoError(t, err)
	if c.Model != config.Decentralized || c.NetworkAccount == nil || c.NetworkStack != "" {
		return intent{}
	}
	var routed []routedVPC
	for _, w := range c.WorkloadAccounts {
		if c.Routed(w) {
			routed = append(routed, routedVPC{w.Name + "-vpc", w.RoutingDomain})
		}
	}
	return intentOf(c.NetworkAccount.Name+"-vpc", routed)
}

// assertReachability holds a reachability matrix to an intent: every VPC
// of the plan reaches exactly what the intent says, nothing when it names
// none, and every VPC the intent names is in the plan.
func assertReachability(t *testing.T, want intent, got plan.Reachability) {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range got.VPCs {
		seen[v.Name] = true
		assert.Equal(t, append([]string{}, want[v.Name]...), v.Reaches, "what %s reaches", v.Name)
	}
	for name := range want {
		assert.True(t, seen[name], "%s is in the plan", name)
	}
}

func TestTheReachabilityOfEveryShippedFileIsItsIntent(t *testing.T) {
	routedFiles := 0
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			s, err := stackfile.Load(path)
			require.NoError(t, err)
			want := stackIntent(t, s.Config)
			if len(want) > 0 {
				routedFiles++
			}
			assertReachability(t, want, planStackFile(t, path).Reachability)
		})
	}
	assert.GreaterOrEqual(t, routedFiles, 2, "the shipped files route dedicated VPCs (decentralized prod, compare)")
}

func TestTheReachabilityOfAGeneratedStackIsItsIntent(t *testing.T) {
	cfg := largeDecentralized(20)
	want := stackIntent(t, cfg)
	require.Len(t, want, 11, "the network VPC and the ten dedicated ones")
	assertReachability(t, want, planOf(t, "eks-multi-account", "large", cfg).Reachability)
}

// Routing domains keep the compare file's finance VPCs (payroll, billing)
// from its analytics VPCs (reports, search), and each reaches the network
// VPC; moving one propagation into the other domain's table breaks the
// matrix: billing no longer reaches payroll, and nothing reaches across.
func TestOnePropagationMovedBreaksTheMatrix(t *testing.T) {
	path := "../examples/compare/decentralized/Pulumi.tenants.yaml"
	doc := planStackFile(t, path)
	byName := func(name string) plan.ReachableVPC {
		for _, v := range doc.Reachability.VPCs {
			if v.Name == name {
				return v
			}
		}
		t.Fatalf("no VPC %s", name)
		return plan.ReachableVPC{}
	}
	assert.Equal(t, []string{"network-vpc", "payroll-vpc"}, byName("billing-vpc").Reaches)
	assert.Equal(t, []string{"network-vpc", "search-vpc"}, byName("reports-vpc").Reaches)

	rs := slices.Clone(doc.Resources)
	analytics := ""
	for _, r := range rs {
		if r.Type == "aws:ec2transitgateway/routeTable:RouteTable" && r.Name == "network-routing-tgw-rt-analytics" {
			analytics, _ = r.Outputs["id"].(string)
		}
	}
	require.NotEmpty(t, analytics)
	moved := false
	for i, r := range rs {
		if r.Type == "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation" && r.Name == "payroll-tgw-propagation-domain" {
			inputs := map[string]any{}
			for k, v := range r.Inputs {
				inputs[k] = v
			}
			inputs["transitGatewayRouteTableId"] = analytics
			rs[i].Inputs, moved = inputs, true
		}
	}
	require.True(t, moved)
	broken := plan.Reach(rs)
	var billing plan.ReachableVPC
	for _, v := range broken.VPCs {
		if v.Name == "billing-vpc" {
			billing = v
		}
		if v.Name == "payroll-vpc" || v.Name == "billing-vpc" {
			assert.NotContains(t, v.Reaches, "reports-vpc", "%s reaches across only one way, so not at all", v.Name)
		}
	}
	assert.Equal(t, []string{"network-vpc"}, billing.Reaches, "billing's domain no longer learns payroll's block")
}

// A generated vending fleet of 50 dedicated VPCs across the three waves,
// some pinned outside the pool and two in another region than the network
// account's: the fleet's reachability, evaluated over every stack's plan
// together, is the waves' intent, with routing domains and flat.
func TestTheReachabilityOfAGeneratedFleetIsItsIntent(t *testing.T) {
	for _, routing := range []string{config.RoutingDomains, config.RoutingFlat} {
		t.Run(routing, func(t *testing.T) {
			dir := generatedFleet(t, 50, routing)
			set, err := vending.Load(dir, nil)
			require.NoError(t, err)
			p, err := vend.MakePlan(context.Background(), set, vend.PlanOptions{})
			require.NoError(t, err)
			var routed []routedVPC
			for _, r := range set.Requests {
				if cmp.Or(r.Region, set.Settings.Defaults.Region) == set.NetworkRegion() {
					domain := r.Environment
					if routing == config.RoutingFlat {
						domain = config.DefaultRoutingDomain
					}
					routed = append(routed, routedVPC{r.Name + "-vpc", domain})
				}
			}
			require.Len(t, routed, 48)
			want := intentOf("network-vpc", routed)
			assertReachability(t, want, p.Reachability)
			require.Len(t, p.Reachability.VPCs, 51, "the network VPC and the fifty dedicated ones")
		})
	}
}

// generatedFleet writes a vending directory of n dedicated requests in
// the three waves: every seventh pins a block outside the pool, and the
// last two are in us-east-1, not the network account's us-west-2.
func generatedFleet(t *testing.T, n int, routing string) string {
	t.Helper()
	dir := t.TempDir()
	var accounts []string
	for i := range n {
		accounts = append(accounts, fmt.Sprintf("%q", fmt.Sprintf("4%011d", i)))
	}
	settings := fmt.Sprintf(`organization: {managementAccountId: "000011112222"}
teams:
  fleet: {accounts: [%s]}
defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
networkAccount: {name: network, accountId: "999988887777", vpcCidr: 10.10.0.0/16}
cidrPool: 10.128.0.0/10
waves: [dev, staging, prod]
routing: %s
`, strings.Join(accounts, ", "), routing)
	require.NoError(t, os.WriteFile(filepath.Join(dir, vending.SettingsFile), []byte(settings), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "requests"), 0o755))
	waves := []string{"dev", "staging", "prod"}
	for i := range n {
		req := fmt.Sprintf("team: fleet\nenvironment: %s\naccountId: %q\nnetworking: dedicated\n", waves[i%3], fmt.Sprintf("4%011d", i))
		if i%7 == 0 {
			req += fmt.Sprintf("vpcCidr: 10.20.%d.0/20\n", (i/7)*16)
		}
		if i >= n-2 {
			req += "region: us-east-1\n"
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "requests", fmt.Sprintf("f%02d.yaml", i)), []byte(req), 0o644))
	}
	return dir
}
