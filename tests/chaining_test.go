package tests

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// sharedChainingSize matches the configuration's report of a shared
// chaining role whose inline policies are over IAM's limit.
var sharedChainingSize = regexp.MustCompile(`clusterAccounts\[0\]\.chainingRole: "shared" gives the shared chaining role (\d+) characters of inline policies, over IAM's 10240`)

// TestTheSharedChainingRoleIsCheckedForWhatItGets: the configuration's
// check of the shared chaining role's inline policies counts what its
// tenants attach. Every tenant that chains attaches a policy of one size
// (here): measured on an estate that deploys, that size times the tenants
// that chain in an estate too large must be the size the check reports.
func TestTheSharedChainingRoleIsCheckedForWhatItGets(t *testing.T) {
	small, err := runConfig("eks-multi-account", "test", largeCentralized(1, 40, true), stacksProgram)
	require.NoError(t, err)
	role := naming.SharedChainingRole("c0")
	var sizes []int
	for _, p := range small.ofType("aws:iam/rolePolicy:RolePolicy") {
		if testkit.Input(p, "role") == role {
			sizes = append(sizes, iampolicy.Size(testkit.Input(p, "policy"))+len(testkit.Input(p, "name")))
		}
	}
	require.NotEmpty(t, sizes)
	per := sizes[0]
	for _, s := range sizes {
		require.Equal(t, per, s, "every tenant's policy on the role has one size here")
	}
	assert.Equal(t, chainingTenants(small.cfg), len(sizes), "one policy per tenant that chains")
	assert.LessOrEqual(t, per*len(sizes), iampolicy.InlineRolePoliciesLimit)

	large, err := runConfig("eks-multi-account", "test", largeCentralized(1, 200, true), stacksProgram)
	require.Error(t, err)
	m := sharedChainingSize.FindStringSubmatch(err.Error())
	require.NotNil(t, m, err.Error())
	reported, _ := strconv.Atoi(m[1])
	assert.Equal(t, per*chainingTenants(large.cfg), reported, "the check counts what the tenants attach")
	assert.Empty(t, large.resources, "nothing is registered")
}

// chainingTenants counts the tenants with a service account that chains.
func chainingTenants(cfg *config.Config) int {
	n := 0
	for _, w := range cfg.WorkloadAccounts {
		if slices.ContainsFunc(w.ServiceAccounts, func(sa crossaccountrole.Spec) bool {
			return cmp.Or(sa.Identity, w.Identity) == crossaccountrole.PodIdentityChain
		}) {
			n++
		}
	}
	return n
}
