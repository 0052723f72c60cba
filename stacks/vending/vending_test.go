package vending

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// example is the shipped request set.
const example = "../../examples/vending"

// writeDir writes a vending directory of files (path to content).
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for path, content := range files {
		full := filepath.Join(dir, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

const settings = `
organization: {managementAccountId: "000011112222"}
teams: {t: {accounts: ["111111111111", "222222222222", "333333333333", "444444444444", "555555555555", "666666666666", "777777777777"]}}
defaults: {region: us-west-2, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
networkAccount: {accountId: "999988887777", vpcCidr: 10.10.0.0/16}
cidrPool: 10.128.0.0/18
`

// request is a valid request of an account.
func request(account, networking string) string {
	return "team: t\nenvironment: dev\naccountId: \"" + account + "\"\nnetworking: " + networking + "\n"
}

// workload decodes a vended stack's one workload account.
func workload(t *testing.T, st Stack) config.WorkloadAccount {
	t.Helper()
	var ws []config.WorkloadAccount
	require.NoError(t, json.Unmarshal([]byte(st.Config["eks-multi-account:workloadAccounts"]), &ws))
	require.Len(t, ws, 1)
	return ws[0]
}

func TestTheExampleRendersANetworkStackAndAStackPerRequest(t *testing.T) {
	set, err := Load(example, nil)
	require.NoError(t, err)
	out, err := set.Render(Existing{})
	require.NoError(t, err)

	var shares []config.SharedAccount
	require.NoError(t, json.Unmarshal([]byte(out.Network.Config["eks-multi-account:shareWith"]), &shares))
	assert.Equal(t, []config.SharedAccount{{AccountID: "323232323232", Cluster: "vision-dev"}, {AccountID: "313131313131", Cluster: "vision-prod"}}, shares,
		"the network stack shares with exactly the requests on shared networking")
	assert.Equal(t, "network", out.Network.Config["eks-multi-account:model"])

	var names []string
	for _, st := range out.Vended {
		names = append(names, st.Name)
		assert.Equal(t, "decentralized", st.Config["eks-multi-account:model"])
		w := workload(t, st)
		assert.Equal(t, st.Name, w.Name, "the file's name is the cluster's")
		var defaults config.Defaults
		require.NoError(t, json.Unmarshal([]byte(st.Config["eks-multi-account:defaults"]), &defaults))
		assert.Equal(t, st.Request.Team, defaults.Tags["team"])
		assert.Equal(t, st.Request.Environment, defaults.Tags["environment"])
		assert.Equal(t, "platform", defaults.Tags["cost-center"])
		if st.Request.Shared() {
			assert.Equal(t, "organization/eks-multi-account-vending/network", st.Config["eks-multi-account:networkStack"])
			assert.Empty(t, w.VpcCIDR)
		} else {
			assert.Equal(t, "organization/eks-multi-account-vending/network", st.Config["eks-multi-account:networkStack"],
				"a dedicated VPC in the network account's region attaches to the network stack's transit gateway")
			assert.Equal(t, out.Allocations[st.Name], w.VpcCIDR)
			assert.Equal(t, st.Request.Environment, w.RoutingDomain, "the wave is the routing domain")
			assert.Equal(t, []string{"10.10.0.0/16", "10.128.0.0/10"}, w.RouteTo, "the network VPC and the pool")
		}
	}
	var routed []config.SharedAccount
	require.NoError(t, json.Unmarshal([]byte(out.Network.Config["eks-multi-account:routeWith"]), &routed))
	assert.Equal(t, []config.SharedAccount{{AccountID: "414141414141", Cluster: "payments-prod"}, {AccountID: "515151515151", Cluster: "risk-staging"}}, routed,
		"the network stack shares its transit gateway with exactly the dedicated requests")
	var network config.NetworkAccount
	require.NoError(t, json.Unmarshal([]byte(out.Network.Config["eks-multi-account:networkAccount"]), &network))
	assert.Equal(t, []string{"dev", "staging", "prod"}, network.RoutingDomains, "the waves are the routing domains")
	assert.Equal(t, []string{"payments-prod", "risk-staging", "vision-dev", "vision-prod"}, names)
	assert.Equal(t, Allocations{"payments-prod": "10.128.0.0/20", "risk-staging": "10.200.0.0/20"}, out.Allocations,
		"the pinned block is kept and the other is the pool's first /20")
}

func TestEveryProblemOfEveryFileIsReportedAtOnce(t *testing.T) {
	dir := writeDir(t, map[string]string{
		SettingsFile:            settings + "waves: [dev, dev]\nflavour: vanilla\n",
		"requests/network.yaml": request("111111111111", "dedicated"),
		"requests/a.yaml":       request("222222222222", "dedicated") + "blueprint: ai-ml\nblueprintVersion: \"0.9\"\ncolour: blue\n",
		"requests/b.yaml":       "team: t\nenvironment: qa\naccountId: \"222222222222\"\n",
		"requests/c.yaml":       "environment: dev\naccountId: \"999988887777\"\n",
		"requests/notes.txt":    "not a request",
	})
	_, err := Load(dir, nil)
	var vendErr *Error
	require.ErrorAs(t, err, &vendErr)
	for _, want := range []string{
		`vending.yaml: flavour: is not a key of vending.yaml (want one of charts, cidrPool, defaults, networkAccount, organization, organizationStack, project, pulumiOrganization, routing, teams, waves)`,
		`vending.yaml: waves[1]: "dev" is already a wave`,
		`requests/network.yaml: "network" is the network stack's name; name the request after its cluster`,
		`requests/a.yaml: colour: is not a key of requests/a.yaml`,
		`requests/a.yaml: blueprintVersion: "0.9" is not the version of blueprint ai-ml, which is at 1.0.0`,
		`requests/b.yaml: environment: "qa" is not one of the waves (dev, dev)`,
		`requests/b.yaml: accountId: "222222222222" is already requested by requests/a.yaml: a de-centralized account has one cluster`,
		`requests/c.yaml: team: is required`,
		`requests/c.yaml: accountId: "999988887777" is already the network account (vending.yaml: networkAccount.accountId)`,
		`requests/notes.txt: is not a request: request files end in .yaml`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestRenderedStacksAreCheckedAsTheStacksCheckThem(t *testing.T) {
	dir := writeDir(t, map[string]string{
		SettingsFile:      strings.Replace(settings, "region: us-west-2", "region: us-west-2, kubernetesVersion: \"1.3\"", 1),
		"requests/a.yaml": request("222222222222", "dedicated") + "serviceAccounts: [{name: Trainer_1}]\n",
		"requests/b.yaml": request("33333333333", "shared"),
		"requests/c.yaml": request("444444444444", "shared") + "vpcCidr: 10.20.0.0/16\n",
	})
	_, err := Load(dir, nil)
	require.Error(t, err, "loading checks the rendered stacks too")
	for _, want := range []string{
		`requests/a.yaml: serviceAccounts[0].name: "Trainer_1" is not a valid Kubernetes service account name`,
		`requests/b.yaml: accountId: "33333333333" is not a 12-digit AWS account ID`,
		`requests/c.yaml: vpcCidr: "10.20.0.0/16" is for dedicated networking`,
		`vending.yaml: defaults.kubernetesVersion: "1.3" is not a Kubernetes minor version`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Equal(t, 1, strings.Count(err.Error(), "kubernetesVersion"), "a bad default is every stack's, and reported once, where it is set:\n%s", err)
	assert.NotContains(t, err.Error(), "shareWith", "the network stack's problems are the requests' that it shares with")
	assert.Equal(t, 1, strings.Count(err.Error(), "requests/b.yaml: accountId"), "the network stack's and the vended stack's problem with one account is one:\n%s", err)
}

// TestEveryVendedStackNamesTheOrganizationStack: with organizationStack in
// vending.yaml, every vended stack and the network stack name it, so each
// fails its preview for an account the guardrails do not bind; a name that
// is no stack name is reported where it is set, once.
func TestEveryVendedStackNamesTheOrganizationStack(t *testing.T) {
	render := func(extra string) (*Stacks, error) {
		set, err := Load(writeDir(t, map[string]string{
			SettingsFile:      settings + extra,
			"requests/a.yaml": request("222222222222", "dedicated"),
			"requests/b.yaml": request("333333333333", "shared"),
		}), nil)
		if err != nil {
			return nil, err
		}
		return set.Render(Existing{})
	}
	out, err := render("organizationStack: acme/eks-multi-account-organization/org\n")
	require.NoError(t, err)
	require.NotNil(t, out.Network)
	for _, st := range append([]Stack{*out.Network}, out.Vended...) {
		assert.Equal(t, "acme/eks-multi-account-organization/org", st.Config["eks-multi-account:organizationStack"], st.Name)
	}

	_, err = render("organizationStack: acme/org stack\n")
	require.Error(t, err)
	assert.Equal(t, 1, strings.Count(err.Error(), "organizationStack"), err.Error())
	assert.Contains(t, err.Error(), `vending.yaml: organizationStack: "acme/org stack" is not a stack name such as organization/project/org`)

	out, err = render("")
	require.NoError(t, err)
	assert.NotContains(t, out.Vended[0].Config, "eks-multi-account:organizationStack", "without it, nothing is named")
}

func TestAllocatedBlocksNeverMove(t *testing.T) {
	files := map[string]string{
		SettingsFile:      settings,
		"requests/m.yaml": request("222222222222", "dedicated"),
		"requests/z.yaml": request("333333333333", "dedicated"),
	}
	set, err := Load(writeDir(t, files), nil)
	require.NoError(t, err)
	first, err := set.Render(Existing{})
	require.NoError(t, err)
	assert.Equal(t, Allocations{"m": "10.128.0.0/20", "z": "10.128.16.0/20"}, first.Allocations)

	// A request whose name sorts first arrives, and m's stack is being
	// retired: nothing already allocated moves, and m's block stays taken
	// until its stack is gone.
	delete(files, "requests/m.yaml")
	files["requests/a.yaml"] = request("444444444444", "dedicated")
	set, err = Load(writeDir(t, files), nil)
	require.NoError(t, err)
	next, err := set.Render(Existing{Allocations: first.Allocations})
	require.NoError(t, err)
	assert.Equal(t, Allocations{"a": "10.128.32.0/20", "z": "10.128.16.0/20"}, next.Allocations)

	// A pinned block that overlaps another stack's is refused...
	files = map[string]string{
		SettingsFile:      settings,
		"requests/z.yaml": request("333333333333", "dedicated"),
		"requests/p.yaml": request("555555555555", "dedicated") + "vpcCidr: 10.128.16.0/22\n",
	}
	set, err = Load(writeDir(t, files), nil)
	require.NoError(t, err, "on an empty backend z would take another block")
	_, err = set.Render(Existing{Allocations: first.Allocations})
	assert.ErrorContains(t, err, `stack z: "10.128.16.0/20" overlaps requests/p.yaml (10.128.16.0/22)`)

	// ...and so is a request once the pool is full (a /18 holds four /20s).
	for r, digit := range map[string]string{"a": "4", "b": "6", "c": "7"} {
		files["requests/"+r+".yaml"] = request(strings.Repeat(digit, 12), "dedicated")
	}
	_, err = Load(writeDir(t, files), nil)
	assert.ErrorContains(t, err, `vending.yaml: cidrPool: "10.128.0.0/18" has no free /20 left for requests/z.yaml`)
	assert.NotContains(t, err.Error(), "vpcCidr: is required", "the request without a block is the pool's problem")
}

// A dedicated request in the network account's region attaches to the
// network stack's transit gateway in its wave's domain, routing the network
// VPC, the pool, and the blocks its wave's others pin outside the pool; one
// in another region is not attached; routing: flat makes one domain, and
// the kept stacks' accounts stay in the gateway's share.
func TestDedicatedRequestsAreRoutedByWave(t *testing.T) {
	files := map[string]string{
		SettingsFile:          settings,
		"requests/a.yaml":     request("111111111111", "dedicated"),
		"requests/b.yaml":     request("222222222222", "dedicated") + "vpcCidr: 10.200.0.0/20\n",
		"requests/c.yaml":     strings.Replace(request("333333333333", "dedicated"), "environment: dev", "environment: prod", 1) + "vpcCidr: 10.201.0.0/20\n",
		"requests/east.yaml":  request("444444444444", "dedicated") + "region: us-east-1\n",
		"requests/share.yaml": request("555555555555", "shared"),
	}
	render := func(files map[string]string, existing Existing) *Stacks {
		set, err := Load(writeDir(t, files), nil)
		require.NoError(t, err)
		out, err := set.Render(existing)
		require.NoError(t, err)
		return out
	}
	byName := func(out *Stacks) map[string]config.WorkloadAccount {
		m := map[string]config.WorkloadAccount{}
		for _, st := range out.Vended {
			m[st.Name] = workload(t, st)
		}
		return m
	}
	routeWith := func(out *Stacks) []config.SharedAccount {
		var routed []config.SharedAccount
		require.NoError(t, json.Unmarshal([]byte(out.Network.Config["eks-multi-account:routeWith"]), &routed))
		return routed
	}

	kept := []config.SharedAccount{{AccountID: "666666666666", Cluster: "gone"}}
	out := render(files, Existing{KeptRouted: kept})
	w := byName(out)
	assert.Equal(t, "dev", w["a"].RoutingDomain)
	assert.Equal(t, []string{"10.10.0.0/16", "10.128.0.0/18", "10.200.0.0/20"}, w["a"].RouteTo, "the network VPC, the pool, and b's block pinned outside it")
	assert.Equal(t, []string{"10.10.0.0/16", "10.128.0.0/18"}, w["b"].RouteTo)
	assert.Equal(t, "prod", w["c"].RoutingDomain)
	assert.Equal(t, []string{"10.10.0.0/16", "10.128.0.0/18"}, w["c"].RouteTo, "c is alone in prod")
	assert.Empty(t, w["east"].RoutingDomain, "us-east-1 is not the transit gateway's region")
	for _, st := range out.Vended {
		if st.Name == "east" {
			assert.NotContains(t, st.Config, "eks-multi-account:networkStack")
		}
	}
	assert.Equal(t, []config.SharedAccount{{AccountID: "111111111111", Cluster: "a"}, {AccountID: "222222222222", Cluster: "b"},
		{AccountID: "333333333333", Cluster: "c"}, {AccountID: "666666666666", Cluster: "gone"}}, routeWith(out),
		"the dedicated requests in the gateway's region, and the kept stack's")

	files[SettingsFile] = settings + "routing: flat\n"
	out = render(files, Existing{})
	w = byName(out)
	assert.Empty(t, w["a"].RoutingDomain, "one domain, the stacks' default")
	assert.Equal(t, []string{"10.10.0.0/16", "10.128.0.0/18", "10.200.0.0/20", "10.201.0.0/20"}, w["a"].RouteTo, "flat: every pinned block")
	var network config.NetworkAccount
	require.NoError(t, json.Unmarshal([]byte(out.Network.Config["eks-multi-account:networkAccount"]), &network))
	assert.Empty(t, network.RoutingDomains)
	assert.Equal(t, "flat", out.Network.Config["eks-multi-account:routing"])

	files[SettingsFile] = strings.Replace(settings, "vpcCidr: 10.10.0.0/16}", "vpcCidr: 10.10.0.0/16, routingDomains: [a]}", 1) + "routing: mesh\n"
	_, err := Load(writeDir(t, files), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `vending.yaml: routing: "mesh" is not "domains" or "flat"`)
	assert.Contains(t, err.Error(), `vending.yaml: networkAccount.routingDomains: [a] is not for vending: the routing domains are the waves`)
}
