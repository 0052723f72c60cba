// Package mockengine is the in-process stand-in for AWS that the tests and
// the offline planner share. It implements Pulumi's MockResourceMonitor:
// every registration is recorded with its parent, its provider and the
// account, region and cluster that provider binds it to, and every
// resource gets outputs that AWS would only know after creating it (IDs,
// ARNs, unique IDs, OIDC issuers, kubeconfigs), fabricated deterministically
// from the resource's URN and carrying its real partition, region and
// account.
//
// Only AWS is mocked. The code under test runs for real: validation,
// policy builders, components and stacks.
package mockengine

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Placement is where a resource lands.
type Placement struct {
	// Account is the 12-digit account ID of the provider the resource is
	// bound to. Empty for component resources, which are not in AWS.
	Account string
	// Region is the provider's region.
	Region string
	// Cluster is the EKS name of the cluster a Kubernetes resource lives in.
	Cluster string
}

// Resource is one registration as the engine saw it.
type Resource struct {
	// URN is the resource's URN, computed as Pulumi's mock monitor does.
	URN string
	// Type is the type token.
	Type string
	// Name is the logical name.
	Name string
	// Reference is true for a stack reference: another stack's outputs,
	// read, not created.
	Reference bool
	// Custom is true for resources a provider manages.
	Custom bool
	// Remote is true for components implemented by a provider, such as
	// eks:index:Cluster.
	Remote bool
	// Parent is the parent's URN.
	Parent string
	// Provider is the URN of the provider the resource is bound to, empty
	// when it would use a default provider.
	Provider string
	// Providers maps package names to provider URNs, as a component's
	// providers option gives them; nil when it gives none.
	Providers map[string]string
	// Dependencies are the URNs of the resources this one waits for: those
	// the program depends on explicitly or through its inputs, as the SDK
	// sends them, and those its inputs hold references to (the SDK sends a
	// resource reference only once the resource has its ID, that is, once
	// it exists), sorted.
	Dependencies []string
	// RetainOnDelete is true when the engine would leave the resource in AWS
	// when it is deleted from the stack.
	RetainOnDelete bool
	// DeleteBeforeReplace is true when a replacement deletes the old
	// resource before it creates the new one.
	DeleteBeforeReplace bool
	// Aliases are the names the resource was registered under before, by
	// which the engine finds it in a stack's state (type aliases the SDKs
	// add for renamed resource types are left out).
	Aliases []string
	// ID is the fabricated physical ID (empty for components and in a preview).
	ID string
	// Inputs are the inputs the program registered.
	Inputs resource.PropertyMap
	// Outputs are the inputs plus what the engine fabricated.
	Outputs resource.PropertyMap
	Placement
}

// IsProvider reports whether the resource is a provider instance.
func (r Resource) IsProvider() bool { return strings.HasPrefix(r.Type, "pulumi:providers:") }

// Engine records registrations and answers them as AWS would. It is safe
// for concurrent use, as the Pulumi SDK registers resources from several
// goroutines.
type Engine struct {
	project, stack string
	preview        bool

	mu        sync.Mutex
	resources map[string]*Resource
	// defaultTags holds each aws provider's default tags, by its URN.
	defaultTags map[string]map[string]string
	// stacks holds the outputs of the stacks a program may reference.
	stacks map[string]resource.PropertyMap
	// quotas are the Service Quotas values set with SetQuota, by code.
	quotas map[string]float64
	// units are the member accounts of organizational units set with
	// SetOrganizationalUnit, by OU ID.
	units map[string][]string
}

// StackReferenceType is the type token of a stack reference.
const StackReferenceType = "pulumi:pulumi:StackReference"

// SetStackOutputs gives a stack's outputs to the stack references of the
// programs the engine runs, as the backend would: the planner passes a
// network stack's plan outputs to the vended stacks that read them. A
// reference to a stack without outputs here fails.
func (e *Engine) SetStackOutputs(stack string, outputs map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stacks[stack] = resource.NewPropertyMapFromMap(outputs)
}

// SetQuota gives a Service Quotas quota a value in every account and region,
// in place of a new account's (DefaultQuotas): the quotas of an established
// organization, or a quota a test wants short.
func (e *Engine) SetQuota(code string, value float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.quotas[code] = value
}

// SetOrganizationalUnit gives an OU its member accounts (those below it at
// any depth) in place of none: what Organizations lists for it, and, with
// every other OU set, for the organization. The planner cannot know an
// organization's members; a test gives them.
func (e *Engine) SetOrganizationalUnit(id string, accounts ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.units[id] = slices.Clone(accounts)
}

// New returns an engine for a project and stack name.
func New(project, stack string) *Engine {
	return &Engine{
		project: project, stack: stack,
		resources: map[string]*Resource{}, defaultTags: map[string]map[string]string{}, stacks: map[string]resource.PropertyMap{},
		quotas: map[string]float64{}, units: map[string][]string{},
	}
}

// NewPreview returns an engine that answers as AWS does during a preview:
// everything AWS would only know after creating a resource (IDs, ARNs,
// unique IDs, issuers, kubeconfigs) is unknown. The program must run with
// PULUMI_DRY_RUN=true.
func NewPreview(project, stack string) *Engine {
	e := New(project, stack)
	e.preview = true
	return e
}

// Run runs a Pulumi program against the engine and returns the program's
// error, or the first error the engine raised. config holds the stack's
// configuration ("namespace:key" to value), as Pulumi hands it to a program.
func (e *Engine) Run(program pulumi.RunFunc, config map[string]string) error {
	return pulumi.RunErr(program, pulumi.WithMocks(e.project, e.stack, e), func(info *pulumi.RunInfo) {
		info.Config = config
	})
}

// Resources returns a copy of every recorded resource, sorted by URN so the
// result does not depend on the order goroutines registered them in.
func (e *Engine) Resources() []Resource {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Resource, 0, len(e.resources))
	for _, r := range e.resources {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.URN, b.URN) })
	return out
}

// NewResource implements pulumi.MockResourceMonitor. The SDK registers
// from many goroutines at once, so the lock is held only to read the
// provider a resource is placed by and to record it; the outputs are
// fabricated outside it, from the resource alone.
func (e *Engine) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken == StackReferenceType {
		return e.readStack(args)
	}
	rpc := args.RegisterRPC
	r := &Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Custom:   args.Custom,
		Inputs:   args.Inputs,
		Provider: providerURN(args.Provider),
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.Remote = rpc.GetRemote()
		r.Dependencies = slices.Clone(rpc.GetDependencies())
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		for _, a := range rpc.GetAliases() {
			name := a.GetSpec().GetName()
			if urn := a.GetUrn(); urn != "" {
				name = urn[strings.LastIndex(urn, "::")+2:]
			}
			if name != "" {
				r.Aliases = append(r.Aliases, name)
			}
		}
		if refs := rpc.GetProviders(); len(refs) > 0 {
			r.Providers = make(map[string]string, len(refs))
			for pkg, ref := range refs {
				r.Providers[pkg] = providerURN(ref)
			}
		}
	}
	r.URN = e.urn(r.Parent, r.Type, r.Name)
	r.Dependencies = appendReferences(r.Dependencies, resource.NewObjectProperty(r.Inputs))
	slices.Sort(r.Dependencies)
	r.Dependencies = slices.Compact(r.Dependencies)

	e.mu.Lock()
	err := e.place(r)
	defaultTags := e.defaultTags[r.Provider]
	e.mu.Unlock()
	if err != nil {
		return "", nil, err
	}

	id, outputs, err := fabricate(r)
	if err != nil {
		return "", nil, fmt.Errorf("%s %q: %w", r.Type, r.Name, err)
	}
	if r.Custom && strings.HasPrefix(r.Type, "aws:") && r.Inputs.HasValue("tags") {
		withTagsAll(outputs, defaultTags)
	}
	if e.preview && !r.IsProvider() {
		id = ""
		for k, v := range outputs {
			if old, ok := r.Inputs[k]; !ok || !old.DeepEquals(v) {
				outputs[k] = resource.MakeComputed(resource.NewProperty(""))
			}
		}
	}
	r.ID, r.Outputs = id, outputs

	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.resources[r.URN]; dup {
		return "", nil, fmt.Errorf("duplicate URN %s", r.URN)
	}
	e.resources[r.URN] = r
	return id, outputs, nil
}

// Call implements pulumi.MockResourceMonitor: it answers the invokes the
// library makes, as the provider they are bound to would.
func (e *Engine) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	e.mu.Lock()
	p, ok := e.resources[providerURN(args.Provider)]
	e.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("invoke %s has no explicit provider", args.Token)
	}
	return e.answer(args.Token, args.Args, p.Placement)
}

// appendReferences appends the URNs of the resources v holds references
// to.
func appendReferences(urns []string, v resource.PropertyValue) []string {
	switch {
	case v.IsResourceReference():
		return append(urns, string(v.ResourceReferenceValue().URN))
	case v.IsSecret():
		return appendReferences(urns, v.SecretValue().Element)
	case v.IsArray():
		for _, e := range v.ArrayValue() {
			urns = appendReferences(urns, e)
		}
	case v.IsObject():
		for _, e := range v.ObjectValue() {
			urns = appendReferences(urns, e)
		}
	}
	return urns
}

// urn computes a resource's URN the way Pulumi's mock monitor does.
func (e *Engine) urn(parent, typ, name string) string {
	var parentType tokens.Type
	if parent != "" {
		parentType = resource.URN(parent).QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(e.stack), tokens.PackageName(e.project), parentType, tokens.Type(typ), name))
}

// providerURN strips the ID from a provider reference ("urn::id").
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

// providerDefaultTags reads the default tags an aws provider's inputs
// give every taggable resource bound to it.
func providerDefaultTags(inputs resource.PropertyMap) map[string]string {
	dt := inputs["defaultTags"]
	if !dt.IsObject() || !dt.ObjectValue()["tags"].IsObject() {
		return nil
	}
	tags := map[string]string{}
	for k, v := range dt.ObjectValue()["tags"].ObjectValue() {
		tags[string(k)] = str(v)
	}
	return tags
}

// Count returns how many resources have been registered so far.
func (e *Engine) Count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.resources)
}

// readStack answers a stack reference with the outputs given for the
// stack, and records it: read, not created, in no account.
func (e *Engine) readStack(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	outputs, ok := e.stacks[args.ID]
	if !ok {
		return "", nil, fmt.Errorf("stack reference %q: the plan has no outputs of stack %s (plan it first and give its outputs)", args.Name, args.ID)
	}
	r := &Resource{Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs, ID: args.ID, Reference: true}
	if args.ReadRPC != nil {
		r.Parent = args.ReadRPC.GetParent()
	}
	r.URN = e.urn(r.Parent, r.Type, r.Name)
	r.Outputs = resource.PropertyMap{
		"name":              resource.NewProperty(args.ID),
		"outputs":           resource.NewProperty(outputs.Copy()),
		"secretOutputNames": resource.NewProperty([]resource.PropertyValue{}),
	}
	e.resources[r.URN] = r
	return args.ID, r.Outputs, nil
}
