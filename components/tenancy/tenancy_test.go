package tenancy_test

import (
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

func args(k8s pulumi.ProviderResource) *tenancy.Args {
	return &tenancy.Args{
		KubernetesProvider: k8s,
		Namespace: tenancy.Namespace{
			Name: "payroll", Labels: map[string]string{tenancy.TenantLabel: "payroll"},
			Quota: tenancy.Quota{CPU: "4", Memory: "8Gi", Pods: 20},
			Egress: []tenancy.EgressRule{
				{CIDRs: []string{"10.0.0.0/19", "10.0.32.0/19"}, Ports: []tenancy.Port{{Port: 5432}, {Port: 6379, Protocol: "TCP"}}},
				{CIDRs: []string{"10.1.0.0/16"}},
			},
		},
		ServiceAccounts: []tenancy.ServiceAccount{
			{Name: "reports", IRSARoleARN: "arn:aws:iam::444455556666:role/reports"},
			{Name: "app", Chain: &tenancy.ChainConfig{TargetRoleARN: "arn:aws:iam::444455556666:role/app", SessionName: "payroll.app", DurationSeconds: 3600}},
		},
		GitOps: true,
	}
}

func runTenancy(t *testing.T, runner func(*testing.T, pulumi.RunFunc) testkit.Result, edit func(*tenancy.Args)) testkit.Result {
	return runOnCluster(t, runner, func(_ *pulumi.Context, _ clusterref.Cluster, a *tenancy.Args) error {
		edit(a)
		return nil
	})
}

// runOnCluster runs a tenancy of args on the cluster prod, after setup,
// which may register what the tenancy needs and edit its args.
func runOnCluster(t *testing.T, runner func(*testing.T, pulumi.RunFunc) testkit.Result, setup func(*pulumi.Context, clusterref.Cluster, *tenancy.Args) error) testkit.Result {
	return runner(t, func(ctx *pulumi.Context) error {
		acct, err := testkit.Account(ctx, "111122223333", "us-east-1")
		if err != nil {
			return err
		}
		cl, err := testkit.Cluster(ctx, "prod", acct)
		if err != nil {
			return err
		}
		a := args(cl.KubernetesProvider)
		if err := setup(ctx, cl, a); err != nil {
			return err
		}
		_, err = tenancy.NewTenancy(ctx, "payroll", a)
		return err
	})
}

func TestTenancyNeedsOnlyAKubernetesProvider(t *testing.T) {
	r := runTenancy(t, testkit.Run, func(*tenancy.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()
	comp := testkit.Named(t, rs, tenancy.Type, "payroll")
	var got []string
	for _, res := range rs {
		if res.Custom && !res.IsProvider() {
			got = append(got, res.Type+" "+res.Name)
			assert.Equal(t, comp.URN, res.Parent)
			assert.Equal(t, "prod", res.Cluster, res.Name)
		}
	}
	assert.ElementsMatch(t, []string{
		"kubernetes:core/v1:Namespace payroll-ns",
		"kubernetes:core/v1:ResourceQuota payroll-quota",
		"kubernetes:core/v1:LimitRange payroll-limits",
		"kubernetes:networking.k8s.io/v1:NetworkPolicy payroll-netpol",
		"kubernetes:core/v1:ServiceAccount payroll-reports-sa",
		"kubernetes:core/v1:ServiceAccount payroll-app-sa",
		"kubernetes:core/v1:ConfigMap payroll-app-aws-config",
		"kubernetes:core/v1:ServiceAccount payroll-sa-payroll",
		"kubernetes:rbac.authorization.k8s.io/v1:RoleBinding payroll-rb-payroll",
	}, got)
	reports := testkit.Named(t, rs, "kubernetes:core/v1:ServiceAccount", "payroll-reports-sa")
	assert.Equal(t, map[string]any{tenancy.IRSAAnnotation: "arn:aws:iam::444455556666:role/reports"}, testkit.Value(reports, "metadata", "annotations"))
	cm := testkit.Named(t, rs, "kubernetes:core/v1:ConfigMap", "payroll-app-aws-config")
	assert.Equal(t, "app-aws-config", testkit.Input(cm, "metadata", "name"))
	assert.Contains(t, testkit.Value(cm, "data").(map[string]any)[tenancy.ConfigKey], "role_arn = arn:aws:iam::444455556666:role/app")
	rb := testkit.Named(t, rs, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "payroll-rb-payroll")
	assert.Equal(t, []any{map[string]any{"kind": "ServiceAccount", "name": tenancy.ReconcilerServiceAccount, "namespace": "payroll"}}, testkit.Value(rb, "subjects"))
	egress := testkit.Value(testkit.Named(t, rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "payroll-netpol"), "spec", "egress").([]any)
	require.Len(t, egress, 6, "the four default rules and the tenant's two")
	assert.Equal(t, map[string]any{
		"to":    []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.0.0.0/19"}}, map[string]any{"ipBlock": map[string]any{"cidr": "10.0.32.0/19"}}},
		"ports": []any{map[string]any{"protocol": "TCP", "port": 5432.0}, map[string]any{"protocol": "TCP", "port": 6379.0}},
	}, egress[4])
	assert.Equal(t, map[string]any{"to": []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.1.0.0/16"}}}}, egress[5], "no ports: every port")
	ns := testkit.Named(t, rs, "kubernetes:core/v1:Namespace", "payroll-ns")
	for _, res := range rs {
		if res.Custom && !res.IsProvider() && res.URN != ns.URN && res.Type != "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" {
			assert.Contains(t, res.Dependencies, ns.URN, "%s waits for the namespace", res.Name)
		}
	}
}

func TestTenancyRejectsBadArgs(t *testing.T) {
	r := runTenancy(t, testkit.Run, func(a *tenancy.Args) {
		a.Namespace.Quota.Memory = "8 GB"
		a.ServiceAccounts[1].Name = "reports"
		a.ServiceAccounts[1].Chain.DurationSeconds = 7200
		a.ServiceAccounts[0].IRSARoleARN = "reports"
		a.Namespace.Egress = []tenancy.EgressRule{{CIDRs: []string{"10.0.0.0/33"}, Ports: []tenancy.Port{{Port: 0, Protocol: "ICMP"}}}, {}}
	})
	testkit.RequireRejected(t, r, `Tenancy "payroll"`,
		`quota.memory: "8 GB" is not a Kubernetes quantity`,
		`serviceAccounts[1].name: "reports" is used by another service account`,
		`serviceAccounts[1].chain.durationSeconds: 7200 is outside 900..3600`,
		`serviceAccounts[0].irsaRoleArn: "reports" is not an IAM role ARN`,
		`egress[0].cidrs[0]: "10.0.0.0/33" is not a CIDR block`,
		`egress[0].ports[0].port: 0 is outside 1..65535`,
		`egress[0].ports[0].protocol: "ICMP" is not one of [TCP UDP SCTP]`,
		`egress[1].cidrs: is required`)
}

func TestTenancyPreview(t *testing.T) {
	r := runTenancy(t, testkit.Preview, func(*tenancy.Args) {})
	require.NoError(t, r.Err)
	assert.Len(t, testkit.OfType(r.Resources(), "kubernetes:core/v1:ServiceAccount"), 3)
}

// A tenant's namespace enforces the restricted Pod Security Standard
// unless it asks for baseline, and always warns about restricted.
func TestATenantsNamespaceEnforcesPodSecurity(t *testing.T) {
	for _, c := range []struct{ asked, enforced string }{{"", "restricted"}, {"baseline", "baseline"}} {
		r := runTenancy(t, testkit.Run, func(a *tenancy.Args) { a.Namespace.PodSecurity = c.asked })
		require.NoError(t, r.Err)
		ns := testkit.Named(t, r.Resources(), "kubernetes:core/v1:Namespace", "payroll-ns")
		assert.Equal(t, c.enforced, testkit.Input(ns, "metadata", "labels", tenancy.PodSecurityEnforceLabel), "asked %q", c.asked)
		assert.Equal(t, "restricted", testkit.Input(ns, "metadata", "labels", tenancy.PodSecurityWarnLabel))
	}
	r := runTenancy(t, testkit.Run, func(a *tenancy.Args) { a.Namespace.PodSecurity = "privileged" })
	testkit.RequireRejected(t, r, `Tenancy "payroll"`, `podSecurity: "privileged" is not one of [restricted baseline]`)
}

// The namespace waits for the platform it is given (the cluster's node
// groups, add-ons, charts), so that a destroy deletes it first, while the
// controllers that remove its objects' finalizers still run.
func TestATenantsNamespaceWaitsForThePlatform(t *testing.T) {
	r := runOnCluster(t, testkit.Run, func(ctx *pulumi.Context, cl clusterref.Cluster, a *tenancy.Args) error {
		platform, err := corev1.NewNamespace(ctx, "load-balancer-controller", &corev1.NamespaceArgs{}, pulumi.Provider(cl.KubernetesProvider))
		a.Platform = []pulumi.Resource{platform}
		return err
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	platform := testkit.Named(t, rs, "kubernetes:core/v1:Namespace", "load-balancer-controller")
	assert.Contains(t, testkit.Named(t, rs, "kubernetes:core/v1:Namespace", "payroll-ns").Dependencies, platform.URN)
}
