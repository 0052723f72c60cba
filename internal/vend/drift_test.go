package vend

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
)

// A refresh step's outputs event carries what the refresh found as its op
// (engine/update.go: ResultOp): update when the provider found the
// refreshed inputs different (the engine's diff), reported with each
// differing path's recorded and actual value; delete for a resource gone;
// same, or a component, is no drift.
func TestDriftOfARefreshStep(t *testing.T) {
	old := &apitype.StepEventStateMetadata{Custom: true, Inputs: map[string]any{
		"scalingConfig": map[string]any{"desiredSize": 3.0, "maxSize": 6.0},
		"tags":          map[string]any{"team": "payments", "kubernetes.io/role": "x"},
	}}
	now := &apitype.StepEventStateMetadata{Custom: true, Inputs: map[string]any{
		"scalingConfig": map[string]any{"desiredSize": 5.0, "maxSize": 6.0},
		"tags":          map[string]any{"team": "payments"},
	}}
	urn := "urn:pulumi:p::proj::aws:eks/nodeGroup:NodeGroup::ng"
	r, ok := driftOf(apitype.StepEventMetadata{Op: apitype.OpUpdate, URN: urn, Type: "aws:eks/nodeGroup:NodeGroup", Old: old, New: now,
		DetailedDiff: map[string]apitype.PropertyDiff{"scalingConfig.desiredSize": {Kind: apitype.DiffUpdate}, `tags["kubernetes.io/role"]`: {Kind: apitype.DiffDelete}}})
	assert.True(t, ok)
	assert.Equal(t, DriftedResource{URN: urn, Type: "aws:eks/nodeGroup:NodeGroup", Name: "ng", Properties: []DriftedProperty{
		{Path: "scalingConfig.desiredSize", Recorded: 3.0, Actual: 5.0},
		{Path: `tags["kubernetes.io/role"]`, Recorded: "x", Actual: nil},
	}}, r)

	r, ok = driftOf(apitype.StepEventMetadata{Op: apitype.OpUpdate, URN: urn, Old: old, New: now, Diffs: []string{"scalingConfig"}})
	assert.True(t, ok, "without a detailed diff, the changed keys")
	assert.Equal(t, []DriftedProperty{{Path: "scalingConfig", Recorded: old.Inputs["scalingConfig"], Actual: now.Inputs["scalingConfig"]}}, r.Properties)

	r, ok = driftOf(apitype.StepEventMetadata{Op: apitype.OpDelete, URN: urn, Old: old})
	assert.True(t, ok)
	assert.True(t, r.Deleted, "a resource the refresh did not find is gone")

	_, ok = driftOf(apitype.StepEventMetadata{Op: apitype.OpSame, URN: urn, Old: old, New: old})
	assert.False(t, ok, "nothing changed")
	_, ok = driftOf(apitype.StepEventMetadata{Op: apitype.OpUpdate, URN: urn, Old: &apitype.StepEventStateMetadata{}, New: now, Diffs: []string{"tags"}})
	assert.False(t, ok, "a component is not refreshed")
	_, ok = driftOf(apitype.StepEventMetadata{Op: apitype.OpUpdate, URN: urn, Old: old, New: old, Diffs: []string{"tags"}})
	assert.False(t, ok, "a diff whose values are equal is none")
}

func TestValueAtAPropertyPath(t *testing.T) {
	props := map[string]any{"a": map[string]any{"b.c": []any{"x", map[string]any{"d": 1.0}}}}
	assert.Equal(t, 1.0, valueAt(props, `a["b.c"][1].d`))
	assert.Equal(t, "x", valueAt(props, `a["b.c"][0]`))
	assert.Nil(t, valueAt(props, `a["b.c"][2]`))
	assert.Nil(t, valueAt(props, "a.z.y"))
	assert.Equal(t, []string{"tags", "kubernetes.io/role"}, splitPath(`tags["kubernetes.io/role"]`))
}

func TestNoDriftIsEveryStackCheckedAndClean(t *testing.T) {
	clean := Drift{Stack: "a", Checked: true, Resources: []DriftedResource{}}
	assert.True(t, NoDrift([]Drift{clean}))
	assert.False(t, NoDrift([]Drift{clean, {Stack: "b", Error: "refresh failed"}}), "a stack not checked is unknown, not clean")
	assert.False(t, NoDrift([]Drift{clean, {Stack: "c", Checked: true, Resources: []DriftedResource{{Name: "ng"}}}}))
}
