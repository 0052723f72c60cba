package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/check"
	"github.com/eks-multi-account/eks-multi-account/internal/critical"
)

// TestTheCriticalPathDoesNotGrowWithTenants: tenants add resources beside
// the cluster's chain, never after it, so a first deploy of 1,000 tenants
// takes no longer than one of 100.
func TestTheCriticalPathDoesNotGrowWithTenants(t *testing.T) {
	small := critical.Of(planOf(t, "eks-multi-account", "small", largeCentralized(6, 100, false)))
	large := critical.Of(planOf(t, "eks-multi-account", "large", largeCentralized(6, 1000, false)))
	require.NotEmpty(t, small.Steps)
	assert.Equal(t, small.Total, large.Total)
	var smallTypes, largeTypes []string
	for _, s := range small.Steps {
		smallTypes = append(smallTypes, s.Type)
	}
	for _, s := range large.Steps {
		largeTypes = append(largeTypes, s.Type)
	}
	assert.Equal(t, smallTypes, largeTypes)
	assert.Contains(t, smallTypes, "eks:index:Cluster")
}

func TestAStackOfManyAccountsIsWarned(t *testing.T) {
	doc := planOf(t, "eks-multi-account", "many", largeCentralized(6, 100, false))
	var found []string
	for _, f := range check.Run(doc, goldenDay) {
		if f.Rule == "accounts-per-stack" {
			found = append(found, f.Message)
		}
	}
	require.Len(t, found, 1)
	assert.Equal(t, "the stack reaches 106 accounts and starts an aws plugin process for each; past 40, split it into stacks (one per cluster account, say)", found[0])
}
