package tests

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/routing"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
)

// The README's Go snippets, verbatim, as programs that compile and run
// under the mock engine. TestReadmeSnippetsAreTheseOnes keeps the two in
// step.

// readmeComponents is the README's component snippets, in order.
func readmeComponents(ctx *pulumi.Context) error {
	payrollOIDCProviderArn := pulumi.String("arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE")
	account, err := providers.NewAccount(ctx, "aws-prod", providers.AccountSettings{
		AccountID: "111122223333", Region: "us-east-1", DeployRoleName: "OrganizationAccountAccessRole",
		DefaultTags: map[string]string{"cost-center": "platform"},
	})
	if err != nil {
		return err
	}
	eksProvider, err := providers.NewEKSProvider(ctx, "eks")
	if err != nil {
		return err
	}
	prod, err := clusteraccount.NewClusterAccount(ctx, "prod", &clusteraccount.Args{
		Spec: clusteraccount.Spec{ // the same keys as a clusterAccounts entry of a stack file
			ClusterName: "prod", KubernetesVersion: "1.36",
			VpcCIDR: "10.0.0.0/16", AvailabilityZones: 3,
			NodeGroups: []clusteraccount.NodeGroup{
				{Name: "general", InstanceTypes: []string{"m6i.large"}, MinSize: 2, MaxSize: 6, DesiredSize: 3},
			},
			EndpointAccess: &clusteraccount.EndpointAccess{PublicCIDRs: []string{"203.0.113.0/24"}},
		},
		Account: account, EKSProvider: eksProvider,
		DeployRoleARN:      "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
		SharedChainingRole: true,
	})
	if err != nil {
		return err
	}
	ctx.Export("kubeconfig", prod.Kubeconfig)
	_, err = sharedsubnets.NewSharedSubnets(ctx, "prod-subnets", &sharedsubnets.Args{
		Owner:      account,             // the cluster account owns the subnets
		Subnets:    prod.PrivateSubnets, // IDs and ARNs
		Principals: []string{"444455556666"},
	})
	if err != nil {
		return err
	}
	payrollAccount, err := providers.NewAccount(ctx, "aws-payroll", providers.AccountSettings{
		AccountID: "444455556666", Region: "us-east-1", DeployRoleName: "OrganizationAccountAccessRole",
	})
	if err != nil {
		return err
	}
	_, err = workloadaccount.NewWorkloadAccount(ctx, "payroll", &workloadaccount.Args{
		Spec: workloadaccount.Spec{ // the same keys as a workloadAccounts entry of a stack file
			Name: "payroll", Identity: crossaccountrole.PodIdentityChain,
			Quota:  tenancy.Quota{CPU: "16", Memory: "64Gi", Pods: 100},
			Admins: []string{"arn:aws:iam::444455556666:role/PayrollAdmin"},
			ServiceAccounts: []crossaccountrole.Spec{{
				Name:   "payroll-app",
				Policy: iampolicy.Write(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::payroll-data/*"}]}`),
			}},
		},
		Cluster: prod.Ref(), Account: payrollAccount, UseSharedChainingRole: true,
	})
	if err != nil {
		return err
	}
	role, err := crossaccountrole.NewCrossAccountRole(ctx, "reports", &crossaccountrole.Args{
		Spec: crossaccountrole.Spec{
			Name: "reports", Identity: crossaccountrole.IRSA,
			ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
		},
		Cluster: prod.Ref(), WorkloadAccount: payrollAccount, Namespace: "payroll",
		OIDCProviderARN: payrollOIDCProviderArn, // the workload account's provider for prod's issuer
	})
	if err != nil {
		return err
	}
	ctx.Export("reportsRole", role.RoleArn)
	return nil
}

// readmeBlueprints is the README's blueprint snippet.
func readmeBlueprints(ctx *pulumi.Context) error {
	registry := blueprints.NewRegistry()
	err := registry.Register(blueprints.Blueprint{Name: "arm", Version: "1.0.0", NodeGroups: []clusteraccount.NodeGroup{
		{Name: "graviton", InstanceTypes: []string{"m7g.large"}, AMIType: "AL2023_ARM_64_STANDARD", MinSize: 2, MaxSize: 6, DesiredSize: 2},
	}})
	if err != nil {
		return err
	}
	_, err = stacks.Run(ctx, stacks.Options{Blueprints: registry})
	return err
}

// readmeRouting is the routing snippet of docs/components.md, after the
// spoke's account and cluster it names.
func readmeRouting(ctx *pulumi.Context) error {
	webAccount, err := providers.NewAccount(ctx, "aws-web", providers.AccountSettings{
		AccountID: "535353535353", Region: "us-west-2", DeployRoleName: "OrganizationAccountAccessRole",
	})
	if err != nil {
		return err
	}
	eksProvider, err := providers.NewEKSProvider(ctx, "eks")
	if err != nil {
		return err
	}
	web, err := clusteraccount.NewClusterAccount(ctx, "web", &clusteraccount.Args{
		Spec: clusteraccount.Spec{ClusterName: "web", KubernetesVersion: "1.36", VpcCIDR: "10.30.0.0/16",
			NodeGroups:     []clusteraccount.NodeGroup{{Name: "general", InstanceTypes: []string{"m6i.large"}, MinSize: 1, MaxSize: 2, DesiredSize: 1}},
			EndpointAccess: &clusteraccount.EndpointAccess{PublicCIDRs: []string{"203.0.113.0/24"}}},
		Account: webAccount, EKSProvider: eksProvider, DeployRoleARN: "arn:aws:iam::535353535353:role/OrganizationAccountAccessRole",
	})
	if err != nil {
		return err
	}
	owner, err := providers.NewAccount(ctx, "aws-network", providers.AccountSettings{
		AccountID: "999988887777", Region: "us-west-2", DeployRoleName: "OrganizationAccountAccessRole",
	})
	if err != nil {
		return err
	}
	hubVPC, err := network.New(ctx, "network", network.Args{Account: owner, CIDR: "10.10.0.0/16", NamePrefix: "network"}, nil)
	if err != nil {
		return err
	}
	hub, err := routing.NewHub(ctx, "network-routing", &routing.HubArgs{
		Owner:      owner,
		VpcID:      hubVPC.VpcID,
		SubnetIDs:  hubVPC.RoutedPrivateIDs, // one per zone
		Domains:    []string{"dev", "prod"},
		Principals: []string{"535353535353"}, // the spokes' accounts
	})
	if err != nil {
		return err
	}
	tgw, err := hub.SharedWith("535353535353") // known once the share names the account
	if err != nil {
		return err
	}
	dev, _ := hub.DomainTableID("dev")
	var tables, hubTables []pulumi.StringInput
	for i := range 3 { // one per zone
		tables = append(tables, web.PrivateRouteTableIDs.Index(pulumi.Int(i)))
		hubTables = append(hubTables, hubVPC.PrivateRouteTableIDs.Index(pulumi.Int(i)))
	}
	_, err = routing.NewSpoke(ctx, "web-tgw", &routing.SpokeArgs{
		Account: webAccount, Network: owner, TransitGatewayID: tgw,
		VpcID: web.VpcID, CIDR: "10.30.0.0/16", SubnetIDs: web.PrivateSubnetIDs, RouteTableIDs: tables,
		Destinations:  []string{"10.10.0.0/16"}, // the hub VPC's block, and its domain's others
		DomainTableID: dev, HubTableID: hub.HubTableID,
		HubRouteTableIDs: hubTables, HubGatewayID: hub.AttachedGatewayID,
	})
	return err
}

func TestReadmeSnippetsRun(t *testing.T) {
	e := testkit.Established(mockengine.New("eks-multi-account", "readme"))
	require.NoError(t, e.Run(readmeComponents, nil))
	assert.Greater(t, e.Count(), 50)
	cfg := largeDecentralized(2)
	cfg["eks-multi-account:workloadAccounts"] = strings.Replace(cfg["eks-multi-account:workloadAccounts"], `"blueprint":"general-purpose"`, `"blueprint":"arm"`, 1)
	e = testkit.Established(mockengine.New("eks-multi-account", "readme"))
	require.NoError(t, e.Run(readmeBlueprints, cfg))

	// The routing snippet: web's VPC reaches the hub's, and back.
	e = testkit.Established(mockengine.New("eks-multi-account", "readme"))
	require.NoError(t, e.Run(readmeRouting, nil))
	var rs []plan.Resource
	for _, r := range e.Resources() {
		outputs := r.Outputs.Mappable()
		outputs["id"] = r.ID
		rs = append(rs, plan.Resource{Type: r.Type, Name: r.Name, Account: r.Account, Region: r.Region, Inputs: r.Inputs.Mappable(), Outputs: outputs})
	}
	reaches := map[string][]string{}
	for _, v := range plan.Reach(rs).VPCs {
		reaches[v.Name] = v.Reaches
	}
	assert.Equal(t, map[string][]string{"network-vpc": {"web-vpc"}, "web-vpc": {"network-vpc"}}, reaches)
}

// TestReadmeSnippetsAreTheseOnes holds that every Go snippet of the
// documentation (the README and docs/) is one this file runs.
func TestReadmeSnippetsAreTheseOnes(t *testing.T) {
	self, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	squash := regexp.MustCompile(`\s+`)
	code := squash.ReplaceAllString(string(self), " ")
	goBlock := regexp.MustCompile("(?s)```go\n(.*?)```")
	snippets := 0
	for _, page := range docPages(t) {
		for _, b := range goBlock.FindAllStringSubmatch(readPage(t, page), -1) {
			snippets++
			assert.Contains(t, code, strings.TrimSpace(squash.ReplaceAllString(b[1], " ")), "a snippet of %s this file does not run", page)
		}
	}
	assert.Equal(t, 6, snippets, "the Go snippets of the documentation")
}

// TestReadmeStackFilePlans runs the README's stack file through the stacks:
// it is valid, and it makes the cluster and the tenant it shows, each in
// its own account.
func TestReadmeStackFilePlans(t *testing.T) {
	blocks := regexp.MustCompile("(?s)```yaml\n(config:\n.*?)```").FindAllStringSubmatch(readPage(t, "README.md"), -1)
	require.Len(t, blocks, 1, "the README's stack file")
	r, err := runYAML(t, blocks[0][1])
	require.NoError(t, err)
	clusters := r.ofType("eks:index:Cluster")
	require.Len(t, clusters, 1)
	assert.Equal(t, "111122223333", clusters[0].Account)
	var targets []string
	for _, role := range r.ofType("aws:iam/role:Role") {
		if role.Account == "444455556666" {
			targets = append(targets, role.Name)
		}
	}
	assert.NotEmpty(t, targets, "the tenant's role in its workload account")
}
