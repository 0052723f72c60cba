package guardrails_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
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
				ExemptPrincipalArns: []string{"arn:aws:iam::111122223333:role/PlatformAdmin"},
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
	require.Len(t, st, 4)
	deployRole := iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}
	for _, s := range st {
		assert.Equal(t, iampolicy.Deny, s.Effect, s.Sid)
		assert.Nil(t, s.Principal, s.Sid)
	}
	assert.Equal(t, iampolicy.Values{"iam:CreateRole", "iam:CreateUser", "iam:TagRole", "iam:TagUser"}, st[0].Action)
	assert.Equal(t, iampolicy.Conditions{
		"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": tagKeys},
		"ArnNotLike":                         {"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/PlatformAdmin"}},
	}, st[0].Condition, "only the exempt roles: the library never writes the keys, so not even the deploy role may")

	for _, action := range []string{"iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:TagRole", "iam:PassRole"} {
		assert.Contains(t, st[1].Action, action)
	}
	assert.Equal(t, iampolicy.Values{"arn:aws:iam::*:role/eks-multi-account/*"}, st[1].Resource)
	assert.Equal(t, deployRole, st[1].Condition, "only the deploy role may change the library's roles, exempt roles included")

	assert.Equal(t, iampolicy.Values(guardrails.RoleChangingActions), st[2].Action)
	assert.NotContains(t, st[2].Action, "iam:PassRole", "the deploy and exempt roles are passed as they always were")
	assert.Equal(t, iampolicy.Values{"arn:aws:iam::*:role/OrganizationAccountAccessRole", "arn:aws:iam::111122223333:role/PlatformAdmin"}, st[2].Resource)
	assert.Equal(t, deployRole, st[2].Condition, "nobody but the deploy role itself changes the deploy role or an exempt role")

	assert.Equal(t, iampolicy.Values(guardrails.ClusterAccessActions), st[3].Action)
	assert.Equal(t, iampolicy.Values{"arn:aws:eks:*:*:cluster/*", "arn:aws:eks:*:*:access-entry/*", "arn:aws:eks:*:*:podidentityassociation/*"}, st[3].Resource)
	assert.Equal(t, iampolicy.Conditions{
		"StringEquals": {"aws:ResourceTag/eks-multi-account/managed-by": {"eks-multi-account"}},
		"ArnNotLike":   {"aws:PrincipalArn": {"arn:aws:iam::*:role/OrganizationAccountAccessRole"}},
	}, st[3].Condition, "only the library's clusters, and only the deploy role")

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
		`exemptPrincipalArns[0]: "PlatformAdmin" is not an IAM role ARN with its account ID`)
	r = runGuardrails(t, func(a *guardrails.Args) {
		a.ExemptPrincipalArns = []string{"arn:aws:iam::*:role/PlatformAdmin", "arn:aws:iam::000011112222:user/admin", "arn:aws:iam::000011112222:role/OrgAdmin"}
	})
	testkit.RequireRejected(t, r, `Guardrails "organization"`,
		`exemptPrincipalArns[2]: "arn:aws:iam::000011112222:role/OrgAdmin" is in the management account, which SCPs never bind: it needs no exemption`,
		`exemptPrincipalArns[0]: "arn:aws:iam::*:role/PlatformAdmin" is not an IAM role ARN with its account ID (arn:aws:iam::111122223333:role/PlatformAdmin): an exemption that any account may claim by creating a role of that name exempts anyone`,
		`exemptPrincipalArns[1]: "arn:aws:iam::000011112222:user/admin" is not an IAM role ARN with its account ID`)
}

// The SCP and RCP stay within Organizations' 5,120 characters with ten
// exempt roles, each named with its account and a path.
func TestThePoliciesFitWithTenExemptRoles(t *testing.T) {
	var exempt []string
	for i := range 10 {
		exempt = append(exempt, fmt.Sprintf("arn:aws:iam::%012d:role/platform/PlatformAdministrator-%02d", 100000000000+i, i))
	}
	r := runGuardrails(t, func(a *guardrails.Args) { a.ExemptPrincipalArns = exempt })
	require.NoError(t, r.Err)
	for _, name := range []string{"organization-tag-guard", "organization-session-tag-guard"} {
		p := testkit.Named(t, r.Resources(), "aws:organizations/policy:Policy", name)
		text := testkit.Input(p, "content")
		assert.LessOrEqual(t, len(text), iampolicy.ServiceControlPolicyLimit, "%s is %d characters", name, len(text))
		t.Logf("%s: %d characters", name, len(text))
	}
}

// The library's own tag keys are never a Pod Identity key, in any case:
// the SCP denies those to everyone but the exempt roles, the deploy role
// included.
func TestTheLibrarysTagsAreNoPodIdentityKey(t *testing.T) {
	for _, key := range trust.PodIdentityTagKeys {
		assert.False(t, strings.EqualFold(key, naming.ManagedTagKey), key)
	}
	var ps validate.Problems
	providers.CheckTags("defaults.tags", map[string]string{"Kubernetes-Namespace": "x", "team": "y"}, &ps)
	assert.ErrorContains(t, ps.Err(), `defaults.tags: "Kubernetes-Namespace" is a reserved tag key`, "nor may the configuration's default tags be")
}
