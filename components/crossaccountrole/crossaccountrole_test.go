package crossaccountrole_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

const (
	clusterAcct  = "111122223333"
	workloadAcct = "444455556666"
	region       = "us-east-1"
	clusterARN   = "arn:aws:eks:us-east-1:111122223333:cluster/prod"
)

// run creates the cluster and workload accounts and the cluster, lets edit
// fill in the rest of the args, and runs the program with runner.
func run(t *testing.T, edit func(*crossaccountrole.Args), runner func(*testing.T, pulumi.RunFunc) testkit.Result) (testkit.Result, *crossaccountrole.CrossAccountRole) {
	t.Helper()
	var comp *crossaccountrole.CrossAccountRole
	res := runner(t, func(ctx *pulumi.Context) error {
		_, workload, cl, err := accounts(ctx)
		if err != nil {
			return err
		}
		args := &crossaccountrole.Args{
			Cluster:         cl,
			WorkloadAccount: workload,
			Namespace:       "payroll",
			Spec: crossaccountrole.Spec{
				Name:              "payroll-app",
				ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
				Policy:            iampolicy.Write(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:444455556666:table/payroll"}]}`),
			},
		}
		edit(args)
		comp, err = crossaccountrole.NewCrossAccountRole(ctx, "payroll-app", args)
		return err
	})
	return res, comp
}

func accounts(ctx *pulumi.Context) (providers.Account, providers.Account, clusterref.Cluster, error) {
	cluster, err := testkit.Account(ctx, clusterAcct, region)
	if err != nil {
		return providers.Account{}, providers.Account{}, clusterref.Cluster{}, err
	}
	workload, err := testkit.Account(ctx, workloadAcct, region)
	if err != nil {
		return providers.Account{}, providers.Account{}, clusterref.Cluster{}, err
	}
	cl, err := testkit.Cluster(ctx, "prod", cluster)
	return cluster, workload, cl, err
}

func componentURN(r testkit.Result) string {
	for _, res := range r.Resources() {
		if res.Type == crossaccountrole.Type {
			return res.URN
		}
	}
	return ""
}

// assertChildren checks that every resource except providers is a child of
// the component and lands in the expected account.
func assertChildren(t *testing.T, r testkit.Result, accountOf map[string]string) {
	t.Helper()
	parent := componentURN(r)
	require.NotEmpty(t, parent)
	for _, res := range r.Resources() {
		if res.IsProvider() || res.Type == crossaccountrole.Type {
			continue
		}
		assert.Equal(t, parent, res.Parent, "%s %s parent", res.Type, res.Name)
		want, ok := accountOf[res.Type+" "+res.Name]
		require.True(t, ok, "unexpected resource %s %s", res.Type, res.Name)
		assert.Equal(t, want, res.Account, "%s %s account", res.Type, res.Name)
		assert.Equal(t, region, res.Region, "%s %s region", res.Type, res.Name)
		if strings.HasPrefix(res.Type, "kubernetes:") {
			assert.Equal(t, "prod", res.Cluster, "%s %s cluster", res.Type, res.Name)
		}
	}
	assert.Len(t, testkit.Types(r.Resources()), len(accountOf)+1+3, "component, 3 providers and the children")
}

func TestIRSA(t *testing.T) {
	r, _ := run(t, func(a *crossaccountrole.Args) {
		a.Identity = crossaccountrole.IRSA
		a.OIDCProviderARN = pulumi.String("arn:aws:iam::444455556666:oidc-provider/" + strings.TrimPrefix(mockengine.IssuerURL(clusterAcct, region, "prod"), "https://"))
	}, testkit.Run)
	require.NoError(t, r.Err)
	rs := r.Resources()
	assertChildren(t, r, map[string]string{
		"aws:iam/role:Role payroll-app-role":                                      workloadAcct,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment payroll-app-managed-0": workloadAcct,
		"aws:iam/rolePolicy:RolePolicy payroll-app-inline":                        workloadAcct,
		"kubernetes:core/v1:ServiceAccount payroll-app-sa":                        clusterAcct,
	})

	role := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-app-role")
	assert.Equal(t, "prod-payroll-payroll-app", testkit.Input(role, "name"))
	assert.Equal(t, "/eks-multi-account/prod/", testkit.Input(role, "path"))
	doc := testkit.Policy(t, role, "assumeRolePolicy")
	require.Len(t, doc.Statement, 1)
	s := doc.Statement[0]
	issuer := strings.TrimPrefix(mockengine.IssuerURL(clusterAcct, region, "prod"), "https://")
	assert.Equal(t, iampolicy.Allow, s.Effect)
	assert.Equal(t, iampolicy.Values{"arn:aws:iam::444455556666:oidc-provider/" + issuer}, s.Principal.Federated)
	assert.Empty(t, s.Principal.AWS)
	assert.Empty(t, s.Principal.Service)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRoleWithWebIdentity"}, s.Action)
	assert.Equal(t, iampolicy.Conditions{"StringEquals": {
		issuer + ":sub": {"system:serviceaccount:payroll:payroll-app"},
		issuer + ":aud": {"sts.amazonaws.com"},
	}}, s.Condition)

	sa := testkit.Named(t, rs, "kubernetes:core/v1:ServiceAccount", "payroll-app-sa")
	assert.Equal(t, "payroll-app", testkit.Input(sa, "metadata", "name"))
	assert.Equal(t, "payroll", testkit.Input(sa, "metadata", "namespace"))
	assert.Equal(t, map[string]any{tenancy.IRSAAnnotation: "arn:aws:iam::444455556666:role/eks-multi-account/prod/prod-payroll-payroll-app"},
		testkit.Value(sa, "metadata", "annotations"))

	att := testkit.Named(t, rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "payroll-app-managed-0")
	assert.Equal(t, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", testkit.Input(att, "policyArn"))
	assert.Equal(t, "prod-payroll-payroll-app", testkit.Input(att, "role"))
	inline := testkit.Named(t, rs, "aws:iam/rolePolicy:RolePolicy", "payroll-app-inline")
	assert.Equal(t, "dynamodb:GetItem", testkit.Policy(t, inline, "policy").Statement[0].Action[0])
}

func TestPodIdentityChainPerServiceAccount(t *testing.T) {
	r, _ := run(t, func(a *crossaccountrole.Args) { a.Identity = crossaccountrole.PodIdentityChain }, testkit.Run)
	require.NoError(t, r.Err)
	rs := r.Resources()
	assertChildren(t, r, map[string]string{
		"aws:iam/role:Role payroll-app-source":                                                        clusterAcct,
		"aws:iam/rolePolicy:RolePolicy payroll-app-source-chain":                                      clusterAcct,
		"aws:iam/role:Role payroll-app-role":                                                          workloadAcct,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment payroll-app-managed-0":                     workloadAcct,
		"aws:iam/rolePolicy:RolePolicy payroll-app-inline":                                            workloadAcct,
		"kubernetes:core/v1:ServiceAccount payroll-app-sa":                                            clusterAcct,
		"aws:eks/podIdentityAssociation:PodIdentityAssociation prod-payroll-payroll-app-pod-identity": clusterAcct,
		"kubernetes:core/v1:ConfigMap payroll-app-aws-config":                                         clusterAcct,
	})

	source := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-app-source")
	sourceARN := "arn:aws:iam::111122223333:role/eks-multi-account/prod/prod-payroll-payroll-app-src"
	assert.Equal(t, sourceARN, source.Outputs["arn"].StringValue())
	st := testkit.Policy(t, source, "assumeRolePolicy").Statement
	require.Len(t, st, 1)
	assert.Equal(t, iampolicy.Values{"pods.eks.amazonaws.com"}, st[0].Principal.Service)
	assert.Empty(t, st[0].Principal.AWS)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, st[0].Action)
	assert.Equal(t, iampolicy.Conditions{"StringEquals": {
		"aws:RequestTag/eks-cluster-arn":            {clusterARN},
		"aws:RequestTag/kubernetes-namespace":       {"payroll"},
		"aws:RequestTag/kubernetes-service-account": {"payroll-app"},
	}}, st[0].Condition)

	targetARN := "arn:aws:iam::444455556666:role/eks-multi-account/prod/prod-payroll-payroll-app"
	perms := testkit.Policy(t, testkit.Named(t, rs, "aws:iam/rolePolicy:RolePolicy", "payroll-app-source-chain"), "policy").Statement
	require.Len(t, perms, 1)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, perms[0].Action)
	assert.Equal(t, iampolicy.Values{targetARN}, perms[0].Resource)

	target := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-app-role")
	assert.Equal(t, targetARN, target.Outputs["arn"].StringValue())
	assert.EqualValues(t, 3600, testkit.Value(target, "maxSessionDuration"))
	tt := testkit.Policy(t, target, "assumeRolePolicy").Statement
	require.Len(t, tt, 1)
	assert.Equal(t, "ChainFrom"+source.Outputs["uniqueId"].StringValue(), tt[0].Sid)
	assert.Equal(t, iampolicy.Values{sourceARN}, tt[0].Principal.AWS, "the target trusts the source role, not the account root")
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, tt[0].Action)
	assert.Equal(t, iampolicy.Conditions{
		"StringEquals": {
			"aws:PrincipalTag/eks-cluster-arn":            {clusterARN},
			"aws:PrincipalTag/kubernetes-namespace":       {"payroll"},
			"aws:PrincipalTag/kubernetes-service-account": {"payroll-app"},
		},
		// The chained session may carry Pod Identity's tag keys and no other.
		"ForAllValues:StringEquals": {"aws:TagKeys": {"eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace", "kubernetes-pod-name", "kubernetes-pod-uid", "kubernetes-service-account"}},
	}, tt[0].Condition)

	assoc := testkit.Named(t, rs, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "prod-payroll-payroll-app-pod-identity")
	assert.True(t, assoc.DeleteBeforeReplace, "EKS holds one association per service account: a replacement deletes first")
	assert.Equal(t, "eks-multi-account", testkit.Input(assoc, "tags", "eks-multi-account/managed-by"), "the guardrails protect it by this tag")
	assert.Equal(t, []string{"payroll-app-pod-identity"}, assoc.Aliases, "the name it had before it was named for its service account")
	assert.Equal(t, "prod", testkit.Input(assoc, "clusterName"))
	assert.Equal(t, "payroll", testkit.Input(assoc, "namespace"))
	assert.Equal(t, "payroll-app", testkit.Input(assoc, "serviceAccount"))
	assert.Equal(t, sourceARN, testkit.Input(assoc, "roleArn"))

	cm := testkit.Named(t, rs, "kubernetes:core/v1:ConfigMap", "payroll-app-aws-config")
	assert.Equal(t, "payroll-app-aws-config", testkit.Input(cm, "metadata", "name"))
	assert.Equal(t, "payroll", testkit.Input(cm, "metadata", "namespace"))
	data := testkit.Value(cm, "data").(map[string]any)
	assert.Equal(t, tenancy.CredentialProcessScript, data["credential-process.sh"])
	assert.Equal(t, `[profile eks-pod-identity]
credential_process = /bin/sh /etc/eks-multi-account/aws/credential-process.sh

[profile workload]
source_profile = eks-pod-identity
role_arn = `+targetARN+`
role_session_name = payroll.payroll-app
duration_seconds = 3600
`, data["config"])
}

func TestPodIdentityChainSharedRole(t *testing.T) {
	sharedARN := "arn:aws:iam::111122223333:role/eks-multi-account/prod/prod-pod-identity-chain"
	var instructions any
	var comp *crossaccountrole.CrossAccountRole
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, workload, cl, err := accounts(ctx)
		if err != nil {
			return err
		}
		cl.SharedChainingRole = &clusterref.ChainingRole{Name: pulumi.String("prod-pod-identity-chain"), ARN: pulumi.String(sharedARN), UniqueID: pulumi.String("AROASHAREDCHAINROLE01")}
		comp, err = crossaccountrole.NewCrossAccountRole(ctx, "payroll-app", &crossaccountrole.Args{
			Spec:                  crossaccountrole.Spec{Name: "payroll-app", Identity: crossaccountrole.PodIdentityChain},
			UseSharedChainingRole: true,
			Cluster:               cl, WorkloadAccount: workload, Namespace: "payroll",
		})
		if err != nil {
			return err
		}
		instructions, _, err = testkit.Await(ctx, comp.PodSpecInstructions)
		return err
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	assert.Empty(t, testkit.OfType(rs, "aws:iam/rolePolicy:RolePolicy"), "no per-service-account source role or policy")
	assert.Len(t, testkit.OfType(rs, "aws:iam/role:Role"), 1, "only the target role")
	assoc := testkit.Named(t, rs, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "prod-payroll-payroll-app-pod-identity")
	assert.Equal(t, sharedARN, testkit.Input(assoc, "roleArn"))
	tt := testkit.Policy(t, testkit.Named(t, rs, "aws:iam/role:Role", "payroll-app-role"), "assumeRolePolicy").Statement[0]
	assert.Equal(t, "ChainFromAROASHAREDCHAINROLE01", tt.Sid)
	assert.Equal(t, iampolicy.Values{sharedARN}, tt.Principal.AWS)
	assert.Len(t, tt.Condition["StringEquals"], 3)
	for _, want := range []string{"AWS_CONFIG_FILE", "/etc/eks-multi-account/aws/config", "AWS_PROFILE", "workload", "payroll-app-aws-config", "defaultMode: 0555", "curl and jq"} {
		assert.Contains(t, instructions, want)
	}
}

func TestPodIdentity(t *testing.T) {
	r, _ := run(t, func(a *crossaccountrole.Args) {
		a.Identity = crossaccountrole.PodIdentity
		a.WorkloadAccount = a.Cluster.Account
	}, testkit.Run)
	require.NoError(t, r.Err)
	rs := r.Resources()
	assertChildren(t, r, map[string]string{
		"aws:iam/role:Role payroll-app-role":                                                          clusterAcct,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment payroll-app-managed-0":                     clusterAcct,
		"aws:iam/rolePolicy:RolePolicy payroll-app-inline":                                            clusterAcct,
		"kubernetes:core/v1:ServiceAccount payroll-app-sa":                                            clusterAcct,
		"aws:eks/podIdentityAssociation:PodIdentityAssociation prod-payroll-payroll-app-pod-identity": clusterAcct,
	})
	role := testkit.Named(t, rs, "aws:iam/role:Role", "payroll-app-role")
	s := testkit.Policy(t, role, "assumeRolePolicy").Statement[0]
	assert.Equal(t, iampolicy.Values{"pods.eks.amazonaws.com"}, s.Principal.Service)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, s.Action)
	assert.Equal(t, iampolicy.Conditions{"StringEquals": {
		"aws:RequestTag/eks-cluster-arn":            {clusterARN},
		"aws:RequestTag/kubernetes-namespace":       {"payroll"},
		"aws:RequestTag/kubernetes-service-account": {"payroll-app"},
	}}, s.Condition)
	assoc := testkit.Named(t, rs, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "prod-payroll-payroll-app-pod-identity")
	assert.Equal(t, role.Outputs["arn"].StringValue(), testkit.Input(assoc, "roleArn"))
	sa := testkit.Named(t, rs, "kubernetes:core/v1:ServiceAccount", "payroll-app-sa")
	assert.Nil(t, testkit.Value(sa, "metadata", "annotations"), "no IRSA annotation")
}
