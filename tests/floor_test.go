package tests

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
)

// The floor of a stack: what registering its resource model costs the
// Pulumi SDK alone. It is the same URN tree the stack registered (every
// component with an empty body, every provider and custom resource with the
// same inputs, parent and provider) under Pulumi's mock monitor with a mock
// that only echoes inputs. The stacks cannot be cheaper than their floor;
// the benchmarks report how far above it they are.

// echo is the floor's mock: every resource's outputs are its inputs.
type echo struct{}

// NewResource implements pulumi.MockResourceMonitor.
func (echo) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.Name + "-id", args.Inputs, nil
}

// Call implements pulumi.MockResourceMonitor.
func (echo) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) { return args.Args, nil }

// runFloor registers the floor of rs (what a stack registered).
func runFloor(project, stack string, rs []mockengine.Resource) error {
	return pulumi.RunErr(floorProgram(rs), pulumi.WithMocks(project, stack, echo{}))
}

// floorProgram registers rs again: components empty, providers and custom
// resources with their inputs, each after its parent and its provider.
func floorProgram(rs []mockengine.Resource) pulumi.RunFunc {
	byURN := map[string]mockengine.Resource{}
	for _, r := range rs {
		byURN[r.URN] = r
	}
	return func(ctx *pulumi.Context) error {
		made := map[string]pulumi.Resource{}
		var register func(urn string) (pulumi.Resource, error)
		register = func(urn string) (pulumi.Resource, error) {
			if res, ok := made[urn]; ok {
				return res, nil
			}
			r, ok := byURN[urn]
			if !ok || r.Type == "pulumi:pulumi:Stack" {
				return nil, nil
			}
			var opts []pulumi.ResourceOption
			if parent, err := register(r.Parent); err != nil {
				return nil, err
			} else if parent != nil {
				opts = append(opts, pulumi.Parent(parent))
			}
			if r.Provider != "" {
				p, err := register(r.Provider)
				if err != nil {
					return nil, err
				}
				opts = append(opts, pulumi.Provider(p.(pulumi.ProviderResource)))
			}
			for _, pkg := range slices.Sorted(maps.Keys(r.Providers)) {
				p, err := register(r.Providers[pkg])
				if err != nil {
					return nil, err
				}
				opts = append(opts, pulumi.Providers(p.(pulumi.ProviderResource)))
			}
			res, err := registerLike(ctx, r, opts)
			if err != nil {
				return nil, fmt.Errorf("floor of %s: %w", r.URN, err)
			}
			made[urn] = res
			return res, nil
		}
		for _, r := range rs {
			if _, err := register(r.URN); err != nil {
				return err
			}
		}
		return nil
	}
}

// registerLike registers one resource of the kind r is, with r's inputs.
func registerLike(ctx *pulumi.Context, r mockengine.Resource, opts []pulumi.ResourceOption) (pulumi.Resource, error) {
	inputs := plainInputs(r.Inputs)
	switch {
	case r.IsProvider():
		var p pulumi.ProviderResourceState
		return &p, ctx.RegisterResource(r.Type, r.Name, inputs, &p, opts...)
	case r.Custom:
		var c pulumi.CustomResourceState
		return &c, ctx.RegisterResource(r.Type, r.Name, inputs, &c, opts...)
	case r.Remote:
		var c pulumi.ResourceState
		return &c, ctx.RegisterRemoteComponentResource(r.Type, r.Name, inputs, &c, opts...)
	}
	var c pulumi.ResourceState
	if err := ctx.RegisterComponentResource(r.Type, r.Name, &c, opts...); err != nil {
		return nil, err
	}
	return &c, ctx.RegisterResourceOutputs(&c, pulumi.Map{})
}

// plainInputs converts recorded inputs back into inputs to register;
// resource references become their URNs.
func plainInputs(m resource.PropertyMap) pulumi.Map {
	out := make(pulumi.Map, len(m))
	for k, v := range m {
		out[string(k)] = plainInput(v)
	}
	return out
}

func plainInput(v resource.PropertyValue) pulumi.Input {
	switch {
	case v.IsSecret():
		return pulumi.ToSecret(plainInput(v.SecretValue().Element))
	case v.IsString():
		return pulumi.String(v.StringValue())
	case v.IsNumber():
		return pulumi.Float64(v.NumberValue())
	case v.IsBool():
		return pulumi.Bool(v.BoolValue())
	case v.IsArray():
		arr := make(pulumi.Array, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = plainInput(e)
		}
		return arr
	case v.IsObject():
		return plainInputs(v.ObjectValue())
	case v.IsResourceReference():
		return pulumi.String(string(v.ResourceReferenceValue().URN))
	}
	return pulumi.String("")
}
