package guardrails_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

func runGuardrails(t *testing.T, edit func(*guardrails.Args)) testkit.Result {
	t.Helper()
	return testkit.Run(t, func(ctx *pulumi.Context) error {
		mgmt, err := testkit.Account(ctx, "000011112222", "us-east-1")
		if err != nil {
			return err
		}
		args := &guardrails.Args{
			Management: mgmt, DeployRoleName: "OrganizationAccountAccessRole",
			Spec: guardrails.Spec{
				TargetIDs:           []string{"ou-ab12-cdef3456", "222233334444"},
				ExemptPrincipalArns: []string{"arn:aws:iam::*:role/PlatformAdmin"},
			},
		}
		edit(args)
		_, err = guardrails.NewGuardrails(ctx, "organization", args)
		return err
	})
}

var tagKeys = iampolicy.Values{"eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace", "kubernetes-pod-name", "kubernetes-pod-uid", "kubernetes-service-account"}

func TestGuardrailsInTheManagementAccount(t *testing.T) {
	r := runGuardrails(t, func(*guardrails.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()
	comp := testkit.Named(t, rs, guardrails.Type, "organization")
	for _, res := range rs {
		if res.Custom && !res.IsProvider() {
			assert.Equal(t, "000011112222", res.Account, res.Name)
			assert.Equal(t, comp.URN, res.Parent, res.Name)
		}
	}
	sharing := testkit.Named(t, rs, "aws:ram/sharingWithOrganization:SharingWithOrganization", "organization-ram-org-sharing")
	assert.True(t, sharing.RetainOnDelete, "destroying the stack must not turn sharing off for the whole organization")

	scp := testkit.Named(t, rs, "aws:organizations/policy:Policy", "organization-tag-guard")
	assert.Equal(t, "SERVICE_CONTROL_POLICY", testkit.Input(scp, "type"))
	assert.Equal(t, guardrails.TagGuardPolicyName, testkit.Input(scp, "name"))
	st := testkit.Policy(t, scp, "content").Statement
	require.Len(t, st, 2)
	assert.Equal(t, iampolicy.Deny, st[0].Effect)
	assert.Nil(t, st[0].Principal)
	assert.Equal(t, iampolicy.Values{"iam:CreateRole", "iam:CreateUser", "iam:TagRole", "iam:TagUser"}, st[0].Action)
	assert.Equal(t, iampolicy.Conditions{
		"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": tagKeys},
		"ArnNotLike":                         {"aws:PrincipalArn": {"arn:aws:iam::*:role/PlatformAdmin", "arn:aws:iam::*:role/OrganizationAccountAccessRole"}},
	}, st[0].Condition)
	assert.Equal(t, iampolicy.Deny, st[1].Effect)
	assert.Contains(t, st[1].Action, "iam:UpdateAssumeRolePolicy")
	assert.Contains(t, st[1].Action, "iam:PutRolePolicy")
	assert.Contains(t, st[1].Action, "iam:TagRole")
	assert.Equal(t, iampolicy.Values{"arn:aws:iam::*:role/eks-multi-account/*"}, st[1].Resource)
	assert.Equal(t, iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}, st[1].Condition,
		"only the deploy role may change the library's roles, exempt principals included")

	rcp := testkit.Named(t, rs, "aws:organizations/policy:Policy", "organization-session-tag-guard")
	assert.Equal(t, "RESOURCE_CONTROL_POLICY", testkit.Input(rcp, "type"))
	assert.Contains(t, testkit.Input(rcp, "content"), `"Principal":"*"`, "an RCP names the bare * principal")
	st = testkit.Policy(t, rcp, "content").Statement
	require.Len(t, st, 1)
	assert.Equal(t, iampolicy.Values{"sts:TagSession"}, st[0].Action)
	assert.Equal(t, iampolicy.Values{"true"}, st[0].Condition["Null"]["aws:PrincipalTag/kubernetes-namespace"])
	assert.Len(t, st[0].Condition["Null"], 6, "a caller carrying the EKS principal tags (a pod's session) is exempt")
	assert.Equal(t, iampolicy.Values{"false"}, st[0].Condition["BoolIfExists"]["aws:PrincipalIsAWSService"])
	assert.Equal(t, tagKeys, st[0].Condition["ForAnyValue:StringEqualsIgnoreCase"]["aws:TagKeys"])

	attached := map[string][]string{}
	for _, a := range testkit.OfType(rs, "aws:organizations/policyAttachment:PolicyAttachment") {
		attached[testkit.Input(a, "policyId")] = append(attached[testkit.Input(a, "policyId")], testkit.Input(a, "targetId"))
	}
	assert.ElementsMatch(t, []string{"ou-ab12-cdef3456", "222233334444"}, attached[scp.ID])
	assert.ElementsMatch(t, []string{"ou-ab12-cdef3456", "222233334444"}, attached[rcp.ID])
}

func TestWithoutTargetsOnlySharingIsEnabled(t *testing.T) {
	r := runGuardrails(t, func(a *guardrails.Args) { a.TargetIDs = nil })
	require.NoError(t, r.Err)
	rs := r.Resources()
	assert.Empty(t, testkit.OfType(rs, "aws:organizations/policy:Policy"))
	assert.Len(t, testkit.OfType(rs, "aws:ram/sharingWithOrganization:SharingWithOrganization"), 1)
}

func TestBadGuardrails(t *testing.T) {
	r := runGuardrails(t, func(a *guardrails.Args) {
		a.TargetIDs = []string{"ou-x", "000011112222"}
		a.ExemptPrincipalArns = []string{"PlatformAdmin"}
		a.DeployRoleName = "bad name"
	})
	testkit.RequireRejected(t, r, `Guardrails "organization"`,
		`deployRoleName: "bad name" is not a valid IAM role name`,
		`targetIds[0]: "ou-x" is not a root (r-...), OU (ou-...-...) or account ID`,
		`targetIds[1]: "000011112222" is the management account, which SCPs and RCPs never bind`,
		`exemptPrincipalArns[0]: "PlatformAdmin" is not an IAM principal ARN`)
}
