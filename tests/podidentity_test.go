package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// associations returns the URN of each Pod Identity association of a run,
// by the namespace and service account it is for.
func associations(t *testing.T, text string) map[string]string {
	t.Helper()
	r, err := runYAML(t, text)
	require.NoError(t, err)
	out := map[string]string{}
	for _, a := range r.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
		assert.True(t, a.DeleteBeforeReplace, "%s: EKS holds one association per service account, so a replacement deletes first", a.Name)
		out[a.Inputs["namespace"].StringValue()+"/"+a.Inputs["serviceAccount"].StringValue()] = a.URN
	}
	return out
}

// Renaming a tenant (its workloadAccounts entry, not its namespace) moves
// its service account's association in place: the engine finds it under
// the same URN instead of creating a second association for the service
// account before deleting the first, which EKS refuses.
func TestARenamedTenantKeepsItsPodIdentityAssociation(t *testing.T) {
	before := associations(t, centralizedBase)
	renamed := edit(t, centralizedBase, "    - name: payroll\n", "    - name: payroll-team\n      namespace: payroll\n")
	after := associations(t, renamed)
	require.Contains(t, before, "payroll/app")
	assert.Equal(t, before, after)
}
