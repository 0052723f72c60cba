// Package plugin serves the library's components to Pulumi programs in any
// language: the Construct of the pulumi-resource-eks-multi-account plugin,
// and the description of each component's inputs and outputs from which
// its schema is generated.
//
// Construct is wiring only. It decodes a component's inputs into the same
// Spec the Go library and the stack file use, checks them with the same
// checks (every problem at the key path of the input that holds it),
// creates the providers the Go caller would pass (one per account, with
// components/providers: pinned account ID, explicit region, the deploy
// role; a Kubernetes provider from the cluster's kubeconfig) and calls the
// Go constructor. Nothing is registered when an input is wrong.
package plugin

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Package is the plugin package's name, the first part of every token.
const Package = "eks-multi-account"

// Version is the package's version: the plugin's, and the schema's and
// SDKs' (pulumi-plugin.json in each SDK names it, for the engine to find
// this plugin).
const Version = "0.1.0"

// Component describes one component the plugin serves.
type Component struct {
	// Token is its type token, the one the Go component registers.
	Token string
	// Inputs is its inputs struct type.
	Inputs reflect.Type
	// Outputs are the struct types whose output fields it returns: the Go
	// component's, then any the plugin adds.
	Outputs []reflect.Type
	// construct builds it from its inputs.
	construct func(ctx *pulumi.Context, name string, inputs pulumi.Map, parent pulumi.ResourceOption, opts pulumi.ResourceOption) (pulumi.ComponentResource, pulumi.Map, error)
}

// Components lists every component the plugin serves, in the schema's
// order.
func Components() []Component {
	return []Component{clusterAccountComponent(), workloadAccountComponent(), crossAccountRoleComponent(), sharedSubnetsComponent(), tenancyComponent()}
}

// Construct is the plugin's ConstructFunc.
func Construct(ctx *pulumi.Context, typ, name string, inputs provider.ConstructInputs, opts pulumi.ResourceOption) (*provider.ConstructResult, error) {
	m, err := inputs.Map()
	if err != nil {
		return nil, err
	}
	return ConstructMap(ctx, typ, name, m, opts)
}

// ConstructMap builds the component of type typ from inputs as a map:
// Construct once the engine's inputs are read, and what tests call.
func ConstructMap(ctx *pulumi.Context, typ, name string, inputs pulumi.Map, opts pulumi.ResourceOption) (*provider.ConstructResult, error) {
	for _, c := range Components() {
		if c.Token != typ {
			continue
		}
		ro, err := pulumi.NewResourceOptions(opts)
		if err != nil {
			return nil, err
		}
		component, outputs, err := c.construct(ctx, name, inputs, pulumi.Parent(ro.Parent), opts)
		if err != nil {
			return nil, err
		}
		state := lifecycle.Outputs(component)
		for k, v := range outputs {
			state[k] = v
		}
		return &provider.ConstructResult{URN: component.URN(), State: state}, nil
	}
	return nil, fmt.Errorf("unknown resource type %q: package %s serves %s", typ, Package, tokens())
}

// tokens lists the served tokens, for an error.
func tokens() string {
	var ts []string
	for _, c := range Components() {
		ts = append(ts, c.Token)
	}
	return strings.Join(ts, ", ")
}

// accountInput is an account a component's inputs name, at its key path.
type accountInput struct {
	path     string
	settings providers.AccountSettings
}

// wires are what Construct makes for a component beyond its inputs: the
// providers. While the inputs are checked they are stand-ins, never
// registered, that only say "this will exist".
type wires struct {
	accounts   map[string]providers.Account
	eks        pulumi.ProviderResource
	kubernetes pulumi.ProviderResource
}

// account returns the account at an input path.
func (w wires) account(path string) providers.Account { return w.accounts[path] }

// pending are the stand-in wires of checking: every provider the plugin
// would make for in, as an unregistered value.
func pending(in wiring) wires {
	w := wires{accounts: map[string]providers.Account{}, eks: &eks.Provider{}}
	for _, a := range in.accounts() {
		w.accounts[a.path] = providers.Account{AccountRegion: a.settings.Place(), Provider: &aws.Provider{}}
	}
	if in.kubeconfig() != nil {
		w.kubernetes = &kubernetes.Provider{}
	}
	return w
}

// wiring is what Construct needs of a component's decoded inputs beyond
// the Go args they make.
type wiring interface {
	// accounts lists the accounts it names.
	accounts() []accountInput
	// paths maps a Go args key path to the input that holds it, where the
	// two differ.
	paths() map[string]string
	// kubeconfig is the cluster's kubeconfig input, nil when it needs no
	// Kubernetes provider.
	kubeconfig() pulumi.StringInput
	// needsEKS reports whether it needs the pulumi-eks provider.
	needsEKS() bool
}

// argsOf is a component's decoded inputs, a wiring that makes the Go
// constructor's args (a *A) from the wires.
type argsOf[A any] interface {
	wiring
	args(w wires) *A
}

// moreChecks is implemented by inputs with problems the Go args cannot
// show (a count against the lists it counts).
type moreChecks interface{ checkMore(ps *validate.Problems) }

// moreOutputs is implemented by inputs whose component returns outputs
// beyond the Go component's.
type moreOutputs interface {
	outputs(c pulumi.ComponentResource) (pulumi.Map, error)
}

// serve describes a component whose inputs are an I, built by the Go
// constructor newComponent; extra are the struct types of the outputs the
// plugin adds.
func serve[I any, PI interface {
	*I
	argsOf[A]
}, A any, PA interface {
	*A
	Validate() error
}, C pulumi.ComponentResource](token string, newComponent func(*pulumi.Context, string, *A, ...pulumi.ResourceOption) (C, error), extra ...reflect.Type) Component {
	construct := func(ctx *pulumi.Context, name string, inputs pulumi.Map, parent, opts pulumi.ResourceOption) (pulumi.ComponentResource, pulumi.Map, error) {
		in := PI(new(I))
		if err := decode(ctx.Context(), inputs, in); err != nil {
			return nil, nil, lifecycle.Wrap(token, name, err)
		}
		if err := checkAll(in, func(w wires) error { return PA(in.args(w)).Validate() }); err != nil {
			return nil, nil, lifecycle.Wrap(token, name, err)
		}
		w, err := wire(ctx, name, in, parent)
		if err != nil {
			return nil, nil, lifecycle.Wrap(token, name, err)
		}
		c, err := newComponent(ctx, name, in.args(w), opts)
		if err != nil {
			return nil, nil, err
		}
		if more, ok := any(in).(moreOutputs); ok {
			out, err := more.outputs(c)
			return c, out, err
		}
		return c, nil, nil
	}
	return Component{
		Token:     token,
		Inputs:    reflect.TypeFor[I](),
		Outputs:   append([]reflect.Type{reflect.TypeFor[C]().Elem()}, extra...),
		construct: construct,
	}
}

// checkAll reports every problem of decoded inputs: each account's
// settings, then the Go args' own checks (check) with stand-in providers,
// their paths mapped to the inputs', then the inputs' own.
func checkAll(in wiring, check func(wires) error) error {
	var ps validate.Problems
	accounts := in.accounts()
	drop := map[string]string{}
	for _, a := range accounts {
		a.settings.Check(a.path, &ps)
		for _, key := range []string{"id", "region", "provider"} {
			drop[validate.Path(a.path, key)] = ""
		}
	}
	renames := in.paths()
	froms := slices.Sorted(maps.Keys(renames))
	ps.NestMapped("", check(pending(in)), func(p string) (string, bool) {
		for _, from := range froms {
			if p == from || strings.HasPrefix(p, from+".") || strings.HasPrefix(p, from+"[") {
				return renames[from] + p[len(from):], true
			}
		}
		_, dropped := drop[p]
		return p, !dropped
	})
	if more, ok := in.(moreChecks); ok {
		more.checkMore(&ps)
	}
	return ps.Err()
}

// wire creates the providers of valid inputs, siblings of the component.
func wire(ctx *pulumi.Context, name string, in wiring, parent pulumi.ResourceOption) (wires, error) {
	w := wires{accounts: map[string]providers.Account{}}
	for _, a := range in.accounts() {
		acct, err := providers.NewAccount(ctx, naming.Child(name, strings.ReplaceAll(a.path, ".", "-")), a.settings, parent)
		if err != nil {
			return wires{}, err
		}
		w.accounts[a.path] = acct
	}
	if in.needsEKS() {
		p, err := providers.NewEKSProvider(ctx, naming.Child(name, "eks"), parent)
		if err != nil {
			return wires{}, err
		}
		w.eks = p
	}
	if kc := in.kubeconfig(); kc != nil {
		p, err := kubernetes.NewProvider(ctx, naming.Child(name, "k8s"), &kubernetes.ProviderArgs{
			Kubeconfig:            kc,
			EnableServerSideApply: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return wires{}, fmt.Errorf("creating kubernetes provider: %w", err)
		}
		w.kubernetes = p
	}
	return w, nil
}
