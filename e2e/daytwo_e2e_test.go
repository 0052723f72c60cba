//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
	"github.com/eks-multi-account/eks-multi-account/internal/vend"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Day 2 on the stand-in AWS: what AWS enforces after the first up, each rule
// of the stand-in broken by the code before the fix (docs/deploying.md#day-2).

const orgFile = "../examples/organization/Pulumi.org.yaml"

// setDefault sets one key of a stack's defaults, as editing its stack file
// would.
func setDefault(t *testing.T, s auto.Stack, key string, value any) {
	t.Helper()
	const name = "eks-multi-account:defaults"
	cur, err := s.GetConfig(context.Background(), name)
	require.NoError(t, err)
	defaults := map[string]any{}
	require.NoError(t, json.Unmarshal([]byte(cur.Value), &defaults))
	defaults[key] = value
	text, err := json.Marshal(defaults)
	require.NoError(t, err)
	require.NoError(t, s.SetConfig(context.Background(), name, auto.ConfigValue{Value: string(text)}))
}

// upFails runs an up that must fail and returns its output.
func upFails(t *testing.T, s auto.Stack) string {
	t.Helper()
	var out strings.Builder
	_, err := s.Up(context.Background(), optup.ProgressStreams(&out), optup.Parallel(256))
	require.Error(t, err, "up %s should fail:\n%s", s.Name(), out.String())
	return out.String() + err.Error()
}

// requireInStep holds that every cluster of the world runs version, with
// its node groups at the same version and add-ons that support it.
func requireInStep(t *testing.T, s *world.State, version string) {
	t.Helper()
	clusters := s.Select("aws:eks/cluster:Cluster", nil)
	require.NotEmpty(t, clusters)
	for _, c := range clusters {
		assert.Equal(t, version, c.Str("version"), "cluster %s", c.ID)
	}
	groups := s.Select("aws:eks/nodeGroup:NodeGroup", nil)
	require.NotEmpty(t, groups)
	for _, ng := range groups {
		assert.Equal(t, version, ng.Str("version"), "node group %s moves with its cluster", ng.ID)
	}
	addons := s.Select("aws:eks/addon:Addon", nil)
	require.NotEmpty(t, addons)
	for _, a := range addons {
		assert.True(t, world.AddonSupports(a.Str("addonName"), a.Str("addonVersion"), version), "add-on %s %s supports %s", a.ID, a.Str("addonVersion"), version)
	}
}

// A centralized cluster's kubernetesVersion raised twice, one minor at a
// time, with one up each: EKS refuses the second control-plane move while a
// node group or an add-on stayed behind.
func TestACentralizedClusterMovesUpTwice(t *testing.T) {
	file := "../examples/centralized/Pulumi.dev.yaml"
	o := newOrganization(t, orgFile, file)
	o.up(t, o.stack(t, orgFile))
	s := o.stack(t, file)
	setDefault(t, s, "kubernetesVersion", "1.34")
	o.up(t, s)
	requireInStep(t, o.state(t), "1.34")
	for _, v := range []string{"1.35", "1.36"} {
		setDefault(t, s, "kubernetesVersion", v)
		o.up(t, s)
		requireInStep(t, o.state(t), v)
	}
	o.destroy(t, s)
}

// usEast1 is a stack file of one centralized cluster in us-east-1, in a
// directory of its own.
func usEast1(t *testing.T) string {
	return stackFile(t, "zones", `config:
  eks-multi-account:model: centralized
  eks-multi-account:defaults: {region: us-east-1, endpointAccess: {publicCidrs: [203.0.113.0/24]}}
  eks-multi-account:organization: {managementAccountId: "000011112222"}
  eks-multi-account:clusterAccounts:
    - name: zones
      accountId: "818181818181"
      vpcCidr: 10.80.0.0/16
      availabilityZones: 3
      nodeGroups: [{name: general, instanceTypes: [m6i.large], minSize: 1, maxSize: 2, desiredSize: 1}]
`)
}

// stackFile writes the stack file of a stack of the root project, in a
// directory of its own, and returns its path.
func stackFile(t *testing.T, stack, text string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: eks-multi-account\nruntime: go\n"), 0o644))
	file := filepath.Join(dir, "Pulumi."+stack+".yaml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	return file
}

// An account whose first zone names are use1-az3, where EKS runs no
// clusters, deploys: its subnets are chosen and created by zone ID.
func TestAnAccountWhoseFirstZoneIsUse1Az3Deploys(t *testing.T) {
	file := usEast1(t)
	o := newOrganization(t, orgFile, file)
	require.NoError(t, o.store.Update(func(s *world.State) error {
		return s.SetZoneOrder("818181818181", "us-east-1", []string{"use1-az3", "use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"})
	}))
	o.up(t, o.stack(t, orgFile))
	s := o.stack(t, file)
	o.up(t, s)
	var zones []string
	for _, sn := range o.state(t).Select("aws:ec2/subnet:Subnet", func(x *world.Object) bool { return x.Account == "818181818181" }) {
		zones = append(zones, sn.Str("availabilityZoneId"))
	}
	assert.ElementsMatch(t, []string{"use1-az1", "use1-az1", "use1-az2", "use1-az2", "use1-az4", "use1-az4"}, zones,
		"a private and a public subnet in each of the three lowest zones EKS supports")
	assert.Len(t, o.state(t).Select("aws:eks/cluster:Cluster", nil), 1)
	o.destroy(t, s)
}

// gpuAccount is the account of team gpu, which newVending's teams bound.
const gpuAccount = "717171717171"

// An ai-ml request into an account with no G and VT quota fails before
// anything of it is created, naming the quota; with the quota raised to
// what it asks for, it deploys.
func TestAGPURequestWithoutGPUQuotaCreatesNothing(t *testing.T) {
	const account = gpuAccount
	request := "team: gpu\nenvironment: dev\naccountId: \"" + account + "\"\nblueprint: ai-ml\nnetworking: dedicated\n"
	v := newVending(t, nil, map[string]string{"gpu-dev": request})
	require.NoError(t, os.WriteFile(filepath.Join(v.dir, vending.RequestsDir, "gpu-dev.yaml"), []byte(request), 0o644))
	require.NoError(t, v.store.Update(func(s *world.State) error { return s.SetQuota(account, "us-west-2", "L-DB2E81BA", 0) }))

	set, err := vending.Load(v.dir, nil)
	require.NoError(t, err)
	_, err = vend.Apply(context.Background(), set, v.options(t), vend.ApplyOptions{})
	var failed *vend.StackError
	require.ErrorAs(t, err, &failed, v.log.String())
	require.Len(t, failed.Failed, 1)
	assert.Equal(t, "gpu-dev", failed.Failed[0].Stack)
	assert.Contains(t, err.Error(), "Running On-Demand G and VT instances (ec2 L-DB2E81BA) is 0 vCPUs; this stack needs 64")
	assert.Contains(t, err.Error(), "aws service-quotas request-service-quota-increase --region us-west-2 --service-code ec2 --quota-code L-DB2E81BA --desired-value 64")
	for _, o := range v.state(t).Objects {
		assert.False(t, o.Account == account && !o.Preexisting, "%s was created in the account before the quota failed it", o)
	}

	require.NoError(t, v.store.Update(func(s *world.State) error { return s.SetQuota(account, "us-west-2", "L-DB2E81BA", 64) }))
	assert.Equal(t, vend.Update, v.apply(t, false)["gpu-dev"], "the failed stack exists, empty, and is updated")
	assert.Len(t, v.state(t).Select("aws:eks/nodeGroup:NodeGroup", func(x *world.Object) bool { return x.Account == account }), 2)
	require.NoError(t, os.Remove(filepath.Join(v.dir, vending.RequestsDir, "gpu-dev.yaml")))
	v.apply(t, true)
}

// The organization stack reads its prerequisites: on a root without
// resource control policies enabled it fails naming the command that
// enables them, on a target already holding five service control policies
// it fails naming the target, and in neither case creates anything.
func TestTheOrganizationStackReadsItsPrerequisites(t *testing.T) {
	o := newOrganization(t, orgFile)
	require.NoError(t, o.store.Update(func(s *world.State) error {
		s.Organization.EnabledPolicyTypes = []string{world.ServiceControlPolicy}
		return nil
	}))
	s := o.stack(t, orgFile)
	out := upFails(t, s)
	assert.Contains(t, out, "policy type RESOURCE_CONTROL_POLICY is not enabled on root r-stan")
	assert.Contains(t, out, "aws organizations enable-policy-type --root-id r-stan --policy-type RESOURCE_CONTROL_POLICY")
	assert.Empty(t, created(o.state(t)), "nothing is created")

	// A landing zone's four policies on one of the targets, beside
	// FullAWSAccess.
	const full = "ou-ab12-fedc6543"
	require.NoError(t, o.store.Update(func(s *world.State) error {
		s.Organization.EnabledPolicyTypes = append(s.Organization.EnabledPolicyTypes, world.ResourceControlPolicy)
		for _, name := range []string{"landing-a", "landing-b", "landing-c", "landing-d"} {
			s.Objects = append(s.Objects,
				&world.Object{Type: "aws:organizations/policy:Policy", ID: "p-" + name, Account: s.Organization.ManagementAccount, Preexisting: true,
					Inputs: map[string]any{"name": name, "type": world.ServiceControlPolicy}, Computed: map[string]any{}},
				&world.Object{Type: "aws:organizations/policyAttachment:PolicyAttachment", ID: full + ":p-" + name, Account: s.Organization.ManagementAccount, Preexisting: true,
					Inputs: map[string]any{"policyId": "p-" + name, "targetId": full}, Computed: map[string]any{}})
		}
		return nil
	}))
	out = upFails(t, s)
	assert.Contains(t, out, "target "+full+" already holds 5 policies of type SERVICE_CONTROL_POLICY ([FullAWSAccess landing-a landing-b landing-c landing-d])")
	assert.Empty(t, created(o.state(t)), "nothing is created")

	require.NoError(t, o.store.Update(func(s *world.State) error {
		s.Objects = s.Objects[:len(s.Objects)-2]
		return nil
	}))
	o.up(t, s)
	assert.Len(t, o.state(t).Select("aws:organizations/policyAttachment:PolicyAttachment", func(x *world.Object) bool { return !x.Preexisting }), 4)
	o.destroy(t, s)
}
