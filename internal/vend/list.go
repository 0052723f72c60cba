package vend

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Entry is one vended cluster in the catalog, as the backend holds it.
type Entry struct {
	// Stack is the stack's (and the cluster's) name.
	Stack string `json:"stack"`
	// Team, Environment, Account and Region are the request's.
	Team        string `json:"team"`
	Environment string `json:"environment"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	// Blueprint and BlueprintVersion are what the cluster was vended from.
	Blueprint        string `json:"blueprint"`
	BlueprintVersion string `json:"blueprintVersion"`
	// KubernetesVersion is the cluster's.
	KubernetesVersion string `json:"kubernetesVersion"`
	// LastUpdate is when the stack was last updated, and Result how that
	// ended (succeeded, failed); empty for a stack never updated.
	LastUpdate string `json:"lastUpdate"`
	Result     string `json:"result"`
	// ClusterArn is the cluster's ARN, from the stack's outputs.
	ClusterArn string `json:"clusterArn"`
}

// List is the catalog of the vended clusters of a project on a backend,
// in stack name order.
func List(ctx context.Context, project string, opts Options) ([]Entry, error) {
	v, existing, err := openCatalog(ctx, "list", project, opts)
	if err != nil {
		return nil, err
	}
	defer v.close()
	entries := []Entry{}
	for _, name := range slices.Sorted(maps.Keys(existing)) {
		if name == vending.NetworkStack {
			continue
		}
		tags := existing[name]
		e := Entry{
			Stack: name, Team: tags[tagTeam], Environment: tags[tagEnvironment], Account: tags[tagAccount], Region: tags[tagRegion],
			Blueprint: tags[tagBlueprint], BlueprintVersion: tags[tagBlueprintVersion], KubernetesVersion: tags[tagKubernetesVersion],
		}
		s, err := v.stack(ctx, name, false)
		if err != nil {
			return nil, err
		}
		history, err := s.History(ctx, 1, 1)
		if err != nil {
			return nil, fmt.Errorf("reading the history of stack %s: %w", name, err)
		}
		if len(history) > 0 {
			e.Result = history[0].Result
			if history[0].EndTime != nil {
				e.LastUpdate = *history[0].EndTime
			}
		}
		outs, err := s.Outputs(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the outputs of stack %s: %w", name, err)
		}
		if clusters, ok := outs[stacks.ClustersOutput].Value.(map[string]any); ok {
			if c, ok := clusters[name].(map[string]any); ok {
				e.ClusterArn, _ = c["arn"].(string)
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// openCatalog opens the backend for a command that reads a project's
// stacks without a vending directory's requests (list, drift) and lists
// them with their tags; the caller closes the vendor.
func openCatalog(ctx context.Context, command, project string, opts Options) (*vendor, map[string]map[string]string, error) {
	if opts.Backend == "" {
		return nil, nil, fmt.Errorf("vend %s needs the backend (--backend, or a vending directory whose default backend it is)", command)
	}
	v, err := newVendor(&vending.Set{Settings: vending.Settings{Project: project}}, opts)
	if err != nil {
		return nil, nil, err
	}
	existing, err := v.existing(ctx)
	if err != nil {
		v.close()
		return nil, nil, err
	}
	return v, existing, nil
}
