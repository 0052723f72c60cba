package world

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cluster puts network interfaces in its subnets, with its security
// groups; they outlive it for the world's linger, and until they are
// released the subnets and groups cannot be deleted.
func TestAClustersInterfacesOutliveItForAWhile(t *testing.T) {
	s := seeded(t)
	s.InterfaceLinger = time.Hour
	subnets := network(t, s, inCluster, 5)
	group := mustCreate(t, s, inCluster, "aws:ec2/securityGroup:SecurityGroup", map[string]any{"vpcId": subnets[0].Str("vpcId"), "name": "cp"})
	ids := []any{}
	for _, sn := range subnets {
		ids = append(ids, sn.ID)
	}
	clusterRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("eni-cluster", trustEKS))
	c := mustCreate(t, s, inCluster, "aws:eks/cluster:Cluster", map[string]any{
		"name": "eni", "roleArn": clusterRole.Str("arn"), "vpcConfig": map[string]any{"subnetIds": ids, "securityGroupIds": []any{group.ID}},
	})
	enis := s.Select(NetworkInterfaceType, func(e *Object) bool { return e.Str("owner") == c.Str("arn") })
	require.Len(t, enis, maxControlPlaneInterfaces, "EKS puts at most four interfaces in the cluster's subnets")
	assert.Contains(t, enis[0].Strs("securityGroups"), group.ID)
	assert.True(t, enis[0].Implicit)

	require.NoError(t, s.Delete(inCluster, c.Type, c.ID))
	requireAWSError(t, s.Delete(inCluster, subnets[0].Type, subnets[0].ID), "DependencyViolation")
	requireAWSError(t, s.Delete(inCluster, group.Type, group.ID), "DependencyViolation")
	require.NoError(t, s.Delete(inCluster, subnets[4].Type, subnets[4].ID), "the fifth subnet has no interface")

	s.expire(time.Now().Add(2 * time.Hour))
	assert.Empty(t, s.Select(NetworkInterfaceType, nil), "released after the linger")
	require.NoError(t, s.Delete(inCluster, subnets[0].Type, subnets[0].ID))
	require.NoError(t, s.Delete(inCluster, group.Type, group.ID))
}

// A load balancer made for a Service holds a security group and network
// interfaces in the subnets it names, which block the subnets, the VPC and,
// when it faces the internet, the internet gateway, until it is deleted:
// also on subnets shared from another account, whose owner cannot delete
// them meanwhile.
func TestLoadBalancersBlockTheirNetworkUntilDeleted(t *testing.T) {
	s := seeded(t)
	subnets := network(t, s, inCluster, 2)
	c := newCluster(t, s, inCluster, "lb", subnets)
	vpc := s.first("aws:ec2/vpc:Vpc", func(*Object) bool { return true })
	igw := s.first("aws:ec2/internetGateway:InternetGateway", func(*Object) bool { return true })
	nlb := &lbControllers[0]
	req := loadBalancerRequest{Cluster: c.Str("arn"), Service: "team-a/web", Subnets: []string{subnets[0].ID, subnets[1].ID}}
	lb, err := s.provision(nlb, req)
	require.NoError(t, err)
	assert.Equal(t, lb, s.LoadBalancerOf(c.Str("arn"), "team-a/web"))
	assert.Len(t, s.Select(NetworkInterfaceType, func(e *Object) bool { return e.Str("owner") == lb.Str("arn") }), 2)

	// The cluster goes; its own interfaces at once (no linger set), the
	// load balancer's stay.
	require.NoError(t, s.Delete(inCluster, c.Type, c.ID))
	requireAWSError(t, s.Delete(inCluster, subnets[0].Type, subnets[0].ID), "DependencyViolation")
	requireAWSError(t, s.Delete(inCluster, igw.Type, igw.ID), "DependencyViolation")
	assert.Contains(t, leftoverTypes(s), "aws:lb/loadBalancer:LoadBalancer")

	s.deprovision(c.Str("arn"), "team-a/web")
	assert.Nil(t, s.LoadBalancerOf(c.Str("arn"), "team-a/web"))
	for _, o := range []*Object{igw, subnets[0], subnets[1], vpc} {
		require.NoError(t, s.Delete(inCluster, o.Type, o.ID), o.String())
	}
}

// Without subnets named, a load balancer goes in the cluster VPC's subnets
// tagged for its scheme, and none tagged is a failure to make it.
func TestLoadBalancersFindSubnetsByTheirTags(t *testing.T) {
	s := seeded(t)
	subnets := network(t, s, inCluster, 2)
	c := newCluster(t, s, inCluster, "tags", subnets)
	internal := loadBalancerRequest{Cluster: c.Str("arn"), Service: "team-a/api", Internal: true}
	_, err := s.provision(&lbControllers[1], internal)
	assert.ErrorContains(t, err, "tagged kubernetes.io/role/internal-elb")
	subnets[1].Inputs["tags"] = map[string]any{"kubernetes.io/role/internal-elb": "1"}
	lb, err := s.provision(&lbControllers[1], internal)
	require.NoError(t, err)
	assert.Equal(t, []string{subnets[1].ID}, lb.Strs("subnets"))
	assert.Equal(t, "internal", lb.Str("scheme"))
}

// The AWS Load Balancer Controller runs on the cluster's nodes: only while
// a node group or Fargate profile runs.
func TestComputeRunsWhileANodeGroupIsActive(t *testing.T) {
	s := seeded(t)
	c := versioned(t, s, inCluster, "nodes", "1.35")
	assert.False(t, s.ComputeRuns(c.Str("arn")))
	subnet := c.Inputs["vpcConfig"].(map[string]any)["subnetIds"].([]any)[0]
	nodeRole := mustCreate(t, s, inCluster, "aws:iam/role:Role", role("nodes-role", trustEC2))
	group := mustCreate(t, s, inCluster, "aws:eks/nodeGroup:NodeGroup", map[string]any{"clusterName": "nodes", "nodeGroupName": "general", "nodeRoleArn": nodeRole.Str("arn"), "subnetIds": []any{subnet}})
	assert.True(t, s.ComputeRuns(c.Str("arn")))
	s.StartDeleting(inCluster, group.Type, group.ID)
	assert.False(t, s.ComputeRuns(c.Str("arn")), "draining nodes run no controller")
}

// KMS schedules a key's deletion: the key stays, pending deletion for its
// window, out of the leftovers and unusable; the window is 7 to 30 days.
func TestKeysArePendingDeletionForTheirWindow(t *testing.T) {
	s := seeded(t)
	_, err := s.Create(inCluster, "aws:kms/key:Key", map[string]any{"deletionWindowInDays": 3.0})
	requireAWSError(t, err, "ValidationException")
	key := mustCreate(t, s, inCluster, "aws:kms/key:Key", map[string]any{"deletionWindowInDays": 7.0})
	require.NoError(t, s.Delete(inCluster, key.Type, key.ID))
	require.NotNil(t, s.Find(inCluster, key.Type, key.ID), "AWS never deletes a key at once")
	assert.True(t, key.PendingDeletion())
	due, err := time.Parse(time.RFC3339, key.Str("deletionDate"))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(7*24*time.Hour), due, time.Minute)
	assert.NotContains(t, leftoverTypes(s), key.Type)
	assert.Equal(t, []*Object{key}, s.PendingDeletion())
	require.NoError(t, s.Delete(inCluster, key.Type, key.ID), "deleting it again changes nothing")
}

// leftoverTypes lists the types of the world's leftovers.
func leftoverTypes(s *State) []string {
	var out []string
	for _, o := range s.Leftovers() {
		out = append(out, o.Type)
	}
	return out
}
