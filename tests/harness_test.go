// Package tests runs whole stacks under the mock engine, from real stack
// files (the examples' own included), and checks properties over every
// registered resource.
package tests

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// stackFiles are every stack file shipped with the repository: the
// examples', and the pair that examples/compare puts side by side.
func stackFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../examples/*/Pulumi.*.yaml")
	require.NoError(t, err)
	pair, err := filepath.Glob("../examples/compare/*/Pulumi.*.yaml")
	require.NoError(t, err)
	require.Len(t, pair, 2)
	return append(files, pair...)
}

// run is one stack run: its configuration and what the engine recorded.
type run struct {
	cfg       *config.Config
	resources []mockengine.Resource
	byURN     map[string]mockengine.Resource
}

// stacksProgram is the root program: the stacks alone.
var stacksProgram = stacks.Program(stacks.Options{})

// runStackFile runs a program on a stack file, as `pulumi up` would.
func runStackFile(t *testing.T, path string, program pulumi.RunFunc) run {
	t.Helper()
	s, err := stackfile.Load(path)
	require.NoError(t, err)
	r, err := runConfig(s.Project, s.Name, s.Config, program)
	require.NoError(t, err, path)
	return r
}

// runConfig runs a program on a configuration map.
func runConfig(project, stack string, cfgMap map[string]string, program pulumi.RunFunc) (run, error) {
	cfg, err := config.Load(config.FromMap(cfgMap))
	if err != nil {
		return run{}, err
	}
	e := testkit.Established(mockengine.New(project, stack))
	guardEveryAccount(e, cfg)
	err = e.Run(program, cfgMap)
	r := run{cfg: cfg, resources: e.Resources(), byURN: map[string]mockengine.Resource{}}
	for _, res := range r.resources {
		r.byURN[res.URN] = res
	}
	return r, err
}

// guardEveryAccount gives the organization stack a configuration names an
// output whose guardrails bind every account it names, as the organization
// stack of a well-kept organization does.
func guardEveryAccount(e *mockengine.Engine, cfg *config.Config) {
	if cfg.OrganizationStack == "" {
		return
	}
	var accounts []any
	for _, a := range cfg.DeployedAccounts() {
		accounts = append(accounts, a.ID)
	}
	e.SetStackOutputs(cfg.OrganizationStack, map[string]any{stacks.OrganizationOutput: map[string]any{"guardedAccounts": accounts, "targetIds": []any{"r-ab12"}}})
}

// runYAML runs the stacks on the text of a stack file.
func runYAML(t *testing.T, text string) (run, error) {
	t.Helper()
	cfgMap, err := stackfile.ParseConfig([]byte(text))
	require.NoError(t, err)
	return runConfig("eks-multi-account", "test", cfgMap, stacksProgram)
}

// owner returns the nearest ancestor of r (r included) of a component
// type, and whether there is one.
func (r run) owner(res mockengine.Resource, typ string) (mockengine.Resource, bool) {
	for cur, ok := res, true; ok; cur, ok = r.byURN[cur.Parent] {
		if cur.Type == typ {
			return cur, true
		}
	}
	return mockengine.Resource{}, false
}

func (r run) ofType(typ string) []mockengine.Resource {
	var out []mockengine.Resource
	for _, res := range r.resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

func isAWS(res mockengine.Resource) bool {
	return res.Custom && strings.HasPrefix(res.Type, "aws:")
}
