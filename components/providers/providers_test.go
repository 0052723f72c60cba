package providers_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

func TestNewAccountPinsTheProviderToItsAccount(t *testing.T) {
	var got providers.Account
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		var err error
		got, err = providers.NewAccount(ctx, "aws-prod", providers.AccountSettings{
			AccountID: "111122223333", Region: "eu-west-1", DeployRoleName: "OrganizationAccountAccessRole",
			DefaultTags: map[string]string{"cost-center": "platform"},
		})
		return err
	})
	require.NoError(t, r.Err)
	assert.Equal(t, "111122223333", got.ID)
	assert.Equal(t, "eu-west-1", got.Region)
	p := testkit.Named(t, r.Resources(), "pulumi:providers:aws", "aws-prod")
	assert.Equal(t, "eu-west-1", testkit.Input(p, "region"))
	assert.Equal(t, []any{"111122223333"}, testkit.Value(p, "allowedAccountIds"))
	assert.Equal(t, "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole", testkit.Input(p, "assumeRole", "roleArn"))
	assert.Equal(t, providers.SessionName, testkit.Input(p, "assumeRole", "sessionName"))
	assert.Equal(t, map[string]any{"cost-center": "platform"}, testkit.Value(p, "defaultTags", "tags"))
	assert.Equal(t, "111122223333", p.Account)
}

func TestRoleARNOverridesTheDeployRoleName(t *testing.T) {
	s := providers.AccountSettings{AccountID: "000011112222", Region: "us-east-1", RoleARN: "arn:aws:iam::000011112222:role/PlatformOrgAdmin"}
	assert.Equal(t, "arn:aws:iam::000011112222:role/PlatformOrgAdmin", s.DeployRoleARN())
}

func TestNewAccountRejectsBadSettings(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, err := providers.NewAccount(ctx, "bad", providers.AccountSettings{
			AccountID: "1234", Region: "virginia", RoleARN: "arn:aws:iam::999988887777:role/X",
			DefaultTags: map[string]string{"eks-owner": "me"},
		})
		return err
	})
	require.Error(t, r.Err)
	for _, want := range []string{
		`accountId: "1234" is not a 12-digit AWS account ID`,
		`region: "virginia" is not an AWS region code`,
		`roleArn: "arn:aws:iam::999988887777:role/X" is not a role in account 1234`,
		`defaultTags: "eks-owner" is a reserved tag key`,
	} {
		assert.Contains(t, r.Err.Error(), want)
	}
	assert.Empty(t, r.Resources())
}

func TestPartitionsAndARNs(t *testing.T) {
	a := providers.Account{AccountRegion: partition.AccountRegion{ID: "111122223333", Region: "cn-north-1"}}
	assert.Equal(t, "aws-cn", a.Partition())
	assert.Equal(t, "arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod", a.EKSClusterARN("prod"))
	assert.Equal(t, "arn:aws-cn:iam::111122223333:role/p/*", a.RolePathARN("/p/"))
}
