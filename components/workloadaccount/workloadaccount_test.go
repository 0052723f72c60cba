package workloadaccount_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

const (
	clusterAcct  = "111122223333"
	workloadAcct = "444455556666"
	region       = "us-east-1"
	sharedARN    = "arn:aws:iam::111122223333:role/eks-multi-account/prod/prod-pod-identity-chain"
)

func tenantArgs() *workloadaccount.Args {
	return &workloadaccount.Args{
		Spec: workloadaccount.Spec{
			Name:     "payroll",
			Identity: crossaccountrole.PodIdentityChain,
			Quota:    tenancy.Quota{CPU: "16", Memory: "64Gi", Pods: 100},
			Admins:   []string{"arn:aws:iam::444455556666:role/PayrollAdmin"},
			ServiceAccounts: []crossaccountrole.Spec{
				{Name: "payroll-app", ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
				{Name: "payroll-batch", Identity: crossaccountrole.IRSA},
			},
		},
		UseSharedChainingRole: true,
		Tags:                  map[string]string{"tenant": "payroll"},
	}
}

func runTenant(t *testing.T, runner func(*testing.T, pulumi.RunFunc) testkit.Result, edit func(*workloadaccount.Args)) (testkit.Result, any) {
	t.Helper()
	var roleARNs any
	r := runner(t, func(ctx *pulumi.Context) error {
		cluster, err := testkit.Account(ctx, clusterAcct, region)
		if err != nil {
			return err
		}
		workload, err := testkit.Account(ctx, workloadAcct, region)
		if err != nil {
			return err
		}
		cl, err := testkit.Cluster(ctx, "prod", cluster)
		if err != nil {
			return err
		}
		cl.SharedChainingRole = &clusterref.ChainingRole{Name: pulumi.String("prod-pod-identity-chain"), ARN: pulumi.String(sharedARN), UniqueID: pulumi.String("AROASHAREDCHAINROLE01")}
		args := tenantArgs()
		args.Cluster, args.Account = cl, workload
		edit(args)
		w, err := workloadaccount.NewWorkloadAccount(ctx, "payroll", args)
		if err != nil {
			return err
		}
		roleARNs, _, err = testkit.Await(ctx, w.RoleArns)
		return err
	})
	return r, roleARNs
}

func TestWorkloadAccount(t *testing.T) {
	r, roleARNs := runTenant(t, testkit.Run, func(*workloadaccount.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()
	comp := testkit.Named(t, rs, workloadaccount.Type, "payroll")

	own := map[string]string{
		"kubernetes:core/v1:Namespace payroll-ns":                                        clusterAcct,
		"kubernetes:core/v1:ResourceQuota payroll-quota":                                 clusterAcct,
		"kubernetes:core/v1:LimitRange payroll-limits":                                   clusterAcct,
		"kubernetes:networking.k8s.io/v1:NetworkPolicy payroll-netpol":                   clusterAcct,
		"aws:eks/accessEntry:AccessEntry payroll-admin-0":                                clusterAcct,
		"aws:eks/accessPolicyAssociation:AccessPolicyAssociation payroll-admin-0-policy": clusterAcct,
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider payroll-oidc":               workloadAcct,
		"aws:iam/rolePolicy:RolePolicy payroll-chain":                                    clusterAcct,
		crossaccountrole.Type + " payroll-payroll-app":                                   "",
		crossaccountrole.Type + " payroll-payroll-batch":                                 "",
	}
	roles := map[string]bool{}
	for _, res := range rs {
		key := res.Type + " " + res.Name
		if want, ok := own[key]; ok {
			assert.Equal(t, comp.URN, res.Parent, "%s is the tenant's child", key)
			assert.Equal(t, want, res.Account, "%s account", key)
			delete(own, key)
			if res.Type == crossaccountrole.Type {
				roles[res.URN] = true
			}
		}
	}
	assert.Empty(t, own, "missing resources")
	for _, res := range rs {
		if res.Custom && !res.IsProvider() {
			assert.True(t, res.Parent == comp.URN || roles[res.Parent], "%s %s belongs to the tenant", res.Type, res.Name)
		}
		if strings.HasPrefix(res.Type, "kubernetes:") {
			assert.Equal(t, "prod", res.Cluster, "%s %s cluster", res.Type, res.Name)
		}
	}

	ns := testkit.Named(t, rs, "kubernetes:core/v1:Namespace", "payroll-ns")
	assert.Equal(t, "payroll", testkit.Input(ns, "metadata", "name"))
	assert.Equal(t, "payroll", testkit.Input(ns, "metadata", "labels", tenancy.TenantLabel))
	assert.Equal(t, workloadAcct, testkit.Input(ns, "metadata", "labels", tenancy.AccountLabel))

	quota := testkit.Named(t, rs, "kubernetes:core/v1:ResourceQuota", "payroll-quota")
	assert.Equal(t, map[string]any{"requests.cpu": "16", "limits.cpu": "16", "requests.memory": "64Gi", "limits.memory": "64Gi", "pods": "100"},
		testkit.Value(quota, "spec", "hard"))
	assert.Contains(t, quota.Dependencies, ns.URN)
	limits := testkit.Named(t, rs, "kubernetes:core/v1:LimitRange", "payroll-limits")
	assert.Equal(t, []any{map[string]any{"type": "Container",
		"defaultRequest": map[string]any{"cpu": "100m", "memory": "128Mi"},
		"default":        map[string]any{"cpu": "500m", "memory": "512Mi"}}}, testkit.Value(limits, "spec", "limits"))

	netpol := testkit.Named(t, rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "payroll-netpol")
	assert.Equal(t, map[string]any{
		"podSelector": map[string]any{},
		"policyTypes": []any{"Ingress", "Egress"},
		"ingress":     []any{map[string]any{"from": []any{map[string]any{"podSelector": map[string]any{}}}}},
		"egress": []any{
			map[string]any{"to": []any{map[string]any{"podSelector": map[string]any{}}}},
			map[string]any{
				"to": []any{map[string]any{
					"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "kube-system"}},
					"podSelector":       map[string]any{"matchLabels": map[string]any{"k8s-app": "kube-dns"}},
				}},
				"ports": []any{map[string]any{"protocol": "UDP", "port": 53.0}, map[string]any{"protocol": "TCP", "port": 53.0}},
			},
			map[string]any{"to": []any{map[string]any{"ipBlock": map[string]any{"cidr": "169.254.170.23/32"}}},
				"ports": []any{map[string]any{"protocol": "TCP", "port": 80.0}}},
			map[string]any{"to": []any{map[string]any{"ipBlock": map[string]any{"cidr": "0.0.0.0/0", "except": []any{"169.254.169.254/32"}}}},
				"ports": []any{map[string]any{"protocol": "TCP", "port": 443.0}}},
		},
	}, testkit.Value(netpol, "spec"))

	entry := testkit.Named(t, rs, "aws:eks/accessEntry:AccessEntry", "payroll-admin-0")
	assert.Equal(t, "eks-multi-account", testkit.Input(entry, "tags", "eks-multi-account/managed-by"), "the guardrails protect the entry by this tag")
	assoc := testkit.Named(t, rs, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "payroll-admin-0-policy")
	assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy", testkit.Input(assoc, "policyArn"))
	assert.Equal(t, map[string]any{"type": "namespace", "namespaces": []any{"payroll"}}, testkit.Value(assoc, "accessScope"))
	assert.Equal(t, "arn:aws:iam::444455556666:role/PayrollAdmin", testkit.Input(assoc, "principalArn"))

	issuer := mockengine.IssuerURL(clusterAcct, region, "prod")
	oidc := testkit.Named(t, rs, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "payroll-oidc")
	assert.Equal(t, issuer, testkit.Input(oidc, "url"))
	assert.Equal(t, []any{"sts.amazonaws.com"}, testkit.Value(oidc, "clientIdLists"))
	irsaRole := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-payroll-batch-role")
	assert.Equal(t, iampolicy.Values{oidc.Outputs["arn"].StringValue()}, testkit.Policy(t, irsaRole, "assumeRolePolicy").Statement[0].Principal.Federated,
		"IRSA trusts the workload account's own OIDC provider")

	chain := testkit.Named(t, rs, "aws:iam/rolePolicy:RolePolicy", "payroll-chain")
	assert.Equal(t, "prod-pod-identity-chain", testkit.Input(chain, "role"))
	st := testkit.Policy(t, chain, "policy").Statement
	require.Len(t, st, 1)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, st[0].Action)
	assert.Equal(t, iampolicy.Values{"arn:aws:iam::444455556666:role/eks-multi-account/prod/*"}, st[0].Resource)
	target := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-payroll-app-role")
	assert.Equal(t, iampolicy.Values{sharedARN}, testkit.Policy(t, target, "assumeRolePolicy").Statement[0].Principal.AWS)
	assert.True(t, strings.HasPrefix(target.Outputs["arn"].StringValue(), "arn:aws:iam::444455556666:role/eks-multi-account/prod/"),
		"the target role is under the path the chaining policy allows")

	for _, sa := range testkit.OfType(rs, "kubernetes:core/v1:ServiceAccount") {
		assert.Contains(t, sa.Dependencies, ns.URN, "service account %s waits for the namespace", sa.Name)
	}
	assert.Equal(t, map[string]string{
		"payroll-app":   "arn:aws:iam::444455556666:role/eks-multi-account/prod/prod-payroll-payroll-app",
		"payroll-batch": "arn:aws:iam::444455556666:role/eks-multi-account/prod/prod-payroll-payroll-batch",
	}, roleARNs)
}

func TestNoIRSANoOIDCProviderAndIPv6Policy(t *testing.T) {
	r, _ := runTenant(t, testkit.Run, func(a *workloadaccount.Args) {
		a.ServiceAccounts = a.ServiceAccounts[:1]
		a.UseSharedChainingRole = false
		a.IPv6 = true
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	assert.Empty(t, testkit.OfType(rs, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
	var policies []string
	for _, p := range testkit.OfType(rs, "aws:iam/rolePolicy:RolePolicy") {
		policies = append(policies, p.Name)
	}
	assert.Equal(t, []string{"payroll-payroll-app-source-chain"}, policies, "a source role of its own, and no shared chaining policy")
	egress := testkit.Value(testkit.Named(t, rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "payroll-netpol"), "spec", "egress").([]any)
	assert.Contains(t, egress[2].(map[string]any)["to"], map[string]any{"ipBlock": map[string]any{"cidr": "fd00:ec2::23/128"}})
	assert.Contains(t, egress[3].(map[string]any)["to"], map[string]any{"ipBlock": map[string]any{"cidr": "::/0", "except": []any{"fd00:ec2::254/128"}}})
}

func TestIRSAInTheClustersOwnAccountTrustsTheClustersOIDCProvider(t *testing.T) {
	r, _ := runTenant(t, testkit.Run, func(a *workloadaccount.Args) {
		a.Account, a.Identity, a.UseSharedChainingRole = a.Cluster.Account, crossaccountrole.IRSA, false
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	assert.Empty(t, testkit.OfType(rs, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
		"IAM refuses a second provider for the cluster's issuer in the cluster's account")
	provider := "arn:aws:iam::" + clusterAcct + ":oidc-provider/" + strings.TrimPrefix(mockengine.IssuerURL(clusterAcct, region, "prod"), "https://")
	roles := testkit.OfType(rs, "aws:iam/role:Role")
	require.Len(t, roles, 2)
	for _, role := range roles {
		assert.Equal(t, clusterAcct, role.Account)
		assert.Equal(t, iampolicy.Values{provider}, testkit.Policy(t, role, "assumeRolePolicy").Statement[0].Principal.Federated, role.Name)
	}
}

func TestIRSAInTheClustersOwnAccountNeedsItsOIDCProvider(t *testing.T) {
	r, _ := runTenant(t, testkit.Run, func(a *workloadaccount.Args) {
		a.Account, a.Identity, a.UseSharedChainingRole = a.Cluster.Account, crossaccountrole.IRSA, false
		a.Cluster.OIDCProviderARN = nil
	})
	testkit.RequireRejected(t, r, `WorkloadAccount "payroll"`, `cluster.oidcProviderArn: is required for irsa in the cluster's own account`)
}
