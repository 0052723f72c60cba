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
// then, the lock released, it deploys the vended stacks in parallel. A
// stack whose digest is unchanged costs no engine operation; a failed
// stack does not stop the others, and a re-run resumes.
func Apply(ctx context.Context, set *vending.Set, opts Options, apply ApplyOptions) ([]Result, error) {
	v, err := newVendor(set, opts)
	if err != nil {
		return nil, err
	}
	defer v.close()
	release, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	prepared, results, err := v.prepare(ctx, apply)
	if rerr := release(); err == nil {
		err = rerr
	}
	if err != nil {
		return results, err
	}
	results = append(results, v.deployVended(ctx, prepared, apply.Only)...)
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
		for _, name := range gone {
			v.out.say(name, "request gone; kept (retire it with --retire)")
			results = append(results, Result{Stack: name, Action: Keep})
		}
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
	for _, st := range rendered.Vended {
		if block, ok := rendered.Allocations[st.Name]; ok && existing[st.Name][tagVpcCIDR] != block {
			s, err := v.stack(ctx, st.Name, true)
			if err == nil {
				err = s.Workspace().SetTag(ctx, st.Name, tagVpcCIDR, block)
			}
			if err != nil {
				return nil, results, fmt.Errorf("recording %s's allocation %s: %w", st.Name, block, err)
			}
		}
	}
	p := &prepared{rendered: rendered, existing: existing}
	if rendered.Network != nil {
		var res Result
		p.network, res = v.deployNetwork(ctx, *rendered.Network, existing[vending.NetworkStack])
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
	s, err := v.stack(ctx, name, false)
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
func (v *vendor) deployNetwork(ctx context.Context, st vending.Stack, tags map[string]string) (stacks.Network, Result) {
	res := Result{Stack: st.Name, Action: Create}
	if tags != nil {
		res.Action = Update
	}
	d := digestOf(st.Config, [2]string{}, networkView{})
	s, err := v.stack(ctx, st.Name, true)
	if err != nil {
		res.Err = err
		return stacks.Network{}, res
	}
	if tags[tagDigest] == d {
		res.Action = Unchanged
		v.out.mark(st.Name, finished)
		v.out.say(st.Name, "unchanged")
	} else {
		start := time.Now()
		v.out.mark(st.Name, running)
		v.out.say(st.Name, "%s", progressive[res.Action])
		res.Err = v.done(st.Name, past[res.Action], start, v.up(ctx, s, st, d, nil))
	}
	network, err := outputOf(ctx, s)
	res.Err = errors.Join(res.Err, err)
	return network, res
}

// progressive and past name an action in progress lines.
var (
	progressive = map[string]string{Create: "creating", Update: "updating"}
	past        = map[string]string{Create: "created", Update: "updated"}
)

// up sets a stack's configuration, clears its digest (so that a failed
// update is retried even if the request goes back to what last
// succeeded), updates it, and records the digest once it succeeded, with
// the stack's other tags (record) written again: on a file backend, the
// CLI's "stack tag set" reads the stack's tags file and writes it back
// whole, and a read that fails while another process writes the file
// (pkg/backend/diy/stack.go, diyStack.Tags: the error is logged and the
// tags taken as none) writes back only the one tag; another vend deploying
// the same stack at once can thus drop this stack's tags. Written last,
// after the update, they are whole again.
func (v *vendor) up(ctx context.Context, s auto.Stack, st vending.Stack, digest string, record map[string]string) error {
	ws := s.Workspace()
	cfg := auto.ConfigMap{}
	for k, val := range st.Config {
		cfg[k] = auto.ConfigValue{Value: val}
	}
	if err := ws.SetAllConfigWithOptions(ctx, st.Name, cfg, &auto.ConfigOptions{Path: false}); err != nil {
		return err
	}
	if err := ws.SetTag(ctx, st.Name, tagDigest, "pending"); err != nil {
		return err
	}
	if _, err := s.Up(ctx, optup.SuppressProgress()); err != nil {
		return err
	}
	if err := setTags(ctx, s, record); err != nil {
		return err
	}
	return ws.SetTag(ctx, st.Name, tagDigest, digest)
}

// deployVended deploys the vended stacks whose digests changed, at most
// Parallel at once.
func (v *vendor) deployVended(ctx context.Context, p *prepared, only []string) []Result {
	var names []string
	byName := map[string]vending.Stack{}
	for _, st := range p.rendered.Vended {
		if only == nil || slices.Contains(only, st.Name) {
			names = append(names, st.Name)
			byName[st.Name] = st
		}
	}
	return v.parallel(names, func(name string) Result {
		st := byName[name]
		d := vendedDigest(v.set, st, viewFor(v.set, st, p.network))
		tags, exists := p.existing[name]
		res := Result{Stack: name, Action: Create}
		if exists && tags[tagDigest] != "" {
			res.Action = Update
		}
		if tags[tagDigest] == d {
			res.Action = Unchanged
			v.out.mark(name, finished)
			v.out.say(name, "unchanged")
			return res
		}
		start := time.Now()
		v.out.mark(name, running)
		v.out.say(name, "%s", progressive[res.Action])
		s, err := v.stack(ctx, name, true)
		var rec map[string]string
		if err == nil {
			rec, err = recordOf(v.set, st)
		}
		if block := p.rendered.Allocations[name]; block != "" && err == nil {
			rec[tagVpcCIDR] = block // written again with the record
		}
		for wait := time.Second; err == nil; wait = min(2*wait, 15*time.Second) {
			if err = setTags(ctx, s, rec); err == nil {
				err = v.up(ctx, s, st, d, rec)
			}
			if !anotherVendIsWriting(err) || time.Since(start) > v.opts.LockTimeout {
				break
			}
			// Another vend is updating the stack: wait for it, then
			// update only if it did not deploy this very digest.
			v.out.say(name, "being updated by another vend; waiting %s", wait)
			time.Sleep(wait)
			if tag, terr := s.Workspace().GetTag(ctx, name, tagDigest); terr == nil && tag == d {
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

// setTags sets a stack's tags.
func setTags(ctx context.Context, s auto.Stack, tags map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if err := s.Workspace().SetTag(ctx, s.Name(), k, tags[k]); err != nil {
			return err
		}
	}
	return nil
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
	sem := make(chan struct{}, v.opts.Parallel)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = f(name)
		}()
	}
	wg.Wait()
	return results
}
