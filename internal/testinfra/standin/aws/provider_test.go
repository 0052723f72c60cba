package aws

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

const (
	account = "111122223333"
	roleURN = "urn:pulumi:test::proj::aws:iam/role:Role::app"
)

var trustEKS = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// configured returns a provider of the account, in a fresh world holding
// the account.
func configured(t *testing.T) *Provider {
	t.Helper()
	dir := t.TempDir()
	w, err := world.Open(dir)
	require.NoError(t, err)
	require.NoError(t, w.Update(func(s *world.State) error {
		return s.Plant(world.Seed{Organization: world.Organization{ManagementAccount: account, Accounts: []string{account}}})
	}))
	t.Setenv(WorldEnv, dir)
	p, err := New()
	require.NoError(t, err)
	_, err = p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: props(t, map[string]any{
		"region": "us-east-1", "allowedAccountIds": []any{account},
		"assumeRoles": []any{map[string]any{"roleArn": "arn:aws:iam::111122223333:role/Deploy"}},
	})})
	require.NoError(t, err)
	return p
}

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := marshal(resource.NewPropertyMapFromMap(m))
	require.NoError(t, err)
	return s
}

func TestTheStandInRunsOnlyInTheTier(t *testing.T) {
	t.Setenv(WorldEnv, "")
	_, err := New()
	require.ErrorContains(t, err, WorldEnv)
}

func TestConfigureNeedsOneAccountAndARegion(t *testing.T) {
	p := configured(t)
	_, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: props(t, map[string]any{"region": "us-east-1"})})
	require.ErrorContains(t, err, "allowedAccountIds")
	assert.Equal(t, world.Caller{Account: account, Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/Deploy"}, p.caller)
}

func TestCheckNamesWhatTheProgramLeftUnnamed(t *testing.T) {
	p := configured(t)
	ctx := context.Background()
	resp, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: roleURN, Type: "aws:iam/role:Role", News: props(t, map[string]any{"assumeRolePolicy": trustEKS}), RandomSeed: []byte("seed")})
	require.NoError(t, err)
	name := unmarshal(resp.GetInputs())["name"].StringValue()
	assert.Regexp(t, `^app-[0-9a-f]{7}$`, name)

	again, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: roleURN, Type: "aws:iam/role:Role", News: props(t, map[string]any{"assumeRolePolicy": trustEKS}),
		Olds: resp.GetInputs(), RandomSeed: []byte("other")})
	require.NoError(t, err)
	assert.Equal(t, name, unmarshal(again.GetInputs())["name"].StringValue(), "an update keeps the name")

	_, err = p.Check(ctx, &pulumirpc.CheckRequest{Urn: "urn:pulumi:test::proj::aws:sqs/queue:Queue::q", News: props(t, nil)})
	require.ErrorContains(t, err, "does not implement aws:sqs/queue:Queue")
}

func TestCreateReadUpdateDelete(t *testing.T) {
	p := configured(t)
	ctx := context.Background()
	inputs := map[string]any{"name": "app", "path": "/", "assumeRolePolicy": trustEKS}

	preview, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: roleURN, Type: "aws:iam/role:Role", Properties: props(t, inputs), Preview: true})
	require.NoError(t, err)
	assert.Empty(t, preview.GetId())
	assert.NotContains(t, unmarshal(preview.GetProperties()), resource.PropertyKey("arn"), "a preview leaves the ARN unknown")

	created, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: roleURN, Type: "aws:iam/role:Role", Properties: props(t, inputs)})
	require.NoError(t, err)
	assert.Equal(t, "app", created.GetId())
	out := unmarshal(created.GetProperties())
	assert.Equal(t, "arn:aws:iam::111122223333:role/app", out["arn"].StringValue())
	assert.Regexp(t, `^AROA[0-9A-F]{17}$`, out["uniqueId"].StringValue())

	_, err = p.Create(ctx, &pulumirpc.CreateRequest{Urn: roleURN, Type: "aws:iam/role:Role", Properties: props(t, inputs)})
	require.ErrorContains(t, err, "CreateRole: EntityAlreadyExists: Role with name app already exists.")

	read, err := p.Read(ctx, &pulumirpc.ReadRequest{Id: "app", Urn: roleURN, Type: "aws:iam/role:Role"})
	require.NoError(t, err)
	assert.Equal(t, "app", read.GetId())

	policyURN := "urn:pulumi:test::proj::aws:iam/rolePolicy:RolePolicy::p"
	policy := map[string]any{"role": "app", "name": "p", "policy": `{"Version":"2012-10-17","Statement":[]}`}
	rp, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: policyURN, Type: "aws:iam/rolePolicy:RolePolicy", Properties: props(t, policy)})
	require.NoError(t, err)
	_, err = p.Delete(ctx, &pulumirpc.DeleteRequest{Id: "app", Urn: roleURN, Type: "aws:iam/role:Role"})
	require.ErrorContains(t, err, "DeleteConflict")

	policy["policy"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	updated, err := p.Update(ctx, &pulumirpc.UpdateRequest{Id: rp.GetId(), Urn: policyURN, Type: "aws:iam/rolePolicy:RolePolicy", News: props(t, policy)})
	require.NoError(t, err)
	assert.Contains(t, unmarshal(updated.GetProperties())["policy"].StringValue(), "s3:GetObject")

	_, err = p.Delete(ctx, &pulumirpc.DeleteRequest{Id: rp.GetId(), Urn: policyURN, Type: "aws:iam/rolePolicy:RolePolicy"})
	require.NoError(t, err)
	_, err = p.Delete(ctx, &pulumirpc.DeleteRequest{Id: "app", Urn: roleURN, Type: "aws:iam/role:Role"})
	require.NoError(t, err)
	gone, err := p.Read(ctx, &pulumirpc.ReadRequest{Id: "app", Urn: roleURN, Type: "aws:iam/role:Role"})
	require.NoError(t, err)
	assert.Empty(t, gone.GetId())
}

func TestDiffReplacesWhatAWSCannotChange(t *testing.T) {
	p := configured(t)
	old := props(t, map[string]any{"name": "app", "path": "/", "assumeRolePolicy": trustEKS, "description": "a"})
	resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: roleURN, Type: "aws:iam/role:Role", OldInputs: old,
		News: props(t, map[string]any{"name": "app2", "path": "/", "assumeRolePolicy": trustEKS, "description": "b"})})
	require.NoError(t, err)
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_SOME, resp.GetChanges())
	assert.Equal(t, []string{"description", "name"}, resp.GetDiffs())
	assert.Equal(t, []string{"name"}, resp.GetReplaces())

	same, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: roleURN, Type: "aws:iam/role:Role", OldInputs: old, News: old})
	require.NoError(t, err)
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, same.GetChanges())
}

func TestSecretInputsStaySecret(t *testing.T) {
	p := configured(t)
	in := resource.NewPropertyMapFromMap(map[string]any{"name": "app", "path": "/"})
	in["assumeRolePolicy"] = resource.MakeSecret(resource.NewProperty(trustEKS))
	s, err := marshal(in)
	require.NoError(t, err)
	created, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: roleURN, Type: "aws:iam/role:Role", Properties: s})
	require.NoError(t, err)
	assert.True(t, unmarshal(created.GetProperties())["assumeRolePolicy"].IsSecret())
}

func TestInvokes(t *testing.T) {
	p := configured(t)
	args, err := marshal(resource.NewPropertyMapFromMap(map[string]any{
		"filters": []any{map[string]any{"name": "zone-type", "values": []any{"availability-zone"}}}, "excludeZoneIds": []any{"use1-az3"},
	}))
	require.NoError(t, err)
	resp, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:index/getAvailabilityZones:getAvailabilityZones", Args: args})
	require.NoError(t, err)
	ids := plain(unmarshal(resp.GetReturn()))["zoneIds"]
	assert.ElementsMatch(t, []any{"use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}, ids, "the world answers with the caller's zones, filtered")
	args, err = marshal(resource.NewPropertyMapFromMap(map[string]any{"serviceCode": "ec2", "quotaCode": "L-DB2E81BA"}))
	require.NoError(t, err)
	quota, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:servicequotas/getServiceQuota:getServiceQuota", Args: args})
	require.NoError(t, err)
	assert.Equal(t, 0.0, plain(unmarshal(quota.GetReturn()))["value"], "a new account's G and VT quota")
	who, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:index/getCallerIdentity:getCallerIdentity"})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/Deploy/pulumi", plain(unmarshal(who.GetReturn()))["arn"])
	_, err = p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:s3/getBucket:getBucket"})
	require.Error(t, err)
}
