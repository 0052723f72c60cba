package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/compare"
	"github.com/eks-multi-account/eks-multi-account/internal/cost"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// plan runs the command and returns its exit code and streams.
func planCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, false)
	return code, stdout.String(), stderr.String()
}

func TestTextHasEverySection(t *testing.T) {
	code, out, errOut := planCmd(t)
	require.Equal(t, exitOK, code, errOut)
	assert.Empty(t, errOut, "no progress line when stderr is not a terminal")
	for _, want := range []string{
		"Plan of eks-multi-account-centralized/prod (centralized model)",
		"== Account 111122223333 (prod) ==",
		"== Account 444455556666 (payroll) ==",
		"-- us-east-1, cluster prod --",
		"trust policy:",
		"permission policy:",
		`"aws:PrincipalTag/kubernetes-service-account": "payroll-app"`,
		"== Credential paths ==",
		"payroll/payroll-app\n    -> arn:aws:iam::444455556666:role/eks-multi-account/prod/prod-payroll-payroll-app  via podIdentityChain",
		"== Totals ==",
		"aws:s3/bucketV2:BucketV2",
	} {
		assert.Contains(t, out, want)
	}
}

func TestTheOrganizationStack(t *testing.T) {
	code, out, errOut := planCmd(t, "../../examples/organization/Pulumi.org.yaml")
	require.Equal(t, exitOK, code, errOut)
	for _, want := range []string{
		"Plan of eks-multi-account-organization/org (organization model)",
		"== Account 000011112222 (management) ==",
		"aws:ram/sharingWithOrganization:SharingWithOrganization  organization-ram-org-sharing",
		"service control policy:",
		"resource control policy:",
		`"ForAnyValue:StringEqualsIgnoreCase": {`,
		"aws:organizations/policyAttachment:PolicyAttachment  organization-session-tag-guard-ou-ab12-fedc6543  targetId=ou-ab12-fedc6543",
	} {
		assert.Contains(t, out, want)
	}
}

func TestJSONDocument(t *testing.T) {
	for _, path := range []string{"", "../../examples/decentralized/Pulumi.prod.yaml", "../../examples/centralized/Pulumi.dev.yaml"} {
		t.Run(path, func(t *testing.T) {
			args := []string{"--json"}
			if path != "" {
				args = append(args, path)
			}
			code, out, errOut := planCmd(t, args...)
			require.Equal(t, exitOK, code, errOut)
			var doc plan.Document
			require.NoError(t, json.Unmarshal([]byte(out), &doc))
			assert.NotEmpty(t, doc.Project)
			assert.NotEmpty(t, doc.Model)
			urns := map[string]bool{}
			for _, r := range doc.Resources {
				urns[r.URN] = true
			}
			kinds := map[string]int{}
			for _, r := range doc.Resources {
				kinds[r.Kind]++
				if r.Kind == plan.KindResource {
					assert.Regexp(t, `^[0-9]{12}$`, r.Account, "%s %s", r.Type, r.Name)
					assert.NotEmpty(t, r.Region, r.Name)
					assert.NotEmpty(t, r.Provider, r.Name)
					assert.NotNil(t, r.Inputs, r.Name)
				}
				if strings.HasPrefix(r.Type, "kubernetes:") {
					assert.NotEmpty(t, r.Cluster, "%s %s names its cluster", r.Type, r.Name)
				}
				if r.Parent != "" && !strings.HasSuffix(r.Parent, "pulumi:pulumi:Stack::"+doc.Project+"-"+doc.Stack) {
					assert.True(t, urns[r.Parent], "the parent of %s is in the plan", r.Name)
				}
			}
			assert.Greater(t, kinds[plan.KindResource], 50)
			assert.Greater(t, kinds[plan.KindComponent], 3)
			require.NotEmpty(t, doc.Access)
			for _, a := range doc.Access {
				assert.Regexp(t, `^arn:aws:eks:[a-z0-9-]+:[0-9]{12}:cluster/`, a.Cluster)
				assert.Regexp(t, `^arn:aws:iam::[0-9]{12}:role/`, a.RoleArn)
				assert.Contains(t, []string{"irsa", "podIdentityChain", "podIdentity"}, a.Via)
				assert.NotEmpty(t, a.Namespace)
				assert.NotEmpty(t, a.ServiceAccount)
				if a.Via == "podIdentityChain" {
					assert.NotEmpty(t, a.SourceRoleArn)
				}
			}
		})
	}
}

// TestEveryListIsAnArray: a consumer of the JSON never meets null where a
// list belongs, even when the list is empty.
func TestEveryListIsAnArray(t *testing.T) {
	code, out, errOut := planCmd(t, "--json", "--as-of=2026-11-27", "../../examples/decentralized/Pulumi.prod.yaml")
	require.Equal(t, exitOK, code, errOut)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	for _, key := range []string{"resources", "access", "findings"} {
		assert.IsType(t, []any{}, doc[key], key)
	}
	for _, f := range doc["findings"].([]any) {
		assert.Contains(t, []string{"quota", "guardrail-coverage"}, f.(map[string]any)["rule"],
			"the example's only findings are the quotas a new account lacks and the coverage the plan cannot read offline")
	}
	assert.Equal(t, "organization/eks-multi-account-organization/org", doc["organizationStack"])
	urns := map[string]bool{}
	for _, r := range doc["resources"].([]any) {
		urns[r.(map[string]any)["urn"].(string)] = true
	}
	withDeps := 0
	for _, r := range doc["resources"].([]any) {
		res := r.(map[string]any)
		deps, ok := res["dependencies"].([]any)
		require.True(t, ok, "%s has a dependencies array", res["urn"])
		for _, d := range deps {
			assert.True(t, urns[d.(string)], "%s depends on %s, which is in the plan", res["name"], d)
		}
		if len(deps) > 0 {
			withDeps++
		}
	}
	assert.Greater(t, withDeps, 50)
}

var (
	mermaidNode = regexp.MustCompile(`^\s*(n[0-9]+)[\[\(\{]`)
	mermaidEdge = regexp.MustCompile(`^\s*(n[0-9]+) -\.?->(\|[^|]*\|)? (n[0-9]+)$`)
	dotNode     = regexp.MustCompile(`^\s*(n[0-9]+) \[label=`)
	dotEdge     = regexp.MustCompile(`^\s*(n[0-9]+) -> (n[0-9]+) \[`)
)

// checkGraph parses a diagram line by line: every line is a known
// statement, every edge joins declared nodes, and groups are balanced.
func checkGraph(t *testing.T, out string, node, edge *regexp.Regexp, open, close func(string) bool) {
	t.Helper()
	declared := map[string]bool{}
	var edges [][2]string
	depth := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		switch {
		case open(line):
			depth++
		case close(line):
			depth--
			require.GreaterOrEqual(t, depth, 0, "unbalanced: %s", line)
		case node.MatchString(line):
			declared[node.FindStringSubmatch(line)[1]] = true
		case edge.MatchString(line):
			m := edge.FindStringSubmatch(line)
			edges = append(edges, [2]string{m[1], m[len(m)-1]})
		default:
			if strings.TrimSpace(line) != "" && !strings.Contains(line, "=") {
				t.Errorf("unexpected line %q", line)
			}
		}
	}
	assert.Zero(t, depth, "every group is closed")
	require.NotEmpty(t, edges)
	for _, e := range edges {
		assert.True(t, declared[e[0]], "edge from undeclared node %s", e[0])
		assert.True(t, declared[e[1]], "edge to undeclared node %s", e[1])
	}
}

func TestMermaidIsAFlowchart(t *testing.T) {
	for _, path := range []string{"", "../../examples/decentralized/Pulumi.prod.yaml"} {
		args := []string{"--diagram"}
		if path != "" {
			args = append(args, path)
		}
		code, out, errOut := planCmd(t, args...)
		require.Equal(t, exitOK, code, errOut)
		require.True(t, strings.HasPrefix(out, "flowchart LR\n"))
		checkGraph(t, out, mermaidNode, mermaidEdge,
			func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "subgraph ") },
			func(l string) bool { return strings.TrimSpace(l) == "end" })
		assert.Contains(t, out, "shares subnets")
		assert.Contains(t, out, "AssumeRoleWithWebIdentity")
		if path == "" {
			assert.Contains(t, out, "AssumeRole + TagSession", "the centralized example chains roles")
		}
	}
}

func TestDOT(t *testing.T) {
	code, out, errOut := planCmd(t, "--diagram=dot")
	require.Equal(t, exitOK, code, errOut)
	require.True(t, strings.HasPrefix(out, "digraph plan {\n"))
	checkGraph(t, strings.TrimSuffix(strings.TrimSpace(out), "}"), dotNode, dotEdge,
		func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "subgraph cluster_") },
		func(l string) bool { return strings.TrimSpace(l) == "}" })
}

func TestOutputIsByteIdentical(t *testing.T) {
	for _, args := range [][]string{nil, {"--json"}, {"--diagram"}, {"--diagram=dot"}, {"--json", "../../examples/decentralized/Pulumi.prod.yaml"}} {
		_, first, _ := planCmd(t, args...)
		_, second, _ := planCmd(t, args...)
		assert.Equal(t, first, second, "%v", args)
		assert.NotEmpty(t, first)
	}
}

func TestInvalidConfiguration(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: mine\nruntime: go\n"), 0o644))
	stack := filepath.Join(dir, "Pulumi.bad.yaml")
	require.NoError(t, os.WriteFile(stack, []byte(`config:
  eks-multi-account:model: centralized
  eks-multi-account:defaults: {region: us-east-1}
  eks-multi-account:clusterAccounts:
    - {name: prod, accountId: "1111", vpcCidr: 10.0.0.0/16}
  eks-multi-account:workloadAccounts:
    - {name: payroll, accountId: "444455556666", clusterAccount: qa}
`), 0o644))
	code, out, errOut := planCmd(t, "--json", stack)
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out, "nothing on stdout")
	for _, want := range []string{
		`clusterAccounts[0].accountId: "1111" is not a 12-digit AWS account ID`,
		`workloadAccounts[0].clusterAccount: "qa" is not the name of a configured cluster account`,
	} {
		assert.Contains(t, errOut, want)
	}
}

// shipped are every stack file the examples ship.
func shipped(t *testing.T) []string {
	files, err := filepath.Glob("../../examples/*/Pulumi.*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 5)
	return files
}

func TestTheStacksOfTheOrganizationCheckedTogether(t *testing.T) {
	code, out, errOut := planCmd(t, append([]string{"--check", "--as-of=2026-11-27"}, shipped(t)...)...)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "== Findings of eks-multi-account-organization/org (1) ==\n  warning  organization-prerequisites  organization-session-tag-guard-ou-ab12-cdef3456 in 000011112222 (management): unchecked offline")
	assert.Contains(t, out, "== Findings of eks-multi-account-centralized/prod (4) ==\n  warning  network-policy-on-fargate")
	assert.NotContains(t, out, "  error  ", "the shipped examples have no errors")
	assert.True(t, strings.HasSuffix(out, "== Findings across the stacks (0) ==\n"), out)

	// A second copy of the prod stack, as a second stack would deploy it.
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.prod.yaml"} {
		text, err := os.ReadFile(filepath.Join("../../examples/centralized", f))
		require.NoError(t, err)
		if f != "Pulumi.yaml" {
			f = "Pulumi.copy.yaml"
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), text, 0o644))
	}
	code, out, errOut = planCmd(t, "--check", "--as-of=2026-11-27", "../../examples/centralized/Pulumi.prod.yaml", filepath.Join(dir, "Pulumi.copy.yaml"))
	assert.Equal(t, exitFailed, code, errOut)
	assert.Contains(t, out, "  error  same-name-in-two-stacks  prod-node-role in 111122223333 (prod): IAM role prod-node in account 111122223333 is created by both eks-multi-account-centralized/prod and eks-multi-account-centralized/copy; AWS keeps one\n")
}

func TestCriticalPath(t *testing.T) {
	code, out, errOut := planCmd(t, "--critical-path")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, `Critical path of eks-multi-account-centralized/prod: a first pulumi up takes at least 14:19
  0:00 -> 0:05  aws:ec2/vpc:Vpc  prod-b-vpc in 222233334444 (prod-b)
  0:05 -> 0:10  aws:ec2/subnet:Subnet  prod-b-private-0 in 222233334444 (prod-b)
  0:10 -> 10:10  eks:index:Cluster  prod-b-eks in 222233334444 (prod-b)  (pulumi-eks: one opaque step; the EKS cluster, its roles, security groups and OIDC provider are created inside it)
  10:10 -> 10:15  aws:ec2/launchTemplate:LaunchTemplate  prod-b-lt-general in 222233334444 (prod-b)
  10:15 -> 14:15  aws:eks/nodeGroup:NodeGroup  prod-b-ng-general in 222233334444 (prod-b)
  14:15 -> 14:17  kubernetes:core/v1:Namespace  billing-ns in 222233334444 (prod-b)
  14:17 -> 14:19  kubernetes:core/v1:ConfigMap  billing-invoicer-aws-config in 222233334444 (prod-b)
Provider processes: 9 (6 aws, 1 eks, 2 kubernetes); the engine starts one plugin process per provider
`, out)
}

func TestSeveralStackFilesNeedCheck(t *testing.T) {
	for _, args := range [][]string{shipped(t)[:2], append([]string{"--check", "--json"}, shipped(t)[:2]...)} {
		code, out, errOut := planCmd(t, args...)
		assert.Equal(t, exitInvalid, code)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "plan --check [--as-of=YYYY-MM-DD] Pulumi.<env>.yaml Pulumi.<env>.yaml ...")
	}
}

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{{"--diagram=svg"}, {"a", "b"}, {"no/such/Pulumi.x.yaml"}, {"README.md"}} {
		code, out, _ := planCmd(t, args...)
		assert.Equal(t, exitInvalid, code, "%v", args)
		assert.Empty(t, out)
	}
}

func TestProgressLineOnATerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run(nil, &stdout, &stderr, true))
	assert.Contains(t, stderr.String(), "\rplanning eks-multi-account-centralized/prod: ")
	assert.True(t, strings.HasSuffix(stderr.String(), "\r\033[K"), "the line is cleared at the end")
}

func TestCheck(t *testing.T) {
	code, out, errOut := planCmd(t, "--check", "--as-of=2026-11-27")
	require.Equal(t, exitOK, code, "a warning does not fail the check: %s", errOut)
	assert.Equal(t, "== Findings (4) ==\n"+
		"  warning  network-policy-on-fargate  reports-netpol in 111122223333 (prod): network policy tenant-default of namespace reports is not enforced for its pods on Fargate in cluster prod: the VPC CNI enforces network policies only on nodes\n"+
		"  warning  quota  aws-111122223333-us-east-1 in 111122223333 (prod): against a new account's quotas (as of 2026-12-01): account 111122223333 (prod), us-east-1: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (ec2 L-1216C47A) is 5 vCPUs; this stack needs 12 (node group general of cluster prod: 6 × 2 vCPUs); request an increase: aws service-quotas request-service-quota-increase --region us-east-1 --service-code ec2 --quota-code L-1216C47A --desired-value 12\n"+
		"  warning  quota  aws-222233334444-us-east-1 in 222233334444 (prod-b): against a new account's quotas (as of 2026-12-01): account 222233334444 (prod-b), us-east-1: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (ec2 L-1216C47A) is 5 vCPUs; this stack needs 20 (node group general of cluster prod-b: 10 × 2 vCPUs); request an increase: aws service-quotas request-service-quota-increase --region us-east-1 --service-code ec2 --quota-code L-1216C47A --desired-value 20\n"+
		"  warning  guardrail-coverage  eks-multi-account-centralized-prod: unchecked offline: whether organization stack organization/eks-multi-account-organization/org's guardrails bind accounts 111122223333, 222233334444, 444455556666, 555566667777, 666677778888, 777788889999; pulumi preview reads its guardedAccounts output and refuses any account outside them\n", out)

	// Past standard support the example's 1.36 costs more: a warning.
	code, out, _ = planCmd(t, "--check", "--as-of=2027-09-15")
	assert.Equal(t, exitOK, code, "extended support is a warning")
	assert.Contains(t, out, "warning  kubernetes-version  prod-eks in 111122223333 (prod): Kubernetes 1.36 of cluster prod left EKS standard support on 2027-08-02: until 2028-08-02 extended support bills $0.60 per cluster hour instead of $0.10 (about $365 more a month); upgrade to a newer minor (the calendar, read 2026-12-03, holds none in standard support then)")

	// Past extended support: an error.
	code, out, _ = planCmd(t, "--check", "--as-of=2028-09-01")
	assert.Equal(t, exitFailed, code, "an error finding fails the check")
	assert.Contains(t, out, "error  kubernetes-version  prod-eks in 111122223333 (prod): Kubernetes 1.36 of cluster prod left EKS extended support on 2028-08-02: EKS upgrades such a cluster itself")

	code, out, _ = planCmd(t, "--json", "--as-of=2028-09-01")
	require.Equal(t, exitOK, code, "without --check findings do not fail the plan")
	var doc plan.Document
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Findings, 6)
	assert.Equal(t, "network-policy-on-fargate", doc.Findings[0].Rule)
	assert.Equal(t, "kubernetes-version", doc.Findings[1].Rule)
	assert.Equal(t, "222233334444", doc.Findings[1].Account)

	code, _, errOut = planCmd(t, "--check", "--as-of=tomorrow")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, `--as-of "tomorrow" is not a date`)
}

// costOf runs plan --cost --json on a stack file and returns its cost.
func costOf(t *testing.T, args ...string) *plan.Cost {
	t.Helper()
	code, out, errOut := planCmd(t, append([]string{"--cost", "--json"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	var doc plan.Document
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.NotNil(t, doc.Cost, "the plan's cost section")
	return doc.Cost
}

// plan --cost on each shipped file: every line a reader can recompute from
// the rate table (quantity × the table's price, per month for nodes and
// keys), the total their sum, and every line the table cannot price
// reported by name.
func TestCostOfEachShippedFileRecomputesFromTheTable(t *testing.T) {
	rates := cost.Builtin()
	for _, file := range shipped(t) {
		c := costOf(t, file)
		assert.Equal(t, "USD", c.Currency)
		assert.Equal(t, "2026-12-04", c.AsOf)
		assert.Equal(t, 730, c.HoursPerMonth)
		sum := 0.0
		for _, it := range c.Items {
			r, ok := rates.Price(it.Rate, it.Region)
			require.True(t, ok, "%s: %s in %s", file, it.Rate, it.Region)
			perUnit := r.Price
			if it.Unit != "hours" && r.Unit == "hour" {
				perUnit *= 730
			}
			assert.InDelta(t, perUnit, it.UnitPrice, 1e-9, "%s: %s", file, it.Item)
			assert.InDelta(t, math.Round(it.Quantity*perUnit*100)/100, it.Monthly, 1e-9, "%s: %s", file, it.Item)
			sum += it.Monthly
		}
		assert.InDelta(t, sum, c.Total, 1e-6, file)
		for _, u := range c.Unpriced {
			assert.Regexp(t, `^the rate table has no \S+ in \S+$`, u.Reason, file)
			assert.NotEqual(t, "us-east-1", u.Region, "%s: the built-in table prices everything the examples use in us-east-1: %s", file, u.Item)
		}
	}
}

// The bundled example's cost in text: a table per account, each line's
// quantity and unit price, and the stack's total.
func TestCostInText(t *testing.T) {
	code, out, errOut := planCmd(t, "--cost")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Cost of eks-multi-account-centralized/prod a month, at list prices read 2026-12-04 (USD; 730 hours a month)")
	assert.Regexp(t, `111122223333\s+us-east-1\s+m6i.large nodes, on demand\s+3 nodes\s+70.0800\s+210.24`, out)
	assert.Regexp(t, `111122223333\s+us-east-1\s+NAT gateways\s+2190 hours\s+0.0450\s+98.55`, out)
	assert.Regexp(t, `stack eks-multi-account-centralized/prod\s+787.48`, out)
	assert.Contains(t, out, "Not included (usage): NAT gateway data processed (per GB);")
	assert.NotContains(t, out, "NOT PRICED", "the bundled example is in us-east-1, which the table prices in full")
}

// Several stack files are priced together, and --prices fills in a region
// the built-in table lacks.
func TestCostOfSeveralStacksWithAPricesFile(t *testing.T) {
	dev := "../../examples/centralized/Pulumi.dev.yaml"
	code, out, errOut := planCmd(t, "--cost", "--json", "../../examples/centralized/Pulumi.prod.yaml", dev)
	require.Equal(t, exitOK, code, errOut)
	var both struct {
		Stacks []struct {
			Stack string     `json:"stack"`
			Cost  *plan.Cost `json:"cost"`
		} `json:"stacks"`
		Total float64 `json:"total"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &both))
	require.Len(t, both.Stacks, 2)
	assert.InDelta(t, both.Stacks[0].Cost.Total+both.Stacks[1].Cost.Total, both.Total, 1e-6)
	assert.NotEmpty(t, both.Stacks[1].Cost.Unpriced, "eu-west-1's NAT gateway and instances are not in the built-in table")

	prices := filepath.Join(t.TempDir(), "prices.yaml")
	require.NoError(t, os.WriteFile(prices, []byte(`rates:
  - {rate: nat-gateway, unit: hour, price: 0.048, regions: [eu-west-1], source: negotiated, read: "2026-12-04"}
  - {rate: instance/t3.large, unit: hour, price: 0.0912, regions: [eu-west-1], source: negotiated, read: "2026-12-04"}
  - {rate: instance/t3a.large, unit: hour, price: 0.0821, regions: [eu-west-1], source: negotiated, read: "2026-12-04"}
`), 0o600))
	c := costOf(t, "--prices="+prices, dev)
	assert.Empty(t, c.Unpriced)
	assert.Contains(t, c.Items, plan.CostItem{Account: "121212121212", Region: "eu-west-1", Item: "t3.large nodes, spot at the on-demand rate (upper bound)",
		Rate: "instance/t3.large", Quantity: 2, Unit: "nodes", UnitPrice: 0.0912 * 730, Monthly: 133.15, UpperBound: true})

	require.NoError(t, os.WriteFile(prices, []byte("rates:\n  - {rate: nat-gateway, unit: hour, price: -1, regions: [eu-west-1], source: x, read: y}\n"), 0o600))
	code, _, errOut = planCmd(t, "--cost", "--prices="+prices, dev)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "rates[0].price: -1 is negative")
}

// The shipped pair: the same four teams on one shared cluster and on a
// cluster each. The comparison shows what the guide's table says in
// words: four times the clusters, five times the VPCs and NAT gateways
// (each team's, and the network account's that routes them), a transit
// gateway attachment per VPC, more than twice the fixed cost, and one
// tenant per cluster instead of four.
func TestCompareTheShippedPair(t *testing.T) {
	pair := []string{"../../examples/compare/centralized/Pulumi.tenants.yaml", "../../examples/compare/decentralized/Pulumi.tenants.yaml"}
	code, out, errOut := planCmd(t, append([]string{"--compare", "--json"}, pair...)...)
	require.Equal(t, exitOK, code, errOut)
	var got struct{ Compare []compare.Row }
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Compare, 2)
	central, decentral := got.Compare[0], got.Compare[1]
	assert.Equal(t, compare.Row{Project: "eks-multi-account-compare-centralized", Stack: "tenants", Model: "centralized",
		Clusters: 1, VPCs: 1, NATGateways: 3, Monthly: central.Monthly, TenantsPerCluster: 4, MostNamespaces: 4, MostNodeGroups: 1, ClusterAdmins: 2}, central)
	assert.Equal(t, compare.Row{Project: "eks-multi-account-compare-decentralized", Stack: "tenants", Model: "decentralized",
		Clusters: 4, VPCs: 5, NATGateways: 15, TransitGatewayAttachments: 5, Monthly: decentral.Monthly, TenantsPerCluster: 1, MostNamespaces: 1, MostNodeGroups: 1, ClusterAdmins: 2}, decentral)
	for i, file := range pair {
		assert.InDelta(t, costOf(t, file).Total, got.Compare[i].Monthly, 1e-9, "the monthly cost is plan --cost's total")
	}
	assert.Greater(t, decentral.Monthly, 2*central.Monthly)

	code, out, errOut = planCmd(t, append([]string{"--compare"}, pair...)...)
	require.Equal(t, exitOK, code, errOut)
	assert.Regexp(t, `eks-multi-account-compare-centralized/tenants\s+centralized\s+1\s+1\s+3\s+0\s+1024.46\s+4\s+4\s+1\s+2`, out)

	code, _, _ = planCmd(t, "--compare", pair[0])
	assert.Equal(t, exitInvalid, code, "--compare needs two stack files")
}
