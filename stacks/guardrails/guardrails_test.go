package guardrails_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

func TestGuardrailsInTheManagementAccount(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		mgmt, err := testkit.Account(ctx, "000011112222", "us-east-1")
		if err != nil {
			return err
		}
		_, err = guardrails.NewGuardrails(ctx, "organization", &guardrails.Args{
			Management: mgmt, DeployRoleName: "OrganizationAccountAccessRole",
			TagGuardTargets:     []string{"ou-ab12-cdef3456", "222233334444"},
			ExemptPrincipalArns: []string{"arn:aws:iam::*:role/PlatformAdmin"},
		})
		return err
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	comp := testkit.Named(t, rs, guardrails.Type, "organization")
	for _, res := range rs {
		if res.Custom && !res.IsProvider() {
			assert.Equal(t, "000011112222", res.Account, res.Name)
			assert.Equal(t, comp.URN, res.Parent, res.Name)
		}
	}
	testkit.Named(t, rs, "aws:ram/sharingWithOrganization:SharingWithOrganization", "organization-ram-org-sharing")
	policy := testkit.Named(t, rs, "aws:organizations/policy:Policy", "organization-tag-guard")
	assert.Equal(t, "SERVICE_CONTROL_POLICY", testkit.Input(policy, "type"))
	st := testkit.Policy(t, policy, "content").Statement
	require.Len(t, st, 1)
	assert.Equal(t, iampolicy.Deny, st[0].Effect)
	assert.Nil(t, st[0].Principal)
	assert.Equal(t, iampolicy.Values{"iam:CreateRole", "iam:CreateUser", "iam:TagRole", "iam:TagUser"}, st[0].Action)
	assert.Equal(t, iampolicy.Conditions{
		"ForAnyValue:StringLike": {"aws:TagKeys": {"kubernetes-*", "eks-*"}},
		"ArnNotLike":             {"aws:PrincipalArn": {"arn:aws:iam::*:role/PlatformAdmin", "arn:aws:iam::*:role/OrganizationAccountAccessRole"}},
	}, st[0].Condition)
	var targets []string
	for _, a := range testkit.OfType(rs, "aws:organizations/policyAttachment:PolicyAttachment") {
		assert.Equal(t, policy.ID, testkit.Input(a, "policyId"))
		targets = append(targets, testkit.Input(a, "targetId"))
	}
	assert.ElementsMatch(t, []string{"ou-ab12-cdef3456", "222233334444"}, targets)
}

func TestBadGuardrails(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		mgmt, err := testkit.Account(ctx, "000011112222", "us-east-1")
		if err != nil {
			return err
		}
		_, err = guardrails.NewGuardrails(ctx, "organization", &guardrails.Args{Management: mgmt, TagGuardTargets: []string{"ou-x"}, DeployRoleName: "bad name"})
		return err
	})
	testkit.RequireRejected(t, r, `Guardrails "organization"`, `deployRoleName: "bad name" is not a valid IAM role name`)
}
