// Package vend runs a vending directory's stacks (stacks/vending) through
// the Automation API with inline programs, the same program `pulumi up`
// runs, on any Pulumi backend: the network stack first, then one stack per
// request in parallel. What it keeps lives in the backend, in each vended
// stack's tags (its request digest and CIDR allocation, which never
// moves), not in a workspace, read in bulk (internal/stackstate); a
// backend-wide lock serializes allocation and the network update, and an
// apply that finds nothing to change does not take it.
package vend

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/internal/stackstate"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Options are how vend reaches the backend and the Pulumi CLI.
type Options struct {
	// Backend is the Pulumi backend's URL; default a file:// folder, .vend
	// in the vending directory.
	Backend string
	// Parallel is how many vended stacks are deployed at once; default 4.
	Parallel int
	// Workspace adds options to every workspace: the Pulumi command and
	// environment variables (PULUMI_CONFIG_PASSPHRASE for a self-managed
	// backend's secrets, say). vend's own reads and writes of a
	// self-managed backend (internal/stackstate) run in vend's process,
	// with its environment: an s3:// backend's credentials must be there.
	Workspace []auto.LocalWorkspaceOption
	// Progress gets one line per stack and state; default os.Stderr.
	Progress io.Writer
	// LockTimeout is how long to wait for another vend's backend lock;
	// default 10 minutes.
	LockTimeout time.Duration
}

// DefaultBackend is the backend of a vending directory when none is given.
func DefaultBackend(dir string) (string, error) {
	abs, err := filepath.Abs(filepath.Join(dir, ".vend"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	return "file://" + filepath.ToSlash(abs), nil
}

// vendor runs one vend command on one backend.
type vendor struct {
	set     *vending.Set
	opts    Options
	workDir string
	out     *progress
	// state is the backend's stacks and their tags.
	state stackstate.Store
	// locked is how long an apply waited for and held the backend's lock.
	locked time.Duration
	// cliOnce finds the Pulumi CLI, cliCommand, once, or fails with cliErr.
	cliOnce    sync.Once
	cliCommand auto.PulumiCommand
	cliErr     error
	// units are the accounts the teams' organizational units hold, read
	// under the lock (readOrganizationalUnits), or unitsErr.
	units    map[string][]string
	unitsErr error
}

// newVendor prepares a run; close removes its workspaces.
func newVendor(ctx context.Context, set *vending.Set, opts Options) (*vendor, error) {
	if opts.Backend == "" {
		b, err := DefaultBackend(set.Dir)
		if err != nil {
			return nil, err
		}
		opts.Backend = b
	}
	if dir, ok := strings.CutPrefix(opts.Backend, "file://"); ok && filepath.IsAbs(dir) {
		// A self-managed backend's folder is created, as pulumi login
		// expects it to exist.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Progress == nil {
		opts.Progress = os.Stderr
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 10 * time.Minute
	}
	dir, err := os.MkdirTemp("", "vend-")
	if err != nil {
		return nil, err
	}
	v := &vendor{set: set, opts: opts, workDir: dir, out: newProgress(opts.Progress)}
	v.state, err = stackstate.Open(ctx, opts.Backend, set.Settings.Project, func(ctx context.Context, stack string) (auto.Workspace, error) {
		return v.workspace(ctx, "_state-"+stack, v.program())
	}, opts.Progress)
	if err != nil {
		v.close()
		return nil, err
	}
	return v, nil
}

func (v *vendor) close() {
	v.out.end()
	_ = os.RemoveAll(v.workDir)
}

// project is the vended stacks' Pulumi project on the backend.
func (v *vendor) project() workspace.Project {
	return workspace.Project{
		Name:    tokens.PackageName(v.set.Settings.Project),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Backend: &workspace.ProjectBackend{URL: v.opts.Backend},
	}
}

// workspace returns a workspace of its own for a stack (stacks are
// deployed in parallel) running program, with more options.
func (v *vendor) workspace(ctx context.Context, name string, program pulumi.RunFunc, more ...auto.LocalWorkspaceOption) (auto.Workspace, error) {
	cli, err := v.cli(ctx)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(v.workDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	opts := append([]auto.LocalWorkspaceOption{auto.WorkDir(dir), auto.Project(v.project()), auto.Program(program), auto.Pulumi(cli)}, more...)
	return auto.NewLocalWorkspace(ctx, append(opts, v.opts.Workspace...)...)
}

// cli is the Pulumi CLI of the run's workspaces: the one the options give,
// or the one on PATH, found once. (A workspace made without one runs
// `pulumi version` to find it: a CLI process per stack.)
func (v *vendor) cli(ctx context.Context) (auto.PulumiCommand, error) {
	v.cliOnce.Do(func() {
		var ws auto.Workspace
		ws, v.cliErr = auto.NewLocalWorkspace(ctx, append([]auto.LocalWorkspaceOption{auto.WorkDir(v.workDir)}, v.opts.Workspace...)...)
		if v.cliErr == nil {
			v.cliCommand = ws.PulumiCommand()
		}
	})
	return v.cliCommand, v.cliErr
}

// program is what every vended and network stack runs: the stacks, with
// the set's blueprints.
func (v *vendor) program() pulumi.RunFunc {
	return stacks.Program(stacks.Options{Blueprints: v.set.Blueprints})
}

// stack selects a stack in a workspace of its own.
func (v *vendor) stack(ctx context.Context, name string, more ...auto.LocalWorkspaceOption) (auto.Stack, error) {
	ws, err := v.workspace(ctx, name, v.program(), more...)
	if err != nil {
		return auto.Stack{}, err
	}
	return auto.SelectStack(ctx, name, ws)
}

// existing lists the project's stacks on the backend with their tags, the
// lock's stack left out (its update, the lock, may be writing it).
func (v *vendor) existing(ctx context.Context) (map[string]map[string]string, error) {
	return v.state.Stacks(ctx, lockStack)
}

// progress writes one line per stack and state, from many goroutines,
// and, on a terminal, keeps a count of the stacks done, running, failed
// and waiting below them.
type progress struct {
	mu sync.Mutex
	w  io.Writer
	// tty is set when w is a terminal; counted is set while the count
	// line is on it.
	tty, counted bool
	// states holds each stack's state, by stack, once expected or marked.
	states map[string]stackState
	// durations are how long each stack's up took.
	durations []time.Duration
}

// stackState is where a stack is in a run.
type stackState int

// The states a stack goes through.
const (
	waiting stackState = iota
	running
	finished
	failed
)

// newProgress writes to w, counting when w is a terminal.
func newProgress(w io.Writer) *progress {
	p := &progress{w: w, states: map[string]stackState{}}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// say writes a stack's line.
func (p *progress) say(stack, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearCount()
	fmt.Fprintf(p.w, "%-24s %s\n", stack, fmt.Sprintf(format, args...))
	p.showCount()
}

// expect counts stacks as waiting, unless they have a state already.
func (p *progress) expect(stacks []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range stacks {
		if _, ok := p.states[s]; !ok {
			p.states[s] = waiting
		}
	}
}

// mark sets a stack's state.
func (p *progress) mark(stack string, state stackState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states[stack] = state
}

// took counts how long one stack's up took.
func (p *progress) took(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.durations = append(p.durations, d)
}

// tookSoFar returns the durations counted.
func (p *progress) tookSoFar() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.durations)
}

// end leaves the count line where it is, ended, before what follows.
func (p *progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counted {
		fmt.Fprintln(p.w)
		p.counted = false
	}
}

// count is the count line.
func (p *progress) count() string {
	var n [4]int
	for _, s := range p.states {
		n[s]++
	}
	return fmt.Sprintf("%d done, %d running, %d failed, %d waiting", n[finished], n[running], n[failed], n[waiting])
}

// clearCount erases the count line from a terminal.
func (p *progress) clearCount() {
	if p.counted {
		fmt.Fprint(p.w, "\r\033[K")
		p.counted = false
	}
}

// showCount writes the count line on a terminal, without a newline.
func (p *progress) showCount() {
	if p.tty && len(p.states) > 0 {
		fmt.Fprint(p.w, p.count())
		p.counted = true
	}
}
