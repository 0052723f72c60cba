package vend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Actions on a stack.
const (
	Create    = "create"
	Update    = "update"
	Unchanged = "unchanged"
	Retire    = "retire"
	// Keep is a stack whose request is gone, left in place without
	// --retire.
	Keep = "keep"
)

// Result is what happened to one stack.
type Result struct {
	// Stack is the stack's name.
	Stack string
	// Action is create, update, unchanged, retire or keep.
	Action string
	// Err is the engine's error, nil when the stack succeeded.
	Err error
	// Kept is, for a retired stack, what its destroy left in AWS on
	// purpose: data retained on delete, KMS keys pending deletion.
	Kept []Kept
}

// StackError is the error of an apply in which some stacks failed: the
// others went on.
type StackError struct {
	// Failed are the stacks that failed, with the engine's errors.
	Failed []Result
}

// Error names each failed stack and its error.
func (e *StackError) Error() string {
	msg := fmt.Sprintf("%d stack(s) failed:", len(e.Failed))
	for _, r := range e.Failed {
		msg += fmt.Sprintf("\n%s (%s): %v", r.Stack, r.Action, r.Err)
	}
	return msg
}

// ApplyOptions say what an apply may do beyond creating and updating.
type ApplyOptions struct {
	// Retire destroys and removes the stacks whose requests are gone.
	Retire bool
	// Only limits the vended stacks deployed to these (an upgrade's
	// wave); nil for all. The network stack is always brought up to date.
	Only []string
}

// Apply deploys a vending directory on the backend: under the backend-wide
// lock, it reads what the backend holds, allocates and renders every stack
// (an invalid set deploys nothing), retires what --retire asks for (each
// cluster stack destroyed before its account leaves the share), records
// the allocations of new stacks and brings the network stack up to date;
// then, the lock released, it deploys the vended stacks in parallel. When
// none of the locked part's work is needed it takes no lock
// (withoutLock). A stack whose digest is unchanged costs no engine
// operation; a failed stack does not stop the others, and a re-run
// resumes. Its last progress line is its figures.
func Apply(ctx context.Context, set *vending.Set, opts Options, apply ApplyOptions) ([]Result, error) {
	start := time.Now()
	v, err := newVendor(ctx, set, opts)
	if err != nil {
		return nil, err
	}
	defer v.close()
	results, err := v.apply(ctx, apply)
	v.figures(results, time.Since(start))
	if err != nil {
		return results, err
	}
	var failed []Result
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	if failed != nil {
		return results, &StackError{Failed: failed}
	}
	return results, nil
}

// apply reads the backend without the lock and, when the locked part of
// an apply would have nothing to do, goes on to the vended stacks;
// otherwise it takes the lock, prepares and releases it first.
func (v *vendor) apply(ctx context.Context, apply ApplyOptions) ([]Result, error) {
	p, results, err := v.withoutLock(ctx, apply)
	if err != nil {
		return nil, err
	}
	if p == nil {
		start := time.Now()
		release, err := v.lock(ctx)
		if err != nil {
			return nil, err
		}
		p, results, err = v.prepare(ctx, apply)
		if rerr := release(); err == nil {
			err = rerr
		}
		v.locked = time.Since(start)
		if err != nil {
			return results, err
		}
	}
	return append(results, v.deployVended(ctx, p, apply.Only)...), nil
}

// withoutLock reads what prepare reads, without the lock, and returns
// what prepare would when the locked part has nothing to do: no stack to
// retire, no block to record, and the network stack's digest the one the
// backend holds. The lock serializes only those, so the vended stacks'
// updates (each its own stack's, which the backend locks) need none: a
// no-op apply is then reads alone, and an edited request its own update.
// Otherwise it returns nil, and the apply takes the lock and reads again:
// a concurrent vend's half-done work (a block recorded, the network
// stack's digest pending) reads as work to do. Requests whose accounts
// only their teams' organizational units may hold are checked in the
// lock's engine run (readOrganizationalUnits), so a set with any always
// takes the lock.
func (v *vendor) withoutLock(ctx context.Context, apply ApplyOptions) (*prepared, []Result, error) {
	if len(v.set.OrganizationalUnits()) > 0 {
		return nil, nil, nil
	}
	existing, err := v.existing(ctx)
	if err != nil {
		return nil, nil, err
	}
	gone := goneStacks(v.set, existing)
	if apply.Retire && len(gone) > 0 {
		return nil, nil, nil
	}
	rendered, err := v.set.Render(keptAmong(existing, gone, v.set.NetworkRegion()))
	if err != nil {
		return nil, nil, err
	}
	if len(v.blocksToRecord(rendered, existing)) > 0 {
		return nil, nil, nil
	}
	p := &prepared{rendered: rendered, existing: existing}
	if n := rendered.Network; n != nil {
		if action(existing, n.Name, networkDigest(*n)) != Unchanged {
			return nil, nil, nil
		}
		if p.network, err = v.networkOutput(ctx); err != nil {
			return nil, nil, err
		}
	}
	results := v.keep(gone)
	if n := rendered.Network; n != nil {
		results = append(results, v.skip(n.Name))
	}
	return p, results, nil
}

// keep reports the stacks whose requests are gone, left in place.
func (v *vendor) keep(gone []string) []Result {
	var out []Result
	for _, name := range gone {
		v.out.say(name, "request gone; kept (retire it with --retire)")
		out = append(out, Result{Stack: name, Action: Keep})
	}
	return out
}

// skip reports a stack whose digest is unchanged.
func (v *vendor) skip(name string) Result {
	v.out.mark(name, finished)
	v.out.say(name, "unchanged")
	return Result{Stack: name, Action: Unchanged}
}

// blocksToRecord are the vended stacks whose blocks the backend does not
// hold yet, in name order.
func (v *vendor) blocksToRecord(rendered *vending.Stacks, existing map[string]map[string]string) []vending.Stack {
	var out []vending.Stack
	for _, st := range rendered.Vended {
		if block, ok := rendered.Allocations[st.Name]; ok && existing[st.Name][tagVpcCIDR] != block {
			out = append(out, st)
		}
	}
	return out
}

// vendedIn are the rendered vended stacks, limited to only unless nil.
func vendedIn(rendered *vending.Stacks, only []string) []vending.Stack {
	var out []vending.Stack
	for _, st := range rendered.Vended {
		if only == nil || slices.Contains(only, st.Name) {
			out = append(out, st)
		}
	}
	return out
}

// prepared is what the locked part of an apply leaves for the vended
// stacks.
type prepared struct {
	rendered *vending.Stacks
	existing map[string]map[string]string
	network  stacks.Network
}

// prepare is the part of an apply under the lock.
func (v *vendor) prepare(ctx context.Context, apply ApplyOptions) (*prepared, []Result, error) {
	if v.unitsErr != nil {
		return nil, nil, v.unitsErr
	}
	if err := v.set.CheckOrganizationalUnits(v.units); err != nil {
		return nil, nil, err
	}
	existing, err := v.existing(ctx)
	if err != nil {
		return nil, nil, err
	}
	gone := goneStacks(v.set, existing)
	var results []Result
	var keptNames []string
	if !apply.Retire {
		keptNames = gone
		results = v.keep(gone)
	}
	rendered, err := v.set.Render(keptAmong(existing, keptNames, v.set.NetworkRegion()))
	if err != nil {
		return nil, nil, err
	}
	if apply.Retire {
		retired := v.parallel(gone, func(name string) Result { return v.retire(ctx, name) })
		results = append(results, retired...)
		// A stack that could not be destroyed keeps its share.
		var failed []string
		for _, r := range retired {
			if r.Err != nil {
				failed = append(failed, r.Stack)
			}
		}
		kept := keptAmong(existing, failed, v.set.NetworkRegion())
		if kept.Kept != nil || kept.KeptRouted != nil {
			if rendered, err = v.set.Render(kept); err != nil {
				return nil, results, err
			}
		}
	}
	// New stacks take their blocks now, under the lock, so that the next
	// run sees them taken even before they deploy.
	for _, st := range v.blocksToRecord(rendered, existing) {
		block := rendered.Allocations[st.Name]
		if err := v.state.Record(ctx, st.Name, map[string]string{tagVpcCIDR: block}); err != nil {
			return nil, results, fmt.Errorf("recording %s's allocation %s: %w", st.Name, block, err)
		}
	}
	p := &prepared{rendered: rendered, existing: existing}
	if rendered.Network != nil {
		var res Result
		p.network, res = v.deployNetwork(ctx, *rendered.Network, existing)
		results = append(results, res)
	}
	return p, results, nil
}

// goneStacks lists, in name order, the vended stacks on the backend whose
// requests are gone.
func goneStacks(set *vending.Set, existing map[string]map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(existing)) {
		if _, ok := set.Request(name); !ok && name != vending.NetworkStack {
			out = append(out, name)
		}
	}
	return out
}

// keptAmong is what the network stack keeps for the stacks of names while
// they exist: the share of its subnets with those on shared networking,
// and of its transit gateway with those whose dedicated VPCs attach to it
// (the network stack's region).
func keptAmong(existing map[string]map[string]string, names []string, networkRegion string) vending.Existing {
	var out vending.Existing
	for _, name := range names {
		tags := existing[name]
		kept := config.SharedAccount{AccountID: tags[tagAccount], Cluster: name}
		switch {
		case tags[tagNetworking] == config.Shared:
			out.Kept = append(out.Kept, kept)
		case tags[tagNetworking] == config.Dedicated && tags[tagRegion] == networkRegion:
			out.KeptRouted = append(out.KeptRouted, kept)
		}
	}
	out.Allocations = allocations(existing)
	return out
}

// allocations reads the blocks the backend holds.
func allocations(existing map[string]map[string]string) vending.Allocations {
	out := vending.Allocations{}
	for name, tags := range existing {
		if block := tags[tagVpcCIDR]; block != "" {
			out[name] = block
		}
	}
	return out
}

// retire destroys a stack whose request is gone and removes it.
func (v *vendor) retire(ctx context.Context, name string) Result {
	res := Result{Stack: name, Action: Retire}
	start := time.Now()
	v.out.mark(name, running)
	v.out.say(name, "retiring")
	s, err := v.stack(ctx, name)
	var state apitype.UntypedDeployment
	if err == nil {
		state, err = s.Export(ctx)
	}
	if err == nil {
		res.Kept, err = keptBy(state)
	}
	if err == nil {
		_, err = s.Destroy(ctx, optdestroy.SuppressProgress())
	}
	if err == nil {
		err = s.Workspace().RemoveStack(ctx, name)
	}
	res.Err = v.done(name, "retired", start, err)
	if res.Err == nil {
		for _, k := range res.Kept {
			v.out.say(name, "kept %s", k)
		}
	}
	return res
}

// deployNetwork brings the network stack up to date and returns its
// output: after a failed update, the output it still has, so that the
// vended stacks that do not need the change go on (those that do fail
// fast for an account not shared yet).
func (v *vendor) deployNetwork(ctx context.Context, st vending.Stack, existing map[string]map[string]string) (stacks.Network, Result) {
	d := networkDigest(st)
	res := Result{Stack: st.Name, Action: action(existing, st.Name, d)}
	if res.Action == Unchanged {
		res = v.skip(st.Name)
	} else {
		start := time.Now()
		v.out.mark(st.Name, running)
		v.out.say(st.Name, "%s", progressive[res.Action])
		res.Err = v.done(st.Name, past[res.Action], start, v.up(ctx, st, d, nil))
	}
	network, err := v.networkOutput(ctx)
	res.Err = errors.Join(res.Err, err)
	return network, res
}

// progressive and past name an action in progress lines.
var (
	progressive = map[string]string{Create: "creating", Update: "updating"}
	past        = map[string]string{Create: "created", Update: "updated"}
)

// networkDigest is the network stack's digest.
func networkDigest(st vending.Stack) string { return digestOf(st.Config, [2]string{}, networkView{}) }

// up records a stack (creating it when new) with its digest pending (so
// that a failed update is retried even if the request goes back to what
// last succeeded), sets its configuration, updates it, and records it
// again with the digest and, for a vended stack, its cluster's ARN, once
// it succeeded: record is written whole each time, so that another vend
// deploying the same stack at once, which writes the same, leaves it
// whole.
func (v *vendor) up(ctx context.Context, st vending.Stack, digest string, record map[string]string) error {
	pending := maps.Clone(record)
	if pending == nil {
		pending = map[string]string{}
	}
	pending[tagDigest] = "pending"
	if err := v.state.Record(ctx, st.Name, pending); err != nil {
		return err
	}
	settings, err := settingsOf(st)
	if err != nil {
		return err
	}
	s, err := v.stack(ctx, st.Name, auto.Stacks(map[string]workspace.ProjectStack{st.Name: settings}))
	if err != nil {
		return err
	}
	start := time.Now()
	result, err := s.Up(ctx, optup.SuppressProgress())
	v.out.took(time.Since(start))
	if err != nil {
		return err
	}
	done := maps.Clone(pending)
	done[tagDigest] = digest
	if arn := clusterArnOf(result.Outputs, st.Name); arn != "" {
		done[tagClusterArn] = arn
	}
	return v.state.Record(ctx, st.Name, done)
}

// settingsOf is a stack's settings file: its configuration, each value
// plain, as `pulumi config set-all --plaintext` writes it, written by the
// workspace without a CLI process.
func settingsOf(st vending.Stack) (workspace.ProjectStack, error) {
	cfg := pulumiconfig.Map{}
	for k, val := range st.Config {
		key, err := pulumiconfig.ParseKey(k)
		if err != nil {
			return workspace.ProjectStack{}, fmt.Errorf("stack %s: config key %q: %w", st.Name, k, err)
		}
		cfg[key] = pulumiconfig.NewValue(val)
	}
	return workspace.ProjectStack{Config: cfg}, nil
}

// clusterArnOf is the ARN of a vended stack's cluster in its outputs.
func clusterArnOf(outs auto.OutputMap, name string) string {
	clusters, _ := outs[stacks.ClustersOutput].Value.(map[string]any)
	cluster, _ := clusters[name].(map[string]any)
	arn, _ := cluster["arn"].(string)
	return arn
}

// deployVended deploys the vended stacks whose digests changed, at most
// Parallel at once.
func (v *vendor) deployVended(ctx context.Context, p *prepared, only []string) []Result {
	var names []string
	byName := map[string]vending.Stack{}
	for _, st := range vendedIn(p.rendered, only) {
		names = append(names, st.Name)
		byName[st.Name] = st
	}
	return v.parallel(names, func(name string) Result {
		st := byName[name]
		d := vendedDigest(v.set, st, viewFor(v.set, st, p.network))
		res := Result{Stack: name, Action: action(p.existing, name, d)}
		if res.Action == Unchanged {
			return v.skip(name)
		}
		start := time.Now()
		v.out.mark(name, running)
		v.out.say(name, "%s", progressive[res.Action])
		rec, err := recordOf(v.set, st)
		if block := p.rendered.Allocations[name]; block != "" && err == nil {
			rec[tagVpcCIDR] = block // written again with the record
		}
		for wait := time.Second; err == nil; wait = min(2*wait, 15*time.Second) {
			err = v.up(ctx, st, d, rec)
			if !anotherVendIsWriting(err) || time.Since(start) > v.opts.LockTimeout {
				break
			}
			// Another vend is updating the stack: wait for it, then
			// update only if it did not deploy this very digest.
			v.out.say(name, "being updated by another vend; waiting %s", wait)
			time.Sleep(wait)
			if tags, terr := v.state.Tags(ctx, name); terr == nil && tags[tagDigest] == d {
				v.out.mark(name, finished)
				v.out.say(name, "deployed by another vend")
				res.Action = Unchanged
				return res
			}
			err = nil
		}
		res.Err = v.done(name, past[res.Action], start, err)
		return res
	})
}

// anotherVendIsWriting reports whether an error says that another process
// holds the stack: the engine's concurrent-update error, or, on a file
// backend, a checkpoint read while the other process writes it (the CLI's
// "failed to load checkpoint", seen once in the tier's two concurrent
// applies of a new stack).
func anotherVendIsWriting(err error) bool {
	return err != nil && (auto.IsConcurrentUpdateError(err) || strings.Contains(err.Error(), "failed to load checkpoint"))
}

// done reports a stack's end and returns its error.
func (v *vendor) done(name, what string, start time.Time, err error) error {
	if err != nil {
		v.out.mark(name, failed)
		v.out.say(name, "failed after %s", time.Since(start).Round(time.Second))
		return err
	}
	v.out.mark(name, finished)
	v.out.say(name, "%s in %s", what, time.Since(start).Round(time.Second))
	return nil
}

// parallel runs f for each name, at most Parallel at once, and returns the
// results in name order.
func (v *vendor) parallel(names []string, f func(string) Result) []Result {
	v.out.expect(names)
	results := make([]Result, len(names))
	v.each(names, func(i int, name string) { results[i] = f(name) })
	return results
}

// each runs f for each name and its index, at most Parallel at once.
func (v *vendor) each(names []string, f func(int, string)) {
	sem := make(chan struct{}, v.opts.Parallel)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i, name)
		}()
	}
	wg.Wait()
}
