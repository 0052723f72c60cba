// Package plan runs a stack's program under the mock engine and describes
// what `pulumi up` would create: every resource with its account, region,
// cluster, parent, provider and inputs, and the credential paths from
// service accounts to roles. The renderers turn a Document into text, JSON
// or a diagram.
package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/preflight"
)

// Kinds of resources in a plan.
const (
	KindResource  = "resource"  // a resource a provider creates, in an account
	KindComponent = "component" // a component of this library or of pulumi-eks
	KindProvider  = "provider"  // a provider instance
	KindReference = "reference" // another stack's outputs, read by stack reference
)

// Document is a plan: the JSON document `--json` prints.
type Document struct {
	// Project is the Pulumi project's name.
	Project string `json:"project"`
	// Stack is the stack's name.
	Stack string `json:"stack"`
	// Model is centralized or decentralized.
	Model string `json:"model"`
	// Resources are every resource but the stack, in URN order.
	Resources []Resource `json:"resources"`
	// Access lists the credential paths, by cluster, namespace and service account.
	Access []Access `json:"access"`
	// Reachability is which VPC reaches which over transit gateways,
	// computed from the planned routing resources.
	Reachability Reachability `json:"reachability"`
	// Accounts names each account ID that the configuration names.
	Accounts map[string]string `json:"accounts"`
	// AccountRoles says, per account ID, what the configuration makes of
	// it (RoleManagement, RoleNetwork, ...), sorted, so that stacks of one
	// organization can be checked against each other.
	AccountRoles map[string][]string `json:"accountRoles"`
	// Findings are what the checks found (see internal/check).
	Findings []Finding `json:"findings"`
	// Cost is what the plan's resources cost a month at list prices (see
	// internal/cost), nil unless asked for.
	Cost *Cost `json:"cost,omitempty"`
	// Shortfalls are the quotas the stack's preflight found short of what
	// it needs, against a new account's quotas: the plan cannot read the
	// accounts' own, so the checks report them as warnings.
	Shortfalls []preflight.Shortfall `json:"-"`
	// OrganizationStack is the organization stack whose guardrails must
	// bind the stack's accounts (organizationStack), empty when none.
	OrganizationStack string `json:"organizationStack,omitempty"`
	// CoverageUnread is true when the plan was made without the
	// organization stack's outputs, and so without the coverage check.
	CoverageUnread bool `json:"-"`
}

// Finding is one problem the checks found in a plan.
type Finding struct {
	// Severity is "error" or "warning".
	Severity string `json:"severity"`
	// Rule names the check.
	Rule string `json:"rule"`
	// Resource is the URN of the resource concerned.
	Resource string `json:"resource"`
	// Name is the resource's logical name.
	Name string `json:"name"`
	// Account is the account the resource is in.
	Account string `json:"account"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// Cost prices a plan: what its resources cost a month, at list prices
// from a dated rate table, per account and region.
type Cost struct {
	// Currency is the prices' currency: USD.
	Currency string `json:"currency"`
	// AsOf is the day the rate table was read.
	AsOf string `json:"asOf"`
	// HoursPerMonth is the month the hourly prices are multiplied by.
	HoursPerMonth int `json:"hoursPerMonth"`
	// Items are the priced lines, by account, region and item.
	Items []CostItem `json:"items"`
	// Total is the sum of the items' monthly costs.
	Total float64 `json:"total"`
	// Unpriced are the lines the rate table has no price for, by name;
	// the total leaves them out, and is then a lower bound.
	Unpriced []Unpriced `json:"unpriced"`
	// NotIncluded names the usage charges no plan can know.
	NotIncluded []string `json:"notIncluded"`
}

// CostItem is one priced line: monthly = quantity × unitPrice.
type CostItem struct {
	// Account is the account billed.
	Account string `json:"account"`
	// Region is the region the resources are in.
	Region string `json:"region"`
	// Item says what is priced ("EKS control plane, standard support").
	Item string `json:"item"`
	// Rate is the rate table's key for the price.
	Rate string `json:"rate"`
	// Quantity is in the item's own unit (Unit).
	Quantity float64 `json:"quantity"`
	// Unit is the quantity's unit: hours (a month's), keys or nodes.
	Unit string `json:"unit"`
	// UnitPrice is the price of one unit, per month for keys and nodes.
	UnitPrice float64 `json:"unitPrice"`
	// Monthly is the line's cost per month, rounded to the cent.
	Monthly float64 `json:"monthly"`
	// UpperBound is true when the line prices spot capacity at the
	// on-demand rate: the bill will be lower.
	UpperBound bool `json:"upperBound,omitempty"`
}

// Unpriced is a line the rate table has no price for.
type Unpriced struct {
	// Account is the account that would be billed.
	Account string `json:"account"`
	// Region is the region the resources are in.
	Region string `json:"region"`
	// Item says what is not priced.
	Item string `json:"item"`
	// Reason says why: the rate and region missing from the table.
	Reason string `json:"reason"`
}

// Resource is one resource `pulumi up` would register.
type Resource struct {
	// URN is the resource's URN.
	URN string `json:"urn"`
	// Type is the type token.
	Type string `json:"type"`
	// Name is the logical name.
	Name string `json:"name"`
	// Kind is resource, component, provider or reference.
	Kind string `json:"kind"`
	// Parent is the parent's URN.
	Parent string `json:"parent,omitempty"`
	// Account is the account of the provider the resource is bound to.
	Account string `json:"account,omitempty"`
	// Region is that provider's region.
	Region string `json:"region,omitempty"`
	// Cluster is the EKS name of the cluster a Kubernetes resource lives in.
	Cluster string `json:"cluster,omitempty"`
	// Provider is the URN of the provider (a remote component's aws provider).
	Provider string `json:"provider,omitempty"`
	// Inputs are the inputs, secrets masked.
	Inputs map[string]any `json:"inputs"`
	// RetainOnDelete is true when destroying the stack leaves the resource
	// in AWS.
	RetainOnDelete bool `json:"retainOnDelete,omitempty"`
	// DeleteBeforeReplace is true when a replacement deletes the resource
	// before it creates its successor (AWS holds one per key).
	DeleteBeforeReplace bool `json:"deleteBeforeReplace,omitempty"`
	// Aliases are the names the resource had before, which carry a
	// deployed stack's resource over to this one.
	Aliases []string `json:"aliases,omitempty"`
	// Outputs holds the values AWS would compute that the plan shows
	// (ARNs, IDs), fabricated deterministically.
	Outputs map[string]any `json:"outputs,omitempty"`
	// Dependencies are the URNs of the resources this one waits for,
	// explicitly or through its inputs, sorted. A dependency on a local
	// component is on the resources inside it (the engine expands it); a
	// remote component such as eks:index:Cluster stands for everything it
	// creates.
	Dependencies []string `json:"dependencies"`
}

// Access is one credential path: which service account reaches which
// role, and how.
type Access struct {
	// Cluster is the cluster's ARN.
	Cluster string `json:"cluster"`
	// Namespace is the service account's namespace.
	Namespace string `json:"namespace"`
	// ServiceAccount is the service account's name.
	ServiceAccount string `json:"serviceAccount"`
	// RoleArn is the role the service account's pods end up with.
	RoleArn string `json:"roleArn"`
	// Via is irsa, podIdentityChain or podIdentity.
	Via string `json:"via"`
	// SourceRoleArn is the cluster-account role a chain starts from.
	SourceRoleArn string `json:"sourceRoleArn,omitempty"`
}

// Input is what to plan: a stack's configuration and the program to run.
type Input struct {
	// Project and Stack name the stack.
	Project, Stack string
	// Config maps "namespace:key" to values, as Pulumi hands them to a program.
	Config map[string]string
	// Program is the Pulumi program to run.
	Program pulumi.RunFunc
	// Progress, when set, is called with the number of resources
	// registered so far while the program runs.
	Progress func(count int)
	// StackOutputs are the outputs of the stacks the program references
	// by stack reference, by fully qualified stack name. Optional.
	StackOutputs map[string]map[string]any
}

// Make loads and validates the configuration, runs the program under the
// mock engine, and describes the result. A configuration that does not
// validate gives a *stacks.ConfigError. Quotas the stack's preflight finds
// short against a new account's (the engine's answer) do not stop the plan:
// it is made with the preflight off, and they are its Shortfalls.
func Make(in Input) (*Document, error) {
	cfg, err := config.Load(config.FromMap(in.Config))
	if err != nil {
		return nil, &stacks.ConfigError{Problems: err}
	}
	// Offline, the organization stack's outputs are unknown unless given:
	// the plan is made without the coverage check, and says so.
	cfgMap := in.Config
	unread := cfg.OrganizationStack != "" && in.StackOutputs[cfg.OrganizationStack] == nil
	if unread {
		cfgMap = maps.Clone(in.Config)
		delete(cfgMap, config.Namespace+":organizationStack")
	}
	e, err := run(in, cfgMap)
	// The preflight compares what the stack needs with a new account's
	// quotas, which the plan cannot know better: what falls short becomes a
	// finding, and the plan is made as if it had passed.
	var short *preflight.Error
	if errors.As(err, &short) && len(short.Problems) == 0 {
		cfgMap, cfgErr := withoutPreflight(cfgMap)
		if cfgErr != nil {
			return nil, cfgErr
		}
		e, err = run(in, cfgMap)
	}
	if err != nil {
		var cfgErr *stacks.ConfigError
		if errors.As(err, &cfgErr) {
			return nil, cfgErr
		}
		return nil, err
	}
	doc := &Document{Project: in.Project, Stack: in.Stack, Model: cfg.Model, Accounts: accountNames(cfg), AccountRoles: accountRoles(cfg),
		Resources: []Resource{}, Findings: []Finding{}, OrganizationStack: cfg.OrganizationStack, CoverageUnread: unread}
	for _, r := range e.Resources() {
		if r.Type == "pulumi:pulumi:Stack" {
			continue
		}
		res, err := describe(r)
		if err != nil {
			return nil, err
		}
		doc.Resources = append(doc.Resources, res)
	}
	doc.Access = access(e.Resources())
	doc.Reachability = Reach(doc.Resources)
	if short != nil {
		doc.Shortfalls = short.Shortfalls
	}
	return doc, nil
}

// run runs the program on a configuration under a fresh mock engine.
func run(in Input, cfgMap map[string]string) (*mockengine.Engine, error) {
	e := mockengine.New(in.Project, in.Stack)
	for name, outputs := range in.StackOutputs {
		e.SetStackOutputs(name, outputs)
	}
	stop := watch(e, in.Progress)
	err := e.Run(in.Program, cfgMap)
	stop()
	return e, err
}

// withoutPreflight returns a copy of a configuration with
// defaults.preflight false.
func withoutPreflight(cfgMap map[string]string) (map[string]string, error) {
	const key = config.Namespace + ":defaults"
	defaults := map[string]any{}
	if text, ok := cfgMap[key]; ok {
		if err := json.Unmarshal([]byte(text), &defaults); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	defaults["preflight"] = false
	text, err := json.Marshal(defaults)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(cfgMap)
	out[key] = string(text)
	return out, nil
}

// describe turns a recorded resource into a plan resource. A resource in
// AWS or a cluster whose account cannot be told is an error.
func describe(r mockengine.Resource) (Resource, error) {
	res := Resource{
		URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Provider: r.Provider,
		Account: r.Account, Region: r.Region, Cluster: r.Cluster, Inputs: plainMap(r.Inputs),
		Dependencies: slices.Sorted(slices.Values(r.Dependencies)), RetainOnDelete: r.RetainOnDelete,
		DeleteBeforeReplace: r.DeleteBeforeReplace, Aliases: r.Aliases,
	}
	if res.Dependencies == nil {
		res.Dependencies = []string{}
	}
	switch {
	case r.Reference:
		res.Kind = KindReference
	case r.IsProvider():
		res.Kind = KindProvider
	case r.Custom:
		res.Kind = KindResource
		res.Outputs = computed(r)
	default:
		res.Kind = KindComponent
		if r.Remote {
			res.Provider = r.Providers["aws"]
			res.Outputs = computed(r)
		}
	}
	if (res.Kind == KindResource || r.Remote) && res.Account == "" {
		return Resource{}, fmt.Errorf("%s %q: the account it would be created in cannot be told from its provider", r.Type, r.Name)
	}
	return res, nil
}

// computed returns the outputs the engine fabricated that were not inputs.
func computed(r mockengine.Resource) map[string]any {
	out := map[string]any{}
	if r.ID != "" {
		out["id"] = r.ID
	}
	for k, v := range r.Outputs {
		if _, given := r.Inputs[k]; given || k == "tagsAll" {
			continue
		}
		out[string(k)] = plain(v)
	}
	return out
}

// access lists every credential path the CrossAccountRoles create.
func access(rs []mockengine.Resource) []Access {
	children := map[string][]mockengine.Resource{}
	for _, r := range rs {
		children[r.Parent] = append(children[r.Parent], r)
	}
	out := []Access{}
	for _, c := range rs {
		if c.Type != crossaccountrole.Type {
			continue
		}
		var a Access
		var associated string
		for _, ch := range children[c.URN] {
			switch {
			case ch.Type == "kubernetes:core/v1:ServiceAccount":
				meta := ch.Inputs["metadata"].ObjectValue()
				a.Namespace, a.ServiceAccount = meta["namespace"].StringValue(), meta["name"].StringValue()
				a.Via = meta["labels"].ObjectValue()["eks-multi-account/credential-via"].StringValue()
				a.Cluster = fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", partition.Of(ch.Region), ch.Region, ch.Account, ch.Cluster)
			case ch.Type == "aws:iam/role:Role" && strings.HasSuffix(ch.Name, "-role"):
				a.RoleArn = ch.Outputs["arn"].StringValue()
			case ch.Type == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
				associated = ch.Inputs["roleArn"].StringValue()
			}
		}
		if a.Via == string(crossaccountrole.PodIdentityChain) {
			a.SourceRoleArn = associated
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cluster != out[j].Cluster {
			return out[i].Cluster < out[j].Cluster
		}
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].ServiceAccount < out[j].ServiceAccount
	})
	return out
}

// What the configuration makes of an account.
const (
	RoleManagement       = "management"        // the organization's management account
	RoleNetwork          = "network"           // owns the VPC shared with vended clusters
	RoleCluster          = "cluster"           // a centralized cluster account
	RoleTenant           = "tenant"            // a centralized workload account
	RoleDedicatedCluster = "dedicated-cluster" // a vended cluster in a VPC of its own
	RoleSharedCluster    = "shared-cluster"    // a vended cluster in the network account's subnets
)

// accountRoles returns what the configuration makes of each account.
func accountRoles(cfg *config.Config) map[string][]string {
	roles := map[string][]string{}
	add := func(id, role string) {
		if !slices.Contains(roles[id], role) {
			roles[id] = append(roles[id], role)
			slices.Sort(roles[id])
		}
	}
	if o := cfg.Organization; o != nil {
		add(o.ManagementAccountID, RoleManagement)
	}
	if n := cfg.NetworkAccount; n != nil {
		add(n.AccountID, RoleNetwork)
	}
	for _, ca := range cfg.ClusterAccounts {
		add(ca.AccountID, RoleCluster)
	}
	for _, w := range cfg.WorkloadAccounts {
		switch {
		case cfg.Model == config.Centralized:
			add(w.AccountID, RoleTenant)
		case w.Networking == config.Shared:
			add(w.AccountID, RoleSharedCluster)
		default:
			add(w.AccountID, RoleDedicatedCluster)
		}
	}
	return roles
}

// accountNames names each account ID after its entry in the configuration.
func accountNames(cfg *config.Config) map[string]string {
	names := map[string]string{}
	if o := cfg.Organization; o != nil {
		names[o.ManagementAccountID] = "management"
	}
	if n := cfg.NetworkAccount; n != nil {
		names[n.AccountID] = n.Name
	}
	for _, ca := range cfg.ClusterAccounts {
		names[ca.AccountID] = ca.Name
	}
	for _, w := range cfg.WorkloadAccounts {
		names[w.AccountID] = w.Name
	}
	return names
}

// plainMap converts inputs to plain JSON values; secrets are masked.
func plainMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = plain(v)
	}
	return out
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return "[secret]"
	case v.IsComputed() || v.IsOutput():
		return "[unknown until created]"
	case v.IsNull():
		return nil
	case v.IsString():
		return v.StringValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return fmt.Sprint(v.V)
}
