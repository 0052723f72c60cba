package compare_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eks-multi-account/eks-multi-account/internal/compare"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

const (
	adminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	prefix      = "urn:pulumi:s::p::"
)

// clusterAdmin is an access policy of the cluster-admin policy on a scope.
func clusterAdmin(scope string) map[string]any {
	return map[string]any{"policyArn": adminPolicy, "accessScope": map[string]any{"type": scope}}
}

// A cluster's admins are its creator, unless EKS is told not to make it
// one, and every principal given the cluster-admin policy on the whole
// cluster, by an access entry of the cluster or an association; a
// namespace-scoped one is not.
func TestClusterAdminsPerCluster(t *testing.T) {
	row := compare.Of(&plan.Document{Resources: []plan.Resource{
		{Type: "eks:index:Cluster", Inputs: map[string]any{"name": "a", "accessEntries": map[string]any{
			"admin-0": map[string]any{"principalArn": "arn:aws:iam::1:role/Admin", "accessPolicies": map[string]any{"x": clusterAdmin("cluster")}},
			"view-0":  map[string]any{"principalArn": "arn:aws:iam::1:role/Viewer", "accessPolicies": map[string]any{"x": clusterAdmin("namespace")}},
		}}},
		{Type: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", Inputs: map[string]any{
			"clusterName": "a", "principalArn": "arn:aws:iam::1:role/Oncall", "policyArn": adminPolicy, "accessScope": map[string]any{"type": "cluster"}}},
		{Type: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", Inputs: map[string]any{
			"clusterName": "a", "principalArn": "arn:aws:iam::1:role/Admin", "policyArn": adminPolicy, "accessScope": map[string]any{"type": "cluster"}}},
		{Type: "eks:index:Cluster", Inputs: map[string]any{"name": "b", "bootstrapClusterCreatorAdminPermissions": false}},
	}})
	assert.Equal(t, 2, row.Clusters)
	assert.Equal(t, 3, row.ClusterAdmins, "creator, Admin (twice) and Oncall on a; none on b")
}

// Tenants are the namespaces of workload accounts and tenancies, however
// deep they are nested; namespaces count every namespace, per cluster; node
// groups count per cluster by name.
func TestTenantsNamespacesAndNodeGroupsPerCluster(t *testing.T) {
	ns := func(cluster, parent string) plan.Resource {
		return plan.Resource{Type: "kubernetes:core/v1:Namespace", Cluster: cluster, Parent: prefix + parent}
	}
	ng := func(cluster string) plan.Resource {
		return plan.Resource{Type: "aws:eks/nodeGroup:NodeGroup", Inputs: map[string]any{"clusterName": cluster}}
	}
	row := compare.Of(&plan.Document{Resources: []plan.Resource{
		ns("a", "eks-multi-account:index:WorkloadAccount::payroll"),
		ns("a", "eks-multi-account:index:VendedCluster$eks-multi-account:index:WorkloadAccount::reports"),
		ns("a", "eks-multi-account:index:Tenancy::search"),
		ns("a", "eks-multi-account:index:Flux::flux"),
		ns("b", "eks-multi-account:index:WorkloadAccount::billing"),
		ng("a"), ng("b"), ng("b"),
		{Type: "aws:ec2/vpc:Vpc"}, {Type: "aws:ec2/natGateway:NatGateway"}, {Type: "aws:ec2/natGateway:NatGateway"},
		{Type: "aws:ec2transitgateway/vpcAttachment:VpcAttachment"},
	}, Cost: &plan.Cost{Total: 12.5, Unpriced: []plan.Unpriced{{Item: "x"}}}})
	assert.Equal(t, compare.Row{VPCs: 1, NATGateways: 2, TransitGatewayAttachments: 1, Monthly: 12.5, Unpriced: 1,
		TenantsPerCluster: 3, MostNamespaces: 4, MostNodeGroups: 2}, row)
}
