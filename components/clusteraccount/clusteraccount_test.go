package clusteraccount_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
)

func baseArgs(account providers.Account, eksProvider pulumi.ProviderResource) *clusteraccount.Args {
	return &clusteraccount.Args{
		Spec: clusteraccount.Spec{
			ClusterName:       "prod",
			KubernetesVersion: "1.34",
			VpcCIDR:           "10.0.0.0/16",
			AvailabilityZones: 3,
			NodeGroups: []clusteraccount.NodeGroup{
				{Name: "general", InstanceTypes: []string{"m6i.large"}, MinSize: 2, MaxSize: 6, DesiredSize: 3},
				{Name: "batch", InstanceTypes: []string{"c6i.xlarge", "c5.xlarge"}, MinSize: 0, MaxSize: 10, DesiredSize: 0,
					CapacityType: "SPOT", Taints: []clusteraccount.Taint{{Key: "workload", Value: "batch", Effect: "NO_SCHEDULE"}}},
			},
			FargateProfiles: []clusteraccount.FargateProfile{{Name: "serverless", Namespaces: []string{"jobs"}}},
			Admins:          []string{"arn:aws:iam::111122223333:role/PlatformAdmin"},
			EndpointAccess:  &clusteraccount.EndpointAccess{PublicCIDRs: []string{"203.0.113.0/24"}},
		},
		Account:            account,
		EKSProvider:        eksProvider,
		DeployRoleARN:      "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
		SharedChainingRole: true,
		Tags:               map[string]string{"team": "platform"},
	}
}

type outputs struct {
	issuer, oidcARN, clusterARN, chainARN any
	privateARNs, privateRouteTables       any
}

func runCluster(t *testing.T, runner func(*testing.T, pulumi.RunFunc) testkit.Result, edit func(*clusteraccount.Args)) (testkit.Result, outputs) {
	t.Helper()
	var out outputs
	r := runner(t, func(ctx *pulumi.Context) error {
		account, err := testkit.Account(ctx, acct, region)
		if err != nil {
			return err
		}
		eksProvider, err := providers.NewEKSProvider(ctx, "eks")
		if err != nil {
			return err
		}
		args := baseArgs(account, eksProvider)
		edit(args)
		c, err := clusteraccount.NewClusterAccount(ctx, "prod", args)
		if err != nil {
			return err
		}
		for _, o := range []struct {
			dst *any
			out pulumi.Output
		}{{&out.issuer, c.OIDCIssuerURL}, {&out.oidcARN, c.OIDCProviderArn}, {&out.clusterARN, c.ClusterArn}, {&out.chainARN, c.SharedChainingRoleArn}, {&out.privateARNs, c.PrivateSubnetArns},
			{&out.privateRouteTables, c.PrivateRouteTableIDs}} {
			if *o.dst, _, err = testkit.Await(ctx, o.out); err != nil {
				return err
			}
		}
		return nil
	})
	return r, out
}

func TestClusterAccountCreatesEverythingInTheClusterAccount(t *testing.T) {
	r, out := runCluster(t, testkit.Run, func(*clusteraccount.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()

	var want []string
	add := func(typ string, names ...string) {
		for _, n := range names {
			want = append(want, typ+" "+n)
		}
	}
	add(clusteraccount.Type, "prod")
	add("pulumi:providers:aws", "aws-111122223333-us-east-1")
	add("pulumi:providers:eks", "eks")
	add("pulumi:providers:kubernetes", "prod-k8s")
	add("eks:index:Cluster", "prod-eks")
	add("aws:ec2/vpc:Vpc", "prod-vpc")
	add("aws:ec2/internetGateway:InternetGateway", "prod-igw")
	add("aws:ec2/routeTable:RouteTable", "prod-public-rt", "prod-private-routes-0", "prod-private-routes-1", "prod-private-routes-2")
	add("aws:ec2/route:Route", "prod-private-egress-0", "prod-private-egress-1", "prod-private-egress-2")
	for i := 0; i < 3; i++ {
		add("aws:ec2/subnet:Subnet", fmt.Sprintf("prod-public-%d", i), fmt.Sprintf("prod-private-%d", i))
		add("aws:ec2/routeTableAssociation:RouteTableAssociation", fmt.Sprintf("prod-public-%d-rt", i), fmt.Sprintf("prod-private-%d-rt", i))
		add("aws:ec2/eip:Eip", fmt.Sprintf("prod-nat-eip-%d", i))
		add("aws:ec2/natGateway:NatGateway", fmt.Sprintf("prod-nat-%d", i))
	}
	add("aws:kms/key:Key", "prod-secrets")
	add("aws:iam/role:Role", "prod-node-role", "prod-fargate-role", "prod-chaining-role")
	add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "prod-node-role-AmazonEKSWorkerNodePolicy",
		"prod-node-role-AmazonEC2ContainerRegistryReadOnly", "prod-node-role-AmazonEKS_CNI_Policy",
		"prod-fargate-role-AmazonEKSFargatePodExecutionRolePolicy")
	add("aws:ec2/launchTemplate:LaunchTemplate", "prod-lt-general", "prod-lt-batch")
	add("aws:eks/nodeGroup:NodeGroup", "prod-ng-general", "prod-ng-batch")
	add("aws:eks/fargateProfile:FargateProfile", "prod-fargate-serverless")
	add("aws:eks/addon:Addon", "prod-eks-pod-identity-agent", "prod-vpc-cni")
	assert.ElementsMatch(t, want, testkit.Types(rs))

	comp := testkit.Named(t, rs, clusteraccount.Type, "prod")
	for _, res := range rs {
		if res.URN == comp.URN || (res.IsProvider() && res.Type != "pulumi:providers:kubernetes") {
			continue
		}
		assert.Equal(t, comp.URN, res.Parent, "%s %s is a child of the component", res.Type, res.Name)
		assert.Equal(t, acct, res.Account, "%s %s lands in the cluster account", res.Type, res.Name)
		assert.Equal(t, region, res.Region, "%s %s region", res.Type, res.Name)
	}

	provider := testkit.Named(t, rs, "pulumi:providers:aws", "aws-111122223333-us-east-1")
	eksProvider := testkit.Named(t, rs, "pulumi:providers:eks", "eks")
	cluster := testkit.Named(t, rs, "eks:index:Cluster", "prod-eks")
	assert.Equal(t, provider.URN, cluster.Providers["aws"], "the cluster gets the account's aws provider explicitly")
	assert.Equal(t, eksProvider.URN, cluster.Providers["eks"], "and the explicit eks provider")
	assert.Equal(t, "prod", testkit.Input(cluster, "name"))
	nodeRole := testkit.Named(t, rs, "aws:iam/role:Role", "prod-node-role")
	assert.Equal(t, []string{nodeRole.URN}, referencedURNs(cluster, "instanceRoles"),
		"the node role is the cluster's only instance role: pulumi-eks creates no role or access entry of its own")
	assert.Contains(t, cluster.Dependencies, nodeRole.URN)
	assert.Equal(t, "1.34", testkit.Input(cluster, "version"))
	assert.Equal(t, "API", testkit.Input(cluster, "authenticationMode"))
	assert.Equal(t, true, testkit.Value(cluster, "skipDefaultNodeGroup"))
	assert.Equal(t, true, testkit.Value(cluster, "createOidcProvider"))
	assert.Equal(t, true, testkit.Value(cluster, "useDefaultVpcCni"))
	assert.Equal(t, true, testkit.Value(cluster, "endpointPrivateAccess"))
	assert.Equal(t, true, testkit.Value(cluster, "endpointPublicAccess"), "the deploying machine reaches the API")
	assert.Equal(t, []any{"203.0.113.0/24"}, testkit.Value(cluster, "publicAccessCidrs"), "from its blocks only")
	assert.Equal(t, []any{"api", "audit", "authenticator", "controllerManager", "scheduler"}, testkit.Value(cluster, "enabledClusterLogTypes"))
	key := testkit.Named(t, rs, "aws:kms/key:Key", "prod-secrets")
	assert.Equal(t, key.Outputs["arn"].StringValue(), testkit.Input(cluster, "encryptionConfigKeyArn"))
	assert.Equal(t, true, testkit.Value(key, "enableKeyRotation"))
	assert.Equal(t, "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole", testkit.Input(cluster, "providerCredentialOpts", "roleArn"))
	assert.Equal(t, map[string]any{"admin-0": map[string]any{
		"principalArn": "arn:aws:iam::111122223333:role/PlatformAdmin",
		"accessPolicies": map[string]any{"cluster-admin": map[string]any{
			"policyArn":   "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
			"accessScope": map[string]any{"type": "cluster"},
		}},
		"tags": map[string]any{"eks-multi-account/managed-by": "eks-multi-account", "team": "platform"},
	}}, testkit.Value(cluster, "accessEntries"), "the admins' entries carry the managed tag the guardrails protect them by")
	assert.Equal(t, map[string]any{"eks-multi-account/managed-by": "eks-multi-account"}, testkit.Value(cluster, "clusterTags"), "so does the cluster")
	vpc := testkit.Named(t, rs, "aws:ec2/vpc:Vpc", "prod-vpc")
	assert.Equal(t, vpc.ID, testkit.Input(cluster, "vpcId"))

	k8s := testkit.Named(t, rs, "pulumi:providers:kubernetes", "prod-k8s")
	assert.Equal(t, mockengine.Placement{Account: acct, Region: region, Cluster: "prod"}, k8s.Placement, "the kubernetes provider reaches this cluster")

	// Zones by ID, the lowest where EKS runs clusters: us-east-1's
	// use1-az3 is not one of them.
	for i, zone := range []string{"use1-az1", "use1-az2", "use1-az4"} {
		s := testkit.Named(t, rs, "aws:ec2/subnet:Subnet", fmt.Sprintf("prod-private-%d", i))
		assert.Equal(t, []string{"10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"}[i], testkit.Input(s, "cidrBlock"))
		assert.Equal(t, zone, testkit.Input(s, "availabilityZoneId"))
		assert.Empty(t, testkit.Input(s, "availabilityZone"), "never by name: a name is a different zone in every account")
		assert.Equal(t, "1", testkit.Input(s, "tags", "kubernetes.io/role/internal-elb"), "private subnets carry the internal-elb tag")
		p := testkit.Named(t, rs, "aws:ec2/subnet:Subnet", fmt.Sprintf("prod-public-%d", i))
		assert.Equal(t, "1", testkit.Input(p, "tags", "kubernetes.io/role/elb"))
	}

	for _, name := range []string{"general", "batch"} {
		lt := testkit.Named(t, rs, "aws:ec2/launchTemplate:LaunchTemplate", "prod-lt-"+name)
		assert.Equal(t, "required", testkit.Input(lt, "metadataOptions", "httpTokens"), "IMDSv2 only")
		assert.EqualValues(t, 1, testkit.Value(lt, "metadataOptions", "httpPutResponseHopLimit"), "pods cannot reach IMDS")
		assert.Equal(t, []any{cluster.Outputs["vpcConfig"].ObjectValue()["clusterSecurityGroupId"].StringValue()}, testkit.Value(lt, "vpcSecurityGroupIds"),
			"nodes use the cluster's own security group, never the VPC default")
		assert.NotEqual(t, vpc.Outputs["defaultSecurityGroupId"].StringValue(), testkit.Value(lt, "vpcSecurityGroupIds").([]any)[0])
		ng := testkit.Named(t, rs, "aws:eks/nodeGroup:NodeGroup", "prod-ng-"+name)
		assert.Equal(t, lt.ID, testkit.Input(ng, "launchTemplate", "id"))
		assert.Equal(t, "1.34", testkit.Input(ng, "version"), "the node group runs the control plane's version")
		assert.Contains(t, ng.Dependencies, cluster.URN, "read from the cluster, so it moves after the control plane")
	}
	batch := testkit.Named(t, rs, "aws:eks/nodeGroup:NodeGroup", "prod-ng-batch")
	assert.Equal(t, "SPOT", testkit.Input(batch, "capacityType"))
	assert.Equal(t, []any{"c6i.xlarge", "c5.xlarge"}, testkit.Value(batch, "instanceTypes"))
	assert.Equal(t, map[string]any{"minSize": 0.0, "maxSize": 10.0, "desiredSize": 0.0}, testkit.Value(batch, "scalingConfig"))
	assert.Equal(t, []any{map[string]any{"key": "workload", "value": "batch", "effect": "NO_SCHEDULE"}}, testkit.Value(batch, "taints"))

	cni := testkit.Named(t, rs, "aws:eks/addon:Addon", "prod-vpc-cni")
	var cniConfig map[string]string
	require.NoError(t, json.Unmarshal([]byte(testkit.Input(cni, "configurationValues")), &cniConfig))
	assert.Equal(t, map[string]string{"enableNetworkPolicy": "true"}, cniConfig)
	agent := testkit.Named(t, rs, "aws:eks/addon:Addon", "prod-eks-pod-identity-agent")
	assert.Equal(t, "eks-pod-identity-agent", testkit.Input(agent, "addonName"))
	// Each add-on is pinned to the newest version of the cluster's minor,
	// as getAddonVersion (mostRecent) answered through the account's
	// provider.
	assert.Equal(t, "v1.21.1-eksbuild.1", testkit.Input(cni, "addonVersion"))
	assert.Equal(t, "v1.3.10-eksbuild.1", testkit.Input(agent, "addonVersion"))

	fargate := testkit.Named(t, rs, "aws:eks/fargateProfile:FargateProfile", "prod-fargate-serverless")
	assert.Equal(t, []any{map[string]any{"namespace": "jobs"}}, testkit.Value(fargate, "selectors"))
	for _, typ := range []string{"aws:eks/nodeGroup:NodeGroup", "aws:eks/fargateProfile:FargateProfile", "aws:eks/addon:Addon"} {
		for _, res := range testkit.OfType(rs, typ) {
			assert.Equal(t, "prod", testkit.Input(res, "clusterName"))
			assert.Contains(t, res.Dependencies, cluster.URN, "%s names the cluster by its output, so it waits for it", res.Name)
		}
	}
	igw := testkit.Named(t, rs, "aws:ec2/internetGateway:InternetGateway", "prod-igw")
	for _, nat := range testkit.OfType(rs, "aws:ec2/natGateway:NatGateway") {
		assert.Contains(t, nat.Dependencies, igw.URN, "%s waits for the internet gateway", nat.Name)
	}

	chain := testkit.Named(t, rs, "aws:iam/role:Role", "prod-chaining-role")
	assert.Equal(t, "/eks-multi-account/prod/", testkit.Input(chain, "path"))
	st := testkit.Policy(t, chain, "assumeRolePolicy").Statement
	require.Len(t, st, 1)
	assert.Equal(t, iampolicy.Values{"pods.eks.amazonaws.com"}, st[0].Principal.Service)
	assert.Equal(t, iampolicy.Values{"sts:AssumeRole", "sts:TagSession"}, st[0].Action)
	assert.Equal(t, iampolicy.Conditions{"StringEquals": {"aws:RequestTag/eks-cluster-arn": {"arn:aws:eks:us-east-1:111122223333:cluster/prod"}}}, st[0].Condition)
	assert.Empty(t, testkit.OfType(rs, "aws:iam/rolePolicy:RolePolicy"), "the chaining role gets its permissions from each tenant, none here")

	issuer := mockengine.IssuerURL(acct, region, "prod")
	assert.Equal(t, issuer, out.issuer)
	assert.Equal(t, "arn:aws:iam::111122223333:oidc-provider/"+strings.TrimPrefix(issuer, "https://"), out.oidcARN)
	assert.Equal(t, "arn:aws:eks:us-east-1:111122223333:cluster/prod", out.clusterARN)
	assert.Equal(t, "arn:aws:iam::111122223333:role/eks-multi-account/prod/prod-pod-identity-chain", out.chainARN)
	assert.Len(t, out.privateARNs, 3)

	for _, res := range rs {
		if res.Custom && strings.HasPrefix(res.Type, "aws:") && res.Inputs.HasValue("tags") {
			assert.Equal(t, "platform", res.Outputs["tagsAll"].ObjectValue()["cost-center"].StringValue(), "%s %s gets the default tags", res.Type, res.Name)
		}
	}
}

// referencedURNs returns the URNs of the resources an input lists by
// reference.
func referencedURNs(r mockengine.Resource, key string) []string {
	out := []string{}
	for _, v := range r.Inputs[resource.PropertyKey(key)].ArrayValue() {
		out = append(out, string(v.ResourceReferenceValue().URN))
	}
	return out
}

func TestPrivateOnlyEndpoint(t *testing.T) {
	r, _ := runCluster(t, testkit.Run, func(a *clusteraccount.Args) {
		a.EndpointAccess = &clusteraccount.EndpointAccess{PrivateOnly: true}
	})
	require.NoError(t, r.Err)
	cluster := testkit.Named(t, r.Resources(), "eks:index:Cluster", "prod-eks")
	assert.Equal(t, false, testkit.Value(cluster, "endpointPublicAccess"))
	assert.Equal(t, true, testkit.Value(cluster, "endpointPrivateAccess"))
	assert.Empty(t, testkit.Value(cluster, "publicAccessCidrs"))
}

func TestFargateOnlyClusterHasNoInstanceRole(t *testing.T) {
	r, _ := runCluster(t, testkit.Run, func(a *clusteraccount.Args) { a.NodeGroups = nil })
	require.NoError(t, r.Err)
	rs := r.Resources()
	cluster := testkit.Named(t, rs, "eks:index:Cluster", "prod-eks")
	require.True(t, cluster.Inputs.HasValue("instanceRoles"), "an empty list, so pulumi-eks makes no instance role either")
	assert.Empty(t, referencedURNs(cluster, "instanceRoles"))
	for _, role := range testkit.OfType(rs, "aws:iam/role:Role") {
		assert.NotEqual(t, "prod-node", testkit.Input(role, "name"))
	}
}

func TestSingleNATGateway(t *testing.T) {
	r, _ := runCluster(t, testkit.Run, func(a *clusteraccount.Args) { a.SingleNatGateway = true; a.AvailabilityZones = 2 })
	require.NoError(t, r.Err)
	nats := testkit.OfType(r.Resources(), "aws:ec2/natGateway:NatGateway")
	require.Len(t, nats, 1)
	for i := 0; i < 2; i++ {
		rt := testkit.Named(t, r.Resources(), "aws:ec2/routeTable:RouteTable", fmt.Sprintf("prod-private-routes-%d", i))
		egress := testkit.Named(t, r.Resources(), "aws:ec2/route:Route", fmt.Sprintf("prod-private-egress-%d", i))
		assert.Equal(t, rt.ID, testkit.Input(egress, "routeTableId"))
		assert.Equal(t, "0.0.0.0/0", testkit.Input(egress, "destinationCidrBlock"))
		assert.Equal(t, nats[0].ID, testkit.Input(egress, "natGatewayId"))
	}
}

// The private subnets' route tables are an output, one per zone in the
// subnets' order, for routes to other networks; the subnets of another
// owner are routed by it, so the output is then empty.
func TestThePrivateRouteTablesAreAnOutput(t *testing.T) {
	r, out := runCluster(t, testkit.Run, func(*clusteraccount.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()
	var want []string
	for i := range 3 {
		table := testkit.Named(t, rs, "aws:ec2/routeTable:RouteTable", fmt.Sprintf("prod-private-routes-%d", i))
		assert.False(t, table.Inputs.HasValue("routes"), "the table lists no routes inline, so that routes others add stay")
		want = append(want, string(table.ID))
		subnet := testkit.Named(t, rs, "aws:ec2/subnet:Subnet", fmt.Sprintf("prod-private-%d", i))
		assoc := testkit.Named(t, rs, "aws:ec2/routeTableAssociation:RouteTableAssociation", fmt.Sprintf("prod-private-%d-rt", i))
		assert.Equal(t, table.ID, testkit.Input(assoc, "routeTableId"), "zone %d's table routes zone %d's subnet", i, i)
		assert.Equal(t, subnet.ID, testkit.Input(assoc, "subnetId"))
	}
	assert.Equal(t, want, out.privateRouteTables)

	_, out = runCluster(t, testkit.Run, func(a *clusteraccount.Args) {
		a.VpcCIDR = ""
		a.ExistingNetwork = &clusteraccount.ExistingNetwork{VpcID: pulumi.String("vpc-0shared"), PrivateSubnetIDs: pulumi.ToStringArray([]string{"subnet-0a"})}
	})
	assert.Equal(t, []string{}, out.privateRouteTables)
}

func TestExistingNetworkCreatesNoVPC(t *testing.T) {
	r, _ := runCluster(t, testkit.Run, func(a *clusteraccount.Args) {
		a.VpcCIDR = ""
		a.ExistingNetwork = &clusteraccount.ExistingNetwork{
			VpcID:            pulumi.String("vpc-0shared"),
			PrivateSubnetIDs: pulumi.ToStringArray([]string{"subnet-0a", "subnet-0b"}),
		}
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/securityGroup:SecurityGroup"} {
		assert.Empty(t, testkit.OfType(rs, typ), typ)
	}
	cluster := testkit.Named(t, rs, "eks:index:Cluster", "prod-eks")
	assert.Equal(t, "vpc-0shared", testkit.Input(cluster, "vpcId"))
	assert.Equal(t, []any{"subnet-0a", "subnet-0b"}, testkit.Value(cluster, "privateSubnetIds"))
	ng := testkit.Named(t, rs, "aws:eks/nodeGroup:NodeGroup", "prod-ng-general")
	assert.Equal(t, []any{"subnet-0a", "subnet-0b"}, testkit.Value(ng, "subnetIds"))
	lt := testkit.Named(t, rs, "aws:ec2/launchTemplate:LaunchTemplate", "prod-lt-general")
	assert.Equal(t, []any{cluster.Outputs["vpcConfig"].ObjectValue()["clusterSecurityGroupId"].StringValue()}, testkit.Value(lt, "vpcSecurityGroupIds"),
		"in a shared VPC the nodes use the cluster's own security group, not the VPC's default")
}
