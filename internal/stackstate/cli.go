package stackstate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// WorkspaceFunc returns a workspace of the project on the backend for work
// on one stack (stacks are worked on at once, and selecting a stack is a
// workspace's).
type WorkspaceFunc func(ctx context.Context, stack string) (auto.Workspace, error)

// throughCLI is a backend read and written through the Pulumi CLI.
type throughCLI struct {
	workspace WorkspaceFunc
	url       string
}

// Stacks lists the project's stacks, then reads each one's tags, reads at
// once: one CLI process per stack.
func (c *throughCLI) Stacks(ctx context.Context, except ...string) (map[string]map[string]string, error) {
	ws, err := c.workspace(ctx, "")
	if err != nil {
		return nil, err
	}
	summaries, err := ws.ListStacks(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the stacks on %s: %w", c.url, err)
	}
	names := make([]string, len(summaries))
	for i, s := range summaries {
		names[i] = s.Name[strings.LastIndex(s.Name, "/")+1:]
	}
	return tagsOf(ctx, c, names, except)
}

// Tags reads a stack's tags, in the stack's own workspace (Stacks reads
// several at once, and a workspace writes its project file when made).
func (c *throughCLI) Tags(ctx context.Context, name string) (map[string]string, error) {
	ws, err := c.workspace(ctx, name)
	if err != nil {
		return nil, err
	}
	tags, err := ws.ListTags(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("reading the tags of stack %s: %w", name, err)
	}
	return maps.Clone(tags), nil
}

// Record creates the stack when it does not exist and sets each tag, one
// CLI call each (the CLI sets one tag at a time).
func (c *throughCLI) Record(ctx context.Context, name string, tags map[string]string) error {
	ws, err := c.workspace(ctx, name)
	if err == nil {
		_, err = auto.UpsertStack(ctx, name, ws)
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if err == nil {
			err = ws.SetTag(ctx, name, k, tags[k])
		}
	}
	if err != nil {
		return fmt.Errorf("recording the tags of stack %s: %w", name, err)
	}
	return nil
}

// selected is a stack selected in its own workspace.
func (c *throughCLI) selected(ctx context.Context, name string) (auto.Stack, error) {
	ws, err := c.workspace(ctx, name)
	if err != nil {
		return auto.Stack{}, err
	}
	return auto.SelectStack(ctx, name, ws)
}

// LastUpdate reads the newest entry of the stack's history.
func (c *throughCLI) LastUpdate(ctx context.Context, name string) (Update, error) {
	s, err := c.selected(ctx, name)
	var history []auto.UpdateSummary
	if err == nil {
		history, err = s.History(ctx, 1, 1)
	}
	if err != nil {
		return Update{}, fmt.Errorf("reading the history of stack %s: %w", name, err)
	}
	if len(history) == 0 || history[0].EndTime == nil {
		return Update{}, nil
	}
	end, err := time.Parse(TimeLayout, *history[0].EndTime)
	if err != nil {
		return Update{}, fmt.Errorf("reading the history of stack %s: end time %q: %w", name, *history[0].EndTime, err)
	}
	return Update{End: end.UTC(), Result: history[0].Result}, nil
}

// Outputs reads the stack's outputs, secrets shown.
func (c *throughCLI) Outputs(ctx context.Context, name string) (map[string]any, error) {
	s, err := c.selected(ctx, name)
	var outs auto.OutputMap
	if err == nil {
		outs, err = s.Outputs(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", name, err)
	}
	out := make(map[string]any, len(outs))
	for k, v := range outs {
		out[k] = v.Value
	}
	return out, nil
}

var _ Store = (*throughCLI)(nil)

// ThroughCLI returns the store of the backend at url read and written
// through the Pulumi CLI, in the workspaces that workspace returns: what
// Open returns for a backend other than a self-managed one.
func ThroughCLI(url string, workspace WorkspaceFunc) Store {
	return &throughCLI{workspace: workspace, url: url}
}
