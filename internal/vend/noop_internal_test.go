package vend

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackstate"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// deployedFleet writes a vending directory of the requests (file name to
// text; their accounts are team fleet's) and a file backend that holds
// what applying it leaves there, without an engine: each stack's
// checkpoint as its offline plan predicts it, the network stack's output,
// and every stack's record and digest.
func deployedFleet(t testing.TB, requests map[string]string, accounts []string) (dir, backend string) {
	t.Helper()
	dir, state := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, vending.SettingsFile), []byte(`organization: {managementAccountId: "000011112222"}
teams:
  fleet: {accounts: ["`+strings.Join(accounts, `", "`)+`"]}
defaults: {region: us-west-2, kubernetesVersion: "1.34", endpointAccess: {publicCidrs: [203.0.113.0/24]}}
networkAccount: {name: network, accountId: "999988887777", vpcCidr: 10.10.0.0/16}
cidrPool: 10.128.0.0/10
waves: [dev, staging, prod]
`), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, vending.RequestsDir), 0o755))
	for name, req := range requests {
		require.NoError(t, os.WriteFile(filepath.Join(dir, vending.RequestsDir, name+".yaml"), []byte(req), 0o644))
	}
	set, err := vending.Load(dir, nil)
	require.NoError(t, err)
	rendered, err := set.Render(vending.Existing{})
	require.NoError(t, err)
	docs, output, err := Documents(set, rendered)
	require.NoError(t, err)
	testkit.UpdatedStack(t, state, set.Settings.Project, vending.NetworkStack, map[string]any{stacks.NetworkOutput: output},
		checkpointOf(docs[vending.NetworkStack])...)
	for _, st := range rendered.Vended {
		testkit.UpdatedStack(t, state, set.Settings.Project, st.Name, nil, checkpointOf(docs[st.Name])...)
	}
	backend = "file://" + filepath.ToSlash(state)
	store, err := stackstate.Open(context.Background(), backend, set.Settings.Project, nil, &bytes.Buffer{})
	require.NoError(t, err)
	require.NoError(t, store.Record(context.Background(), vending.NetworkStack, map[string]string{tagDigest: networkDigest(*rendered.Network)}))
	network, ok := stacks.ReadNetwork(output)
	require.True(t, ok)
	for _, st := range rendered.Vended {
		rec, err := recordOf(set, st)
		require.NoError(t, err)
		rec[tagDigest] = vendedDigest(set, st, viewFor(set, st, network))
		if block := rendered.Allocations[st.Name]; block != "" {
			rec[tagVpcCIDR] = block
		}
		require.NoError(t, store.Record(context.Background(), st.Name, rec))
	}
	return dir, backend
}

// checkpointOf is the resources an update leaves in a stack's checkpoint,
// as its offline plan predicts them: each with its inputs, and those as
// its outputs.
func checkpointOf(doc *plan.Document) []apitype.ResourceV3 {
	var out []apitype.ResourceV3
	for _, r := range doc.Resources {
		out = append(out, apitype.ResourceV3{URN: resource.URN(r.URN), Type: tokens.Type(r.Type), Custom: r.Kind == plan.KindResource,
			ID: resource.ID(r.Name), Inputs: r.Inputs, Outputs: r.Inputs, Parent: resource.URN(r.Parent)})
	}
	return out
}

// An apply that would change nothing reads the backend in bulk, finds
// every digest the one it would deploy, and is done: no lock, no engine,
// no Pulumi CLI (there is none on PATH here). An edited request needs no
// lock either, only its own stack's update (which fails here, for want
// of the CLI); a new dedicated request has a block to record, which needs
// the lock, an engine run.
func TestANoOpApplyTakesNoLockAndRunsNoCLI(t *testing.T) {
	dir, backend := deployedFleet(t, map[string]string{
		"shared":    "team: fleet\nenvironment: dev\naccountId: \"700000000000\"\nnetworking: shared\n",
		"dedicated": "team: fleet\nenvironment: prod\naccountId: \"700000000001\"\nnetworking: dedicated\n",
	}, []string{"700000000000", "700000000001", "700000000002"})
	t.Setenv("PATH", "")
	set, err := vending.Load(dir, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	results, err := Apply(context.Background(), set, Options{Backend: backend, Progress: &out}, ApplyOptions{})
	require.NoError(t, err, out.String())
	assert.Equal(t, []Result{{Stack: vending.NetworkStack, Action: Unchanged}, {Stack: "dedicated", Action: Unchanged}, {Stack: "shared", Action: Unchanged}}, results)
	assert.Contains(t, out.String(), "vend                     3 stacks (0 create, 0 update, 3 unchanged, 0 retire, 0 keep; 0 failed) in ")
	assert.Contains(t, out.String(), "; lock 0s; memory ", "the lock was never taken")

	path := filepath.Join(dir, vending.RequestsDir, "shared.yaml")
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(text, "admins: [\"arn:aws:iam::700000000000:role/Admin\"]\n"...), 0o644))
	set, err = vending.Load(dir, nil)
	require.NoError(t, err)
	out.Reset()
	results, err = Apply(context.Background(), set, Options{Backend: backend, Progress: &out}, ApplyOptions{})
	var failed *StackError
	require.ErrorAs(t, err, &failed)
	require.Len(t, failed.Failed, 1)
	assert.Equal(t, "shared", failed.Failed[0].Stack)
	assert.Equal(t, Update, failed.Failed[0].Action)
	assert.NotContains(t, err.Error(), "lock")
	assert.Len(t, results, 3)
	assert.Contains(t, out.String(), "; lock 0s; ", "the lock was never taken")

	require.NoError(t, os.WriteFile(filepath.Join(dir, vending.RequestsDir, "new.yaml"),
		[]byte("team: fleet\nenvironment: dev\naccountId: \"700000000002\"\nnetworking: dedicated\n"), 0o644))
	set, err = vending.Load(dir, nil)
	require.NoError(t, err)
	_, err = Apply(context.Background(), set, Options{Backend: backend, Progress: &out}, ApplyOptions{})
	require.ErrorContains(t, err, "taking the backend's vend lock", "a new block is recorded under the lock")
}

// BenchmarkFleetReads runs what reads a fleet without an engine run, on
// fleets of 30, 300 and 1,000 requests (half on shared networking, half
// dedicated, in three waves) on a file backend that holds what applying
// them leaves there: a no-op apply (the state read in bulk, every stack
// rendered and its digest compared), vend list, and vend plan --backend
// (every stack planned offline). With a Pulumi CLI on PATH each reports,
// as listing-ns, their floor: one `pulumi stack ls --json` of the same
// backend (the median of three), which reads every stack's checkpoint.
func BenchmarkFleetReads(b *testing.B) {
	waves := []string{"dev", "staging", "prod"}
	for _, n := range []int{30, 300, 1000} {
		requests, accounts := map[string]string{}, []string{}
		for i := range n {
			account := fmt.Sprintf("7%011d", i)
			networking := []string{"shared", "dedicated"}[i%2]
			requests[fmt.Sprintf("f%04d", i)] = fmt.Sprintf("team: fleet\nenvironment: %s\naccountId: %q\nnetworking: %s\n", waves[i%3], account, networking)
			accounts = append(accounts, account)
		}
		dir, backend := deployedFleet(b, requests, accounts)
		set, err := vending.Load(dir, nil)
		require.NoError(b, err)
		opts := Options{Backend: backend, Progress: io.Discard}
		listing, listed := timeListing(b, set.Settings.Project, backend)
		run := func(what string, read func() (int, error)) {
			b.Run(fmt.Sprintf("requests=%d/%s", n, what), func(b *testing.B) {
				for b.Loop() {
					if got, err := read(); err != nil || got != n {
						b.Fatalf("%d stacks, %v", got, err)
					}
				}
				if listed { // after the loop, which resets what is reported
					b.ReportMetric(float64(listing.Nanoseconds()), "listing-ns")
				}
			})
		}
		run("no-op-apply", func() (int, error) {
			results, err := Apply(context.Background(), set, opts, ApplyOptions{})
			return len(results) - 1, err
		})
		run("list", func() (int, error) {
			entries, err := List(context.Background(), set.Settings.Project, opts)
			return len(entries), err
		})
		run("plan-backend", func() (int, error) {
			p, err := MakePlan(context.Background(), set, PlanOptions{Backend: &opts})
			return len(p.Stacks), err
		})
	}
}

// timeListing is the median of three `pulumi stack ls --json` of a
// project on a backend, when a Pulumi CLI is on PATH.
func timeListing(b *testing.B, project, backend string) (time.Duration, bool) {
	pulumi, err := exec.LookPath("pulumi")
	if err != nil {
		return 0, false
	}
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: "+project+"\nruntime: go\nbackend: {url: \""+backend+"\"}\n"), 0o644))
	var took []time.Duration
	for range 3 {
		cmd := exec.Command(pulumi, "stack", "ls", "--json")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PULUMI_HOME="+b.TempDir(), "PULUMI_SKIP_UPDATE_CHECK=true")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, string(out))
		took = append(took, time.Since(start))
	}
	return slices.Sorted(slices.Values(took))[1], true
}
