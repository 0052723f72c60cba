// Package aws is the stand-in for the pulumi-aws provider plugin in the
// real-engine tier: the engine talks to it as it talks to pulumi-aws, and it
// answers from the stand-in AWS of package world, refusing what AWS
// refuses.
//
// One process serves one provider resource, that is one account and region:
// Configure reads the account from allowedAccountIds (which the library
// always sets) and the deploy role from assumeRoles. It never runs outside
// the tier: without the world's directory in its environment it refuses to
// configure.
package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// Version is the pulumi-aws version the SDK asks for, which the stand-in
// is installed as.
const Version = "6.83.4"

// Environment of the plugin process, set by the tier.
const (
	// WorldEnv names the stand-in AWS's directory.
	WorldEnv = "EKS_MA_STANDIN_WORLD"
	// ClusterDelayEnv is how long an EKS cluster takes to create (a Go
	// duration), longer than the rest of a deploy so that anything that does
	// not wait for its cluster fails every time.
	ClusterDelayEnv = "EKS_MA_STANDIN_CLUSTER_DELAY"
)

// Provider is the stand-in pulumi-aws provider of one account and region.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	world        *world.World
	caller       world.Caller
	clusterDelay time.Duration
	// clockScale speeds up the retries of deletes (ClockScaleEnv).
	clockScale float64
}

// New returns a provider reading its world and creation delay from the
// environment.
func New() (*Provider, error) {
	dir := os.Getenv(WorldEnv)
	if dir == "" {
		return nil, fmt.Errorf("this is the stand-in for pulumi-aws of eks-multi-account's test tier; it runs only with %s set", WorldEnv)
	}
	w, err := world.Open(dir)
	if err != nil {
		return nil, err
	}
	if pool := os.Getenv(world.PoolEnv); pool != "" {
		w.UsePool(world.OpenPool(pool))
	}
	delay := 0 * time.Second
	if v := os.Getenv(ClusterDelayEnv); v != "" {
		if delay, err = time.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("%s: %w", ClusterDelayEnv, err)
		}
	}
	scale, err := clockScale()
	if err != nil {
		return nil, err
	}
	return &Provider{world: w, clusterDelay: delay, clockScale: scale}, nil
}

// GetPluginInfo implements pulumirpc.ResourceProviderServer.
func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

// GetSchema implements pulumirpc.ResourceProviderServer: the SDK is
// generated already, so a name and version do.
func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"aws","version":"` + Version + `"}`}, nil
}

// CheckConfig implements pulumirpc.ResourceProviderServer.
func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig implements pulumirpc.ResourceProviderServer: a provider
// pointed at another account or region replaces what it manages.
func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news := unmarshal(req.GetOldInputs()), unmarshal(req.GetNews())
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	for _, key := range changedKeys(olds, news) {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, key)
		if key == "allowedAccountIds" || key == "region" {
			resp.Replaces = append(resp.Replaces, key)
		}
	}
	return resp, nil
}

// Configure implements pulumirpc.ResourceProviderServer.
func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	m := plain(unmarshal(req.GetArgs()))
	accounts := listOf(m["allowedAccountIds"])
	region, _ := m["region"].(string)
	if len(accounts) != 1 || region == "" {
		return nil, fmt.Errorf("the stand-in AWS needs every provider pinned to one account (allowedAccountIds) and a region; got %v and %q", accounts, region)
	}
	p.caller = world.Caller{Account: accounts[0], Region: region, Principal: assumedRole(m)}
	if err := p.world.Update(func(s *world.State) error {
		s.Served("aws")
		return nil
	}); err != nil {
		return nil, err
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

// assumedRole is the role ARN of the provider's first assumeRoles entry:
// who the provider acts as. Without one, it acts as the account's root.
func assumedRole(config map[string]any) string {
	for _, r := range asList(config["assumeRoles"]) {
		if m, ok := r.(map[string]any); ok {
			if arn, _ := m["roleArn"].(string); arn != "" {
				return arn
			}
		}
	}
	if m, ok := config["assumeRole"].(map[string]any); ok {
		if arn, _ := m["roleArn"].(string); arn != "" {
			return arn
		}
	}
	accounts := listOf(config["allowedAccountIds"])
	return fmt.Sprintf("arn:aws:iam::%s:root", accounts[0])
}

// asList reads a list that may come JSON-encoded, as provider
// configuration values of complex types may.
func asList(v any) []any {
	if s, ok := v.(string); ok {
		var list []any
		if json.Unmarshal([]byte(s), &list) == nil {
			return list
		}
	}
	list, _ := v.([]any)
	return list
}

// listOf reads a list of strings that may come JSON-encoded.
func listOf(v any) []string {
	var out []string
	for _, e := range asList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// unmarshal reads a property struct, keeping unknowns and secrets.
func unmarshal(s *structpb.Struct) resource.PropertyMap {
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
	if err != nil {
		return resource.PropertyMap{}
	}
	return m
}

// marshal writes a property map for the engine.
func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
}

// plain turns properties into plain Go values: secrets unwrapped, unknowns
// dropped.
func plain(m resource.PropertyMap) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if x, ok := plainValue(v); ok {
			out[string(k)] = x
		}
	}
	return out
}

func plainValue(v resource.PropertyValue) (any, bool) {
	switch {
	case v.IsSecret():
		return plainValue(v.SecretValue().Element)
	case v.IsComputed() || v.IsOutput() || v.IsNull():
		return nil, false
	case v.IsString():
		return v.StringValue(), true
	case v.IsNumber():
		return v.NumberValue(), true
	case v.IsBool():
		return v.BoolValue(), true
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			if x, ok := plainValue(e); ok {
				out = append(out, x)
			}
		}
		return out, true
	case v.IsObject():
		return plain(v.ObjectValue()), true
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN), true
	}
	return nil, false
}
