package vend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eks-multi-account/eks-multi-account/components/eksversion"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// UpgradeOptions say which clusters move to which Kubernetes version.
type UpgradeOptions struct {
	// Blueprint selects the requests of one blueprint; All selects every
	// request.
	Blueprint string
	All       bool
	// Kubernetes is the target minor version, such as "1.35".
	Kubernetes string
	// Yes rolls out; without it, Upgrade only returns the waves.
	Yes bool
}

// Wave is the clusters of one environment that move together.
type Wave struct {
	// Environment is the wave's.
	Environment string
	// Moves are the requests that change, each with its version now.
	Moves []Move
}

// Move is one cluster's upgrade.
type Move struct {
	// Stack is the request's name, File its file.
	Stack, File string
	// From and To are the Kubernetes versions.
	From, To string
}

// Upgrade moves the selected clusters to a Kubernetes version, wave by
// wave in vending.yaml's order: it refuses a jump of more than one minor
// version (or a downgrade), as EKS does; with Yes, for each wave it
// rewrites the wave's request files (the files stay the only source of
// truth, so a later apply changes nothing) and applies that wave's
// stacks, stopping at the first wave that fails, whose files and those of
// the waves after it say what is deployed.
func Upgrade(ctx context.Context, dir string, registry *blueprints.Registry, opts Options, up UpgradeOptions) ([]Wave, []Result, error) {
	set, err := vending.Load(dir, registry)
	if err != nil {
		return nil, nil, err
	}
	if up.All == (up.Blueprint != "") {
		return nil, nil, fmt.Errorf("choose the clusters to upgrade: --blueprint B or --all")
	}
	if _, ok := set.Blueprints.Get(up.Blueprint); !up.All && !ok {
		return nil, nil, fmt.Errorf("--blueprint %q is not a known blueprint (want one of %s)", up.Blueprint, strings.Join(set.Blueprints.Names(), ", "))
	}
	waves, err := wavesOf(set, up)
	if err != nil || !up.Yes {
		return waves, nil, err
	}
	var results []Result
	for _, w := range waves {
		var only []string
		for _, m := range w.Moves {
			if err := setKubernetesVersion(filepath.Join(dir, m.File), m.To); err != nil {
				return waves, results, err
			}
			only = append(only, m.Stack)
		}
		set, err := vending.Load(dir, registry)
		if err != nil {
			return waves, results, err
		}
		res, err := Apply(ctx, set, opts, ApplyOptions{Only: only})
		results = append(results, res...)
		if err != nil {
			return waves, results, fmt.Errorf("wave %s failed; the waves after it were not started: %w", w.Environment, err)
		}
	}
	return waves, results, nil
}

// wavesOf groups the moves by wave, in vending.yaml's order, and refuses
// what EKS refuses.
func wavesOf(set *vending.Set, up UpgradeOptions) ([]Wave, error) {
	to, err := eksversion.ParseMinor(up.Kubernetes)
	if err != nil {
		return nil, fmt.Errorf("--kubernetes %q is not a Kubernetes minor version such as \"1.35\"", up.Kubernetes)
	}
	var waves []Wave
	var problems []string
	for _, env := range set.Settings.Waves {
		w := Wave{Environment: env}
		for _, r := range set.Requests {
			if r.Environment != env || (!up.All && r.Blueprint != up.Blueprint) {
				continue
			}
			workload, err := set.Workload(&r)
			if err != nil {
				return nil, err
			}
			current := workload.KubernetesVersion
			from, _ := eksversion.ParseMinor(current)
			switch {
			case from == to:
				continue
			case to < from:
				problems = append(problems, fmt.Sprintf("%s: kubernetesVersion %s cannot go down to %s: EKS does not downgrade a cluster", r.File, current, up.Kubernetes))
			case to > from+1:
				problems = append(problems, fmt.Sprintf("%s: kubernetesVersion %s cannot jump to %s: EKS upgrades a cluster one minor version at a time", r.File, current, up.Kubernetes))
			}
			w.Moves = append(w.Moves, Move{Stack: r.Name, File: r.File, From: current, To: up.Kubernetes})
		}
		if len(w.Moves) > 0 {
			waves = append(waves, w)
		}
	}
	if problems != nil {
		return nil, fmt.Errorf("the upgrade is refused:\n%s", strings.Join(problems, "\n"))
	}
	return waves, nil
}

// setKubernetesVersion rewrites a request file's kubernetesVersion,
// leaving every other line as it is: the key's line is replaced, or the
// key added at the end.
func setKubernetesVersion(path, version string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s is not a request", path)
	}
	top := doc.Content[0]
	if top.Style&yaml.FlowStyle != 0 {
		return fmt.Errorf("%s is written in flow style; write its keys one per line to upgrade it", path)
	}
	line := fmt.Sprintf("kubernetesVersion: %q", version)
	lines := strings.SplitAfter(string(data), "\n")
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i]; k.Value == "kubernetesVersion" {
			lines[k.Line-1] = line + "\n"
			return os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
		}
	}
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return os.WriteFile(path, []byte(text+line+"\n"), 0o644)
}
