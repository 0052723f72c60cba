//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// Destroy and retire on the stand-in AWS: what AWS needs deleted first.

// drainCluster is a cluster account with a node group and a Fargate
// profile, as its stack file's clusterAccounts list.
const drainCluster = `[{name: drain, accountId: "828282828282", vpcCidr: 10.82.0.0/16, availabilityZones: 2, singleNatGateway: true,
      fargateProfiles: [{name: jobs, namespaces: [jobs]}], nodeGroups: [{name: general, instanceTypes: [m6i.large], minSize: 1, maxSize: 2, desiredSize: 1}]}]`

// Removing a cluster's node groups (moving it to Fargate) deletes the node
// group and the node role with its policies in one update. The node group
// waits for the policies, so it is drained and gone before they are
// detached; otherwise both deletes run at once, the role loses what its
// nodes need to drain, and EKS fails the delete (DELETE_FAILED).
func TestRemovedNodeGroupsDrainBeforeTheirRolesPoliciesGo(t *testing.T) {
	file := stackFile(t, "drain", `config:
  eks-multi-account:model: centralized
  eks-multi-account:defaults: {region: us-east-1, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
  eks-multi-account:clusterAccounts: `+drainCluster+`
`)
	o := newOrganization(t, orgFile, file)
	o.up(t, o.stack(t, orgFile))
	s := o.stack(t, file)
	o.up(t, s)
	inAccount := func(x *world.Object) bool { return x.Account == "828282828282" }
	require.Len(t, o.state(t).Select("aws:eks/nodeGroup:NodeGroup", inAccount), 1)

	fargateOnly := `[{"name":"drain","accountId":"828282828282","vpcCidr":"10.82.0.0/16","availabilityZones":2,"singleNatGateway":true,"fargateProfiles":[{"name":"jobs","namespaces":["jobs"]}]}]`
	require.NoError(t, s.SetConfig(context.Background(), "eks-multi-account:clusterAccounts", auto.ConfigValue{Value: fargateOnly}))
	o.up(t, s)
	after := o.state(t)
	assert.Empty(t, after.Select("aws:eks/nodeGroup:NodeGroup", inAccount), "the node group is gone")
	assert.Empty(t, after.Select("aws:iam/role:Role", func(x *world.Object) bool { return inAccount(x) && x.ID == "drain-node" }), "and so is its role")
	assert.Len(t, after.Select("aws:eks/fargateProfile:FargateProfile", inAccount), 1, "the Fargate profile stays")
	o.destroy(t, s)
}
