package crossaccountrole_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

func TestBadArgsAreRejectedBeforeAnythingIsRegistered(t *testing.T) {
	cases := map[string]struct {
		edit func(*crossaccountrole.Args)
		want []string
	}{
		"unknown mode": {
			func(a *crossaccountrole.Args) { a.Identity = "kiam" },
			[]string{`identity: "kiam" is not a credential mode (want one of irsa, podIdentityChain)`},
		},
		"bad namespace and service account": {
			func(a *crossaccountrole.Args) { a.Namespace, a.Name = "Payroll", "app_1" },
			[]string{`namespace: "Payroll" is not a valid Kubernetes namespace name`, `name: "app_1" is not a valid Kubernetes service account name`},
		},
		"bad workload account": {
			func(a *crossaccountrole.Args) { a.WorkloadAccount.ID = "12345" },
			[]string{`workloadAccount.id: "12345" is not a 12-digit AWS account ID`},
		},
		"irsa without an OIDC provider": {
			func(a *crossaccountrole.Args) { a.Identity, a.OIDCProviderARN = crossaccountrole.IRSA, nil },
			[]string{`oidcProviderArn: is required for irsa`},
		},
		"podIdentity across accounts": {
			func(a *crossaccountrole.Args) {},
			[]string{`identity: "podIdentity" gives roles in the cluster's own account 111122223333 only; the role's account is 444455556666 (want one of irsa, podIdentityChain)`},
		},
		"chain inside one account": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentityChain, a.Cluster.Account
			},
			[]string{`identity: "podIdentityChain" chains into another account; the role's account is the cluster's own, 111122223333 (want one of podIdentity, irsa)`},
		},
		"shared chaining role the cluster lacks": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.UseSharedChainingRole = crossaccountrole.PodIdentityChain, true
			},
			[]string{`useSharedChainingRole: true needs a cluster with a shared chaining role`},
		},
		"chained session over an hour": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.SessionDurationSeconds = crossaccountrole.PodIdentityChain, 7200
			},
			[]string{`sessionDurationSeconds: 7200 is over 3600: role chaining limits a session to one hour`},
		},
		"pod identity on fargate": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.Cluster.FargateNamespaces = []string{"payroll"}
			},
			[]string{`identity: "podIdentity" cannot be used in namespace "payroll": its pods run on Fargate, where EKS Pod Identity does not work; use irsa`},
		},
		"generated role name over 64": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.Name = strings.Repeat("s", 60)
			},
			[]string{`roleName (generated from cluster, namespace and service account): "prod-payroll-` + strings.Repeat("s", 60) + `" is 73 characters, over IAM's 64-character limit for role names`},
		},
		"invalid inline policy JSON": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.Policy = iampolicy.Write(`{"Version":"2012-10-17","Statement":[`)
			},
			[]string{`policy: "{\"Version\":\"2012-10-17\",\"Statement\":[" is not a valid policy document`},
		},
		"inline policy over the size limit": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.Policy = iampolicy.Write(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 10300) + `/*"}]}`)
			},
			[]string{`over IAM's 10240-character limit for a role's inline policies`},
		},
		"inline policy with a principal": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.Policy = iampolicy.Write(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)
			},
			[]string{`policy.Statement[0].Principal: "*" is not allowed: an inline role policy is an identity policy`},
		},
		"trust policy over 2048": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.RoleName = "short"
				a.Name = strings.Repeat("a.", 1000) + "a"
			},
			[]string{`trustPolicy of short: is `, `over IAM's 2048-character limit for a role trust policy`},
		},
		"bad managed policy ARN": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.ManagedPolicyArns = []string{"AmazonS3ReadOnlyAccess"}
			},
			[]string{`managedPolicyArns[0]: "AmazonS3ReadOnlyAccess" is not an IAM managed policy ARN`},
		},
		"reserved tag key": {
			func(a *crossaccountrole.Args) {
				a.Identity, a.WorkloadAccount = crossaccountrole.PodIdentity, a.Cluster.Account
				a.Tags = map[string]string{"kubernetes-namespace": "other"}
			},
			[]string{`tags: "kubernetes-namespace" is a reserved tag key`},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, comp := run(t, func(a *crossaccountrole.Args) {
				a.Identity = crossaccountrole.PodIdentity
				c.edit(a)
			}, testkit.Run)
			testkit.RequireRejected(t, r, `CrossAccountRole "payroll-app"`, c.want...)
			assert.Nil(t, comp)
		})
	}
}

func TestAllProblemsAreReportedAtOnce(t *testing.T) {
	r, _ := run(t, func(a *crossaccountrole.Args) {
		a.Identity = crossaccountrole.PodIdentityChain
		a.Namespace = "Bad Namespace"
		a.SessionDurationSeconds = 7200
		a.ManagedPolicyArns = []string{"nope"}
	}, testkit.Run)
	require.Error(t, r.Err)
	msg := r.Err.Error()
	for _, want := range []string{"namespace:", "sessionDurationSeconds:", "managedPolicyArns[0]:"} {
		assert.Contains(t, msg, want)
	}
}

func TestNilArgs(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, err := crossaccountrole.NewCrossAccountRole(ctx, "x", nil)
		return err
	})
	require.ErrorContains(t, r.Err, `CrossAccountRole "x": args: are required`)
	assert.Empty(t, r.Resources())
}

func TestPreviewWithUnknownsDoesNotPanic(t *testing.T) {
	for _, mode := range crossaccountrole.Modes {
		t.Run(string(mode), func(t *testing.T) {
			r, _ := run(t, func(a *crossaccountrole.Args) {
				a.Identity = mode
				if mode == crossaccountrole.PodIdentity {
					a.WorkloadAccount = a.Cluster.Account
				}
				a.OIDCProviderARN = pulumi.String("arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X")
				a.Cluster.OIDCIssuerURL = pulumi.UnsafeUnknownOutput(nil).ApplyT(func(any) string { return "" }).(pulumi.StringOutput)
			}, testkit.Preview)
			require.NoError(t, r.Err)
			roles := testkit.OfType(r.Resources(), "aws:iam/role:Role")
			require.NotEmpty(t, roles)
			for _, role := range roles {
				assert.False(t, role.Outputs["arn"].IsString(), "preview must not know the ARN of %s", role.Name)
			}
			sa := testkit.Named(t, r.Resources(), "kubernetes:core/v1:ServiceAccount", "payroll-app-sa")
			assert.Equal(t, "payroll-app", testkit.Input(sa, "metadata", "name"))
		})
	}
}

func TestAnUnknownModeOnFargateIsOneProblem(t *testing.T) {
	r, _ := run(t, func(a *crossaccountrole.Args) {
		a.Identity = "kiam"
		a.Cluster.FargateNamespaces = []string{a.Namespace}
	}, testkit.Run)
	testkit.RequireRejected(t, r, `CrossAccountRole "payroll-app"`, `identity: "kiam" is not a credential mode`)
	assert.NotContains(t, r.Err.Error(), "Fargate", "an unknown mode is not said to be Pod Identity")
}
