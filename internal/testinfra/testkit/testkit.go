// Package testkit is what the component and stack tests share on top of the
// mock engine: running a program, making accounts and clusters the way the
// stacks do, reading outputs, and finding recorded resources.
package testkit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra"
)

// Project and Stack name the test program.
const (
	Project = "eks-multi-account"
	Stack   = "test"
)

// Result is what a test program left behind.
type Result struct {
	*mockengine.Engine
	// Err is the program's error, or the engine's.
	Err error
}

// Run runs program under a fresh mock engine and returns the engine with
// the program's error.
func Run(t *testing.T, program pulumi.RunFunc) Result {
	t.Helper()
	e := Established(mockengine.New(Project, Stack))
	return Result{Engine: e, Err: e.Run(program, nil)}
}

// Established gives every account of an engine the quotas of an
// established organization (testinfra.EstablishedQuotas), and returns it.
func Established(e *mockengine.Engine) *mockengine.Engine {
	for code, v := range testinfra.EstablishedQuotas {
		e.SetQuota(code, v)
	}
	return e
}

// Preview runs program as `pulumi preview` would: PULUMI_DRY_RUN is set and
// AWS-computed outputs are unknown.
func Preview(t *testing.T, program pulumi.RunFunc) Result {
	t.Helper()
	t.Setenv("PULUMI_DRY_RUN", "true")
	e := Established(mockengine.NewPreview(Project, Stack))
	return Result{Engine: e, Err: e.Run(program, nil)}
}

// Account creates the provider of an account the way the stacks do.
func Account(ctx *pulumi.Context, id, region string) (providers.Account, error) {
	return providers.NewAccount(ctx, "aws-"+id+"-"+region, providers.AccountSettings{
		AccountID:      id,
		Region:         region,
		DeployRoleName: "OrganizationAccountAccessRole",
		DefaultTags:    map[string]string{"cost-center": "platform"},
	})
}

// Cluster describes a cluster that already exists in account (its name and
// issuer are plain values, as a stack reading another stack's outputs
// would have them), with a Kubernetes provider whose kubeconfig names it
// as pulumi-eks would.
func Cluster(ctx *pulumi.Context, name string, account providers.Account) (clusterref.Cluster, error) {
	kubeconfig, err := json.Marshal(mockengine.Kubeconfig(account.ID, account.Region, name, ""))
	if err != nil {
		return clusterref.Cluster{}, err
	}
	k8s, err := kubernetes.NewProvider(ctx, "k8s-"+name, &kubernetes.ProviderArgs{
		Kubeconfig: pulumi.String(string(kubeconfig)),
	})
	if err != nil {
		return clusterref.Cluster{}, err
	}
	issuer := mockengine.IssuerURL(account.ID, account.Region, name)
	return clusterref.Cluster{
		Name:               name,
		ClusterName:        pulumi.String(name),
		Account:            account,
		KubernetesProvider: k8s,
		OIDCIssuerURL:      pulumi.String(issuer),
		OIDCProviderARN:    pulumi.String(account.OIDCProviderARN(strings.TrimPrefix(issuer, "https://"))),
	}, nil
}

// Await resolves an output inside a running program.
func Await(ctx *pulumi.Context, out pulumi.Output) (any, bool, error) {
	r, err := internals.UnsafeAwaitOutput(ctx.Context(), out)
	return r.Value, r.Known, err
}

// OfType returns the resources of one type.
func OfType(rs []mockengine.Resource, typ string) []mockengine.Resource {
	var out []mockengine.Resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the one resource of a type with a logical name, failing
// the test when there is not exactly one.
func Named(t testing.TB, rs []mockengine.Resource, typ, name string) mockengine.Resource {
	t.Helper()
	var found []mockengine.Resource
	for _, r := range OfType(rs, typ) {
		if r.Name == name {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "resources of type %s named %s", typ, name)
	return found[0]
}

// Types returns the sorted "type name" line of every resource, for exact
// comparisons of what a program registered.
func Types(rs []mockengine.Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Type+" "+r.Name)
	}
	slices.Sort(out)
	return out
}

// Input returns a string input of a resource ("" when absent or unknown),
// following nested keys: Input(r, "metadata", "name").
func Input(r mockengine.Resource, keys ...string) string {
	v := lookup(r.Inputs, keys)
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Value returns an input as a plain Go value (maps, slices, strings,
// numbers, bools), or nil when absent, following nested keys.
func Value(r mockengine.Resource, keys ...string) any {
	v := lookup(r.Inputs, keys)
	if v.IsNull() {
		return nil
	}
	return v.Mappable()
}

func lookup(m resource.PropertyMap, keys []string) resource.PropertyValue {
	v := resource.NewObjectProperty(m)
	for _, k := range keys {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return resource.NewNullProperty()
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	return v
}

// Policy parses a policy document held in a string input.
func Policy(t testing.TB, r mockengine.Resource, key string) iampolicy.Document {
	t.Helper()
	text := Input(r, key)
	require.NotEmpty(t, text, "%s %s has no %s", r.Type, r.Name, key)
	doc, err := iampolicy.Parse(text)
	require.NoError(t, err, "%s %s: %s", r.Type, r.Name, key)
	return doc
}

// RequireRejected checks the error contract for invalid arguments: the
// run failed with an error naming the component (`Kind "name": `) and each
// wanted message, and nothing but the test's own providers was registered.
func RequireRejected(t testing.TB, r Result, component string, wants ...string) {
	t.Helper()
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), component+": ")
	for _, want := range wants {
		assert.Contains(t, r.Err.Error(), want)
	}
	for _, res := range r.Resources() {
		assert.True(t, res.IsProvider(), "registered %s %s despite invalid args", res.Type, res.Name)
	}
}
