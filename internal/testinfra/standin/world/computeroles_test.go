package world

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A node group settles, and is deleted, only while its role has the
// policies its nodes need; a Fargate profile likewise with its pod
// execution role's.
func TestNodeGroupsAndFargateProfilesNeedTheirRolesPolicies(t *testing.T) {
	s := seeded(t)
	c := versioned(t, s, inCluster, "pol", "1.35")
	subnet := c.Inputs["vpcConfig"].(map[string]any)["subnetIds"].([]any)[0]
	nodeRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("pol-nodes", trustEC2))
	attach := func(r *Object, policy string) *Object {
		return mustCreate(t, s, inCluster, "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
			map[string]any{"role": r.ID, "policyArn": "arn:aws:iam::aws:policy/" + policy})
	}
	ng := map[string]any{"clusterName": "pol", "nodeGroupName": "general", "nodeRoleArn": nodeRole.Str("arn"), "subnetIds": []any{subnet}}

	group := mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng)
	err := s.SettleCompute(inCluster, group.Type, group.ID)
	requireAWSError(t, err, "NodeCreationFailure")
	assert.ErrorContains(t, err, "its role lacks AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly or AmazonEC2ContainerRegistryPullOnly, AmazonEKS_CNI_Policy")
	assert.Nil(t, s.Find(inCluster, group.Type, group.ID), "the failed node group is gone")

	attach(nodeRole, "AmazonEKSWorkerNodePolicy")
	attach(nodeRole, "AmazonEC2ContainerRegistryPullOnly")
	cni := attach(nodeRole, "AmazonEKS_CNI_Policy")
	group = mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", ng)
	require.NoError(t, s.SettleCompute(inCluster, group.Type, group.ID), "either ECR policy will do")

	s.StartDeleting(inCluster, group.Type, group.ID)
	assert.Equal(t, "DELETING", s.Find(inCluster, group.Type, group.ID).Str("status"))
	require.NoError(t, s.Delete(inCluster, cni.Type, cni.ID), "IAM detaches a policy whatever uses the role")
	err = s.FinishDeleting(inCluster, group.Type, group.ID)
	requireAWSError(t, err, "DELETE_FAILED")
	assert.ErrorContains(t, err, "its nodes could not be drained, its role lacks AmazonEKS_CNI_Policy")
	assert.Equal(t, "DELETE_FAILED", s.Find(inCluster, group.Type, group.ID).Str("status"))
	attach(nodeRole, "AmazonEKS_CNI_Policy")
	require.NoError(t, s.FinishDeleting(inCluster, group.Type, group.ID))
	assert.Nil(t, s.Find(inCluster, group.Type, group.ID))

	podRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("pol-pods", trustEC2))
	profile := mustCreate(t, s, inCluster, "aws:eks/fargateProfile:FargateProfile", map[string]any{
		"clusterName": "pol", "fargateProfileName": "jobs", "podExecutionRoleArn": podRole.Str("arn"), "subnetIds": []any{subnet},
		"selectors": []any{map[string]any{"namespace": "jobs"}},
	})
	err = s.SettleCompute(inCluster, profile.Type, profile.ID)
	requireAWSError(t, err, "InvalidParameterException")
	assert.ErrorContains(t, err, "its role lacks AmazonEKSFargatePodExecutionRolePolicy")
}
