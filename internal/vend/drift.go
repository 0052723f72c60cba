package vend

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Drift is what a refresh of one stack, in preview (nothing written),
// finds: the resources AWS (or a cluster) holds otherwise than the stack
// recorded them.
type Drift struct {
	// Stack is the stack's name.
	Stack string `json:"stack"`
	// Checked is false when the stack could not be refreshed; Error is the
	// engine's error then, and the stack counts as unknown, not clean.
	Checked bool   `json:"checked"`
	Error   string `json:"error,omitempty"`
	// Resources are the drifted resources, in URN order.
	Resources []DriftedResource `json:"resources"`
}

// NoDrift reports whether every stack was checked and none drifted:
// vend drift's exit 0.
func NoDrift(drifts []Drift) bool {
	for _, d := range drifts {
		if !d.Checked || d.Drifted() {
			return false
		}
	}
	return true
}

// Drifted reports whether the stack was checked and found drifted.
func (d Drift) Drifted() bool { return d.Checked && len(d.Resources) > 0 }

// DriftedResource is one resource that differs from its recorded state.
type DriftedResource struct {
	// URN, Type and Name are the resource's.
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Deleted is set when the resource is gone.
	Deleted bool `json:"deleted,omitempty"`
	// Properties are the properties that differ, by path, sorted.
	Properties []DriftedProperty `json:"properties"`
}

// DriftedProperty is one property that differs: what the stack recorded,
// and what is there now (nil for none).
type DriftedProperty struct {
	Path     string `json:"path"`
	Recorded any    `json:"recorded"`
	Actual   any    `json:"actual"`
}

// DetectDrift refreshes every stack of the project on the backend, the
// network stack's included, in preview, Parallel at once, and returns what
// each refresh found, in stack name order. It reads the backend and each
// stack's resources through their providers; it writes nothing.
func DetectDrift(ctx context.Context, project string, opts Options) ([]Drift, error) {
	v, existing, err := openCatalog(ctx, "drift", project, opts)
	if err != nil {
		return nil, err
	}
	defer v.close()
	names := slices.Sorted(maps.Keys(existing))
	out := make([]Drift, len(names))
	v.out.expect(names)
	v.each(names, func(i int, name string) { out[i] = v.drift(ctx, name) })
	return out, nil
}

// drift refreshes one stack in preview.
func (v *vendor) drift(ctx context.Context, name string) Drift {
	d := Drift{Stack: name, Resources: []DriftedResource{}}
	start := time.Now()
	v.out.mark(name, running)
	v.out.say(name, "refreshing (preview)")
	s, err := v.stack(ctx, name)
	if err == nil {
		ch := make(chan events.EngineEvent)
		collected := make(chan []DriftedResource)
		go func() { collected <- driftedIn(ch) }()
		_, err = s.PreviewRefresh(ctx, optrefresh.EventStreams(ch), optrefresh.SuppressProgress())
		d.Resources = <-collected
	}
	if err != nil {
		d.Error = err.Error()
		v.out.mark(name, failed)
		v.out.say(name, "not checked after %s", time.Since(start).Round(time.Second))
		return d
	}
	d.Checked = true
	v.out.mark(name, finished)
	v.out.say(name, "%d drifted in %s", len(d.Resources), time.Since(start).Round(time.Second))
	return d
}

// driftedIn reads a refresh's events until the channel closes and returns
// the resources it found changed or gone, in URN order.
func driftedIn(ch <-chan events.EngineEvent) []DriftedResource {
	out := []DriftedResource{}
	for e := range ch {
		if e.ResOutputsEvent == nil {
			continue
		}
		if r, ok := driftOf(e.ResOutputsEvent.Metadata); ok {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b DriftedResource) int { return strings.Compare(a.URN, b.URN) })
	return out
}

// driftOf reads one refresh step's outputs event, whose op is what the
// refresh found (the engine reports a refresh step by its result: same,
// update, delete): a resource gone, or one whose refreshed inputs the
// provider finds different from the recorded ones (the engine's refresh
// diff, which is what the next update would undo).
func driftOf(m apitype.StepEventMetadata) (DriftedResource, bool) {
	if m.Old == nil || !m.Old.Custom || m.Op != apitype.OpUpdate && m.Op != apitype.OpDelete {
		return DriftedResource{}, false
	}
	r := DriftedResource{URN: m.URN, Type: m.Type, Name: m.URN[strings.LastIndex(m.URN, "::")+2:], Properties: []DriftedProperty{}}
	if m.Op == apitype.OpDelete || m.New == nil {
		r.Deleted = true
		return r, true
	}
	paths := slices.Collect(maps.Keys(m.DetailedDiff))
	if len(paths) == 0 {
		paths = m.Diffs
	}
	for _, p := range paths {
		recorded, actual := valueAt(m.Old.Inputs, p), valueAt(m.New.Inputs, p)
		if !reflect.DeepEqual(recorded, actual) {
			r.Properties = append(r.Properties, DriftedProperty{Path: p, Recorded: recorded, Actual: actual})
		}
	}
	slices.SortFunc(r.Properties, func(a, b DriftedProperty) int { return strings.Compare(a.Path, b.Path) })
	return r, len(r.Properties) > 0
}

// valueAt returns the value at a property path (tags.team,
// scalingConfig.desiredSize, subnetIds[1], tags["kubernetes.io/role"]) of
// a resource's properties, nil when there is none.
func valueAt(props map[string]any, path string) any {
	var v any = props
	for _, key := range splitPath(path) {
		switch c := v.(type) {
		case map[string]any:
			v = c[key]
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// splitPath splits a property path into its keys: dotted names, [index]
// and ["quoted key"] parts.
func splitPath(path string) []string {
	var keys []string
	for len(path) > 0 {
		switch {
		case strings.HasPrefix(path, `["`):
			end := strings.Index(path, `"]`)
			if end < 0 {
				return append(keys, path[2:])
			}
			keys, path = append(keys, path[2:end]), path[end+2:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(keys, path[1:])
			}
			keys, path = append(keys, path[1:end]), path[end+1:]
		case path[0] == '.':
			path = path[1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			keys, path = append(keys, path[:end]), path[end:]
		}
	}
	return keys
}
