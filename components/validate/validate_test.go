package validate

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProblemsNameThePathAndTheValue(t *testing.T) {
	var ps Problems
	ps.Add(Index("workloadAccounts", 2)+".accountId", "12345", "is not a 12-digit AWS account ID")
	ps.Addf("nodeGroups[0].maxSize", 0, "must be at least %d", 1)
	ps.Missing("clusterName")
	assert.Equal(t, "workloadAccounts[2].accountId: \"12345\" is not a 12-digit AWS account ID\n"+
		"nodeGroups[0].maxSize: 0 must be at least 1\n"+
		"clusterName: is required", ps.Err().Error())
}

func TestNoProblemsIsNil(t *testing.T) {
	var ps Problems
	assert.NoError(t, ps.Err())
}

func TestNestPrefixesEveryProblem(t *testing.T) {
	var inner Problems
	inner.Add("namespace", "Bad", "is not valid")
	inner.Add("mode", "x", "is unknown")
	var outer Problems
	outer.Nest("serviceAccounts[1]", inner.Err())
	outer.Nest("ignored", nil)
	outer.Nest("other", errors.New("plain"))
	assert.Equal(t, "serviceAccounts[1].namespace: \"Bad\" is not valid\nserviceAccounts[1].mode: \"x\" is unknown\nplain", outer.Err().Error())
	var p Problem
	require.True(t, errors.As(outer.Err(), &p))
	assert.Equal(t, "serviceAccounts[1].namespace", p.Path)
}

func TestNameRules(t *testing.T) {
	assert.True(t, IsAccountID("111122223333"))
	assert.False(t, IsAccountID("11112222333"))
	assert.False(t, IsAccountID("11112222333a"))
	assert.True(t, IsDNS1123Label("payroll-1"))
	for _, bad := range []string{"Payroll", "-a", "a-", "a_b", "a.b", ""} {
		assert.False(t, IsDNS1123Label(bad), bad)
	}
	assert.True(t, IsDNS1123Subdomain("app.v1"))
	assert.False(t, IsDNS1123Subdomain("app..v1"))
	assert.True(t, IsRegion("us-gov-west-1"))
	assert.False(t, IsRegion("Virginia"))
	assert.True(t, IsIAMRoleARN("arn:aws:iam::111122223333:role/a/b/c"))
	assert.True(t, IsIAMRoleARN("arn:aws-cn:iam::111122223333:role/x"))
	assert.False(t, IsIAMRoleARN("arn:aws:iam::111122223333:user/x"))
	assert.Empty(t, RoleName("a+b=c,d.e@f_g-h"))
	assert.Contains(t, RoleName("a b"), "is not a valid IAM role name")
	assert.Contains(t, RoleName(string(make([]byte, 65))), "over IAM's 64-character limit")
	assert.Empty(t, IAMPath("/"))
	assert.Empty(t, IAMPath("/eks-multi-account/prod/"))
	assert.NotEmpty(t, IAMPath("/no-trailing"))
	assert.NotEmpty(t, IAMPath("//"))
}

func TestPrincipalKeyIgnoresCaseAndPath(t *testing.T) {
	k := PrincipalKey("arn:aws:iam::111122223333:role/OrganizationAccountAccessRole")
	assert.Equal(t, k, PrincipalKey("arn:aws:iam::111122223333:role/organizationaccountaccessrole"))
	assert.Equal(t, k, PrincipalKey("arn:aws:iam::111122223333:role/team/OrganizationAccountAccessRole"))
	assert.NotEqual(t, k, PrincipalKey("arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"))
	assert.NotEqual(t, k, PrincipalKey("arn:aws:iam::111122223333:user/OrganizationAccountAccessRole"))
	assert.Equal(t, "not-an-arn", PrincipalKey("not-an-arn"))
}

// RoleOf refuses a value that is not a role ARN, or a role of another
// account, and leaves an empty one to the caller.
func TestRoleOf(t *testing.T) {
	var ps Problems
	ps.RoleOf("a", "", "000011112222", "the management account")
	ps.RoleOf("b", "arn:aws:iam::000011112222:role/path/Admin", "000011112222", "the management account")
	require.NoError(t, ps.Err())
	ps.RoleOf("c", "arn:aws:iam::000011112222:user/Admin", "000011112222", "the management account")
	ps.RoleOf("d", "arn:aws:iam::999999999999:role/Admin", "000011112222", "the management account")
	err := ps.Err()
	assert.ErrorContains(t, err, `c: "arn:aws:iam::000011112222:user/Admin" is not an IAM role ARN`)
	assert.ErrorContains(t, err, `d: "arn:aws:iam::999999999999:role/Admin" is not a role of the management account 000011112222`)
	assert.Equal(t, 2, ps.Len())
}
