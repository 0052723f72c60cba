//go:build e2e

package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/stackstate"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/drive"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
	"github.com/eks-multi-account/eks-multi-account/internal/vend"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// vendingDir is a vending directory deployed by vend into a stand-in
// organization.
type vendingDir struct {
	*organization
	dir     string
	backend string
	log     *strings.Builder
}

// newVending copies requests of the shipped request set (by name) and
// vending.yaml, with the tier's charts and its fleet pinned two minors below
// the newest Kubernetes version (1.34), into a directory, and plants the
// organization (the organization stack deployed) with every account the
// shipped set and extra requests name.
// aaaUnit is the OU of team aaa, and vendingReader the role vend reads it
// with (the example's organization.managementRoleArn).
const (
	aaaUnit       = "ou-ab12-aaa00001"
	vendingReader = "arn:aws:iam::000011112222:role/VendOrganizationsReader"
)

func newVending(t *testing.T, requests []string, extra map[string]string) *vendingDir {
	t.Helper()
	o := newOrganization(t, "../examples/organization/Pulumi.org.yaml")
	o.up(t, o.stack(t, "../examples/organization/Pulumi.org.yaml"))

	dir := t.TempDir()
	settings, err := os.ReadFile("../examples/vending/vending.yaml")
	require.NoError(t, err)
	require.Contains(t, string(settings), `kubernetesVersion: "1.36"`)
	settings = []byte(strings.Replace(string(settings), `kubernetesVersion: "1.36"`, `kubernetesVersion: "1.34"`, 1))
	// The vended stacks live in a backend of their own, without the
	// organization stack; TestStacksOfOneOrganization shows the coverage
	// check.
	require.Contains(t, string(settings), "\norganizationStack: ")
	settings = regexp.MustCompile(`\norganizationStack: .*\n`).ReplaceAll(settings, []byte("\n"))
	// The tests' own teams: zzz by account, aaa by the OU that holds its
	// account, which apply reads through Organizations.
	require.Contains(t, string(settings), "\nteams:\n")
	settings = []byte(strings.Replace(string(settings), "\nteams:\n", "\nteams:\n  aaa: {organizationalUnits: ["+aaaUnit+"]}\n  zzz: {accounts: [\"626262626262\"]}\n  gpu: {accounts: [\""+gpuAccount+"\"]}\n", 1))
	settings = append(settings, []byte("charts: "+tierCharts(t)+"\n")...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, vending.SettingsFile), settings, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, vending.RequestsDir), 0o755))
	for _, r := range requests {
		copyRequest(t, dir, r)
	}
	// Every account of every request the test will make exists.
	all := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(all, vending.SettingsFile), settings, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(all, vending.RequestsDir), 0o755))
	files, err := filepath.Glob("../examples/vending/requests/*.yaml")
	require.NoError(t, err)
	for _, f := range files {
		copyRequest(t, all, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	for name, text := range extra {
		require.NoError(t, os.WriteFile(filepath.Join(all, vending.RequestsDir, name+".yaml"), []byte(text), 0o644))
	}
	o.plantAccounts(t, all, aaaUnit, "616161616161")
	backend := filepath.Join(t.TempDir(), "state")
	require.NoError(t, os.MkdirAll(backend, 0o755))
	return &vendingDir{organization: o, dir: dir, backend: "file://" + backend, log: &strings.Builder{}}
}

// plantAccounts makes every account the requests of a vending directory
// name exist in the organization, with the role vend reads OUs with, and,
// when unit is set, an OU of that ID holding accounts.
func (o *organization) plantAccounts(t *testing.T, dir, unit string, accounts ...string) {
	t.Helper()
	docs, err := drive.Plans(dir)
	require.NoError(t, err)
	require.NoError(t, o.store.Update(func(s *world.State) error {
		seed, err := drive.Seed(docs, s.Organization.ManagementAccount)
		if err != nil {
			return err
		}
		// vend reads the OUs with the management account's reader role.
		seed.Roles = append(seed.Roles, vendingReader)
		if unit != "" {
			seed.Organization.OrganizationalUnits = []world.OrganizationalUnit{{ID: unit, Parent: s.Organization.RootID, Accounts: accounts}}
		}
		return s.Join(seed)
	}))
}

// addTo appends lines to a request file.
func (v *vendingDir) addTo(t *testing.T, request, lines string) {
	t.Helper()
	path := filepath.Join(v.dir, vending.RequestsDir, request+".yaml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(data, lines...), 0o644))
}

func copyRequest(t *testing.T, dir, name string) {
	t.Helper()
	data, err := os.ReadFile("../examples/vending/requests/" + name + ".yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, vending.RequestsDir, name+".yaml"), data, 0o644))
}

// options point vend at the world and the backend.
func (v *vendingDir) options(t *testing.T) vend.Options {
	t.Helper()
	ws, err := v.Workspace()
	require.NoError(t, err)
	return vend.Options{Backend: v.backend, Parallel: 4, Workspace: ws, Progress: syncWriter(v.log)}
}

// apply runs vend apply and returns what it did to each stack.
func (v *vendingDir) apply(t *testing.T, retire bool) map[string]string {
	t.Helper()
	set, err := vending.Load(v.dir, nil)
	require.NoError(t, err)
	results, err := vend.Apply(context.Background(), set, v.options(t), vend.ApplyOptions{Retire: retire})
	require.NoError(t, err, v.log.String())
	return actions(results)
}

func actions(results []vend.Result) map[string]string {
	out := map[string]string{}
	for _, r := range results {
		out[r.Stack] = r.Action
	}
	return out
}

// updates returns how many updates each stack of the backend has had.
func (v *vendingDir) updates(t *testing.T) map[string]int {
	t.Helper()
	ws, err := auto.NewLocalWorkspace(context.Background(), append(v.options(t).Workspace, auto.Project(v.project()))...)
	require.NoError(t, err)
	stacks, err := ws.ListStacks(context.Background())
	require.NoError(t, err)
	out := map[string]int{}
	for _, s := range stacks {
		st, err := auto.SelectStack(context.Background(), s.Name, ws)
		require.NoError(t, err)
		history, err := st.History(context.Background(), 0, 0)
		require.NoError(t, err)
		out[s.Name[strings.LastIndex(s.Name, "/")+1:]] = len(history)
	}
	return out
}

// sharedWith lists the accounts the network account's share holds.
func (v *vendingDir) sharedWith(t *testing.T) []string {
	t.Helper()
	return v.principals(t, "network-subnets")
}

// routedWith lists the accounts the network stack's transit gateway is
// shared with.
func (v *vendingDir) routedWith(t *testing.T) []string {
	t.Helper()
	return v.principals(t, "network-routing-tgw")
}

// principals lists the principals of the network stack's share named
// share, sorted.
func (v *vendingDir) principals(t *testing.T, share string) []string {
	t.Helper()
	var out []string
	for _, a := range v.state(t).Select("aws:ram/principalAssociation:PrincipalAssociation", nil) {
		if strings.Contains(a.URN, "::"+share+"-principal-") {
			out = append(out, a.Str("principal"))
		}
	}
	slices.Sort(out)
	return out
}

func TestVendingThreeClusters(t *testing.T) {
	// zzz-dev asks for a role under the name of its account's deploy role,
	// which IAM refuses (role names are unique in an account, whatever the
	// path).
	zzz := "team: zzz\nenvironment: dev\naccountId: \"626262626262\"\nnetworking: dedicated\nserviceAccounts: [{name: app, roleName: OrganizationAccountAccessRole}]\n"
	v := newVending(t, []string{"vision-dev", "vision-prod", "payments-prod"}, map[string]string{
		"aaa-dev": "team: aaa\nenvironment: dev\naccountId: \"616161616161\"\nnetworking: dedicated\n",
		"zzz-dev": zzz,
	})

	start := time.Now()
	assert.Equal(t, map[string]string{"network": vend.Create, "payments-prod": vend.Create, "vision-dev": vend.Create, "vision-prod": vend.Create}, v.apply(t, false))
	t.Logf("vend apply of three clusters and the network stack: %s", time.Since(start).Round(time.Second))
	s := v.state(t)
	requireServedByThisCheckout(t, s)
	assert.Len(t, s.Select("aws:eks/cluster:Cluster", nil), 3)
	assert.Equal(t, []string{"313131313131", "323232323232"}, v.sharedWith(t), "the share's principals are the shared-networking accounts")
	assert.Equal(t, []string{"414141414141"}, v.routedWith(t), "the transit gateway's are the dedicated VPCs' accounts")
	// payments-prod's dedicated VPC is attached to the network stack's
	// transit gateway, in the prod domain: what the stand-in holds reaches
	// as vend plan said it would.
	set, err := vending.Load(v.dir, nil)
	require.NoError(t, err)
	planned, err := vend.MakePlan(context.Background(), set, vend.PlanOptions{})
	require.NoError(t, err)
	deployed := deployedReachability(s)
	assert.Equal(t, planned.Reachability.VPCs, deployed.VPCs, "vend plan's reachability and that of what the stand-in AWS holds")
	reaches := map[string][]string{}
	for _, vpc := range deployed.VPCs {
		reaches[vpc.Name] = vpc.Reaches
	}
	assert.Equal(t, map[string][]string{"network-vpc": {"payments-prod-vpc"}, "payments-prod-vpc": {"network-vpc"}}, reaches)

	before := v.updates(t)
	assert.Equal(t, map[string]string{"network": vend.Unchanged, "payments-prod": vend.Unchanged, "vision-dev": vend.Unchanged, "vision-prod": vend.Unchanged}, v.apply(t, false))
	assert.Equal(t, before, v.updates(t), "an unchanged request costs no engine operation, and an apply that changes nothing takes no lock (vend-lock's history does not grow)")

	t.Run("changing one request updates only its stack", func(t *testing.T) {
		v.addTo(t, "payments-prod", "quota: {cpu: \"12\", memory: 48Gi, pods: 80}\n")
		set, err := vending.Load(v.dir, nil)
		require.NoError(t, err)
		opts := v.options(t)
		planned, err := vend.MakePlan(context.Background(), set, vend.PlanOptions{Backend: &opts})
		require.NoError(t, err)
		got := map[string]string{"network": planned.Network.Action}
		for _, s := range planned.Stacks {
			got[s.Name] = s.Action
		}
		assert.Equal(t, map[string]string{"network": vend.Unchanged, "payments-prod": vend.Update, "vision-dev": vend.Unchanged, "vision-prod": vend.Unchanged}, got,
			"vend plan against the backend says what apply will do")
		before := v.updates(t)
		assert.Equal(t, map[string]string{"network": vend.Unchanged, "payments-prod": vend.Update, "vision-dev": vend.Unchanged, "vision-prod": vend.Unchanged}, v.apply(t, false))
		before["payments-prod"]++
		assert.Equal(t, before, v.updates(t), "one update, of payments-prod's stack; no lock (its block is recorded and the network stack unchanged)")
	})

	t.Run("a failing stack does not stop the others", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(v.dir, "requests", "zzz-dev.yaml"), []byte(zzz), 0o644))
		v.addTo(t, "payments-prod", "egress: [{cidrs: [10.0.0.0/16], ports: [{port: 5432}]}]\n")
		set, err := vending.Load(v.dir, nil)
		require.NoError(t, err)
		results, err := vend.Apply(context.Background(), set, v.options(t), vend.ApplyOptions{})
		var failed *vend.StackError
		require.ErrorAs(t, err, &failed)
		require.Len(t, failed.Failed, 1)
		assert.Equal(t, "zzz-dev", failed.Failed[0].Stack)
		assert.Contains(t, err.Error(), "zzz-dev (create)")
		assert.Contains(t, err.Error(), "EntityAlreadyExists", "the engine's error")
		assert.Equal(t, vend.Update, actions(results)["payments-prod"], "the others go on")

		assert.Equal(t, []string{"414141414141", "626262626262"}, v.routedWith(t), "zzz-dev's dedicated VPC is routed too")
		require.NoError(t, os.Remove(filepath.Join(v.dir, "requests", "zzz-dev.yaml")))
		assert.Equal(t, vend.Retire, v.apply(t, true)["zzz-dev"], "the failed stack is retired")
		assert.Equal(t, []string{"414141414141"}, v.routedWith(t), "the transit gateway's share loses the retired account")
		s := v.state(t)
		for _, o := range s.Leftovers() {
			assert.NotEqual(t, "626262626262", o.Account, "retiring zzz-dev leaves %s behind; the leftovers report:\n%s", o, report(s))
			assert.NotContains(t, o.URN, "zzz-dev", "retiring zzz-dev leaves %s of its routing in the network account", o)
		}
	})

	t.Run("two upgrades in a row, each wave by wave", func(t *testing.T) {
		requireInStep(t, v.state(t), "1.34")
		for _, version := range []string{"1.35", "1.36"} {
			v.log.Reset()
			waves, _, err := vend.Upgrade(context.Background(), v.dir, nil, v.options(t), vend.UpgradeOptions{All: true, Kubernetes: version, Yes: true})
			require.NoError(t, err, v.log.String())
			require.Len(t, waves, 2)
			assert.Equal(t, "dev", waves[0].Environment)
			assert.Equal(t, "prod", waves[1].Environment)
			lines := strings.Split(v.log.String(), "\n")
			devDone := lastLine(lines, "vision-dev", "updated")
			prodStart := lastLine(lines, "vision-prod", "updating")
			require.Positive(t, devDone, v.log.String())
			assert.Less(t, devDone, prodStart, "dev's wave is done before prod's starts:\n%s", v.log.String())
			requireInStep(t, v.state(t), version)
			assert.Equal(t, map[string]string{"network": vend.Unchanged, "payments-prod": vend.Unchanged, "vision-dev": vend.Unchanged, "vision-prod": vend.Unchanged}, v.apply(t, false),
				"the rewritten request files are what is deployed")
		}
	})

	t.Run("a removed request is retired only with --retire", func(t *testing.T) {
		require.NoError(t, os.Remove(filepath.Join(v.dir, "requests", "vision-dev.yaml")))
		assert.Equal(t, vend.Keep, v.apply(t, false)["vision-dev"])
		assert.Equal(t, []string{"313131313131", "323232323232"}, v.sharedWith(t), "a kept stack keeps its share")
		assert.Len(t, v.state(t).Select("aws:eks/cluster:Cluster", nil), 3)

		// vision-dev's cluster is on the network account's shared subnets,
		// beside vision-prod's; the tenants of every cluster have made
		// load balancers in them.
		const visionDev = "323232323232"
		v.tenantLoadBalancers(t)
		subnets := func() []string {
			var out []string
			for _, o := range v.state(t).Select("aws:ec2/subnet:Subnet", nil) {
				out = append(out, o.String())
			}
			return out
		}
		before := subnets()
		assert.Equal(t, vend.Retire, v.apply(t, true)["vision-dev"])
		assert.Equal(t, []string{"313131313131"}, v.sharedWith(t), "the network share loses the retired account")
		assert.Len(t, v.state(t).Select("aws:eks/cluster:Cluster", nil), 2)
		assert.NotContains(t, v.updates(t), "vision-dev", "the stack is removed")
		s := v.state(t)
		for _, o := range s.Leftovers() {
			assert.NotEqual(t, visionDev, o.Account, "retiring vision-dev leaves %s behind; the leftovers report:\n%s", o, report(s))
		}
		assert.Equal(t, before, subnets(), "the network stack's subnets are untouched")
		assert.NotEmpty(t, s.Select("aws:lb/loadBalancer:LoadBalancer", nil), "the neighbours' load balancers stay")
		assert.Regexp(t, `vision-dev\s+kept aws:kms/key:Key \S+ \(\S+\) in account 323232323232: pending deletion for 30 days`, v.log.String(), "the retirement says what it kept, and where")
	})

	t.Run("two applies at once, with a request that sorts first, move and repeat no block", func(t *testing.T) {
		tags := v.tags(t)
		require.NoError(t, os.WriteFile(filepath.Join(v.dir, "requests", "aaa-dev.yaml"), []byte("team: aaa\nenvironment: dev\naccountId: \"616161616161\"\nnetworking: dedicated\n"), 0o644))
		set, err := vending.Load(v.dir, nil)
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = vend.Apply(context.Background(), set, v.options(t), vend.ApplyOptions{})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, v.log.String())
		}
		now := v.tags(t)
		assert.Equal(t, tags["payments-prod"]["vend:vpcCidr"], now["payments-prod"]["vend:vpcCidr"], "payments-prod's block does not move")
		assert.NotEmpty(t, now["aaa-dev"]["vend:vpcCidr"])
		assert.NotEqual(t, now["payments-prod"]["vend:vpcCidr"], now["aaa-dev"]["vend:vpcCidr"], "no block is given twice")
		assert.Equal(t, []string{"313131313131"}, v.sharedWith(t))
		assert.Equal(t, []string{"414141414141", "616161616161"}, v.routedWith(t), "aaa-dev's dedicated VPC is routed")
		assert.Equal(t, map[string]string{"network": vend.Unchanged, "aaa-dev": vend.Unchanged, "payments-prod": vend.Unchanged, "vision-prod": vend.Unchanged}, v.apply(t, false))
	})

	t.Run("an account outside its team's OU is refused at apply, before anything deploys", func(t *testing.T) {
		path := filepath.Join(v.dir, "requests", "aaa-prod.yaml")
		require.NoError(t, os.WriteFile(path, []byte("team: aaa\nenvironment: prod\naccountId: \"636363636363\"\nnetworking: dedicated\n"), 0o644))
		defer func() { require.NoError(t, os.Remove(path)) }()
		set, err := vending.Load(v.dir, nil)
		require.NoError(t, err, "offline, the OU may hold the account")
		before := v.updates(t)
		_, err = vend.Apply(context.Background(), set, v.options(t), vend.ApplyOptions{})
		var invalid *vending.Error
		require.ErrorAs(t, err, &invalid, v.log.String())
		assert.Equal(t, `invalid vending requests:
requests/aaa-prod.yaml: accountId: "636363636363" is not one of team aaa's accounts nor in its organizational units (ou-ab12-aaa00001: 1 account)`, err.Error())
		after := v.updates(t)
		delete(before, "vend-lock")
		delete(after, "vend-lock")
		assert.Equal(t, before, after, "no stack was updated or created")
	})

	t.Run("vend list matches the backend", func(t *testing.T) {
		entries, err := vend.List(context.Background(), vending.DefaultProject, v.options(t))
		require.NoError(t, err)
		clusters := map[string]string{}
		for _, c := range v.state(t).Select("aws:eks/cluster:Cluster", nil) {
			clusters[c.ID] = c.Str("arn")
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Stack)
			assert.Equal(t, clusters[e.Stack], e.ClusterArn, e.Stack)
			assert.Equal(t, "succeeded", e.Result, e.Stack)
			assert.NotEmpty(t, e.LastUpdate, e.Stack)
			assert.Equal(t, "1.0.0", e.BlueprintVersion, e.Stack)
		}
		assert.Equal(t, []string{"aaa-dev", "payments-prod", "vision-prod"}, names)
	})

	t.Run("vend reads and writes the backend in process as the CLI does", func(t *testing.T) {
		ctx := context.Background()
		inProcess, err := stackstate.Open(ctx, v.backend, vending.DefaultProject, nil, io.Discard)
		require.NoError(t, err)
		cli := v.throughCLI(t)
		got, err := inProcess.Stacks(ctx)
		require.NoError(t, err)
		want, err := cli.Stacks(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got, "every stack's tags")
		for _, name := range []string{vending.NetworkStack, "payments-prod"} {
			got, err := inProcess.LastUpdate(ctx, name)
			require.NoError(t, err)
			want, err := cli.LastUpdate(ctx, name)
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s's last update", name)
		}
		gotOutputs, err := inProcess.Outputs(ctx, vending.NetworkStack)
		require.NoError(t, err)
		wantOutputs, err := cli.Outputs(ctx, vending.NetworkStack)
		require.NoError(t, err)
		assert.Equal(t, wantOutputs, gotOutputs, "the network stack's outputs")
		_, err = inProcess.Outputs(ctx, "payments-prod")
		require.ErrorContains(t, err, "output clusters is secret", "a vended stack's clusters output holds its kubeconfig")

		require.NoError(t, cli.Record(ctx, "aaa-dev", map[string]string{"e2e:written-by": "cli"}))
		tags, err := inProcess.Tags(ctx, "aaa-dev")
		require.NoError(t, err)
		assert.Equal(t, "cli", tags["e2e:written-by"])
		require.NoError(t, inProcess.Record(ctx, "aaa-dev", map[string]string{"e2e:written-by": "vend"}))
		tags, err = cli.Tags(ctx, "aaa-dev")
		require.NoError(t, err)
		assert.Equal(t, "vend", tags["e2e:written-by"])
		assert.Equal(t, got["aaa-dev"]["vend:digest"], tags["vend:digest"], "a record keeps the other tags")
	})

	t.Run("vend drift finds what changed behind Pulumi's back, and only that", func(t *testing.T) {
		clean, err := vend.DetectDrift(context.Background(), vending.DefaultProject, v.options(t))
		require.NoError(t, err)
		var names []string
		for _, d := range clean {
			names = append(names, d.Stack)
			assert.True(t, d.Checked, "%s: %s", d.Stack, d.Error)
			assert.Empty(t, d.Resources, "%s has not drifted", d.Stack)
		}
		assert.Equal(t, []string{"aaa-dev", "network", "payments-prod", "vision-prod"}, names)
		assert.True(t, vend.NoDrift(clean), "a clean fleet exits 0")

		// In payments-prod's account, a node group scaled by hand and a
		// role given a tag in the console.
		const payments = "414141414141"
		var nodeGroup, role string
		require.NoError(t, v.store.Update(func(s *world.State) error {
			for _, o := range s.Select("aws:eks/nodeGroup:NodeGroup", func(o *world.Object) bool { return o.Account == payments }) {
				scaling, _ := o.Inputs["scalingConfig"].(map[string]any)
				scaling["desiredSize"] = 5
				nodeGroup = o.URN[strings.LastIndex(o.URN, "::")+2:]
				break
			}
			for _, o := range s.Select("aws:iam/role:Role", func(o *world.Object) bool { return o.Account == payments && o.URN != "" }) {
				tags, _ := o.Inputs["tags"].(map[string]any)
				if tags == nil {
					tags = map[string]any{}
				}
				tags["changed-by"] = "console"
				o.Inputs["tags"] = tags
				role = o.URN[strings.LastIndex(o.URN, "::")+2:]
				break
			}
			return nil
		}))
		require.NotEmpty(t, nodeGroup)
		require.NotEmpty(t, role)

		drifts, err := vend.DetectDrift(context.Background(), vending.DefaultProject, v.options(t))
		require.NoError(t, err)
		assert.False(t, vend.NoDrift(drifts), "a drifted fleet exits 1")
		for _, d := range drifts {
			require.True(t, d.Checked, "%s: %s", d.Stack, d.Error)
			if d.Stack != "payments-prod" {
				assert.Empty(t, d.Resources, "%s has not drifted", d.Stack)
				continue
			}
			found := map[string][]string{}
			for _, r := range d.Resources {
				for _, p := range r.Properties {
					found[r.Name] = append(found[r.Name], p.Path)
				}
			}
			require.Len(t, found, 2, "the node group and the role, and nothing else: %v", found)
			require.NotEmpty(t, found[nodeGroup], "the node group scaled by hand is named: %v", found)
			assert.True(t, strings.HasPrefix(found[nodeGroup][0], "scalingConfig"), "%v", found[nodeGroup])
			require.NotEmpty(t, found[role], "the role tagged in the console is named: %v", found)
			assert.True(t, strings.HasPrefix(found[role][0], "tags"), "%v", found[role])
		}
	})

	for _, name := range []string{"aaa-dev", "payments-prod", "vision-prod"} {
		require.NoError(t, os.Remove(filepath.Join(v.dir, "requests", name+".yaml")))
	}
	v.apply(t, true)
	assert.Empty(t, v.state(t).Select("aws:eks/cluster:Cluster", nil), "retiring every request leaves no cluster")
}

// tags returns every vended stack's tags.
func (v *vendingDir) tags(t *testing.T) map[string]map[string]string {
	t.Helper()
	out, err := v.throughCLI(t).Stacks(context.Background())
	require.NoError(t, err)
	return out
}

// throughCLI is the backend as the Pulumi CLI reads and writes it.
func (v *vendingDir) throughCLI(t *testing.T) stackstate.Store {
	return stackstate.ThroughCLI(v.backend, func(ctx context.Context, _ string) (auto.Workspace, error) {
		return auto.NewLocalWorkspace(ctx, append(v.options(t).Workspace, auto.WorkDir(t.TempDir()), auto.Project(v.project()))...)
	})
}

// project is the vended stacks' project on the test's backend.
func (v *vendingDir) project() workspace.Project {
	return workspace.Project{Name: tokens.PackageName(vending.DefaultProject), Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Backend: &workspace.ProjectBackend{URL: v.backend}}
}

// lastLine is the index of the last progress line of a stack whose state
// starts with word, -1 when none.
func lastLine(lines []string, stack, word string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if f := strings.Fields(lines[i]); len(f) >= 2 && f[0] == stack && f[1] == word {
			return i
		}
	}
	return -1
}

// syncWriter serializes writes to a builder from many goroutines.
func syncWriter(b *strings.Builder) io.Writer { return &lockedWriter{b: b} }

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
