// Command vend vends de-centralized clusters from a directory of requests
// (vending.yaml and requests/<name>.yaml, one cluster each): a network
// stack and one stack per request, run through the Automation API with the
// same program `pulumi up` runs, on any Pulumi backend.
//
//	vend plan DIR [--backend URL] [--retire] [--cost [--prices FILE]] [--json]
//	vend apply DIR [--backend URL] [--parallel N] [--retire]
//	vend list [DIR] [--backend URL] [--project P] [--json]
//	vend upgrade DIR (--blueprint B | --all) --kubernetes V [--yes] [--backend URL] [--parallel N]
//	vend drift [DIR] [--backend URL] [--project P] [--parallel N] [--json]
//	vend schema vending|request
//
// plan is offline: without --backend every stack is created, and with one
// it reads the backend (the Pulumi CLI, no AWS). The backend defaults to a
// file:// folder, DIR/.vend; a self-managed backend keeps secrets with
// PULUMI_CONFIG_PASSPHRASE. apply, list, upgrade and drift need the Pulumi
// CLI on PATH; drift refreshes every stack in preview, writing nothing, and
// exits 1 when any drifted or could not be checked. Progress goes to stderr, one line per stack and state.
//
// Exit codes: 0 done; 1 a stack or the backend failed; 2 bad usage or
// invalid requests (every problem on stderr, with its file and key path).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/eks-multi-account/eks-multi-account/internal/cost"
	"github.com/eks-multi-account/eks-multi-account/internal/vend"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitInvalid = 2
)

const usage = `usage:
  vend plan DIR [--backend URL] [--retire] [--cost [--prices FILE]] [--json]
  vend apply DIR [--backend URL] [--parallel N] [--retire]
  vend list [DIR] [--backend URL] [--project P] [--json]
  vend upgrade DIR (--blueprint B | --all) --kubernetes V [--yes] [--backend URL] [--parallel N]
  vend drift [DIR] [--backend URL] [--project P] [--parallel N] [--json]
  vend schema vending|request`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand's flags and arguments.
type command struct {
	flags                          *flag.FlagSet
	backend, project, blueprint, k string
	prices                         string
	parallel                       int
	retire, asJSON, all, yes, cost bool
}

func newCommand(name string, stderr io.Writer) *command {
	c := &command{flags: flag.NewFlagSet(name, flag.ContinueOnError)}
	c.flags.SetOutput(stderr)
	c.flags.StringVar(&c.backend, "backend", "", "the Pulumi backend's URL (default file://DIR/.vend)")
	c.flags.StringVar(&c.project, "project", vending.DefaultProject, "the vended stacks' project (list without DIR)")
	c.flags.StringVar(&c.blueprint, "blueprint", "", "upgrade the requests of this blueprint")
	c.flags.StringVar(&c.k, "kubernetes", "", "the Kubernetes minor version to upgrade to")
	c.flags.IntVar(&c.parallel, "parallel", 4, "how many vended stacks to deploy (or refresh) at once")
	c.flags.BoolVar(&c.retire, "retire", false, "destroy and remove the stacks whose requests are gone")
	c.flags.BoolVar(&c.asJSON, "json", false, "print JSON")
	c.flags.BoolVar(&c.cost, "cost", false, "plan: price the fleet and each request's share a month")
	c.flags.StringVar(&c.prices, "prices", "", "plan: a rate file amending the built-in rate table (implies --cost)")
	c.flags.BoolVar(&c.all, "all", false, "upgrade every request")
	c.flags.BoolVar(&c.yes, "yes", false, "roll the upgrade out (without it, only print the waves)")
	return c
}

// parse reads flags and arguments in any order.
func (c *command) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := c.flags.Parse(args); err != nil {
			return nil, err
		}
		rest := c.flags.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

func (c *command) options() vend.Options {
	return vend.Options{Backend: c.backend, Parallel: c.parallel}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitInvalid
	}
	c := newCommand(args[0], stderr)
	positional, err := c.parse(args[1:])
	if err != nil {
		return exitInvalid
	}
	var code int
	switch args[0] {
	case "plan":
		code, err = c.plan(ctx, positional, stdout)
	case "apply":
		code, err = c.apply(ctx, positional, stdout)
	case "list":
		code, err = c.list(ctx, positional, stdout)
	case "upgrade":
		code, err = c.upgrade(ctx, positional, stdout)
	case "drift":
		code, err = c.drift(ctx, positional, stdout)
	case "schema":
		code, err = schema(positional, stdout)
	default:
		code, err = exitInvalid, errors.New(usage)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		var invalid *vending.Error
		if errors.As(err, &invalid) {
			return exitInvalid
		}
	}
	return code
}

// load reads the vending directory, the one positional argument.
func load(positional []string) (*vending.Set, error) {
	if len(positional) != 1 {
		return nil, errors.New(usage)
	}
	return vending.Load(positional[0], nil)
}

func (c *command) plan(ctx context.Context, positional []string, stdout io.Writer) (int, error) {
	set, err := load(positional)
	if err != nil {
		return exitInvalid, err
	}
	opts := vend.PlanOptions{Retire: c.retire}
	if c.cost || c.prices != "" {
		if opts.Rates, err = cost.Load(c.prices); err != nil {
			return exitInvalid, fmt.Errorf("--prices: %w", err)
		}
	}
	if c.backend != "" {
		o := c.options()
		opts.Backend = &o
	}
	p, err := vend.MakePlan(ctx, set, opts)
	if err != nil {
		return exitFailed, err
	}
	if c.asJSON {
		return exitOK, printJSON(stdout, p)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	if n := p.Network; n != nil {
		fmt.Fprintf(w, "network\t%s\tshared with %s\trouted with %s\t%d resources\n\n", n.Action, strings.Join(n.Principals, ", "), strings.Join(n.Routed, ", "), n.Resources)
	}
	fmt.Fprintln(w, "STACK\tACTION\tACCOUNT\tREGION\tBLUEPRINT\tKUBERNETES\tVPC\tRESOURCES")
	for _, s := range p.Stacks {
		vpc := s.VpcCIDR
		if vpc == "" {
			vpc = "shared"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", s.Name, s.Action, s.Account, s.Region, s.Blueprint, s.KubernetesVersion, vpc, s.Resources)
	}
	if err := w.Flush(); err != nil {
		return exitFailed, err
	}
	if len(p.Unchecked) > 0 || p.UncheckedCoverage != "" {
		fmt.Fprintln(stdout)
	}
	for _, u := range p.Unchecked {
		fmt.Fprintf(stdout, "unchecked: %s: accountId %s may be in team %s's organizational units (%s); apply reads them through Organizations and refuses it if not\n",
			u.File, u.AccountID, u.Team, strings.Join(u.OrganizationalUnits, ", "))
	}
	if p.UncheckedCoverage != "" {
		fmt.Fprintf(stdout, "unchecked: whether organization stack %s's guardrails bind every vended account; each stack's preview reads its guardedAccounts output and fails for an account outside them\n", p.UncheckedCoverage)
	}
	if p.Cost != nil {
		return exitOK, printFleetCost(stdout, p)
	}
	return exitOK, nil
}

// printFleetCost prints what the fleet costs a month: the network stack,
// each request's stack and share, and the total.
func printFleetCost(stdout io.Writer, p *vend.Plan) error {
	fc := p.Cost
	fmt.Fprintf(stdout, "\nCost a month at list prices read %s (%s), usage not included:\n", fc.AsOf, fc.Currency)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STACK\tMONTHLY\tSHARE\tNOT PRICED")
	if n := p.Network; n != nil {
		fmt.Fprintf(w, "network\t%.2f\t\t%d\n", n.Cost.Total, len(n.Cost.Unpriced))
	}
	for _, s := range p.Stacks {
		if s.Cost != nil {
			fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%d\n", s.Name, s.Cost.Total, s.Share, len(s.Cost.Unpriced))
		}
	}
	fmt.Fprintf(w, "fleet\t%.2f\t\t%d\n", fc.Total, fc.Unpriced)
	if err := w.Flush(); err != nil {
		return err
	}
	if fc.Unpriced > 0 {
		_, err := fmt.Fprintln(stdout, "The totals leave out what is not priced, so they are lower bounds: --json lists each line, and --prices FILE gives the missing rates.")
		return err
	}
	return nil
}

func (c *command) apply(ctx context.Context, positional []string, stdout io.Writer) (int, error) {
	set, err := load(positional)
	if err != nil {
		return exitInvalid, err
	}
	results, err := vend.Apply(ctx, set, c.options(), vend.ApplyOptions{Retire: c.retire})
	printResults(stdout, results)
	if err != nil {
		return exitFailed, err
	}
	return exitOK, nil
}

func (c *command) list(ctx context.Context, positional []string, stdout io.Writer) (int, error) {
	project, opts, code, err := c.catalog(positional)
	if err != nil {
		return code, err
	}
	entries, err := vend.List(ctx, project, opts)
	if err != nil {
		return exitFailed, err
	}
	if c.asJSON {
		return exitOK, printJSON(stdout, entries)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STACK\tTEAM\tENVIRONMENT\tACCOUNT\tREGION\tBLUEPRINT\tKUBERNETES\tLAST UPDATE\tRESULT\tCLUSTER")
	for _, e := range entries {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s@%s\t%s\t%s\t%s\t%s\n", e.Stack, e.Team, e.Environment, e.Account, e.Region,
			e.Blueprint, e.BlueprintVersion, e.KubernetesVersion, e.LastUpdate, e.Result, e.ClusterArn)
	}
	return exitOK, w.Flush()
}

// catalog is the project and options of a command that reads the
// backend's stacks (list, drift): from the vending directory when one is
// given (its project, and its default backend), else from --project and
// --backend.
func (c *command) catalog(positional []string) (string, vend.Options, int, error) {
	project, opts := c.project, c.options()
	switch len(positional) {
	case 0:
	case 1:
		set, err := vending.Load(positional[0], nil)
		if err != nil {
			return "", opts, exitInvalid, err
		}
		project = set.Settings.Project
		if opts.Backend == "" {
			if opts.Backend, err = vend.DefaultBackend(positional[0]); err != nil {
				return "", opts, exitFailed, err
			}
		}
	default:
		return "", opts, exitInvalid, errors.New(usage)
	}
	return project, opts, exitOK, nil
}

// drift refreshes every stack in preview and prints what drifted: exit 0
// when every stack was checked and none drifted, 1 when any drifted or
// could not be checked.
func (c *command) drift(ctx context.Context, positional []string, stdout io.Writer) (int, error) {
	project, opts, code, err := c.catalog(positional)
	if err != nil {
		return code, err
	}
	drifts, err := vend.DetectDrift(ctx, project, opts)
	if err != nil {
		return exitFailed, err
	}
	code = exitOK
	if !vend.NoDrift(drifts) {
		code = exitFailed
	}
	drifted, unknown := 0, 0
	for _, d := range drifts {
		switch {
		case !d.Checked:
			unknown++
		case d.Drifted():
			drifted++
		}
	}
	if c.asJSON {
		return code, printJSON(stdout, drifts)
	}
	for _, d := range drifts {
		switch {
		case !d.Checked:
			fmt.Fprintf(stdout, "%s: not checked: %s\n", d.Stack, d.Error)
		case d.Drifted():
			fmt.Fprintf(stdout, "%s: drifted\n", d.Stack)
			for _, r := range d.Resources {
				if r.Deleted {
					fmt.Fprintf(stdout, "  %s %s: gone\n", r.Type, r.Name)
					continue
				}
				fmt.Fprintf(stdout, "  %s %s\n", r.Type, r.Name)
				for _, p := range r.Properties {
					fmt.Fprintf(stdout, "    %s: %s, now %s\n", p.Path, shown(p.Recorded), shown(p.Actual))
				}
			}
		}
	}
	fmt.Fprintf(stdout, "%d stacks: %d drifted, %d not checked, %d clean\n", len(drifts), drifted, unknown, len(drifts)-drifted-unknown)
	return code, nil
}

// shown is a property value as drift prints it: JSON, "none" for none.
func shown(v any) string {
	if v == nil {
		return "none"
	}
	text, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(text)
}

func (c *command) upgrade(ctx context.Context, positional []string, stdout io.Writer) (int, error) {
	if len(positional) != 1 {
		return exitInvalid, errors.New(usage)
	}
	waves, results, err := vend.Upgrade(ctx, positional[0], nil, c.options(),
		vend.UpgradeOptions{Blueprint: c.blueprint, All: c.all, Kubernetes: c.k, Yes: c.yes})
	for _, w := range waves {
		fmt.Fprintf(stdout, "wave %s:\n", w.Environment)
		for _, m := range w.Moves {
			fmt.Fprintf(stdout, "  %s (%s): %s -> %s\n", m.Stack, m.File, m.From, m.To)
		}
	}
	printResults(stdout, results)
	switch {
	case err != nil && waves == nil && results == nil:
		return exitInvalid, err
	case err != nil:
		return exitFailed, err
	case !c.yes && len(waves) > 0:
		fmt.Fprintln(stdout, "run again with --yes to roll these waves out")
	}
	return exitOK, nil
}

// schema prints a published JSON Schema.
func schema(positional []string, stdout io.Writer) (int, error) {
	if len(positional) != 1 || (positional[0] != "vending" && positional[0] != "request") {
		return exitInvalid, errors.New(usage)
	}
	data, err := vending.Schemas.ReadFile("schema/" + positional[0] + ".schema.json")
	if err != nil {
		return exitFailed, err
	}
	_, err = stdout.Write(data)
	return exitOK, err
}

// printResults prints what an apply did, one line per stack, and for a
// retired stack one line per thing its destroy kept, with where.
func printResults(stdout io.Writer, results []vend.Result) {
	for _, r := range results {
		state := "ok"
		if r.Err != nil {
			state = "failed"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", r.Stack, r.Action, state)
		for _, k := range r.Kept {
			fmt.Fprintf(stdout, "%s\tkept\t%s\n", r.Stack, k)
		}
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
