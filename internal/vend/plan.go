package vend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/eks-multi-account/eks-multi-account/internal/cost"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Plan is what `vend plan` shows: what an apply would do to each stack.
type Plan struct {
	// Stacks are the vended stacks, in name order: the requests', then
	// those whose requests are gone.
	Stacks []PlannedStack `json:"stacks"`
	// Network is the network stack; nil without a network account.
	Network *PlannedNetwork `json:"network,omitempty"`
	// Unchecked are the requests whose accounts only their teams'
	// organizational units may hold: apply reads the units through
	// Organizations and refuses what they do not hold.
	Unchecked []UncheckedRequest `json:"unchecked,omitempty"`
	// UncheckedCoverage is the organization stack (organizationStack)
	// whose guardrails must bind every vended account: offline the plan
	// cannot read it; each stack's preview does.
	UncheckedCoverage string `json:"uncheckedCoverage,omitempty"`
	// Cost is what the fleet costs a month, when asked for
	// (PlanOptions.Rates).
	Cost *FleetCost `json:"cost,omitempty"`
	// Reachability is which of the fleet's VPCs reaches which over
	// transit gateways, evaluated over the network stack's and every
	// vended stack's planned resources together.
	Reachability plan.Reachability `json:"reachability"`
}

// FleetCost is what a vended fleet costs a month at list prices: the
// network stack and every request's stack, each request's share, and
// their sum.
type FleetCost struct {
	// Currency and AsOf are the rate table's.
	Currency string `json:"currency"`
	AsOf     string `json:"asOf"`
	// Total is the fleet's: the network stack's and every request's.
	Total float64 `json:"total"`
	// Unpriced counts the lines the totals leave out (see each stack's
	// cost), which make them lower bounds.
	Unpriced int `json:"unpriced"`
}

// UncheckedRequest is a request a plan cannot check against its team's
// bounds offline.
type UncheckedRequest struct {
	// File is the request's file, relative to the vending directory.
	File string `json:"file"`
	// Team and AccountID are the request's.
	Team      string `json:"team"`
	AccountID string `json:"accountId"`
	// OrganizationalUnits are the team's, which apply reads.
	OrganizationalUnits []string `json:"organizationalUnits"`
}

// PlannedStack is one vended stack of a plan.
type PlannedStack struct {
	// Name is the stack's name.
	Name string `json:"name"`
	// Action is create, update, unchanged, retire or keep.
	Action string `json:"action"`
	// Account and Region are the cluster's.
	Account string `json:"account"`
	Region  string `json:"region"`
	// Blueprint and KubernetesVersion are the cluster's.
	Blueprint         string `json:"blueprint"`
	KubernetesVersion string `json:"kubernetesVersion"`
	// VpcCIDR is the dedicated VPC's block, empty on shared networking.
	VpcCIDR string `json:"vpcCidr"`
	// Resources is how many resources the stack's offline plan lists.
	Resources int `json:"resources"`
	// Cost is what the stack's own resources cost a month, when asked for.
	Cost *plan.Cost `json:"cost,omitempty"`
	// Share is the request's share of the fleet's monthly cost: its
	// stack's, plus, on shared networking, an even part of the network
	// stack's among the requests that use it.
	Share float64 `json:"share,omitempty"`
}

// PlannedNetwork is the network stack of a plan.
type PlannedNetwork struct {
	// Action is create, update or unchanged.
	Action string `json:"action"`
	// Principals are the accounts its subnets are shared with.
	Principals []string `json:"principals"`
	// Routed are the accounts its transit gateway is shared with.
	Routed []string `json:"routed"`
	// Resources is how many resources its offline plan lists.
	Resources int `json:"resources"`
	// Cost is what the network stack costs a month, when asked for.
	Cost *plan.Cost `json:"cost,omitempty"`
}

// PlanOptions say where the plan compares with.
type PlanOptions struct {
	// Backend, when set, is compared with: without it, every stack is
	// created. Reading it needs the Pulumi CLI (Options.Workspace), not AWS.
	Backend *Options
	// Retire shows the stacks whose requests are gone as retired, not
	// kept.
	Retire bool
	// Rates, when set, prices the fleet with this rate table.
	Rates *cost.Table
}

// MakePlan renders every stack (an invalid set is an error with every
// problem) and plans each offline with the planner's code, the network
// stack's output given to the stacks that read it.
func MakePlan(ctx context.Context, set *vending.Set, opts PlanOptions) (*Plan, error) {
	existing, backendNetwork := map[string]map[string]string{}, stacks.Network{}
	if opts.Backend != nil {
		v, err := newVendor(ctx, set, *opts.Backend)
		if err != nil {
			return nil, err
		}
		defer v.close()
		if existing, err = v.existing(ctx); err != nil {
			return nil, err
		}
		if _, ok := existing[vending.NetworkStack]; ok {
			if backendNetwork, err = v.networkOutput(ctx); err != nil {
				return nil, err
			}
		}
	}
	gone := goneStacks(set, existing)
	var keptNames []string
	if !opts.Retire {
		keptNames = gone
	}
	rendered, err := set.Render(keptAmong(existing, keptNames, set.NetworkRegion()))
	if err != nil {
		return nil, err
	}
	docs, planned, err := Documents(set, rendered)
	if err != nil {
		return nil, err
	}
	out := &Plan{Stacks: []PlannedStack{}, Reachability: fleetReachability(docs)}
	if n := rendered.Network; n != nil {
		network, _ := stacks.ReadNetwork(planned)
		out.Network = &PlannedNetwork{Action: action(existing, n.Name, digestOf(n.Config, [2]string{}, networkView{})),
			Principals: network.SharedWith, Routed: network.RoutedWith, Resources: count(docs[n.Name])}
	}
	for _, st := range rendered.Vended {
		rec, err := recordOf(set, st)
		if err != nil {
			return nil, err
		}
		out.Stacks = append(out.Stacks, PlannedStack{
			Name: st.Name, Action: action(existing, st.Name, vendedDigest(set, st, viewFor(set, st, backendNetwork))),
			Account: rec[tagAccount], Region: rec[tagRegion], Blueprint: rec[tagBlueprint],
			KubernetesVersion: rec[tagKubernetesVersion], VpcCIDR: rendered.Allocations[st.Name], Resources: count(docs[st.Name]),
		})
	}
	for _, name := range gone {
		tags := existing[name]
		a := Keep
		if opts.Retire {
			a = Retire
		}
		out.Stacks = append(out.Stacks, PlannedStack{Name: name, Action: a, Account: tags[tagAccount], Region: tags[tagRegion],
			Blueprint: tags[tagBlueprint], KubernetesVersion: tags[tagKubernetesVersion], VpcCIDR: tags[tagVpcCIDR]})
	}
	for _, r := range set.Unchecked {
		out.Unchecked = append(out.Unchecked, UncheckedRequest{File: r.File, Team: r.Team, AccountID: r.AccountID,
			OrganizationalUnits: set.Settings.Teams[r.Team].OrganizationalUnits})
	}
	out.UncheckedCoverage = set.Settings.OrganizationStack
	if opts.Rates != nil {
		out.price(rendered, docs, opts.Rates)
	}
	return out, nil
}

// price sets what each planned stack costs, each request's share and the
// fleet's total. A request on shared networking bears an even part of the
// network stack's cost; without any, the network's cost is the fleet's
// alone.
func (p *Plan) price(rendered *vending.Stacks, docs map[string]*plan.Document, rates *cost.Table) {
	fleet := &FleetCost{Currency: rates.Currency, AsOf: rates.AsOf.Format(time.DateOnly)}
	add := func(c *plan.Cost) {
		fleet.Total += c.Total
		fleet.Unpriced += len(c.Unpriced)
	}
	shared, users := map[string]bool{}, 0
	for _, st := range rendered.Vended {
		if st.Request.Shared() {
			shared[st.Name] = true
			users++
		}
	}
	networkPart := 0.0
	if n := p.Network; n != nil {
		n.Cost = cost.Of(docs[rendered.Network.Name], rates)
		add(n.Cost)
		if users > 0 {
			networkPart = n.Cost.Total / float64(users)
		}
	}
	for i := range p.Stacks {
		s := &p.Stacks[i]
		doc, ok := docs[s.Name]
		if !ok {
			continue // a stack whose request is gone: kept or retired
		}
		s.Cost = cost.Of(doc, rates)
		add(s.Cost)
		s.Share = s.Cost.Total
		if shared[s.Name] {
			s.Share = math.Round((s.Share+networkPart)*100) / 100
		}
	}
	fleet.Total = math.Round(fleet.Total*100) / 100
	p.Cost = fleet
}

// fleetReachability evaluates the reachability of every planned stack's
// resources together, in stack name order: IDs join a vended stack's
// attachment to the network stack's gateway.
func fleetReachability(docs map[string]*plan.Document) plan.Reachability {
	var rs []plan.Resource
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		rs = append(rs, docs[name].Resources...)
	}
	return plan.Reach(rs)
}

// Documents plans every rendered stack offline with the planner's code,
// by stack name: the network stack's first, whose output (returned as the
// backend would hold it) the vended stacks on shared networking read.
func Documents(set *vending.Set, rendered *vending.Stacks) (map[string]*plan.Document, map[string]any, error) {
	docs := map[string]*plan.Document{}
	var network map[string]any
	if n := rendered.Network; n != nil {
		doc, output, err := planNetwork(set, *n)
		if err != nil {
			return nil, nil, err
		}
		docs[n.Name], network = doc, output
	}
	for _, st := range rendered.Vended {
		doc, err := plan.Make(plan.Input{Project: set.Settings.Project, Stack: st.Name, Config: st.Config,
			Program:      stacks.Program(stacks.Options{Blueprints: set.Blueprints}),
			StackOutputs: map[string]map[string]any{set.NetworkStackName(): {stacks.NetworkOutput: network}}})
		if err != nil {
			return nil, nil, fmt.Errorf("planning stack %s: %w", st.Name, err)
		}
		docs[st.Name] = doc
	}
	return docs, network, nil
}

// action compares a stack's digest with what the backend holds.
func action(existing map[string]map[string]string, name, digest string) string {
	tags, ok := existing[name]
	switch {
	case !ok || tags[tagDigest] == "":
		return Create
	case tags[tagDigest] == digest:
		return Unchanged
	}
	return Update
}

// planNetwork plans the network stack and returns its output as the
// backend would hold it.
func planNetwork(set *vending.Set, st vending.Stack) (*plan.Document, map[string]any, error) {
	var output map[string]any
	doc, err := plan.Make(plan.Input{Project: set.Settings.Project, Stack: st.Name, Config: st.Config,
		Program: func(ctx *pulumi.Context) error {
			est, err := stacks.Run(ctx, stacks.Options{Blueprints: set.Blueprints})
			if err != nil {
				return err
			}
			v, err := internals.UnsafeAwaitOutput(ctx.Context(), est.Network.ToMapOutput())
			if err != nil {
				return err
			}
			// As the backend keeps it: JSON.
			text, err := json.Marshal(v.Value)
			if err != nil {
				return err
			}
			return json.Unmarshal(text, &output)
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("planning the network stack: %w", err)
	}
	return doc, output, nil
}

// count is how many resources a plan lists: custom resources and remote
// components (a pulumi-eks cluster).
func count(doc *plan.Document) int {
	n := 0
	for _, r := range doc.Resources {
		if r.Kind == plan.KindResource || (r.Kind == plan.KindComponent && r.Provider != "") {
			n++
		}
	}
	return n
}

// networkOutput reads the network stack's output from the backend.
func (v *vendor) networkOutput(ctx context.Context) (stacks.Network, error) {
	outs, err := v.state.Outputs(ctx, vending.NetworkStack)
	if err != nil {
		return stacks.Network{}, err
	}
	network, _ := stacks.ReadNetwork(outs[stacks.NetworkOutput])
	return network, nil
}
