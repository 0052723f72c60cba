// Package drive runs stack files through the real Pulumi engine against
// the stand-in world: it plants what an organization holds before any
// stack (its accounts, the deploy and administrator roles, the API
// servers) and drives each stack with the Automation API and an inline
// program, the same program `pulumi up` runs for the stack's project.
package drive

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/examples"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/aws"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
	"github.com/eks-multi-account/eks-multi-account/internal/vend"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// World is a stand-in world as scripts/standin.sh describes it in the
// environment.
type World struct {
	// Dir is the stand-in AWS's directory.
	Dir string
	// PulumiRoot holds bin/pulumi.
	PulumiRoot string
	// PulumiHome is the PULUMI_HOME the stand-in plugins are installed in.
	PulumiHome string
	// APIServers is the file listing the API servers.
	APIServers string
	// ClusterDelay is how long an EKS cluster takes to create.
	ClusterDelay string
	// ClockScale is how many times faster than AWS's the stand-in retries
	// deletes.
	ClockScale string
}

// FromEnv reads the world from the exports of `scripts/standin.sh env`.
func FromEnv() (World, error) {
	w := World{
		Dir:          os.Getenv(aws.WorldEnv),
		PulumiRoot:   os.Getenv("EKS_MA_E2E_PULUMI_ROOT"),
		PulumiHome:   os.Getenv("PULUMI_HOME"),
		APIServers:   os.Getenv(world.PoolEnv),
		ClusterDelay: os.Getenv(aws.ClusterDelayEnv),
		ClockScale:   os.Getenv(aws.ClockScaleEnv),
	}
	if w.Dir == "" || w.PulumiRoot == "" || w.PulumiHome == "" || w.APIServers == "" {
		return w, fmt.Errorf("the stand-in world is not set up: run eval \"$(bash scripts/standin.sh env)\"")
	}
	return w, nil
}

// Plan returns the offline plan of a stack file: what the stack would
// create, which the seed is read from.
func Plan(file string) (*plan.Document, error) {
	st, err := stackfile.Load(file)
	if err != nil {
		return nil, err
	}
	return plan.Make(plan.Input{Project: st.Project, Stack: st.Name, Config: st.Config, Program: Program(st.Project)})
}

// Plans returns the offline plans of a stack file, or of every stack of a
// vending directory (one holding vending.yaml), as on an empty backend.
func Plans(path string) ([]*plan.Document, error) {
	if _, err := os.Stat(filepath.Join(path, vending.SettingsFile)); err != nil {
		d, err := Plan(path)
		return []*plan.Document{d}, err
	}
	set, err := vending.Load(path, nil)
	if err != nil {
		return nil, err
	}
	rendered, err := set.Render(vending.Existing{})
	if err != nil {
		return nil, err
	}
	docs, _, err := vend.Documents(set, rendered)
	if err != nil {
		return nil, err
	}
	out := make([]*plan.Document, 0, len(docs))
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		out = append(out, docs[name])
	}
	return out, nil
}

// Program is the program `pulumi up` runs for a project: an example's own,
// or the stacks alone.
func Program(project string) pulumi.RunFunc {
	if p, ok := examples.Program(project); ok {
		return p
	}
	return stacks.Program(stacks.Options{})
}

// InterfaceLinger is how long the tier's deleted clusters leave their
// network interfaces in their subnets: seconds where AWS takes minutes,
// long enough that a destroy meets them.
const InterfaceLinger = 3 * time.Second

// Seed is what an organization holds before the stacks of these plans
// run: every account they name, the roles, users and customer managed
// policies they use without creating them (each account's deploy role, the
// administrators' roles), service and resource control policies enabled on
// its root, as the organization stack's prerequisites ask, and the
// testinfra.EstablishedQuotas in every account, and the OUs the organization
// stack's guardrails attach to, under the root, the first of them holding
// every member account, so that the stacks naming the organization stack
// are covered. The management account is the one a plan names, else the
// one given.
func Seed(docs []*plan.Document, management string) (world.Seed, error) {
	seed := world.Seed{Organization: world.Organization{ManagementAccount: management,
		EnabledPolicyTypes: []string{world.ServiceControlPolicy, world.ResourceControlPolicy}}, Quotas: testinfra.EstablishedQuotas,
		InterfaceLinger: InterfaceLinger}
	accounts, used, created := map[string]bool{}, map[string]bool{}, map[string]bool{}
	policies, units := map[string]bool{}, map[string]bool{}
	for _, d := range docs {
		for id, roles := range d.AccountRoles {
			accounts[id] = true
			if slices.Contains(roles, "management") {
				seed.Organization.ManagementAccount = id
			}
		}
		for _, r := range d.Resources {
			if r.Account != "" {
				accounts[r.Account] = true
			}
			switch r.Type {
			case "pulumi:providers:aws":
				if role, ok := r.Inputs["assumeRole"].(map[string]any); ok {
					used[fmt.Sprint(role["roleArn"])] = true
				}
			case "aws:iam/role:Role":
				created[fmt.Sprint(r.Outputs["arn"])] = true
			case "aws:eks/accessEntry:AccessEntry":
				used[fmt.Sprint(r.Inputs["principalArn"])] = true
			case "aws:organizations/policyAttachment:PolicyAttachment":
				if target := fmt.Sprint(r.Inputs["targetId"]); strings.HasPrefix(target, "ou-") {
					units[target] = true
				}
			case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
				if arn := fmt.Sprint(r.Inputs["policyArn"]); !strings.Contains(arn, ":iam::aws:policy/") {
					policies[arn] = true
				}
			case "eks:index:Cluster":
				entries, _ := r.Inputs["accessEntries"].(map[string]any)
				for _, e := range entries {
					if m, ok := e.(map[string]any); ok {
						used[fmt.Sprint(m["principalArn"])] = true
					}
				}
			}
		}
	}
	if seed.Organization.ManagementAccount == "" {
		return seed, fmt.Errorf("no plan names the organization's management account")
	}
	for arn := range used {
		if parts := strings.Split(arn, ":"); len(parts) == 6 && !created[arn] {
			accounts[parts[4]] = true
			seed.Roles = append(seed.Roles, arn)
		}
	}
	slices.Sort(seed.Roles)
	seed.Policies = slices.Sorted(maps.Keys(policies))
	seed.Organization.Accounts = slices.Sorted(maps.Keys(accounts))
	seed.Organization.ID = "o-standin0001"
	seed.Organization.RootID = "r-stan"
	for i, ou := range slices.Sorted(maps.Keys(units)) {
		unit := world.OrganizationalUnit{ID: ou, Parent: seed.Organization.RootID}
		if i == 0 {
			unit.Accounts = slices.DeleteFunc(slices.Clone(seed.Organization.Accounts), func(id string) bool { return id == seed.Organization.ManagementAccount })
		}
		seed.Organization.OrganizationalUnits = append(seed.Organization.OrganizationalUnits, unit)
	}
	return seed, nil
}

// Stack returns the Automation API stack of a stack file, its
// configuration set from the file, its state kept in backend.
func (w World) Stack(ctx context.Context, file, backend string) (auto.Stack, error) {
	st, err := stackfile.Load(file)
	if err != nil {
		return auto.Stack{}, err
	}
	s, err := w.InlineStack(ctx, st.Project, st.Name, backend, Program(st.Project))
	if err != nil {
		return s, err
	}
	cfg := auto.ConfigMap{}
	for k, v := range st.Config {
		cfg[k] = auto.ConfigValue{Value: v}
	}
	return s, s.SetAllConfigWithOptions(ctx, cfg, &auto.ConfigOptions{Path: false})
}

// InlineStack returns the Automation API stack of any program, run by the
// engine against the world, its state kept in backend.
func (w World) InlineStack(ctx context.Context, project, stack, backend string, program pulumi.RunFunc) (auto.Stack, error) {
	if err := os.MkdirAll(backend, 0o755); err != nil {
		return auto.Stack{}, err
	}
	opts, err := w.Workspace()
	if err != nil {
		return auto.Stack{}, err
	}
	ws := workspace.Project{Name: tokens.PackageName(project), Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Backend: &workspace.ProjectBackend{URL: "file://" + filepath.Clean(backend)}}
	return auto.UpsertStackInlineSource(ctx, stack, project, program, append(opts, auto.Project(ws))...)
}

// Workspace returns the options that point a workspace at the world: the
// tier's Pulumi CLI, and the environment its plugins read (the world, the
// API servers, the PULUMI_HOME they are installed in, and a passphrase for
// the secrets of a file:// backend).
func (w World) Workspace() ([]auto.LocalWorkspaceOption, error) {
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: w.PulumiRoot, SkipVersionCheck: true})
	if err != nil {
		return nil, err
	}
	return []auto.LocalWorkspaceOption{auto.Pulumi(cmd), auto.EnvVars(w.Env())}, nil
}

// Env is the environment the world's plugins read: the world, the API
// servers, the PULUMI_HOME they are installed in, and a passphrase for the
// secrets of a file:// backend.
func (w World) Env() map[string]string {
	env := map[string]string{
		aws.WorldEnv: w.Dir, world.PoolEnv: w.APIServers, "PULUMI_HOME": w.PulumiHome, "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
		"PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_CONFIG_PASSPHRASE": "standin",
	}
	if w.ClusterDelay != "" {
		env[aws.ClusterDelayEnv] = w.ClusterDelay
	}
	if w.ClockScale != "" {
		env[aws.ClockScaleEnv] = w.ClockScale
	}
	return env
}

// Leftovers writes what the world holds beyond what the organization held
// before any stack, one object a line (account, type, ID, and what it
// belongs to for what AWS made), then the KMS keys pending deletion.
func Leftovers(s *world.State, out io.Writer) {
	for _, o := range s.Leftovers() {
		line := fmt.Sprintf("%s\t%s\t%s", o.Account, o.Type, o.ID)
		if o.Implicit {
			line += "\tmade by AWS for " + cmp.Or(o.Str("owner"), o.Str("cluster")+" "+o.Str("service"))
		}
		fmt.Fprintln(out, line)
	}
	for _, o := range s.PendingDeletion() {
		fmt.Fprintf(out, "%s\t%s\t%s\tpending deletion until %s\n", o.Account, o.Type, o.ID, o.Str("deletionDate"))
	}
}
