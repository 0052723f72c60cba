//go:build e2e

package e2e

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/stackstate"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// The fleet benchmark (scripts/fleet-bench.sh; skipped without
// EKS_MA_FLEET_N): for each fleet size N it generates a vending directory
// of N requests (half on shared networking, half dedicated, across three
// waves), vends it into a fresh stand-in organization with the vend
// binary built from this checkout, as a user runs it, and prints one line
// per figure against its floor, measured in the same run:
//   - the first apply, against the network stack's update (as the
//     backend's history records it) plus ceil(N/P) times the median `up`
//     of a vended stack while P ran at once (the Automation API's call,
//     the CLI's whole run, as vend's figures line gives it);
//   - the no-op apply, vend list and vend plan --backend, against one
//     `pulumi stack ls --json` of the same backend;
//   - one edited request, against the no-op plus that stack's up (the
//     engine's own time printed beside it);
//   - vend's own memory, from its figures line.
//
// With several sizes it ends with the no-op of the largest against the
// smallest's. It prints figures; the goals are the docs' (docs/vending.md,
// "A fleet"), not assertions: a figure measured on a busy machine is not a
// test failure.
func TestFleetBenchmark(t *testing.T) {
	var sizes []int
	for _, f := range strings.Fields(os.Getenv("EKS_MA_FLEET_N")) {
		n, err := strconv.Atoi(f)
		require.NoError(t, err, "EKS_MA_FLEET_N=%q", f)
		sizes = append(sizes, n)
	}
	if len(sizes) == 0 {
		t.Skip("the fleet benchmark runs with scripts/fleet-bench.sh")
	}
	parallel := cmp.Or(os.Getenv("EKS_MA_FLEET_PARALLEL"), "4")
	bin := filepath.Join(t.TempDir(), "vend")
	build := exec.Command("go", "build", "-o", bin, "../cmd/vend")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	noops := map[int]time.Duration{}
	for _, n := range sizes {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			noops[n] = benchmarkFleet(t, bin, n, parallel)
		})
	}
	if len(sizes) > 1 {
		small, large := slices.Min(sizes), slices.Max(sizes)
		reportFigure(t, fmt.Sprintf("no-op apply at N=%d", large), noops[large], fmt.Sprintf("the no-op at N=%d", small), noops[small], 1.5)
	}
}

// benchmarkFleet vends a fleet of n and prints its figures; it returns the
// no-op apply's time.
func benchmarkFleet(t *testing.T, bin string, n int, parallel string) time.Duration {
	f := newFleet(t, bin, n)
	p, err := strconv.Atoi(parallel)
	require.NoError(t, err)

	first := f.vend(t, "apply", f.dir, "--parallel", parallel)
	network := f.updateTook(t, vending.NetworkStack)
	var engine []time.Duration
	for _, name := range f.requests {
		engine = append(engine, f.updateTook(t, name))
	}
	median := upMedian(t, first)
	rounds := int(math.Ceil(float64(n) / float64(p)))
	reportFigure(t, fmt.Sprintf("first apply at --parallel %d", p), first.took,
		fmt.Sprintf("network %s + %d × %s, a vended stack's median up while %d ran; the engine's own, by the history: %s",
			network, rounds, median, p, slices.Sorted(slices.Values(engine))[len(engine)/2]),
		network+time.Duration(rounds)*median, 1.3)

	listing := f.listing(t)
	noop := f.vend(t, "apply", f.dir, "--parallel", parallel)
	require.Contains(t, noop.figures, fmt.Sprintf("%d stacks (0 create, 0 update, %d unchanged", n+1, n+1), "the second apply changes nothing")
	reportFigure(t, "no-op apply", noop.took, "one pulumi stack ls --json", listing, 3)
	list := f.vend(t, "list", "--backend", f.backend, "--json")
	reportFigure(t, "vend list", list.took, "one pulumi stack ls --json", listing, 3)
	plan := f.vend(t, "plan", f.dir, "--backend", f.backend)
	reportFigure(t, "vend plan --backend", plan.took, "one pulumi stack ls --json", listing, 3)

	edited := f.requests[len(f.requests)/2]
	path := filepath.Join(f.dir, vending.RequestsDir, edited+".yaml")
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(text, "quota: {cpu: \"24\", memory: 96Gi, pods: 150}\n"...), 0o644))
	edit := f.vend(t, "apply", f.dir, "--parallel", parallel)
	require.Contains(t, edit.figures, fmt.Sprintf("(0 create, 1 update, %d unchanged", n), "only the edited request changed")
	up := upMedian(t, edit)
	reportFigure(t, "one edited request", edit.took, fmt.Sprintf("the no-op + %s's up %s; the engine's own, by the history: %s",
		edited, up, f.updateTook(t, edited)), noop.took+up, 0)

	for _, run := range []vendRun{first, noop, edit} {
		t.Logf("fleet N=%d: vend apply's figures: %s", n, run.figures)
	}
	return noop.took
}

// fleet is a generated vending directory in a fresh stand-in organization.
type fleet struct {
	*organization
	bin, dir, backend string
	// requests are the requests' stack names, in name order.
	requests []string
}

// newFleet writes a vending directory of n requests and plants their
// accounts.
func newFleet(t *testing.T, bin string, n int) *fleet {
	t.Helper()
	o := newOrganization(t, "../examples/organization/Pulumi.org.yaml")
	o.up(t, o.stack(t, "../examples/organization/Pulumi.org.yaml"))
	dir := t.TempDir()
	var accounts []string
	for i := range n {
		accounts = append(accounts, fmt.Sprintf("%q", fmt.Sprintf("7%011d", i)))
	}
	settings := fmt.Sprintf(`organization: {managementAccountId: "000011112222"}
teams:
  fleet: {accounts: [%s]}
defaults:
  region: us-west-2
  deployRoleName: OrganizationAccountAccessRole
  kubernetesVersion: "1.34"
  endpointAccess: {publicCidrs: [203.0.113.0/24]}
networkAccount: {name: network, accountId: "999988887777", vpcCidr: 10.10.0.0/16}
cidrPool: 10.128.0.0/10
waves: [dev, staging, prod]
charts: %s
`, strings.Join(accounts, ", "), tierCharts(t))
	require.NoError(t, os.WriteFile(filepath.Join(dir, vending.SettingsFile), []byte(settings), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, vending.RequestsDir), 0o755))
	f := &fleet{organization: o, bin: bin, dir: dir}
	waves := []string{"dev", "staging", "prod"}
	for i := range n {
		networking := "shared"
		if i%2 == 1 {
			networking = "dedicated"
		}
		name := fmt.Sprintf("f%04d", i)
		req := fmt.Sprintf("team: fleet\nenvironment: %s\naccountId: \"7%011d\"\nnetworking: %s\n", waves[i%3], i, networking)
		require.NoError(t, os.WriteFile(filepath.Join(dir, vending.RequestsDir, name+".yaml"), []byte(req), 0o644))
		f.requests = append(f.requests, name)
	}
	o.plantAccounts(t, dir, "")
	backend := filepath.Join(t.TempDir(), "state")
	require.NoError(t, os.MkdirAll(backend, 0o755))
	f.backend = "file://" + backend
	return f
}

// vendRun is one run of the vend binary.
type vendRun struct {
	took time.Duration
	// figures is apply's last line, without the stack column.
	figures string
}

// vend runs the vend binary against the world and the fleet's backend.
func (f *fleet) vend(t *testing.T, args ...string) vendRun {
	t.Helper()
	if args[0] == "apply" {
		args = append(args, "--backend", f.backend)
	}
	cmd := exec.Command(f.bin, args...)
	cmd.Env = f.env()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	require.NoError(t, err, "vend %s: %s", strings.Join(args, " "), stderr.String())
	run := vendRun{took: took}
	if m := regexp.MustCompile(`(?m)^vend +(\d+ stacks .*)$`).FindStringSubmatch(stderr.String()); m != nil {
		run.figures = m[1]
	}
	return run
}

// upMedian is the median up of a stack in an apply, from its figures.
func upMedian(t *testing.T, run vendRun) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`a stack's up (\S+) median`).FindStringSubmatch(run.figures)
	require.NotNil(t, m, run.figures)
	d, err := time.ParseDuration(m[1])
	require.NoError(t, err)
	return d
}

// env is the vend binary's environment: the world's, with the tier's
// Pulumi CLI first on PATH.
func (f *fleet) env() []string {
	env := append(os.Environ(), "PATH="+filepath.Join(f.PulumiRoot, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true")
	for k, v := range f.World.Env() {
		env = append(env, k+"="+v)
	}
	return env
}

// listing times one `pulumi stack ls --json` of the fleet's backend (the
// Automation API's ListStacks runs it), in a workspace of its project.
func (f *fleet) listing(t *testing.T) time.Duration {
	t.Helper()
	ws := f.workspace(t)
	start := time.Now()
	stacks, err := ws.ListStacks(context.Background())
	took := time.Since(start)
	require.NoError(t, err)
	require.Len(t, stacks, len(f.requests)+2, "the vended stacks, the network stack and the lock's")
	return took
}

// updateTook is how long a stack's last update took, as the backend's
// history records it.
func (f *fleet) updateTook(t *testing.T, stack string) time.Duration {
	t.Helper()
	s, err := auto.SelectStack(context.Background(), stack, f.workspace(t))
	require.NoError(t, err)
	history, err := s.History(context.Background(), 1, 1)
	require.NoError(t, err)
	require.Len(t, history, 1, stack)
	h := history[0]
	require.NotNil(t, h.EndTime, stack)
	start, err := time.Parse(stackstate.TimeLayout, h.StartTime)
	require.NoError(t, err)
	end, err := time.Parse(stackstate.TimeLayout, *h.EndTime)
	require.NoError(t, err)
	return end.Sub(start)
}

// workspace is a workspace of the fleet's project on its backend.
func (f *fleet) workspace(t *testing.T) auto.Workspace {
	t.Helper()
	opts, err := f.World.Workspace()
	require.NoError(t, err)
	project := (&vendingDir{backend: f.backend}).project()
	ws, err := auto.NewLocalWorkspace(context.Background(), append(opts, auto.WorkDir(t.TempDir()), auto.Project(project))...)
	require.NoError(t, err)
	return ws
}

// reportFigure prints a figure against its floor and, when the issue sets one
// (goal > 0), the goal's ratio.
func reportFigure(t *testing.T, what string, took time.Duration, floorIs string, floor time.Duration, goal float64) {
	t.Helper()
	ratio := float64(took) / float64(floor)
	line := fmt.Sprintf("fleet: %s %s; floor %s (%s): %.2f×", what, took.Round(10*time.Millisecond), floor.Round(10*time.Millisecond), floorIs, ratio)
	if goal > 0 {
		verdict := "meets"
		if ratio > goal {
			verdict = "MISSES"
		}
		line += fmt.Sprintf(" (goal ≤ %.1f×: %s)", goal, verdict)
	}
	fmt.Println(line)
}
