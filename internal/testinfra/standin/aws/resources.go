package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// autoNamed are the properties pulumi-aws fills with the resource's
// logical name and a random suffix when the program leaves them out
// (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming).
var autoNamed = map[string]string{
	"aws:iam/role:Role":                     "name",
	"aws:iam/rolePolicy:RolePolicy":         "name",
	"aws:ec2/launchTemplate:LaunchTemplate": "name",
	"aws:ec2/securityGroup:SecurityGroup":   "name",
	"aws:eks/cluster:Cluster":               "name",
	"aws:eks/nodeGroup:NodeGroup":           "nodeGroupName",
	"aws:eks/fargateProfile:FargateProfile": "fargateProfileName",
	"aws:ram/resourceShare:ResourceShare":   "name",
	"aws:dynamodb/table:Table":              "name",
	"aws:rds/subnetGroup:SubnetGroup":       "name",
	"aws:s3/bucketV2:BucketV2":              "bucket",
	"aws:organizations/policy:Policy":       "name",
}

// typeOf is a request's resource type: its Type, or its URN's.
func typeOf(typ, urn string) string {
	if typ != "" {
		return typ
	}
	return string(resource.URN(urn).Type())
}

// Check implements pulumirpc.ResourceProviderServer: it refuses types the
// stand-in does not implement and names what pulumi-aws would name.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	if !world.Implements(typ) {
		return nil, fmt.Errorf("the stand-in AWS does not implement %s", typ)
	}
	news := unmarshal(req.GetNews())
	if key, ok := autoNamed[typ]; ok && !news.HasValue(resource.PropertyKey(key)) {
		olds := unmarshal(req.GetOlds())
		if old := olds[resource.PropertyKey(key)]; old.IsString() {
			news[resource.PropertyKey(key)] = old
		} else {
			news[resource.PropertyKey(key)] = resource.NewProperty(autoName(typ, resource.URN(req.GetUrn()).Name(), req.GetRandomSeed()))
		}
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs}, nil
}

// autoName is a logical name with seven hex digits from the engine's
// random seed, lowercase for S3.
func autoName(typ, name string, seed []byte) string {
	sum := sha256.Sum256(append([]byte(name), seed...))
	n := name + "-" + hex.EncodeToString(sum[:])[:7]
	if strings.HasPrefix(typ, "aws:s3/") {
		return strings.ToLower(n)
	}
	return n
}

// Diff implements pulumirpc.ResourceProviderServer: the inputs that
// changed, and the replacement AWS forces for some of them.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	olds := unmarshal(req.GetOldInputs())
	if len(olds) == 0 {
		olds = unmarshal(req.GetOlds())
	}
	news := unmarshal(req.GetNews())
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	for _, key := range changedKeys(olds, news) {
		if slices.Contains(req.GetIgnoreChanges(), key) {
			continue
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, key)
		if slices.Contains(world.Replaces(typ), key) {
			resp.Replaces = append(resp.Replaces, key)
		}
	}
	return resp, nil
}

// changedKeys lists, sorted, the top-level keys whose values differ; an
// unknown value counts as a change.
func changedKeys(olds, news resource.PropertyMap) []string {
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			out = append(out, k)
		}
	}
	return out
}

// Create implements pulumirpc.ResourceProviderServer. A preview asks AWS
// nothing: the outputs it would compute are left unknown. An EKS cluster
// takes the configured creation time, during which it is CREATING.
func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	props := unmarshal(req.GetProperties())
	if req.GetPreview() {
		out, err := marshal(props)
		return &pulumirpc.CreateResponse{Properties: out}, err
	}
	var o *world.Object
	err := p.world.Update(func(s *world.State) error {
		var err error
		if o, err = s.Create(p.caller, typ, plain(props)); err == nil {
			o.URN = req.GetUrn()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if world.RunsOnARole(typ) {
		time.Sleep(p.computeDelay())
		if err := p.world.Update(func(s *world.State) error { return s.SettleCompute(p.caller, typ, o.ID) }); err != nil {
			return nil, err
		}
	}
	if typ == "aws:eks/cluster:Cluster" {
		time.Sleep(p.clusterDelay)
		if err := p.world.Update(func(s *world.State) error {
			if err := s.ActivateCluster(p.caller, o.ID); err != nil {
				return err
			}
			o = s.Find(p.caller, typ, o.ID)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	out, err := p.outputs(o, props)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: o.ID, Properties: out}, nil
}

// outputs are an object's properties for the engine, secret where the
// program's input was.
func (p *Provider) outputs(o *world.Object, inputs resource.PropertyMap) (*structpb.Struct, error) {
	m := resource.NewPropertyMapFromMap(o.Props())
	for k, v := range inputs {
		if v.IsSecret() && m.HasValue(k) {
			m[k] = resource.MakeSecret(m[k])
		}
	}
	return marshal(m)
}

// Read implements pulumirpc.ResourceProviderServer: what the world holds,
// or nothing when the object is gone.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	var o *world.Object
	if err := p.world.View(func(s *world.State) error {
		o = s.Find(p.caller, typ, req.GetId())
		return nil
	}); err != nil {
		return nil, err
	}
	if o == nil || o.PendingDeletion() {
		// pulumi-aws reads a key pending deletion as gone.
		return &pulumirpc.ReadResponse{}, nil
	}
	props, err := p.outputs(o, unmarshal(req.GetInputs()))
	if err != nil {
		return nil, err
	}
	inputs, err := marshal(resource.NewPropertyMapFromMap(o.Inputs))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: o.ID, Properties: props, Inputs: inputs}, nil
}

// Update implements pulumirpc.ResourceProviderServer.
func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	news := unmarshal(req.GetNews())
	if req.GetPreview() {
		merged := unmarshal(req.GetOlds())
		maps.Copy(merged, news)
		out, err := marshal(merged)
		return &pulumirpc.UpdateResponse{Properties: out}, err
	}
	var o *world.Object
	if err := p.world.Update(func(s *world.State) error {
		var err error
		o, err = s.Update(p.caller, typ, req.GetId(), plain(news))
		return err
	}); err != nil {
		return nil, err
	}
	out, err := p.outputs(o, news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: out}, nil
}

// Delete implements pulumirpc.ResourceProviderServer.
func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	if world.RunsOnARole(typ) {
		// EKS drains the nodes, or stops the pods, before the node group
		// or profile is gone.
		if err := p.world.Update(func(s *world.State) error { s.StartDeleting(p.caller, typ, req.GetId()); return nil }); err != nil {
			return nil, err
		}
		time.Sleep(p.computeDelay())
		return &emptypb.Empty{}, p.world.Update(func(s *world.State) error { return s.FinishDeleting(p.caller, typ, req.GetId()) })
	}
	return &emptypb.Empty{}, retrying(typ, p.clockScale, func() error {
		return p.world.Update(func(s *world.State) error { return s.Delete(p.caller, typ, req.GetId()) })
	})
}

// computeDelay is how long a node group's nodes, or a Fargate profile's
// pods, take to start and to drain: two fifths of a cluster's creation,
// as a node group's 4 minutes are of a cluster's 10 on AWS (the critical
// path's durations, internal/critical).
func (p *Provider) computeDelay() time.Duration { return p.clusterDelay * 2 / 5 }
