//go:build e2e

package e2e

import (
	"context"
	"crypto/sha1" //nolint:gosec // pulumi-eks names a role's policy attachments by the SHA-1 of the policy's ID
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/drive"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// organization is a stand-in AWS of its own for one test: a fresh world
// with the accounts and roles of the stack files planted, and a backend for
// the stacks' state.
type organization struct {
	drive.World
	backend string
	store   *world.World
}

// newOrganization plants the organization of files in a fresh world (an
// empty one without files). The tier (scripts/e2e.sh) exports the stand-in
// world's settings.
func newOrganization(t *testing.T, files ...string) *organization {
	t.Helper()
	w, err := drive.FromEnv()
	require.NoError(t, err, "run the tier with scripts/e2e.sh")
	dir := t.TempDir()
	w.Dir = filepath.Join(dir, "world")
	w.ClusterDelay = "5s"
	require.NoError(t, os.Mkdir(w.Dir, 0o755))
	store, err := world.Open(w.Dir)
	require.NoError(t, err)
	o := &organization{World: w, backend: filepath.Join(dir, "state"), store: store}
	// The world goes with the test; so do the API servers its clusters
	// hold, those of creates the engine abandoned included.
	t.Cleanup(func() { assert.NoError(t, world.OpenPool(w.APIServers).ReleaseWorld(w.Dir)) })
	if len(files) == 0 {
		return o
	}
	var docs []*plan.Document
	for _, f := range files {
		d, err := drive.Plan(f)
		require.NoError(t, err, f)
		docs = append(docs, d)
	}
	seed, err := drive.Seed(docs, "")
	require.NoError(t, err)
	require.NoError(t, store.Update(func(s *world.State) error { return s.Plant(seed) }))
	return o
}

// stack returns the Automation API stack of a stack file in the
// organization.
func (o *organization) stack(t *testing.T, file string) auto.Stack {
	t.Helper()
	s, err := o.Stack(context.Background(), file, o.backend)
	require.NoError(t, err)
	return s
}

// up deploys a stack with the parallelism of the tier: high enough that a
// missing dependency fails every time.
func (o *organization) up(t *testing.T, s auto.Stack) auto.UpResult {
	t.Helper()
	var out strings.Builder
	res, err := s.Up(context.Background(), optup.ProgressStreams(&out), optup.Parallel(256))
	require.NoError(t, err, "up %s:\n%s", s.Name(), out.String())
	return res
}

// requireNothingChanged checks a deployment of what is already deployed:
// every resource the same.
func requireNothingChanged(t *testing.T, res auto.UpResult) {
	t.Helper()
	for op, n := range *res.Summary.ResourceChanges {
		if op != string(apitype.OpSame) {
			assert.Zero(t, n, "a second deployment did %s %d resources", op, n)
		}
	}
}

// destroy destroys a stack.
func (o *organization) destroy(t *testing.T, s auto.Stack) {
	t.Helper()
	var out strings.Builder
	_, err := s.Destroy(context.Background(), optdestroy.ProgressStreams(&out), optdestroy.Parallel(256))
	require.NoError(t, err, "destroy %s:\n%s", s.Name(), out.String())
}

// state returns a copy of what the stand-in AWS holds.
func (o *organization) state(t *testing.T) *world.State {
	t.Helper()
	var copied *world.State
	require.NoError(t, o.store.View(func(s *world.State) error {
		copied = s
		return nil
	}))
	return copied
}

// created lists the objects stacks created (not what the organization held
// before, nor what AWS made along with them, nor a KMS key pending
// deletion), each as its type, ID, account and region.
func created(s *world.State) []string {
	var out []string
	for _, o := range s.Objects {
		if !o.Preexisting && !o.Implicit && !o.PendingDeletion() {
			out = append(out, o.String())
		}
	}
	return out
}

// requireServedByThisCheckout holds that the stand-in plugins that served
// the world were built from the checkout under test.
func requireServedByThisCheckout(t *testing.T, s *world.State) {
	t.Helper()
	out, err := exec.Command("bash", "../scripts/standin.sh", "build-id").Output()
	require.NoError(t, err)
	want := strings.TrimSpace(string(out))
	for _, plugin := range []string{"aws", "eks"} {
		assert.Equal(t, want, s.ServedBy[plugin], "the %s plugin that served the world is not this checkout's: rerun scripts/standin.sh env", plugin)
	}
}

// tierCharts is the charts key of the tier: Flux and the NVIDIA device
// plugin from the charts scripts/standin.sh builds, unawaited (the API
// servers have no nodes).
func tierCharts(t *testing.T) string {
	t.Helper()
	dir := env(t, "EKS_MA_STANDIN_CHARTS")
	return `{"sources":{"flux2":{"path":"` + filepath.Join(dir, "flux2") + `"},"nvidia-device-plugin":{"path":"` + filepath.Join(dir, "nvidia-device-plugin") + `"}},"skipAwait":true}`
}

// fromEmptyToDestroyed deploys the organization stack, then an environment
// stack, through the real engine; a second deployment changes nothing;
// after each tenant has made load balancers through Services of its own,
// destroying the environment stack leaves the stand-in AWS as the
// organization stack left it but for the data the stack keeps (its
// leftovers report says so), and its API servers free and empty of what
// the stack created.
func fromEmptyToDestroyed(t *testing.T, file string, config map[string]string) {
	org := "../examples/organization/Pulumi.org.yaml"
	o := newOrganization(t, org, file)
	orgStack, envStack := o.stack(t, org), o.stack(t, file)
	for k, v := range config {
		require.NoError(t, envStack.SetConfig(context.Background(), k, auto.ConfigValue{Value: v}))
	}

	o.up(t, orgStack)
	afterOrg := leftovers(o.state(t))
	require.NotEmpty(t, afterOrg)
	planAgreesWithReality(t, o.state(t), org, orgStack.Name())

	res := o.up(t, envStack)
	assert.Positive(t, (*res.Summary.ResourceChanges)[string(apitype.OpCreate)])
	s := o.state(t)
	requireServedByThisCheckout(t, s)
	assert.NotEmpty(t, s.Select("aws:eks/cluster:Cluster", nil))
	planAgreesWithReality(t, s, file, envStack.Name())

	held := o.heldServers(t)
	require.NotEmpty(t, held)
	for _, server := range held {
		contents, err := server.Contents(context.Background())
		require.NoError(t, err)
		assert.NotEmpty(t, contents, "the stack's objects on the API server of %s", server.Cluster)
	}

	requireNothingChanged(t, o.up(t, envStack))

	editOneTenant(t, o, envStack, file)

	// The tenants deploy Services of type LoadBalancer through Flux: AWS
	// makes load balancers no stack knows of, in the clusters' subnets.
	o.tenantLoadBalancers(t)
	kept := retainedBy(t, o.state(t), file)
	require.NotEmpty(t, kept, "the example's data is kept")
	o.destroy(t, envStack)
	requireOnlyLeftovers(t, o.state(t), append(afterOrg, kept...), "destroying the stack, after the tenants' load balancers,")
	assert.NotEmpty(t, o.state(t).PendingDeletion(), "the clusters' KMS keys are pending deletion")
	assert.Empty(t, o.heldServers(t), "every API server of this world is free again")
	for _, server := range held {
		contents, err := server.Contents(context.Background())
		require.NoError(t, err)
		assert.Empty(t, contents, "what the stack created on the API server of %s is gone", server.Cluster)
	}
	o.destroy(t, orgStack)
}

// retainedBy lists, as created lists them, the objects of a world that a
// stack file's plan keeps when it is deleted (RetainOnDelete).
func retainedBy(t *testing.T, s *world.State, file string) []string {
	t.Helper()
	doc, err := drive.Plan(file)
	require.NoError(t, err)
	keep := map[string]bool{}
	for _, r := range doc.Resources {
		if r.RetainOnDelete {
			keep[r.URN] = true
		}
	}
	var out []string
	for _, o := range s.Objects {
		if keep[o.URN] && !o.Preexisting && !o.Implicit {
			out = append(out, o.String())
		}
	}
	return out
}

// heldServers returns the API servers this world's clusters hold.
func (o *organization) heldServers(t *testing.T) []*world.APIServer {
	t.Helper()
	servers, err := world.OpenPool(o.APIServers).Servers()
	require.NoError(t, err)
	var held []*world.APIServer
	for _, server := range servers {
		if server.World == o.Dir {
			held = append(held, server)
		}
	}
	return held
}

// planAgreesWithReality holds that what the offline plan of a stack file
// lists in AWS, as (type, account, logical name), is what the stand-in AWS
// holds after the stack's deployment, with the children pulumi-eks creates
// inside each cluster, which the plan cannot see.
func planAgreesWithReality(t *testing.T, s *world.State, file, stack string) {
	t.Helper()
	doc, err := drive.Plan(file)
	require.NoError(t, err)
	var want []string
	for _, r := range doc.Resources {
		if r.Kind == plan.KindResource && strings.HasPrefix(r.Type, "aws:") {
			want = append(want, r.Type+" "+r.Account+" "+r.Name)
		}
		if r.Type == "eks:index:Cluster" {
			want = append(want, pulumiEKSChildren(r)...)
		}
	}
	var got []string
	for _, o := range s.Objects {
		if strings.HasPrefix(o.URN, "urn:pulumi:"+stack+"::"+doc.Project+"::") {
			got = append(got, o.Type+" "+o.Account+" "+o.URN[strings.LastIndex(o.URN, "::")+2:])
		}
	}
	assert.ElementsMatch(t, want, got, "the plan of %s and what the stand-in AWS holds", file)
	assert.Equal(t, doc.Reachability.VPCs, deployedReachability(s).VPCs, "the plan's reachability and that of what the stand-in AWS holds")
}

// deployedReachability is the reachability of what the stand-in AWS holds,
// every stack's objects together, by the plan's evaluator: each object as
// a planned resource named by its URN, its ID and computed values its
// outputs.
func deployedReachability(s *world.State) plan.Reachability {
	var rs []plan.Resource
	for _, o := range s.Objects {
		if o.URN == "" {
			continue
		}
		outputs := map[string]any{"id": o.ID}
		for k, v := range o.Computed {
			outputs[k] = v
		}
		rs = append(rs, plan.Resource{Type: o.Type, Name: o.URN[strings.LastIndex(o.URN, "::")+2:], Account: o.Account, Region: o.Region,
			Inputs: o.Inputs, Outputs: outputs})
	}
	return plan.Reach(rs)
}

// pulumiEKSChildren are the AWS resources pulumi-eks v2.8.1 creates inside
// a cluster component (nodejs/eks/cluster.ts, securitygroup.ts,
// servicerole.ts): the service role and its policy, the cluster and node
// security groups and their rules, the EKS cluster, the OIDC provider, and
// an access entry (with its policy associations) per accessEntries key.
func pulumiEKSChildren(cluster plan.Resource) []string {
	n, at := cluster.Name, func(typ, name string) string { return typ + " " + cluster.Account + " " + name }
	sum := sha1.Sum([]byte("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"))
	out := []string{
		at("aws:iam/role:Role", n+"-eksRole-role"),
		at("aws:iam/rolePolicyAttachment:RolePolicyAttachment", n+"-eksRole-"+hex.EncodeToString(sum[:])[:8]),
		at("aws:ec2/securityGroup:SecurityGroup", n+"-eksClusterSecurityGroup"),
		at("aws:ec2/securityGroupRule:SecurityGroupRule", n+"-eksClusterInternetEgressRule"),
		at("aws:eks/cluster:Cluster", n+"-eksCluster"),
		at("aws:iam/openIdConnectProvider:OpenIdConnectProvider", n+"-oidcProvider"),
		at("aws:ec2/securityGroup:SecurityGroup", n+"-nodeSecurityGroup"),
	}
	for _, rule := range []string{"eksNodeIngressRule", "eksNodeClusterIngressRule", "eksExtApiServerClusterIngressRule", "eksNodeInternetEgressRule", "eksClusterIngressRule"} {
		out = append(out, at("aws:ec2/securityGroupRule:SecurityGroupRule", n+"-"+rule))
	}
	entries, _ := cluster.Inputs["accessEntries"].(map[string]any)
	for key, e := range entries {
		out = append(out, at("aws:eks/accessEntry:AccessEntry", n+"-"+key))
		policies, _ := e.(map[string]any)["accessPolicies"].(map[string]any)
		for pk := range policies {
			out = append(out, at("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", n+"-"+key+"-"+pk))
		}
	}
	return out
}

// editOneTenant gives the first tenant of a stack file a new quota: the
// preview changes only that tenant's resources, and so does the update.
func editOneTenant(t *testing.T, o *organization, s auto.Stack, file string) {
	t.Helper()
	st, err := stackfile.Load(file)
	require.NoError(t, err)
	var tenants []map[string]any
	require.NoError(t, json.Unmarshal([]byte(st.Config["eks-multi-account:workloadAccounts"]), &tenants))
	tenant := tenants[0]["name"].(string)
	tenants[0]["quota"] = map[string]any{"cpu": "7", "memory": "7Gi", "pods": 7}
	edited, err := json.Marshal(tenants)
	require.NoError(t, err)
	require.NoError(t, s.SetConfig(context.Background(), "eks-multi-account:workloadAccounts", auto.ConfigValue{Value: string(edited)}))

	events := make(chan events.EngineEvent)
	var changed []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range events {
			// The organization stack's reference is read on every run,
			// and changes nothing.
			if pre := e.ResourcePreEvent; pre != nil && pre.Metadata.Op != apitype.OpSame && pre.Metadata.Op != apitype.OpRead && pre.Metadata.Type != "pulumi:pulumi:Stack" {
				changed = append(changed, pre.Metadata.URN)
			}
		}
	}()
	var out strings.Builder
	_, err = s.Preview(context.Background(), optpreview.ProgressStreams(&out), optpreview.EventStreams(events))
	require.NoError(t, err, out.String())
	<-done
	require.NotEmpty(t, changed, "the edit changes something:\n%s", out.String())
	for _, urn := range changed {
		name := urn[strings.LastIndex(urn, "::")+2:]
		assert.True(t, strings.HasPrefix(name, tenant+"-"), "editing tenant %s changes %s:\n%s", tenant, urn, out.String())
	}
	res := o.up(t, s)
	assert.Equal(t, map[string]int{string(apitype.OpSame): (*res.Summary.ResourceChanges)[string(apitype.OpSame)], string(apitype.OpUpdate): len(changed)},
		*res.Summary.ResourceChanges, "the update changes what the preview showed, in place")
}

func TestCentralizedDevFromEmptyToDestroyed(t *testing.T) {
	fromEmptyToDestroyed(t, "../examples/centralized/Pulumi.dev.yaml", nil)
}

func TestCentralizedProdFromEmptyToDestroyed(t *testing.T) {
	fromEmptyToDestroyed(t, "../examples/centralized/Pulumi.prod.yaml", nil)
}

func TestDecentralizedDevFromEmptyToDestroyed(t *testing.T) {
	fromEmptyToDestroyed(t, "../examples/decentralized/Pulumi.dev.yaml", map[string]string{"eks-multi-account:charts": tierCharts(t)})
}

func TestDecentralizedProdFromEmptyToDestroyed(t *testing.T) {
	fromEmptyToDestroyed(t, "../examples/decentralized/Pulumi.prod.yaml", map[string]string{"eks-multi-account:charts": tierCharts(t)})
}

// TestStacksOfOneOrganization deploys the organization stack and two
// environment stacks into one stand-in organization: a stack with an
// account outside the organization stack's guardrails fails its preview,
// naming it, until the account is back under them; destroying one
// environment stack leaves the other's resources, the organization's, and
// RAM sharing with the organization, in place.
func TestStacksOfOneOrganization(t *testing.T) {
	org, dev, prod := "../examples/organization/Pulumi.org.yaml", "../examples/centralized/Pulumi.dev.yaml", "../examples/centralized/Pulumi.prod.yaml"
	o := newOrganization(t, org, dev, prod)
	orgStack, devStack, prodStack := o.stack(t, org), o.stack(t, dev), o.stack(t, prod)
	o.up(t, orgStack)
	afterOrg := created(o.state(t))

	// The payments account leaves the guarded OU; the organization stack
	// reads it when it deploys next.
	const payments = "343434343434"
	var unit string
	for _, u := range o.state(t).Organization.OrganizationalUnits {
		if slices.Contains(u.Accounts, payments) {
			unit = u.ID
		}
	}
	require.NotEmpty(t, unit, "the account starts in a guarded OU")
	require.NoError(t, o.store.Update(func(s *world.State) error { return s.Organization.MoveAccount(payments, "") }))
	o.up(t, orgStack)
	var refused strings.Builder
	_, err := devStack.Preview(context.Background(), optpreview.ProgressStreams(&refused))
	require.Error(t, err, "a stack with an unguarded account previews:\n%s", refused.String())
	assert.Contains(t, err.Error()+refused.String(), `the guardrails of organization stack organization/eks-multi-account-organization/org (targets ou-ab12-cdef3456, ou-ab12-fedc6543) do not bind workloadAccounts[0].accountId "343434343434"`)
	_, err = devStack.Up(context.Background(), optup.ProgressStreams(&refused))
	require.Error(t, err, "nor does it deploy")
	assert.Equal(t, afterOrg, created(o.state(t)), "nothing of the stack was created")

	require.NoError(t, o.store.Update(func(s *world.State) error { return s.Organization.MoveAccount(payments, unit) }))
	o.up(t, orgStack)
	o.up(t, devStack)
	afterDev := created(o.state(t))
	o.up(t, prodStack)
	require.True(t, o.state(t).Organization.RAMSharing)

	kept := retainedBy(t, o.state(t), dev)
	require.NotEmpty(t, kept, "dev's data is kept")
	o.destroy(t, devStack)
	s := o.state(t)
	assert.True(t, s.Organization.RAMSharing, "sharing with the organization stays on")
	left := created(s)
	for _, obj := range afterDev {
		switch {
		case slices.Contains(afterOrg, obj):
			assert.Contains(t, left, obj, "the organization's %s stays", obj)
		case slices.Contains(kept, obj):
			assert.Contains(t, left, obj, "dev's data %s stays", obj)
		default:
			assert.NotContains(t, left, obj, "dev's %s goes", obj)
		}
	}
	assert.Len(t, s.Select("aws:eks/cluster:Cluster", nil), 2, "prod's two clusters stay")

	var out strings.Builder
	preview, err := prodStack.Preview(context.Background(), optpreview.ProgressStreams(&out))
	require.NoError(t, err, out.String())
	for op, n := range preview.ChangeSummary {
		if op != apitype.OpSame {
			assert.Zero(t, n, "after dev's destroy, prod would %s %d resources:\n%s", op, n, out.String())
		}
	}
	o.destroy(t, prodStack)
	o.destroy(t, orgStack)
	assert.True(t, o.state(t).Organization.RAMSharing, "the organization stack retains RAM sharing by design")
}
