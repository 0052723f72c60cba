package vend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/internal/stackstate"
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
	// ClusterArn is the cluster's ARN, from the stack's outputs, recorded
	// with its digest after its last successful update.
	ClusterArn string `json:"clusterArn"`
}

// List is the catalog of the vended clusters of a project on a backend,
// in stack name order: each stack's tags, read in bulk, and its last
// update, read for several stacks at once.
func List(ctx context.Context, project string, opts Options) ([]Entry, error) {
	v, existing, err := openCatalog(ctx, "list", project, opts)
	if err != nil {
		return nil, err
	}
	defer v.close()
	delete(existing, vending.NetworkStack)
	names := slices.Sorted(maps.Keys(existing))
	entries := make([]Entry, len(names))
	errs := make([]error, len(names))
	v.each(names, func(i int, name string) {
		tags := existing[name]
		e := Entry{
			Stack: name, Team: tags[tagTeam], Environment: tags[tagEnvironment], Account: tags[tagAccount], Region: tags[tagRegion],
			Blueprint: tags[tagBlueprint], BlueprintVersion: tags[tagBlueprintVersion], KubernetesVersion: tags[tagKubernetesVersion],
			ClusterArn: tags[tagClusterArn],
		}
		last, err := v.state.LastUpdate(ctx, name)
		if !last.End.IsZero() {
			e.LastUpdate, e.Result = last.End.Format(stackstate.TimeLayout), last.Result
		}
		entries[i], errs[i] = e, err
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
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
	v, err := newVendor(ctx, &vending.Set{Settings: vending.Settings{Project: project}}, opts)
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
