package trust

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
)

var id = Identity{ClusterARN: "arn:aws:eks:us-east-1:111122223333:cluster/prod", Namespace: "payroll", ServiceAccount: "app"}

func TestIRSAScopesToOneServiceAccountAndTheSTSAudience(t *testing.T) {
	doc := IRSA("arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", id)
	text, err := doc.JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/ABC:aud":"sts.amazonaws.com","oidc.eks.us-east-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:payroll:app"}}}]}`, text)
}

func TestChainTargetTrustsTheSourceRoleNotTheAccount(t *testing.T) {
	doc := ChainTarget("arn:aws:iam::111122223333:role/src", "AROAEXAMPLE", id)
	s := doc.Statement[0]
	assert.Equal(t, "ChainFromAROAEXAMPLE", s.Sid)
	assert.Equal(t, iampolicy.Values{"arn:aws:iam::111122223333:role/src"}, s.Principal.AWS)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, s.Action)
	assert.Equal(t, map[string]iampolicy.Values{
		"aws:PrincipalTag/eks-cluster-arn":            {id.ClusterARN},
		"aws:PrincipalTag/kubernetes-namespace":       {"payroll"},
		"aws:PrincipalTag/kubernetes-service-account": {"app"},
	}, s.Condition["StringEquals"])
}

func TestChainingPermissionsAllowOnlySTS(t *testing.T) {
	doc := ChainingPermissions("arn:aws:iam::444455556666:role/eks-multi-account/prod/*")
	require.Len(t, doc.Statement, 1)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, doc.Statement[0].Action)
	assert.Nil(t, doc.Statement[0].Principal)
}

func TestPlaceholdersAreAsLongAsTheRealValues(t *testing.T) {
	assert.Len(t, PlaceholderUniqueID(), len("AROA3XFRBF535PLBIFPI4"))
	assert.Equal(t, len("https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"), len(PlaceholderIssuerURL("us-east-1")))
	assert.True(t, strings.HasSuffix(trimID(PlaceholderIssuerURL("cn-north-1")), "amazonaws.com.cn/id/"))
}

func trimID(u string) string { return u[:strings.LastIndex(u, "/")+1] }

func TestFargatePodsTrustIsScopedToTheClustersProfiles(t *testing.T) {
	text, err := FargatePods("arn:aws:eks:us-east-1:111122223333:fargateprofile/prod/*").JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks-fargate-pods.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:eks:us-east-1:111122223333:fargateprofile/prod/*"}}}]}`, text)
}
