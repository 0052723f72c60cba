package vend

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
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
}

// PlannedNetwork is the network stack of a plan.
type PlannedNetwork struct {
	// Action is create, update or unchanged.
	Action string `json:"action"`
	// Principals are the accounts its subnets are shared with.
	Principals []string `json:"principals"`
	// Resources is how many resources its offline plan lists.
	Resources int `json:"resources"`
}

// PlanOptions say where the plan compares with.
type PlanOptions struct {
	// Backend, when set, is compared with: without it, every stack is
	// created. Reading it needs the Pulumi CLI (Options.Workspace), not AWS.
	Backend *Options
	// Retire shows the stacks whose requests are gone as retired, not
	// kept.
	Retire bool
}

// MakePlan renders every stack (an invalid set is an error with every
// problem) and plans each offline with the planner's code, the network
// stack's output given to the stacks that read it.
func MakePlan(ctx context.Context, set *vending.Set, opts PlanOptions) (*Plan, error) {
	existing, backendNetwork := map[string]map[string]string{}, stacks.Network{}
	if opts.Backend != nil {
		v, err := newVendor(set, *opts.Backend)
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
	var kept []config.SharedAccount
	if !opts.Retire {
		kept = sharedAmong(existing, gone)
	}
	rendered, err := set.Render(vending.Existing{Allocations: allocations(existing), Kept: kept})
	if err != nil {
		return nil, err
	}
	docs, planned, err := Documents(set, rendered)
	if err != nil {
		return nil, err
	}
	out := &Plan{Stacks: []PlannedStack{}}
	if n := rendered.Network; n != nil {
		network, _ := stacks.ReadNetwork(planned)
		out.Network = &PlannedNetwork{Action: action(existing, n.Name, digestOf(n.Config, [2]string{}, networkView{})),
			Principals: network.SharedWith, Resources: count(docs[n.Name])}
	}
	for _, st := range rendered.Vended {
		view := networkView{}
		if st.Request.Shared() {
			view = viewOf(backendNetwork, st.Request.AccountID)
		}
		rec, err := recordOf(set, st)
		if err != nil {
			return nil, err
		}
		out.Stacks = append(out.Stacks, PlannedStack{
			Name: st.Name, Action: action(existing, st.Name, vendedDigest(set, st, view)),
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
	return out, nil
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
	s, err := v.stack(ctx, vending.NetworkStack, false)
	if err != nil {
		return stacks.Network{}, err
	}
	return outputOf(ctx, s)
}

// outputOf reads a network stack's output.
func outputOf(ctx context.Context, s auto.Stack) (stacks.Network, error) {
	outs, err := s.Outputs(ctx)
	if err != nil {
		return stacks.Network{}, err
	}
	network, _ := stacks.ReadNetwork(outs[stacks.NetworkOutput].Value)
	return network, nil
}
