//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// The accounts of the plugin package's examples (their defaults).
const (
	exampleManagement = "999988887777"
	exampleCluster    = "111122223333"
	exampleWorkload   = "444455556666"
	exampleRegion     = "us-east-1"
)

// pluginOrganization is an organization holding the examples' accounts,
// with RAM sharing on (what the organization stack does once).
func pluginOrganization(t *testing.T) *organization {
	t.Helper()
	o := newOrganization(t)
	accounts := []string{exampleManagement, exampleCluster, exampleWorkload}
	require.NoError(t, o.store.Update(func(s *world.State) error {
		return s.Plant(world.Seed{
			Organization: world.Organization{ID: "o-plugin00001", ManagementAccount: exampleManagement, RootID: "r-plug", Accounts: accounts, RAMSharing: true},
			Roles:        []string{deployRole(exampleManagement), deployRole(exampleCluster), deployRole(exampleWorkload)},
		})
	}))
	return o
}

// yamlStack is the stack of the YAML example, run by the YAML language host
// from a copy of its folder, its state in the organization's backend.
func (o *organization) yamlStack(t *testing.T, stack string) auto.Stack {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("../examples/yaml/Pulumi.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), data, 0o644))
	require.NoError(t, os.MkdirAll(o.backend, 0o755))
	opts, err := o.Workspace()
	require.NoError(t, err)
	env := o.Env()
	env["PULUMI_BACKEND_URL"] = "file://" + filepath.Clean(o.backend)
	s, err := auto.UpsertStackLocalSource(context.Background(), stack, dir, append(opts, auto.EnvVars(env))...)
	require.NoError(t, err)
	return s
}

// deployed lists a stack's resources but its providers and the stack
// itself, as (type, name, account): the account is that of the aws
// provider the resource is created with, "kubernetes" for a Kubernetes
// object, empty for a component. Sorted.
func deployed(t *testing.T, s auto.Stack) []string {
	t.Helper()
	exported, err := s.Export(context.Background())
	require.NoError(t, err)
	var d apitype.DeploymentV3
	require.NoError(t, json.Unmarshal(exported.Deployment, &d))
	account := map[string]string{}
	for _, r := range d.Resources {
		switch {
		case r.Type == "pulumi:providers:aws":
			ids, _ := r.Inputs["allowedAccountIds"].([]any)
			require.Len(t, ids, 1, "provider %s is pinned to one account", r.URN)
			account[string(r.URN)+"::"+string(r.ID)] = ids[0].(string)
		case r.Type == "pulumi:providers:kubernetes":
			account[string(r.URN)+"::"+string(r.ID)] = "kubernetes"
		}
	}
	var out []string
	for _, r := range d.Resources {
		if strings.HasPrefix(string(r.Type), "pulumi:") {
			continue
		}
		where := ""
		if r.Custom {
			var ok bool
			where, ok = account[r.Provider]
			require.True(t, ok, "%s is created with an explicit provider of this stack (%q)", r.URN, r.Provider)
		}
		out = append(out, string(r.Type)+" "+r.URN.Name()+" "+where)
	}
	slices.Sort(out)
	return out
}

// examplePolicy is the reporter role's policy in the examples.
const examplePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::payroll-reports/*"}]}`

// exampleAccount is an account input of the examples, as a Go program
// hands it to RegisterRemoteComponentResource.
func exampleAccount(id string, tags map[string]string) pulumi.Map {
	m := pulumi.Map{"accountId": pulumi.String(id), "region": pulumi.String(exampleRegion), "deployRoleName": pulumi.String("OrganizationAccountAccessRole")}
	if tags != nil {
		m["defaultTags"] = pulumi.ToStringMap(tags)
	}
	return m
}

// remoteClusterAccount is a ClusterAccount registered as a remote
// component: the outputs the other components take.
type remoteClusterAccount struct {
	pulumi.ResourceState
	Cluster                    pulumi.AnyOutput         `pulumi:"cluster"`
	ClusterName                pulumi.StringOutput      `pulumi:"clusterName"`
	Kubeconfig                 pulumi.StringOutput      `pulumi:"kubeconfig"`
	OIDCIssuerURL              pulumi.StringOutput      `pulumi:"oidcIssuerUrl"`
	OIDCProviderArn            pulumi.StringOutput      `pulumi:"oidcProviderArn"`
	SharedChainingRoleName     pulumi.StringOutput      `pulumi:"sharedChainingRoleName"`
	SharedChainingRoleArn      pulumi.StringOutput      `pulumi:"sharedChainingRoleArn"`
	SharedChainingRoleUniqueID pulumi.StringOutput      `pulumi:"sharedChainingRoleUniqueId"`
	PrivateSubnetIDs           pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	PrivateSubnetArns          pulumi.StringArrayOutput `pulumi:"privateSubnetArns"`
}

// remoteWorkloadAccount is a WorkloadAccount registered as a remote
// component.
type remoteWorkloadAccount struct {
	pulumi.ResourceState
	OIDCProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
}

// remoteComponent is a component whose outputs the program does not read.
type remoteComponent struct{ pulumi.ResourceState }

// remoteProgram is the YAML example as a Go program that registers the
// components by their type tokens: the plugin constructs them.
func remoteProgram(desiredNodes int) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var prod remoteClusterAccount
		if err := ctx.RegisterRemoteComponentResource(clusteraccount.Type, "prod", pulumi.Map{
			"account":           exampleAccount(exampleCluster, map[string]string{"cost-center": "platform"}),
			"clusterName":       pulumi.String("prod"),
			"kubernetesVersion": pulumi.String("1.36"),
			"vpcCidr":           pulumi.String("10.0.0.0/16"),
			"availabilityZones": pulumi.Int(2),
			"singleNatGateway":  pulumi.Bool(true),
			"nodeGroups": pulumi.Array{pulumi.Map{
				"name": pulumi.String("general"), "instanceTypes": pulumi.ToStringArray([]string{"t3.large"}),
				"minSize": pulumi.Int(1), "maxSize": pulumi.Int(4), "desiredSize": pulumi.Int(desiredNodes),
			}},
			"endpointAccess":     pulumi.Map{"publicCidrs": pulumi.ToStringArray([]string{"203.0.113.0/24"})},
			"sharedChainingRole": pulumi.Bool(true),
		}, &prod); err != nil {
			return err
		}
		onProd := func(more pulumi.Map) pulumi.Map {
			m := pulumi.Map{
				"cluster": prod.Cluster, "clusterName": prod.ClusterName, "kubeconfig": prod.Kubeconfig,
				"oidcIssuerUrl": prod.OIDCIssuerURL, "clusterOidcProviderArn": prod.OIDCProviderArn,
			}
			for k, v := range more {
				m[k] = v
			}
			return m
		}
		var payroll remoteWorkloadAccount
		if err := ctx.RegisterRemoteComponentResource(workloadaccount.Type, "payroll", onProd(pulumi.Map{
			"sharedChainingRoleName": prod.SharedChainingRoleName, "sharedChainingRoleArn": prod.SharedChainingRoleArn,
			"sharedChainingRoleUniqueId": prod.SharedChainingRoleUniqueID,
			"account":                    exampleAccount(exampleWorkload, nil),
			"name":                       pulumi.String("payroll"),
			"identity":                   pulumi.String("podIdentityChain"),
			"useSharedChainingRole":      pulumi.Bool(true),
			"quota":                      pulumi.Map{"cpu": pulumi.String("16"), "memory": pulumi.String("64Gi"), "pods": pulumi.Int(100)},
			"serviceAccounts": pulumi.Array{
				pulumi.Map{"name": pulumi.String("payroll-app"), "managedPolicyArns": pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"})},
				pulumi.Map{"name": pulumi.String("payroll-batch"), "identity": pulumi.String("irsa")},
			},
		}), &payroll, pulumi.DependsOn([]pulumi.Resource{&prod})); err != nil {
			return err
		}
		var reporter remoteComponent
		if err := ctx.RegisterRemoteComponentResource(crossaccountrole.Type, "reporter", onProd(pulumi.Map{
			"workloadAccount": exampleAccount(exampleWorkload, nil),
			"namespace":       pulumi.String("payroll"),
			"oidcProviderArn": payroll.OIDCProviderArn,
			"name":            pulumi.String("reporter"),
			"identity":        pulumi.String("irsa"),
			"policy":          pulumi.String(examplePolicy),
		}), &reporter, pulumi.DependsOn([]pulumi.Resource{&payroll})); err != nil {
			return err
		}
		var shared remoteComponent
		return ctx.RegisterRemoteComponentResource(sharedsubnets.Type, "prodSubnets", pulumi.Map{
			"owner":       exampleAccount(exampleCluster, nil),
			"subnetCount": pulumi.Int(2),
			"subnetIds":   prod.PrivateSubnetIDs,
			"subnetArns":  prod.PrivateSubnetArns,
			"principals":  pulumi.ToStringArray([]string{exampleWorkload}),
		}, &shared)
	}
}

// libraryProgram is the YAML example with the Go library: the same
// configuration, each account's provider made as the plugin makes it.
func libraryProgram(publicCIDR string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		settings := func(id string, tags map[string]string) providers.AccountSettings {
			return providers.AccountSettings{AccountID: id, Region: exampleRegion, DeployRoleName: "OrganizationAccountAccessRole", DefaultTags: tags}
		}
		clusterSettings := settings(exampleCluster, map[string]string{"cost-center": "platform"})
		cluster, err := providers.NewAccount(ctx, "prod-account", clusterSettings)
		if err != nil {
			return err
		}
		eksProvider, err := providers.NewEKSProvider(ctx, "prod-eks")
		if err != nil {
			return err
		}
		prod, err := clusteraccount.NewClusterAccount(ctx, "prod", &clusteraccount.Args{
			Spec: clusteraccount.Spec{
				ClusterName: "prod", KubernetesVersion: "1.36", VpcCIDR: "10.0.0.0/16", AvailabilityZones: 2, SingleNatGateway: true,
				NodeGroups:     []clusteraccount.NodeGroup{{Name: "general", InstanceTypes: []string{"t3.large"}, MinSize: 1, MaxSize: 4, DesiredSize: 2}},
				EndpointAccess: &clusteraccount.EndpointAccess{PublicCIDRs: []string{publicCIDR}},
			},
			Account: cluster, EKSProvider: eksProvider, DeployRoleARN: clusterSettings.DeployRoleARN(), SharedChainingRole: true,
		})
		if err != nil {
			return err
		}
		workload, err := providers.NewAccount(ctx, "payroll-account", settings(exampleWorkload, nil))
		if err != nil {
			return err
		}
		payroll, err := workloadaccount.NewWorkloadAccount(ctx, "payroll", &workloadaccount.Args{
			Spec: workloadaccount.Spec{
				Name: "payroll", Identity: crossaccountrole.PodIdentityChain,
				Quota: tenancy.Quota{CPU: "16", Memory: "64Gi", Pods: 100},
				ServiceAccounts: []crossaccountrole.Spec{
					{Name: "payroll-app", ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
					{Name: "payroll-batch", Identity: crossaccountrole.IRSA},
				},
			},
			Cluster: prod.Ref(), Account: workload, UseSharedChainingRole: true,
		})
		if err != nil {
			return err
		}
		if _, err := crossaccountrole.NewCrossAccountRole(ctx, "reporter", &crossaccountrole.Args{
			Spec:    crossaccountrole.Spec{Name: "reporter", Identity: crossaccountrole.IRSA, Policy: iampolicy.Write(examplePolicy)},
			Cluster: prod.Ref(), WorkloadAccount: workload, Namespace: "payroll", OIDCProviderARN: payroll.OIDCProviderArn,
			NamespaceResource: payroll.NamespaceResource,
		}); err != nil {
			return err
		}
		_, err = sharedsubnets.NewSharedSubnets(ctx, "prodSubnets", &sharedsubnets.Args{
			Owner: cluster, Subnets: prod.PrivateSubnets, Principals: []string{exampleWorkload},
		})
		return err
	}
}

// requireOneInPlaceUpdate checks the deployment of the node group's new
// size: one resource updated in place, none created, deleted or replaced.
func requireOneInPlaceUpdate(t *testing.T, res auto.UpResult) {
	t.Helper()
	changes := *res.Summary.ResourceChanges
	assert.Equal(t, 1, changes[string(apitype.OpUpdate)], "the node group is updated in place: %v", changes)
	for _, op := range []apitype.OpType{apitype.OpCreate, apitype.OpDelete, apitype.OpReplace} {
		assert.Zero(t, changes[string(op)], "%s on an edit of the node group's size", op)
	}
}

func TestPluginPackageFromYAMLAndGo(t *testing.T) {
	ctx := context.Background()
	var fromYAML, fromRemote, fromLibrary []string

	t.Run("the YAML example deploys, updates and destroys", func(t *testing.T) {
		o := pluginOrganization(t)
		s := o.yamlStack(t, "yaml")
		res := o.up(t, s)
		assert.Positive(t, (*res.Summary.ResourceChanges)[string(apitype.OpCreate)])
		assert.Contains(t, res.Outputs["clusterArn"].Value, "arn:aws:eks:"+exampleRegion+":"+exampleCluster+":cluster/prod")
		assert.Len(t, res.Outputs["sharedSubnetIds"].Value, 2)
		st := o.state(t)
		requireServedByThisCheckout(t, st)
		assert.Len(t, st.Select("aws:eks/cluster:Cluster", nil), 1)
		fromYAML = deployed(t, s)

		requireNothingChanged(t, o.up(t, s))
		require.NoError(t, s.SetConfig(ctx, "desiredNodes", auto.ConfigValue{Value: "3"}))
		requireOneInPlaceUpdate(t, o.up(t, s))

		o.destroy(t, s)
		assert.Empty(t, created(o.state(t)), "the destroy leaves nothing the stack created")
		assert.Empty(t, o.heldServers(t), "every API server of this world is free again")
	})

	t.Run("the same program in Go through RegisterRemoteComponentResource", func(t *testing.T) {
		o := pluginOrganization(t)
		s, err := o.InlineStack(ctx, "eks-multi-account-remote", "remote", o.backend, remoteProgram(2))
		require.NoError(t, err)
		o.up(t, s)
		fromRemote = deployed(t, s)

		// The same stack, its program asking for three nodes.
		s, err = o.InlineStack(ctx, "eks-multi-account-remote", "remote", o.backend, remoteProgram(3))
		require.NoError(t, err)
		requireOneInPlaceUpdate(t, o.up(t, s))

		o.destroy(t, s)
		assert.Empty(t, created(o.state(t)), "the destroy leaves nothing the stack created")
	})

	t.Run("the same program with the Go library", func(t *testing.T) {
		o := pluginOrganization(t)
		s, err := o.InlineStack(ctx, "eks-multi-account-library", "library", o.backend, libraryProgram("203.0.113.0/24"))
		require.NoError(t, err)
		o.up(t, s)
		fromLibrary = deployed(t, s)
		o.destroy(t, s)
	})

	require.Greater(t, len(fromLibrary), 50, "the Go library's program deploys the four components' resources")
	t.Logf("%d resources in each stack, the providers aside", len(fromLibrary))
	assert.Equal(t, fromLibrary, fromYAML, "the YAML program creates what the Go library creates, by type, name and account")
	assert.Equal(t, fromLibrary, fromRemote, "the remote components create what the Go library creates, by type, name and account")
}

func TestPluginPackageReportsTheGoConstructorsProblems(t *testing.T) {
	// What the Go constructor says of a public CIDR that is none.
	bad := "not-a-cidr"
	e := mockengine.New("eks-multi-account-library", "library")
	goErr := e.Run(libraryProgram(bad), nil)
	require.Error(t, goErr)
	_, problems, found := strings.Cut(goErr.Error(), `ClusterAccount "prod": `)
	require.True(t, found, goErr.Error())
	var lines []string
	for _, line := range strings.Split(problems, "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	require.NotEmpty(t, lines)

	o := pluginOrganization(t)
	s := o.yamlStack(t, "bad")
	require.NoError(t, s.SetConfig(context.Background(), "publicCidr", auto.ConfigValue{Value: bad}))
	var out strings.Builder
	_, err := s.Preview(context.Background(), optpreview.ProgressStreams(&out))
	require.Error(t, err)
	text := out.String() + err.Error()
	assert.Contains(t, text, `ClusterAccount "prod": `)
	for _, line := range lines {
		assert.Contains(t, text, line, "the YAML program gets the Go constructor's problem")
	}
	_, err = s.Up(context.Background(), optup.ProgressStreams(&out))
	require.Error(t, err)
	assert.Empty(t, created(o.state(t)), "nothing is created for invalid inputs")
}
