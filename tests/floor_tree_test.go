package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// treeNode is what the floor must register as the stacks did: a resource's
// URN, kind, parent and providers, and, for the typed floor, the
// resources it waits for.
type treeNode struct {
	URN, Type, Parent, Provider string
	Custom, Remote              bool
	Providers                   map[string]string
	Dependencies                []string
}

func treeOf(rs []mockengine.Resource, withDependencies bool) []treeNode {
	out := make([]treeNode, len(rs))
	for i, r := range rs {
		out[i] = treeNode{URN: r.URN, Type: r.Type, Parent: r.Parent, Provider: r.Provider, Custom: r.Custom, Remote: r.Remote, Providers: r.Providers}
		if withDependencies {
			out[i].Dependencies = r.Dependencies
		}
	}
	return out
}

// TestTheFloorIsTheStacksTree: both floors register the URN tree the stacks
// registered, resource for resource, and the typed floor the same
// dependencies, so the benchmarks compare like with like.
func TestTheFloorIsTheStacksTree(t *testing.T) {
	for name, cfg := range map[string]map[string]string{
		"centralized":   largeCentralized(3, 30, true),
		"decentralized": largeDecentralized(5),
	} {
		stacks := testkit.Established(mockengine.New("eks-multi-account", "tree"))
		require.NoError(t, stacks.Run(stacksProgram, cfg), name)
		for _, typed := range []bool{false, true} {
			floor := testkit.Established(mockengine.New("eks-multi-account", "tree"))
			require.NoError(t, floor.Run(floorProgram(stacks.Resources(), typed), nil), name)
			assert.Equal(t, treeOf(stacks.Resources(), typed), treeOf(floor.Resources(), typed), "%s, typed %v", name, typed)
		}
	}
}
