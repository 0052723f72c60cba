package tests

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2transitgateway"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
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
//
// The floor comes in two kinds. The untyped floor registers every resource
// into the SDK's generic state, which resolves no outputs. The typed floor
// registers every custom resource and provider into the state struct its
// SDK declares (an *iam.Role, an *eks.Cluster), as the SDKs' constructors
// do, and makes it wait for the resources the stacks' registration waited
// for (DependsOn, as the plan records them): the SDK then resolves every
// output field the type has and awaits every dependency, which is what
// registering this resource model costs any Go program that reads a
// resource's outputs and orders its creates.

// echo is the floor's mock: every resource's outputs are its inputs.
type echo struct{}

// NewResource implements pulumi.MockResourceMonitor.
func (echo) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.Name + "-id", args.Inputs, nil
}

// Call implements pulumi.MockResourceMonitor.
func (echo) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) { return args.Args, nil }

// runFloor registers the floor of rs (what a stack registered): with typed
// true, every custom resource and provider into the state its SDK declares
// (see typedStates), otherwise into the SDK's untyped state.
func runFloor(project, stack string, rs []mockengine.Resource, typed bool) error {
	return pulumi.RunErr(floorProgram(rs, typed), pulumi.WithMocks(project, stack, echo{}))
}

// floorProgram registers rs again: components empty, providers and custom
// resources with their inputs, each after its parent and its provider, and
// when typed after its dependencies.
func floorProgram(rs []mockengine.Resource, typed bool) pulumi.RunFunc {
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
			if typed && len(r.Dependencies) > 0 {
				deps := make([]pulumi.Resource, len(r.Dependencies))
				for i, dep := range r.Dependencies {
					res, err := register(dep)
					if err != nil {
						return nil, err
					}
					deps[i] = res
				}
				opts = append(opts, pulumi.DependsOn(deps))
			}
			res, err := registerLike(ctx, r, typed, opts)
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

// registerLike registers one resource of the kind r is, with r's inputs,
// into its typed state when typed is true.
func registerLike(ctx *pulumi.Context, r mockengine.Resource, typed bool, opts []pulumi.ResourceOption) (pulumi.Resource, error) {
	inputs := plainInputs(r.Inputs)
	if typed && (r.Custom || r.Remote) {
		state, ok := typedStates[r.Type]
		if !ok {
			return nil, fmt.Errorf("no typed state for %s: add it to typedStates", r.Type)
		}
		res := state()
		if c, ok := res.(pulumi.CustomResource); ok {
			return res, ctx.RegisterResource(r.Type, r.Name, inputs, c, opts...)
		}
		return res, ctx.RegisterRemoteComponentResource(r.Type, r.Name, inputs, res.(pulumi.ComponentResource), opts...)
	}
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

// typedStates gives, per resource type the stacks register, a new zero
// value of the state struct its SDK declares.
var typedStates = map[string]func() pulumi.Resource{
	"pulumi:providers:aws":        func() pulumi.Resource { return &aws.Provider{} },
	"pulumi:providers:eks":        func() pulumi.Resource { return &eks.Provider{} },
	"pulumi:providers:kubernetes": func() pulumi.Resource { return &kubernetes.Provider{} },

	"aws:ec2/eip:Eip":                                     func() pulumi.Resource { return &ec2.Eip{} },
	"aws:ec2/internetGateway:InternetGateway":             func() pulumi.Resource { return &ec2.InternetGateway{} },
	"aws:ec2/launchTemplate:LaunchTemplate":               func() pulumi.Resource { return &ec2.LaunchTemplate{} },
	"aws:ec2/natGateway:NatGateway":                       func() pulumi.Resource { return &ec2.NatGateway{} },
	"aws:ec2/route:Route":                                 func() pulumi.Resource { return &ec2.Route{} },
	"aws:ec2/routeTable:RouteTable":                       func() pulumi.Resource { return &ec2.RouteTable{} },
	"aws:ec2/routeTableAssociation:RouteTableAssociation": func() pulumi.Resource { return &ec2.RouteTableAssociation{} },
	"aws:ec2/subnet:Subnet":                               func() pulumi.Resource { return &ec2.Subnet{} },
	"aws:ec2/vpc:Vpc":                                     func() pulumi.Resource { return &ec2.Vpc{} },
	"aws:eks/accessEntry:AccessEntry":                     func() pulumi.Resource { return &awseks.AccessEntry{} },
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": func() pulumi.Resource {
		return &awseks.AccessPolicyAssociation{}
	},
	"aws:eks/addon:Addon":                                   func() pulumi.Resource { return &awseks.Addon{} },
	"aws:eks/fargateProfile:FargateProfile":                 func() pulumi.Resource { return &awseks.FargateProfile{} },
	"aws:eks/nodeGroup:NodeGroup":                           func() pulumi.Resource { return &awseks.NodeGroup{} },
	"aws:eks/podIdentityAssociation:PodIdentityAssociation": func() pulumi.Resource { return &awseks.PodIdentityAssociation{} },
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider":   func() pulumi.Resource { return &iam.OpenIdConnectProvider{} },
	"aws:iam/role:Role":                                     func() pulumi.Resource { return &iam.Role{} },
	"aws:iam/rolePolicy:RolePolicy":                         func() pulumi.Resource { return &iam.RolePolicy{} },
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":     func() pulumi.Resource { return &iam.RolePolicyAttachment{} },
	"aws:kms/key:Key":                                       func() pulumi.Resource { return &kms.Key{} },
	"aws:ram/principalAssociation:PrincipalAssociation":     func() pulumi.Resource { return &ram.PrincipalAssociation{} },
	"aws:ram/resourceAssociation:ResourceAssociation":       func() pulumi.Resource { return &ram.ResourceAssociation{} },
	"aws:ram/resourceShare:ResourceShare":                   func() pulumi.Resource { return &ram.ResourceShare{} },
	"aws:ram/sharingWithOrganization:SharingWithOrganization": func() pulumi.Resource {
		return &ram.SharingWithOrganization{}
	},
	"aws:ec2transitgateway/transitGateway:TransitGateway": func() pulumi.Resource { return &ec2transitgateway.TransitGateway{} },
	"aws:ec2transitgateway/vpcAttachment:VpcAttachment":   func() pulumi.Resource { return &ec2transitgateway.VpcAttachment{} },
	"aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter": func() pulumi.Resource {
		return &ec2transitgateway.VpcAttachmentAccepter{}
	},
	"aws:ec2transitgateway/routeTable:RouteTable": func() pulumi.Resource { return &ec2transitgateway.RouteTable{} },
	"aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": func() pulumi.Resource {
		return &ec2transitgateway.RouteTableAssociation{}
	},
	"aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation": func() pulumi.Resource {
		return &ec2transitgateway.RouteTablePropagation{}
	},
	"aws:organizations/policy:Policy":                     func() pulumi.Resource { return &organizations.Policy{} },
	"aws:organizations/policyAttachment:PolicyAttachment": func() pulumi.Resource { return &organizations.PolicyAttachment{} },

	"eks:index:Cluster": func() pulumi.Resource { return &eks.Cluster{} },

	"kubernetes:core/v1:ConfigMap":                        func() pulumi.Resource { return &corev1.ConfigMap{} },
	"kubernetes:core/v1:LimitRange":                       func() pulumi.Resource { return &corev1.LimitRange{} },
	"kubernetes:core/v1:Namespace":                        func() pulumi.Resource { return &corev1.Namespace{} },
	"kubernetes:core/v1:ResourceQuota":                    func() pulumi.Resource { return &corev1.ResourceQuota{} },
	"kubernetes:core/v1:ServiceAccount":                   func() pulumi.Resource { return &corev1.ServiceAccount{} },
	"kubernetes:helm.sh/v3:Release":                       func() pulumi.Resource { return &helmv3.Release{} },
	"kubernetes:networking.k8s.io/v1:NetworkPolicy":       func() pulumi.Resource { return &networkingv1.NetworkPolicy{} },
	"kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": func() pulumi.Resource { return &rbacv1.RoleBinding{} },
	// Flux's objects are custom resources of the Kubernetes SDK.
	"kubernetes:source.toolkit.fluxcd.io/v1:GitRepository":    func() pulumi.Resource { return &apiextensions.CustomResource{} },
	"kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization": func() pulumi.Resource { return &apiextensions.CustomResource{} },
}
