package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/vend"
)

func runVend(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPlanWithoutABackendCreatesEveryStack(t *testing.T) {
	code, stdout, stderr := runVend(t, "plan", "../../examples/vending", "--json")
	require.Equal(t, exitOK, code, stderr)
	var p struct {
		Stacks []struct {
			Name, Action, Account, Region, Blueprint, KubernetesVersion, VpcCidr string
			Resources                                                            int
		} `json:"stacks"`
		Network struct {
			Action     string   `json:"action"`
			Principals []string `json:"principals"`
		} `json:"network"`
		Unchecked []struct {
			File, Team, AccountID string
			OrganizationalUnits   []string
		} `json:"unchecked"`
		UncheckedCoverage string `json:"uncheckedCoverage"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	assert.Equal(t, []string{"313131313131", "323232323232"}, p.Network.Principals, "exactly the accounts on shared networking")
	assert.Equal(t, "create", p.Network.Action)
	require.Len(t, p.Stacks, 4)
	for _, s := range p.Stacks {
		assert.Equal(t, "create", s.Action, s.Name)
		assert.Positive(t, s.Resources, "%s has an offline plan", s.Name)
		assert.Equal(t, "us-west-2", s.Region)
	}
	assert.Equal(t, "payments-prod", p.Stacks[0].Name)
	assert.Equal(t, "10.128.0.0/20", p.Stacks[0].VpcCidr)
	assert.Equal(t, "", p.Stacks[2].VpcCidr, "vision-dev is on shared networking")
	require.Len(t, p.Unchecked, 1, "only risk's account is left to its team's organizational unit")
	assert.Equal(t, "requests/risk-staging.yaml", p.Unchecked[0].File)
	assert.Equal(t, "515151515151", p.Unchecked[0].AccountID)
	assert.Equal(t, []string{"ou-ab12-risk0001"}, p.Unchecked[0].OrganizationalUnits)
	assert.Equal(t, "organization/eks-multi-account-organization/org", p.UncheckedCoverage, "the organization stack the vended stacks name, which a plan cannot read")

	_, again, _ := runVend(t, "plan", "../../examples/vending", "--json")
	assert.Equal(t, stdout, again, "two plans print the same bytes")
}

// withExampleSettings writes a vending directory of the example's
// vending.yaml and the given requests (file name to content).
func withExampleSettings(t *testing.T, requests map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("../../examples/vending/vending.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "vending.yaml"), data, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "requests"), 0o755))
	for name, text := range requests {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "requests", name), []byte(text), 0o644))
	}
	return dir
}

func TestInvalidRequestsExitTwoWithEveryProblem(t *testing.T) {
	dir := withExampleSettings(t, map[string]string{
		"a.yaml": "team: a\nenvironment: qa\naccountId: \"1234\"\n",
		"b.yaml": "team: b\nenvironment: dev\naccountId: \"222222222222\"\nblueprint: quantum\n",
	})

	code, stdout, stderr := runVend(t, "plan", dir)
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `requests/a.yaml: environment: "qa" is not one of the waves (dev, staging, prod)`)
	assert.Contains(t, stderr, `requests/a.yaml: accountId: "1234" is not a 12-digit AWS account ID`)
	assert.Contains(t, stderr, `requests/b.yaml: blueprint: "quantum" is not a known blueprint`)

	code, _, stderr = runVend(t, "apply", dir)
	assert.Equal(t, exitInvalid, code, "apply deploys nothing when a request is invalid")
	assert.Contains(t, stderr, "requests/a.yaml")
}

func TestARequestOutsideItsTeamsBoundsExitsTwo(t *testing.T) {
	dir := withExampleSettings(t, map[string]string{"vision-staging.yaml": "team: vision\nenvironment: staging\naccountId: \"414141414141\"\n"})

	for _, command := range []string{"plan", "apply"} {
		code, stdout, stderr := runVend(t, command, dir)
		assert.Equal(t, exitInvalid, code, command)
		assert.Empty(t, stdout, command)
		assert.Contains(t, stderr, "requests/vision-staging.yaml: accountId: \"414141414141\" is not one of team vision's accounts (313131313131, 323232323232)\n",
			"%s names the file, the key and the team's accounts, on one line", command)
	}
}

func TestUsageAndSchema(t *testing.T) {
	code, _, stderr := runVend(t, "deploy")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "usage:")
	for _, command := range []string{"plan", "apply", "list", "upgrade", "drift", "schema"} {
		assert.Contains(t, stderr, "\n  vend "+command+" ", "the usage names vend %s", command)
	}

	// drift reads the backend; with none named, it says so.
	code, _, stderr = runVend(t, "drift")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "vend drift needs the backend")
	code, _, stderr = runVend(t, "drift", "a", "b")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "usage:")

	code, stdout, _ := runVend(t, "schema", "request")
	require.Equal(t, exitOK, code)
	var schema map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &schema))
	assert.Equal(t, "eks-multi-account vending request", schema["title"])

	code, _, stderr = runVend(t, "upgrade", "../../examples/vending", "--all", "--kubernetes", "1.38")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "requests/payments-prod.yaml: kubernetesVersion 1.36 cannot jump to 1.38: EKS upgrades a cluster one minor version at a time")
	code, _, stderr = runVend(t, "upgrade", "../../examples/vending", "--all", "--kubernetes", "1.35")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "requests/payments-prod.yaml: kubernetesVersion 1.36 cannot go down to 1.35: EKS does not downgrade a cluster")

	code, stdout, _ = runVend(t, "upgrade", "../../examples/vending", "--blueprint", "ai-ml", "--kubernetes", "1.37")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "wave dev:\n  vision-dev (requests/vision-dev.yaml): 1.36 -> 1.37\nwave prod:\n  vision-prod (requests/vision-prod.yaml): 1.36 -> 1.37\nrun again with --yes to roll these waves out\n", stdout,
		"without --yes the waves are printed, dev before prod, and nothing is rewritten")
}

func TestDefaultsLeftOutAreTheStacks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "vending.yaml"), []byte(`organization: {managementAccountId: "000011112222"}
teams: {a: {accounts: ["222222222222"]}}
defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
cidrPool: 10.128.0.0/16
`), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "requests"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "requests", "a.yaml"), []byte("team: a\nenvironment: dev\naccountId: \"222222222222\"\n"), 0o644))

	code, stdout, stderr := runVend(t, "plan", dir, "--json")
	require.Equal(t, exitOK, code, stderr)
	var p struct {
		Stacks []struct{ KubernetesVersion, Region string } `json:"stacks"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	require.Len(t, p.Stacks, 1)
	assert.Equal(t, "1.36", p.Stacks[0].KubernetesVersion, "the stacks' default, not an empty version")
	assert.Equal(t, "us-west-2", p.Stacks[0].Region)

	code, stdout, stderr = runVend(t, "upgrade", dir, "--all", "--kubernetes", "1.37")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "a (requests/a.yaml): 1.36 -> 1.37")
}

// vend plan --cost prices the example fleet: the network stack and each
// request's stack, each request's share (a request on shared networking
// bears an even part of the network stack), the shares summing to the
// fleet's total; with --prices giving the region's missing rates nothing is
// left unpriced.
func TestPlanCostSumsTheFleetAndEachRequestsShare(t *testing.T) {
	prices := filepath.Join(t.TempDir(), "prices.yaml")
	rate := `{unit: hour, regions: [us-west-2], source: test, read: "2026-12-04"`
	require.NoError(t, os.WriteFile(prices, []byte(`rates:
  - `+rate+`, rate: nat-gateway, price: 0.045}
  - `+rate+`, rate: transit-gateway-attachment, price: 0.05}
  - `+rate+`, rate: instance/m6i.large, price: 0.096}
  - `+rate+`, rate: instance/m6a.large, price: 0.0864}
  - `+rate+`, rate: instance/m6i.xlarge, price: 0.192}
  - `+rate+`, rate: instance/g5.xlarge, price: 1.006}
  - `+rate+`, rate: instance/g5.2xlarge, price: 1.212}
  - `+rate+`, rate: instance/g6.xlarge, price: 0.8048}
  - `+rate+`, rate: instance/c6i.2xlarge, price: 0.34}
  - `+rate+`, rate: instance/c6a.2xlarge, price: 0.306}
  - `+rate+`, rate: instance/c5.2xlarge, price: 0.34}
  - `+rate+`, rate: instance/m6i.2xlarge, price: 0.384}
  - `+rate+`, rate: instance/m6a.2xlarge, price: 0.3456}
`), 0o600))

	for _, args := range [][]string{{"--cost"}, {"--prices", prices}} {
		code, stdout, stderr := runVend(t, append([]string{"plan", "../../examples/vending", "--json"}, args...)...)
		require.Equal(t, exitOK, code, stderr)
		var p vend.Plan
		require.NoError(t, json.Unmarshal([]byte(stdout), &p))
		require.NotNil(t, p.Cost)
		require.NotNil(t, p.Network.Cost)
		total, shares, unpriced, sharedUsers := p.Network.Cost.Total, 0.0, len(p.Network.Cost.Unpriced), 0
		for _, s := range p.Stacks {
			require.NotNil(t, s.Cost, s.Name)
			total += s.Cost.Total
			shares += s.Share
			unpriced += len(s.Cost.Unpriced)
			if s.VpcCIDR == "" {
				sharedUsers++
				assert.InDelta(t, s.Cost.Total+p.Network.Cost.Total/2, s.Share, 0.011, "%s bears half the network stack", s.Name)
			} else {
				assert.InDelta(t, s.Cost.Total, s.Share, 1e-9, "%s has a VPC of its own", s.Name)
			}
		}
		assert.Equal(t, 2, sharedUsers)
		assert.InDelta(t, total, p.Cost.Total, 0.011)
		assert.InDelta(t, p.Cost.Total, shares, 0.02, "the shares add up to the fleet")
		assert.Equal(t, unpriced, p.Cost.Unpriced)
		if args[0] == "--prices" {
			assert.Zero(t, p.Cost.Unpriced, "the prices file gives every missing rate")
		} else {
			assert.Positive(t, p.Cost.Unpriced, "the built-in table lacks us-west-2's NAT gateway and instances")
		}
	}
	code, stdout, stderr := runVend(t, "plan", "../../examples/vending", "--cost")
	require.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `(?m)^fleet\s+\d+\.\d\d\s+\d+$`, stdout)
}

// vend plan evaluates the fleet's reachability over every stack's planned
// resources together: the network stack's VPC and each dedicated
// request's, each attached to the network stack's transit gateway in its
// wave's routing domain. payments-prod (prod) and risk-staging (staging)
// each reach the network VPC, which reaches both, and not each other.
func TestPlanReportsTheFleetsReachability(t *testing.T) {
	code, stdout, stderr := runVend(t, "plan", "../../examples/vending", "--json")
	require.Equal(t, exitOK, code, stderr)
	var p vend.Plan
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	reaches := map[string][]string{}
	for _, v := range p.Reachability.VPCs {
		reaches[v.Name] = v.Reaches
	}
	assert.Equal(t, map[string][]string{
		"network-vpc":       {"payments-prod-vpc", "risk-staging-vpc"},
		"payments-prod-vpc": {"network-vpc"},
		"risk-staging-vpc":  {"network-vpc"},
	}, reaches)
	var domains []string
	for _, d := range p.Reachability.Domains {
		domains = append(domains, d.Name)
	}
	assert.Equal(t, []string{"network-routing-tgw-rt-dev", "network-routing-tgw-rt-hub", "network-routing-tgw-rt-prod", "network-routing-tgw-rt-staging"}, domains,
		"a route table per wave, and the network VPC's")
}
