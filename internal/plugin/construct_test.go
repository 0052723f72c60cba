package plugin_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/plugin"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// The configuration of one program with all five components, as a program
// in another language writes it: the plain inputs of each, as JSON.
const (
	clusterAccountJSON = `{
		"clusterName": "prod", "kubernetesVersion": "1.36", "vpcCidr": "10.0.0.0/16",
		"nodeGroups": [{"name": "general", "instanceTypes": ["m7i.large"], "minSize": 2, "maxSize": 6, "desiredSize": 3}],
		"admins": ["arn:aws:iam::111122223333:role/PlatformAdmin"],
		"endpointAccess": {"publicCidrs": ["203.0.113.0/24"]},
		"account": {"accountId": "111122223333", "region": "us-east-1", "deployRoleName": "OrganizationAccountAccessRole", "defaultTags": {"cost-center": "platform"}},
		"sharedChainingRole": true, "tags": {"team": "platform"}}`
	workloadAccountJSON = `{
		"name": "payroll", "identity": "podIdentityChain",
		"quota": {"cpu": "16", "memory": "64Gi", "pods": 100},
		"admins": ["arn:aws:iam::444455556666:role/PayrollAdmin"],
		"serviceAccounts": [
			{"name": "payroll-app", "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]},
			{"name": "payroll-batch", "identity": "irsa"}],
		"account": {"accountId": "444455556666", "region": "us-east-1", "deployRoleName": "OrganizationAccountAccessRole"},
		"useSharedChainingRole": true, "tags": {"tenant": "payroll"}}`
	crossAccountRoleJSON = `{
		"name": "reporter", "identity": "irsa", "namespace": "payroll",
		"policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::payroll-reports/*"}]},
		"workloadAccount": {"accountId": "444455556666", "region": "us-east-1", "deployRoleName": "OrganizationAccountAccessRole"}}`
	sharedSubnetsJSON = `{
		"owner": {"accountId": "111122223333", "region": "us-east-1", "deployRoleName": "OrganizationAccountAccessRole"},
		"subnetCount": 3, "principals": ["444455556666"], "tags": {"team": "platform"}}`
	tenancyJSON = `{
		"namespace": "sandbox", "quota": {"cpu": "4", "memory": "8Gi", "pods": 20},
		"serviceAccounts": [{"name": "runner"}], "gitOps": true}`
)

// configs are the plain inputs of the five components, as JSON.
type configs struct{ cluster, workload, role, share, tenancy string }

// valid is the configuration both programs build by default.
var valid = configs{clusterAccountJSON, workloadAccountJSON, crossAccountRoleJSON, sharedSubnetsJSON, tenancyJSON}

// object decodes one of the JSON configurations.
func object(t testing.TB, text string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &m))
	return m
}

// into decodes a JSON configuration into a Go value, as a Go program that
// reads the same configuration would (unknown keys, the wiring's, are not
// the Spec's and are skipped).
func into[T any](t testing.TB, text string, key ...string) T {
	t.Helper()
	var v T
	data := []byte(text)
	if len(key) > 0 {
		raw := map[string]json.RawMessage{}
		require.NoError(t, json.Unmarshal(data, &raw))
		data = raw[key[0]]
		if data == nil {
			return v
		}
	}
	require.NoError(t, json.Unmarshal(data, &v))
	return v
}

// inputs are a configuration as the engine hands Construct its inputs:
// each top-level value an output, here a known one, plus the wiring.
func inputs(t testing.TB, text string, wiring pulumi.Map) pulumi.Map {
	t.Helper()
	m := pulumi.Map{}
	for k, v := range object(t, text) {
		m[k] = pulumi.Any(v)
	}
	for k, v := range wiring {
		m[k] = v
	}
	return m
}

// noOptions are the options of a component its program gives none.
var noOptions = pulumi.Composite()

// goProgram creates the five components with the Go library.
func goProgram(t testing.TB, c configs) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		clusterSettings := into[providers.AccountSettings](t, c.cluster, "account")
		cluster, err := providers.NewAccount(ctx, "go-cluster-account", clusterSettings)
		if err != nil {
			return err
		}
		eksProvider, err := providers.NewEKSProvider(ctx, "go-eks")
		if err != nil {
			return err
		}
		ca, err := clusteraccount.NewClusterAccount(ctx, "prod", &clusteraccount.Args{
			Spec: into[clusteraccount.Spec](t, c.cluster), Account: cluster, EKSProvider: eksProvider,
			DeployRoleARN: clusterSettings.DeployRoleARN(), SharedChainingRole: into[bool](t, c.cluster, "sharedChainingRole"),
			Tags: into[map[string]string](t, c.cluster, "tags"),
		})
		if err != nil {
			return err
		}
		workload, err := providers.NewAccount(ctx, "go-workload-account", into[providers.AccountSettings](t, c.workload, "account"))
		if err != nil {
			return err
		}
		wa, err := workloadaccount.NewWorkloadAccount(ctx, "payroll", &workloadaccount.Args{
			Spec: into[workloadaccount.Spec](t, c.workload), Cluster: ca.Ref(), Account: workload,
			UseSharedChainingRole: into[bool](t, c.workload, "useSharedChainingRole"), Tags: into[map[string]string](t, c.workload, "tags"),
		})
		if err != nil {
			return err
		}
		if _, err := crossaccountrole.NewCrossAccountRole(ctx, "reporter", &crossaccountrole.Args{
			Spec: into[crossaccountrole.Spec](t, c.role), Cluster: ca.Ref(), WorkloadAccount: workload,
			Namespace: into[string](t, c.role, "namespace"), OIDCProviderARN: wa.OIDCProviderArn,
		}); err != nil {
			return err
		}
		if _, err := sharedsubnets.NewSharedSubnets(ctx, "prod-share", &sharedsubnets.Args{
			Owner: cluster, Subnets: ca.PrivateSubnets, Principals: into[[]string](t, c.share, "principals"), Tags: into[map[string]string](t, c.share, "tags"),
		}); err != nil {
			return err
		}
		_, err = tenancy.NewTenancy(ctx, "sandbox", &tenancy.Args{
			KubernetesProvider: ca.KubernetesProvider, Platform: ca.Ready,
			Namespace: into[tenancy.Namespace](t, c.tenancy), ServiceAccounts: into[[]tenancy.ServiceAccount](t, c.tenancy, "serviceAccounts"), GitOps: into[bool](t, c.tenancy, "gitOps"),
		})
		return err
	}
}

// pluginProgram creates the same five components through Construct, each
// wired to the ClusterAccount's outputs as a program in another language
// wires them.
func pluginProgram(t testing.TB, c configs) pulumi.RunFunc {
	return pluginProgramWith(t, c, func(out pulumi.Map) {})
}

// pluginProgramWith is pluginProgram with the ClusterAccount's outputs
// changed by wire before the others take them.
func pluginProgramWith(t testing.TB, c configs, wire func(pulumi.Map)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		ca, err := plugin.ConstructMap(ctx, clusteraccount.Type, "prod", inputs(t, c.cluster, nil), noOptions)
		if err != nil {
			return err
		}
		out := ca.State.(pulumi.Map)
		wire(out)
		cluster := pulumi.Map{
			"cluster": out["cluster"], "clusterName": out["clusterName"], "kubeconfig": out["kubeconfig"],
			"oidcIssuerUrl": out["oidcIssuerUrl"], "clusterOidcProviderArn": out["oidcProviderArn"],
		}
		for _, k := range []string{"sharedChainingRoleName", "sharedChainingRoleArn", "sharedChainingRoleUniqueId"} {
			if v, ok := out[k]; ok {
				cluster[k] = v
			}
		}
		wa, err := plugin.ConstructMap(ctx, workloadaccount.Type, "payroll", inputs(t, c.workload, cluster), noOptions)
		if err != nil {
			return err
		}
		// The role starts from no chaining role: it takes the cluster's
		// outputs but the chaining role's.
		role := pulumi.Map{"oidcProviderArn": wa.State.(pulumi.Map)["oidcProviderArn"]}
		for k, v := range cluster {
			if !strings.HasPrefix(k, "sharedChainingRole") {
				role[k] = v
			}
		}
		if _, err := plugin.ConstructMap(ctx, crossaccountrole.Type, "reporter", inputs(t, c.role, role), noOptions); err != nil {
			return err
		}
		if _, err := plugin.ConstructMap(ctx, sharedsubnets.Type, "prod-share", inputs(t, c.share, pulumi.Map{
			"subnetIds": out["privateSubnetIds"], "subnetArns": out["privateSubnetArns"],
		}), noOptions); err != nil {
			return err
		}
		_, err = plugin.ConstructMap(ctx, tenancy.Type, "sandbox", inputs(t, c.tenancy, pulumi.Map{"kubeconfig": out["kubeconfig"]}), noOptions)
		return err
	}
}

// placed lists the resources that are not providers by type, name and
// where they land, sorted.
func placed(rs []mockengine.Resource) []string {
	var out []string
	for _, r := range rs {
		if !r.IsProvider() {
			out = append(out, fmt.Sprintf("%s %s account=%s region=%s cluster=%s", r.Type, r.Name, r.Account, r.Region, r.Cluster))
		}
	}
	slices.Sort(out)
	return out
}

func TestConstructCreatesWhatTheGoLibraryCreates(t *testing.T) {
	viaGo := testkit.Run(t, goProgram(t, valid))
	require.NoError(t, viaGo.Err)
	viaPlugin := testkit.Run(t, pluginProgram(t, valid))
	require.NoError(t, viaPlugin.Err)

	want, got := placed(viaGo.Resources()), placed(viaPlugin.Resources())
	require.Greater(t, len(want), 60, "the Go program creates the five components' resources")
	assert.Equal(t, want, got)
	for token, name := range map[string]string{clusteraccount.Type: "prod", workloadaccount.Type: "payroll", crossaccountrole.Type: "reporter", sharedsubnets.Type: "prod-share", tenancy.Type: "sandbox"} {
		testkit.Named(t, viaPlugin.Resources(), token, name)
	}
}

func TestConstructBindsEveryResourceToTheProviderOfItsAccount(t *testing.T) {
	r := testkit.Run(t, pluginProgram(t, valid))
	require.NoError(t, r.Err)
	byURN := map[string]mockengine.Resource{}
	for _, res := range r.Resources() {
		byURN[res.URN] = res
	}
	pinned := map[string]string{}
	for _, res := range r.Resources() {
		if res.Type != "pulumi:providers:aws" {
			continue
		}
		ids := testkit.Value(res, "allowedAccountIds").([]any)
		require.Len(t, ids, 1, "provider %s is pinned to one account", res.Name)
		pinned[res.URN] = ids[0].(string)
		assert.NotEmpty(t, testkit.Input(res, "region"), "provider %s has an explicit region", res.Name)
		assert.Equal(t, "arn:aws:iam::"+ids[0].(string)+":role/OrganizationAccountAccessRole", testkit.Input(res, "assumeRole", "roleArn"), "provider %s assumes the deploy role of its own account", res.Name)
	}
	assert.Len(t, pinned, 6, "one aws provider per account input: prod, payroll (2), reporter (2), prod-share")
	for _, res := range r.Resources() {
		if !res.Custom || res.IsProvider() || res.Reference {
			continue
		}
		require.NotEmpty(t, res.Provider, "%s %s has an explicit provider", res.Type, res.Name)
		if strings.HasPrefix(res.Type, "aws:") {
			assert.Equal(t, res.Account, pinned[res.Provider], "%s %s is created with a provider pinned to its account", res.Type, res.Name)
		}
	}
}

func TestConstructRefusesAnUnknownType(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, err := plugin.ConstructMap(ctx, "eks-multi-account:index:Cluster", "x", pulumi.Map{}, noOptions)
		return err
	})
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `unknown resource type "eks-multi-account:index:Cluster"`)
	assert.Contains(t, r.Err.Error(), clusteraccount.Type)
}

// edited is a JSON configuration with edit applied.
func edited(t testing.TB, text string, edit func(map[string]any)) string {
	t.Helper()
	m := object(t, text)
	edit(m)
	data, err := json.Marshal(m)
	require.NoError(t, err)
	return string(data)
}

// at returns the object at a path of keys and indexes in a configuration.
func at(m map[string]any, path ...any) map[string]any {
	var v any = m
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	return v.(map[string]any)
}

func TestConstructReportsTheGoConstructorsProblems(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(*testing.T, configs) configs
		component string
	}{
		{"cluster name, version and node group", func(t *testing.T, c configs) configs {
			c.cluster = edited(t, c.cluster, func(m map[string]any) {
				m["clusterName"], m["kubernetesVersion"] = "prod cluster", "1.2"
				at(m, "nodeGroups", 0)["maxSize"] = 0
			})
			return c
		}, `ClusterAccount "prod"`},
		{"cluster network and tags", func(t *testing.T, c configs) configs {
			c.cluster = edited(t, c.cluster, func(m map[string]any) {
				m["vpcCidr"], m["tags"] = "10.0.0.0/8", map[string]any{"eks-owner": "x"}
				delete(m, "endpointAccess")
			})
			return c
		}, `ClusterAccount "prod"`},
		{"tenant namespace, admins and quota", func(t *testing.T, c configs) configs {
			c.workload = edited(t, c.workload, func(m map[string]any) {
				m["namespace"], m["admins"] = "Payroll!", []any{"not-an-arn"}
				at(m, "quota")["pods"] = 0
				at(m, "serviceAccounts", 0)["sessionDurationSeconds"] = 99999
			})
			return c
		}, `WorkloadAccount "payroll"`},
		{"role policy and namespace", func(t *testing.T, c configs) configs {
			c.role = edited(t, c.role, func(m map[string]any) {
				m["policy"], m["namespace"] = "not a policy", "Payroll"
			})
			return c
		}, `CrossAccountRole "reporter"`},
		{"share principals", func(t *testing.T, c configs) configs {
			c.share = edited(t, c.share, func(m map[string]any) {
				m["principals"] = []any{"nope", "111122223333", "444455556666", "444455556666"}
			})
			return c
		}, `SharedSubnets "prod-share"`},
		{"tenancy pod security and service account", func(t *testing.T, c configs) configs {
			c.tenancy = edited(t, c.tenancy, func(m map[string]any) {
				m["podSecurity"] = "privileged"
				at(m, "serviceAccounts", 0)["name"] = "Runner_1"
				at(m, "quota")["cpu"] = "lots"
			})
			return c
		}, `Tenancy "sandbox"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.edit(t, valid)
			viaGo := testkit.Run(t, goProgram(t, c))
			require.Error(t, viaGo.Err)
			require.Contains(t, viaGo.Err.Error(), tc.component+": ")
			viaPlugin := testkit.Run(t, pluginProgram(t, c))
			require.Error(t, viaPlugin.Err)
			assert.Equal(t, viaGo.Err.Error(), viaPlugin.Err.Error(), "the same problems, at the same key paths")
			name := strings.Trim(strings.SplitN(tc.component, " ", 2)[1], `"`)
			for _, r := range viaPlugin.Resources() {
				assert.False(t, r.Name == name || strings.HasPrefix(r.Name, name+"-"), "registered %s %s for invalid inputs", r.Type, r.Name)
			}
		})
	}
}

// runCluster constructs a ClusterAccount from an edited configuration and
// extra inputs, and returns the run.
func runCluster(t *testing.T, runner func(*testing.T, pulumi.RunFunc) testkit.Result, edit func(map[string]any), extra pulumi.Map) testkit.Result {
	t.Helper()
	text := edited(t, clusterAccountJSON, edit)
	return runner(t, func(ctx *pulumi.Context) error {
		_, err := plugin.ConstructMap(ctx, clusteraccount.Type, "prod", inputs(t, text, extra), noOptions)
		return err
	})
}

func TestConstructReportsTheAccountsSettingsWithTheSpecsProblems(t *testing.T) {
	r := runCluster(t, testkit.Run, func(m map[string]any) {
		at(m, "account")["accountId"] = "12"
		at(m, "account")["defaultTags"] = map[string]any{"kubernetes-team": "x"}
		m["clusterName"] = "a b"
	}, nil)
	testkit.RequireRejected(t, r, `ClusterAccount "prod"`,
		`account.accountId: "12" is not a 12-digit AWS account ID`,
		`account.defaultTags: "kubernetes-team" is a reserved tag key`,
		`clusterName: "a b" is not an EKS cluster name`)
	assert.NotContains(t, r.Err.Error(), "account.id", "the Go args' own account paths are the settings' paths")
	assert.Empty(t, r.Resources(), "not even the account's provider is created")
}

func TestConstructRefusesKeysItDoesNotKnowAndValuesOfTheWrongType(t *testing.T) {
	r := runCluster(t, testkit.Run, func(m map[string]any) { m["clusterNmae"] = "prod" }, nil)
	testkit.RequireRejected(t, r, `ClusterAccount "prod"`, `clusterNmae: is not an input of this component`)
	r = runCluster(t, testkit.Run, func(m map[string]any) {
		at(m, "nodeGroups", 0)["minSize"] = "two"
		at(m, "nodeGroups", 0)["maxSize"] = 1.5
		at(m, "nodeGroups", 0)["size"] = 3
		at(m, "account")["defaultTags"] = []any{"a"}
		m["sharedChainingRole"] = "yes"
		m["endpointAccess"] = []any{"203.0.113.0/24"}
	}, nil)
	testkit.RequireRejected(t, r, `ClusterAccount "prod"`,
		`nodeGroups[0].minSize: "two" is not a whole number`,
		`nodeGroups[0].maxSize: 1.5 is not a whole number`,
		`nodeGroups[0].size: is not a key here; the keys are amiType, capacityType, desiredSize, diskSizeGiB, instanceTypes, labels, maxSize, minSize, name, taints`,
		`account.defaultTags: "[\"a\"]" is not an object`,
		`sharedChainingRole: "yes" is not a boolean`,
		`endpointAccess: "[\"203.0.113.0/24\"]" is not an object`)
	assert.Empty(t, r.Resources())

	// A policy decodes itself: its refusal is at its key too.
	c := valid
	c.role = edited(t, c.role, func(m map[string]any) { m["policy"] = []any{"s3:GetObject"} })
	r = testkit.Run(t, pluginProgram(t, c))
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `CrossAccountRole "reporter": policy: "[\"s3:GetObject\"]" does not decode: policy must be a JSON string or an object`)
	for _, res := range r.Resources() {
		assert.NotContains(t, res.Name, "reporter", "registered %s %s for invalid inputs", res.Type, res.Name)
	}
}

func TestConstructNeedsPlainInputsKnownAndNotSecret(t *testing.T) {
	r := runCluster(t, testkit.Preview, func(m map[string]any) { delete(m, "clusterName") }, pulumi.Map{
		"clusterName": pulumi.UnsafeUnknownOutput(nil),
	})
	testkit.RequireRejected(t, r, `ClusterAccount "prod"`, `clusterName: must be known when the component is created`)
	r = runCluster(t, testkit.Run, func(m map[string]any) { delete(m, "clusterName") }, pulumi.Map{
		"clusterName": pulumi.ToSecret(pulumi.String("prod")),
	})
	testkit.RequireRejected(t, r, `ClusterAccount "prod"`, `clusterName: must not be a secret`)
	assert.Empty(t, r.Resources())
}

func TestConstructInAPreviewCreatesWhatTheGoLibraryPreviews(t *testing.T) {
	viaGo := testkit.Preview(t, goProgram(t, valid))
	require.NoError(t, viaGo.Err)
	// Pulumi's mock monitor reads registrations without keeping unknowns,
	// so an unknown secret (the kubeconfig in a preview) is malformed
	// there; the real engine keeps it (the e2e tier runs it). Here the
	// preview's kubeconfig is handed on unknown but not secret.
	viaPlugin := testkit.Preview(t, pluginProgramWith(t, valid, func(out pulumi.Map) {
		out["kubeconfig"] = pulumi.Unsecret(out["kubeconfig"].(pulumi.StringOutput))
	}))
	require.NoError(t, viaPlugin.Err, "the cluster's facts are known in a preview, its outputs need not be")
	assert.Equal(t, placed(viaGo.Resources()), placed(viaPlugin.Resources()))
}

func TestConstructChecksTheSubnetCountAgainstTheSubnets(t *testing.T) {
	c := valid
	c.share = edited(t, c.share, func(m map[string]any) { m["subnetCount"] = 2 })
	r := testkit.Run(t, pluginProgram(t, c))
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `SharedSubnets "prod-share": subnetIds: 3 subnets are given, and subnetCount is 2`)
	assert.Contains(t, r.Err.Error(), `subnetArns: 3 subnets are given, and subnetCount is 2`)
}

func TestConstructNeedsTheKubeconfigOfAComponentOnACluster(t *testing.T) {
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		_, err := plugin.ConstructMap(ctx, tenancy.Type, "sandbox", inputs(t, tenancyJSON, nil), noOptions)
		return err
	})
	testkit.RequireRejected(t, r, `Tenancy "sandbox"`, `kubeconfig: is required`)
	assert.Empty(t, r.Resources())
}

func TestConstructTakesANumberWhereAStringIsWrittenAsYAMLSendsIt(t *testing.T) {
	r := runCluster(t, testkit.Run, func(m map[string]any) { at(m, "account")["accountId"] = 111122223333 }, nil)
	require.NoError(t, r.Err)
	p := testkit.Named(t, r.Resources(), "pulumi:providers:aws", "prod-account")
	assert.Equal(t, []any{"111122223333"}, testkit.Value(p, "allowedAccountIds"))

	r = runCluster(t, testkit.Run, func(m map[string]any) { at(m, "account")["accountId"] = 11122223333 }, nil)
	testkit.RequireRejected(t, r, `ClusterAccount "prod"`, `account.accountId: "11122223333" is not a 12-digit AWS account ID`)
}

func TestConstructAsksForTheChainingRolesOutputsOnlyOfWhatStartsFromIt(t *testing.T) {
	c := valid
	r := testkit.Run(t, pluginProgramWith(t, c, func(out pulumi.Map) {
		delete(out, "sharedChainingRoleName")
		delete(out, "sharedChainingRoleArn")
		delete(out, "sharedChainingRoleUniqueId")
	}))
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), `WorkloadAccount "payroll": sharedChainingRoleArn: needs the role's name, ARN and unique ID`,
		"the tenant starts from the chaining role and must take it")
}
