// Package stackstate reads and writes what vend keeps on a Pulumi backend:
// a project's stacks and their tags. On a self-managed backend (file://,
// s3://, gs://, azblob://, postgres://) it reads them in bulk, in process,
// with Pulumi's own backend code (pkg/v3/backend/diy), the code the CLI
// reads and writes them with: a fleet's tags in one listing and one small
// read per stack, no CLI process per stack. Any other backend (Pulumi
// Cloud, whose stack listing carries no tags) is read through the CLI,
// one stack per call, several at once.
//
// Either way the backend stays the only store: nothing is cached between
// runs.
package stackstate

import (
	"context"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/backend/diy"
)

// Open returns the store of a project on a backend: a self-managed
// backend is read in process (its warnings go to warnings), any other
// through the CLI in the workspaces that workspace returns.
func Open(ctx context.Context, url, project string, workspace WorkspaceFunc, warnings io.Writer) (Store, error) {
	if diy.IsDIYBackendURL(url) {
		return openSelfManaged(ctx, url, project, warnings)
	}
	return ThroughCLI(url, workspace), nil
}

// Store is a project's stacks and their tags on one backend.
type Store interface {
	// Stacks returns every stack of the project, by name, with its tags,
	// but for those named in except, whose tags are not read.
	Stacks(ctx context.Context, except ...string) (map[string]map[string]string, error)
	// Tags returns one stack's tags.
	Tags(ctx context.Context, stack string) (map[string]string, error)
	// Record creates the stack when it does not exist and sets tags on
	// it, keeping its other tags: on a self-managed backend in one write
	// of the stack's whole set, so that a reader never sees part of it.
	Record(ctx context.Context, stack string, tags map[string]string) error
	// LastUpdate is how the stack's last update ended; zero when it was
	// never updated.
	LastUpdate(ctx context.Context, stack string) (Update, error)
	// Outputs are the stack's outputs, as `pulumi stack output --json`
	// shows them; none for a stack never updated. A self-managed backend's
	// are read from the checkpoint, without the stack's secrets provider:
	// a secret output there is an error that names it.
	Outputs(ctx context.Context, stack string) (map[string]any, error)
}

// Update is how a stack's update ended.
type Update struct {
	// End is when it ended.
	End time.Time
	// Result is succeeded, failed or in-progress.
	Result string
}

// TimeLayout is how the Pulumi CLI writes a time (its cmd.FormatTime), and
// how an Update's End is shown.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// reads is how many stacks a store reads at once.
const reads = 16

// tagsOf reads the tags of the stacks of names but those of except from
// store, reads at once.
func tagsOf(ctx context.Context, store Store, names, except []string) (map[string]map[string]string, error) {
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(except, n) })
	var mu sync.Mutex
	out := make(map[string]map[string]string, len(names))
	err := eachStack(names, func(name string) error {
		tags, err := store.Tags(ctx, name)
		if err != nil {
			return err
		}
		mu.Lock()
		out[name] = tags
		mu.Unlock()
		return nil
	})
	return out, err
}

// eachStack runs f for every name, reads at once, and returns the first
// error.
func eachStack(names []string, f func(string) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, reads)
	for _, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(name); err != nil {
				mu.Lock()
				first = cmpErr(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// cmpErr keeps the first error set, whichever goroutine ends first: the
// one of the smallest message, so that the same failure reads the same.
func cmpErr(kept, err error) error {
	if kept == nil || err.Error() < kept.Error() {
		return err
	}
	return kept
}

// merged is the tags of have with those of set over them.
func merged(have, set map[string]string) map[string]string {
	out := maps.Clone(have)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, set)
	return out
}
