package critical_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/critical"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// resource is a plan resource of a type, waiting for deps.
func resource(urn, typ string, deps ...string) plan.Resource {
	return plan.Resource{URN: urn, Type: typ, Name: urn, Kind: plan.KindResource, Dependencies: deps}
}

func TestThePathIsTheLongestChain(t *testing.T) {
	component := plan.Resource{URN: "comp", Type: "eks-multi-account:index:ClusterAccount", Name: "comp", Kind: plan.KindComponent}
	cluster := plan.Resource{URN: "cluster", Type: "eks:index:Cluster", Name: "cluster", Kind: plan.KindComponent, Parent: "comp", Dependencies: []string{"subnet"}}
	nat := resource("nat", "aws:ec2/natGateway:NatGateway", "subnet")
	nat.Parent = "comp"
	nodes := resource("nodes", "aws:eks/nodeGroup:NodeGroup", "cluster", "role", "nat")
	nodes.Parent = "comp"
	doc := &plan.Document{Resources: []plan.Resource{
		component, cluster, nat,
		resource("vpc", "aws:ec2/vpc:Vpc"),
		resource("subnet", "aws:ec2/subnet:Subnet", "vpc"),
		resource("role", "aws:iam/role:Role"),
		nodes,
		// Waiting for the component is waiting for everything inside it.
		resource("release", "kubernetes:helm.sh/v3:Release", "comp"),
	}}
	path := critical.Of(doc)
	var chain []string
	for _, s := range path.Steps {
		chain = append(chain, s.URN)
	}
	assert.Equal(t, []string{"vpc", "subnet", "cluster", "nodes", "release"}, chain)
	assert.Equal(t, 5*time.Second+5*time.Second+10*time.Minute+4*time.Minute+time.Minute, path.Total)
	assert.Equal(t, 10*time.Second, path.Steps[2].Start, "the cluster starts once its subnet exists")
	assert.Equal(t, 10*time.Minute+10*time.Second, path.Steps[3].Start, "the nodes start once the cluster exists, the NAT gateway long done")
	assert.True(t, critical.Opaque(path.Steps[2].Resource))
}

func TestProviderProcesses(t *testing.T) {
	doc := &plan.Document{Resources: []plan.Resource{
		{URN: "a", Type: "pulumi:providers:aws", Kind: plan.KindProvider},
		{URN: "b", Type: "pulumi:providers:aws", Kind: plan.KindProvider},
		{URN: "k", Type: "pulumi:providers:kubernetes", Kind: plan.KindProvider},
		resource("vpc", "aws:ec2/vpc:Vpc"),
	}}
	require.Equal(t, map[string]int{"aws": 2, "kubernetes": 1}, critical.ProviderProcesses(doc))
}
