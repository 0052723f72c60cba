package workloadaccount_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

func TestBadArgsAreRejectedBeforeAnythingIsRegistered(t *testing.T) {
	cases := map[string]struct {
		edit func(*workloadaccount.Args)
		want []string
	}{
		"bad tenant":       {func(a *workloadaccount.Args) { a.Name = "Pay Roll" }, []string{`name: "Pay Roll" is not a valid tenant name`}},
		"system namespace": {func(a *workloadaccount.Args) { a.Namespace = "kube-system" }, []string{`namespace: "kube-system" is a system namespace`}},
		"bad quota": {func(a *workloadaccount.Args) { a.Quota = tenancy.Quota{CPU: "lots", Memory: "64GB", Pods: 0} },
			[]string{`quota.cpu: "lots" is not a Kubernetes quantity`, `quota.memory: "64GB" is not a Kubernetes quantity`, `quota.pods: 0 must be at least 1`}},
		"bad limit": {func(a *workloadaccount.Args) { a.Limits.DefaultMemory = "1 GiB" }, []string{`limits.defaultMemory: "1 GiB" is not a Kubernetes quantity`}},
		"bad admin": {func(a *workloadaccount.Args) { a.Admins = []string{"PayrollAdmin"} }, []string{`admins[0]: "PayrollAdmin" is not an IAM role ARN`}},
		"an admin the cluster already has": {func(a *workloadaccount.Args) {
			a.Cluster.AccessEntries = []clusterref.AccessEntry{{PrincipalARN: "arn:aws:iam::444455556666:role/PayrollAdmin", Holder: "cluster admin 0"}}
		}, []string{`admins[0]: "arn:aws:iam::444455556666:role/PayrollAdmin" already has an access entry on the cluster, as cluster admin 0; EKS allows one per IAM principal`}},
		"duplicate sa": {func(a *workloadaccount.Args) { a.ServiceAccounts[1].Name = "payroll-app" }, []string{`serviceAccounts[1].name: "payroll-app" is used by another service account`}},
		"no identity":  {func(a *workloadaccount.Args) { a.Identity = "" }, []string{`serviceAccounts[0].identity: is required`}},
		"pod identity cross-account": {func(a *workloadaccount.Args) { a.Identity = crossaccountrole.PodIdentity },
			[]string{`identity: "podIdentity" gives roles in the cluster's own account 111122223333 only; the role's account is 444455556666 (want one of irsa, podIdentityChain)`}},
		"chained session too long": {func(a *workloadaccount.Args) { a.ServiceAccounts[0].SessionDurationSeconds = 7200 },
			[]string{`serviceAccounts[0].sessionDurationSeconds: 7200 is over 3600: role chaining limits a session to one hour`}},
		"invalid policy": {func(a *workloadaccount.Args) { a.ServiceAccounts[1].Policy = iampolicy.Write("{") },
			[]string{`serviceAccounts[1].policy: "{" is not a valid policy document`}},
		"reserved tag": {func(a *workloadaccount.Args) { a.Tags = map[string]string{"kubernetes-service-account": "x"} },
			[]string{`tags: "kubernetes-service-account" is a reserved tag key`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, _ := runTenant(t, testkit.Run, c.edit)
			testkit.RequireRejected(t, r, `WorkloadAccount "payroll"`, c.want...)
		})
	}
}

func TestPreview(t *testing.T) {
	r, _ := runTenant(t, testkit.Preview, func(*workloadaccount.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()
	irsa := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-payroll-batch-role")
	assert.Empty(t, testkit.Input(irsa, "assumeRolePolicy"), "the IRSA trust waits for the OIDC provider's ARN")
	assert.Len(t, testkit.OfType(rs, "kubernetes:core/v1:ServiceAccount"), 2)
}

// TestATenantsModeIsCheckedOnce: a mode the tenant's account cannot use is
// one problem, on the tenant, and not one more for every service account
// that inherits it; a service account's own mode is checked where it is set.
func TestATenantsModeIsCheckedOnce(t *testing.T) {
	r, _ := runTenant(t, testkit.Run, func(a *workloadaccount.Args) {
		a.Identity = crossaccountrole.PodIdentity
		a.ServiceAccounts[1].Identity = "kiam"
	})
	testkit.RequireRejected(t, r, `WorkloadAccount "payroll"`,
		`identity: "podIdentity" gives roles in the cluster's own account 111122223333 only`,
		`serviceAccounts[1].identity: "kiam" is not a credential mode (want one of irsa, podIdentityChain)`)
	assert.NotContains(t, r.Err.Error(), "serviceAccounts[0].identity", "service account 0 inherits the tenant's mode")
}
