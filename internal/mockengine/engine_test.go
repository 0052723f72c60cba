package mockengine_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

func TestAResourceWithoutAnExplicitProviderIsAnError(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, err := iam.NewRole(ctx, "orphan", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")})
		return err
	})
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `aws:iam/role:Role "orphan" uses a default provider`)
}

func TestAnUnpinnedProviderIsAnError(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, err := aws.NewProvider(ctx, "loose", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		return err
	})
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `aws provider "loose" is not pinned to an account`)
}

func TestFabricatedOutputsCarryTheAccountAndAreDeterministic(t *testing.T) {
	program := func(ctx *pulumi.Context) error {
		for _, acct := range []string{"111122223333", "444455556666"} {
			a, err := testkit.Account(ctx, acct, "eu-west-1")
			if err != nil {
				return err
			}
			if _, err := iam.NewRole(ctx, "role-"+acct, &iam.RoleArgs{
				Name: pulumi.String("app"), Path: pulumi.String("/p/"), AssumeRolePolicy: pulumi.String("{}"),
				Tags: pulumi.StringMap{"team": pulumi.String("x")},
			}, pulumi.Provider(a.Provider)); err != nil {
				return err
			}
			if _, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{}, pulumi.Provider(a.Provider)); err != nil {
				return err
			}
		}
		return nil
	}
	first := testkit.Run(t, program)
	require.NoError(t, first.Err)
	second := testkit.Run(t, program)
	require.NoError(t, second.Err)
	assert.Equal(t, first.Resources(), second.Resources(), "two runs give the same resources, IDs and outputs")

	for _, acct := range []string{"111122223333", "444455556666"} {
		role := testkit.Named(t, first.Resources(), "aws:iam/role:Role", "role-"+acct)
		assert.Equal(t, acct, role.Account)
		assert.Equal(t, "eu-west-1", role.Region)
		assert.Equal(t, "arn:aws:iam::"+acct+":role/p/app", role.Outputs["arn"].StringValue())
		assert.Regexp(t, `^AROA[0-9A-F]{17}$`, role.Outputs["uniqueId"].StringValue())
		assert.Equal(t, "platform", role.Outputs["tagsAll"].ObjectValue()["cost-center"].StringValue())
		assert.Equal(t, "x", role.Outputs["tagsAll"].ObjectValue()["team"].StringValue())
	}
}

func TestIssuersDifferPerCluster(t *testing.T) {
	a := mockengine.IssuerURL("111122223333", "us-east-1", "prod")
	assert.Equal(t, a, mockengine.IssuerURL("111122223333", "us-east-1", "prod"))
	assert.NotEqual(t, a, mockengine.IssuerURL("111122223333", "us-east-1", "dev"))
	assert.NotEqual(t, a, mockengine.IssuerURL("999988887777", "us-east-1", "prod"))
	assert.Regexp(t, `^https://oidc\.eks\.us-east-1\.amazonaws\.com/id/[0-9A-F]{32}$`, a)
}

func TestKubernetesResourcesAreInTheirClustersAccount(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		a, err := testkit.Account(ctx, "111122223333", "us-west-2")
		if err != nil {
			return err
		}
		_, err = testkit.Cluster(ctx, "ml", a)
		return err
	})
	require.NoError(t, r.Err)
	p := testkit.Named(t, r.Resources(), "pulumi:providers:kubernetes", "k8s-ml")
	assert.Equal(t, mockengine.Placement{Account: "111122223333", Region: "us-west-2", Cluster: "ml"}, p.Placement)
}

func TestDependenciesAreRecorded(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		a, err := testkit.Account(ctx, "111122223333", "us-east-1")
		if err != nil {
			return err
		}
		in := pulumi.Provider(a.Provider)
		role, err := iam.NewRole(ctx, "node", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")}, in)
		if err != nil {
			return err
		}
		other, err := iam.NewRole(ctx, "other", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")}, in)
		if err != nil {
			return err
		}
		if _, err := iam.NewRolePolicyAttachment(ctx, "by-input", &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String("arn:aws:iam::aws:policy/ReadOnlyAccess"),
		}, in, pulumi.DependsOn([]pulumi.Resource{other})); err != nil {
			return err
		}
		eksProvider, err := providers.NewEKSProvider(ctx, "eks")
		if err != nil {
			return err
		}
		_, err = eks.NewCluster(ctx, "by-reference", &eks.ClusterArgs{InstanceRoles: iam.RoleArray{role}},
			pulumi.Providers(a.Provider, eksProvider))
		return err
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	role := testkit.Named(t, rs, "aws:iam/role:Role", "node")
	other := testkit.Named(t, rs, "aws:iam/role:Role", "other")
	assert.Equal(t, []string{role.URN, other.URN}, testkit.Named(t, rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "by-input").Dependencies,
		"through an input and explicitly, sorted")
	assert.Equal(t, []string{role.URN}, testkit.Named(t, rs, "eks:index:Cluster", "by-reference").Dependencies,
		"a resource reference is sent once the resource exists")
}
