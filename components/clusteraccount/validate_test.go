package clusteraccount_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

func TestBadArgsAreRejectedBeforeAnythingIsRegistered(t *testing.T) {
	cases := map[string]struct {
		edit func(*clusteraccount.Args)
		want []string
	}{
		"bad account":      {func(a *clusteraccount.Args) { a.Account.ID = "1111" }, []string{`account.id: "1111" is not a 12-digit AWS account ID`}},
		"no eks provider":  {func(a *clusteraccount.Args) { a.EKSProvider = nil }, []string{`eksProvider: is required`}},
		"bad cluster name": {func(a *clusteraccount.Args) { a.ClusterName = "-prod" }, []string{`clusterName: "-prod" is not an EKS cluster name`}},
		"long cluster name": {func(a *clusteraccount.Args) { a.ClusterName = strings.Repeat("p", 50) },
			[]string{`gives the role name "` + strings.Repeat("p", 50) + `-pod-identity-chain", which is 69 characters, over IAM's 64-character limit`}},
		"bad version": {func(a *clusteraccount.Args) { a.KubernetesVersion = "v1.34" }, []string{`kubernetesVersion: "v1.34" is not a Kubernetes minor version`}},
		"deploy role elsewhere": {func(a *clusteraccount.Args) { a.DeployRoleARN = "arn:aws:iam::999999999999:role/Deploy" },
			[]string{`deployRoleArn: "arn:aws:iam::999999999999:role/Deploy" is not a role in the cluster account 111122223333`}},
		"no network": {func(a *clusteraccount.Args) { a.VpcCIDR = "" }, []string{`vpcCidr: or existingNetwork is required`}},
		"bad cidr":   {func(a *clusteraccount.Args) { a.VpcCIDR = "10.0.0.0/8" }, []string{`vpcCidr: "10.0.0.0/8" is a /8; a VPC block here must be /16 to /22`}},
		"one zone":   {func(a *clusteraccount.Args) { a.AvailabilityZones = 1 }, []string{`availabilityZones: 1 is outside 2..6`}},
		"no compute": {func(a *clusteraccount.Args) { a.NodeGroups, a.FargateProfiles = nil, nil }, []string{`nodeGroups: or fargateProfiles: the cluster needs somewhere to run pods`}},
		"bad node group": {func(a *clusteraccount.Args) { a.NodeGroups[0].DesiredSize = 9; a.NodeGroups[1].CapacityType = "CHEAP" },
			[]string{`nodeGroups[0].desiredSize: 9 must be within minSize 2 and maxSize 6`, `nodeGroups[1].capacityType: "CHEAP" is not one of`}},
		"duplicate node group": {func(a *clusteraccount.Args) { a.NodeGroups[1].Name = "general" }, []string{`nodeGroups[1].name: "general" is used by another node group`}},
		"bad taint":            {func(a *clusteraccount.Args) { a.NodeGroups[1].Taints[0].Effect = "NoSchedule" }, []string{`nodeGroups[1].taints[0].effect: "NoSchedule" is not one of`}},
		"bad fargate ns":       {func(a *clusteraccount.Args) { a.FargateProfiles[0].Namespaces = []string{"Jobs"} }, []string{`fargateProfiles[0].namespaces[0]: "Jobs" is not a valid Kubernetes namespace name`}},
		"bad admin":            {func(a *clusteraccount.Args) { a.Admins = []string{"PlatformAdmin"} }, []string{`admins[0]: "PlatformAdmin" is not an IAM role ARN`}},
		"the deploy role as an admin": {func(a *clusteraccount.Args) {
			a.Admins = append(a.Admins, "arn:aws:iam::111122223333:role/organizationaccountaccessrole")
		}, []string{`admins[1]: "arn:aws:iam::111122223333:role/organizationaccountaccessrole" already has an access entry on the cluster, as the deploy role, which pulumi-eks gives one as the cluster creator; EKS allows one per IAM principal`}},
		"an admin twice": {func(a *clusteraccount.Args) {
			a.Admins = append(a.Admins, "arn:aws:iam::111122223333:role/ops/PlatformAdmin")
		},
			[]string{`admins[1]: "arn:aws:iam::111122223333:role/ops/PlatformAdmin" already has an access entry on the cluster, as admins[0]`}},
		"the node role as an admin": {func(a *clusteraccount.Args) { a.Admins = []string{"arn:aws:iam::111122223333:role/prod-node"} },
			[]string{`admins[0]: "arn:aws:iam::111122223333:role/prod-node" already has an access entry on the cluster, as the node role, whose entry EKS creates`}},
		"reserved tag":          {func(a *clusteraccount.Args) { a.Tags = map[string]string{"eks-cluster-arn": "x"} }, []string{`tags: "eks-cluster-arn" is a reserved tag key`}},
		"endpoint access unset": {func(a *clusteraccount.Args) { a.EndpointAccess = nil }, []string{`endpointAccess: is required: publicCidrs`}},
		"no endpoint access":    {func(a *clusteraccount.Args) { a.EndpointAccess = &clusteraccount.EndpointAccess{} }, []string{`endpointAccess: needs publicCidrs`}},
		"both endpoint access":  {func(a *clusteraccount.Args) { a.EndpointAccess.PrivateOnly = true }, []string{`endpointAccess.privateOnly: true and publicCidrs are mutually exclusive`}},
		"bad public cidr": {func(a *clusteraccount.Args) { a.EndpointAccess.PublicCIDRs = []string{"203.0.113.7/24"} },
			[]string{`endpointAccess.publicCidrs[0]: "203.0.113.7/24" has host bits set; did you mean 203.0.113.0/24?`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, _ := runCluster(t, testkit.Run, c.edit)
			testkit.RequireRejected(t, r, `ClusterAccount "prod"`, c.want...)
		})
	}
}

func TestPreviewWithUnknownsDoesNotPanic(t *testing.T) {
	r, out := runCluster(t, testkit.Preview, func(*clusteraccount.Args) {})
	require.NoError(t, r.Err)
	assert.Nil(t, out.issuer, "the issuer is unknown until the cluster exists")
	rs := r.Resources()
	assert.Len(t, testkit.OfType(rs, "aws:eks/nodeGroup:NodeGroup"), 2)
	lt := testkit.Named(t, rs, "aws:ec2/launchTemplate:LaunchTemplate", "prod-lt-general")
	assert.Equal(t, "required", testkit.Input(lt, "metadataOptions", "httpTokens"))
	k8s := testkit.Named(t, rs, "pulumi:providers:kubernetes", "prod-k8s")
	assert.Empty(t, k8s.Account, "the kubeconfig is unknown in a preview")
}
