// Command plan shows what `pulumi up` would create for a stack, in every
// account, without AWS: it runs the very same stack code under Pulumi's
// in-process mock engine, with no credentials and no network.
//
//	go run ./cmd/plan [flags] [path/to/Pulumi.<env>.yaml]
//	go run ./cmd/plan --check Pulumi.org.yaml Pulumi.dev.yaml Pulumi.prod.yaml
//
// With no stack file it plans the bundled example
// (examples/centralized/Pulumi.prod.yaml). The project is the name in the
// nearest Pulumi.yaml; an example project runs its own program, any other
// the stacks alone.
//
// Flags:
//
//	--json              print one JSON document (with the checks' findings)
//	--diagram[=mermaid] print a Mermaid flowchart (--diagram=dot: Graphviz DOT)
//	--critical-path     print the longest chain of resources each waiting for
//	                    the one before, a lower bound on the time of a first
//	                    deploy, and the provider processes it starts
//	--check             print only the checks' findings; with several stack
//	                    files (the stacks of one organization), also what
//	                    they would do to each other
//	--as-of=YYYY-MM-DD  the date EKS version support is judged by (default today)
//	--cost              print what the plan costs a month at list prices, per
//	                    account and stack, from the built-in dated rate
//	                    table (with --json: the plan's cost section); with
//	                    several stack files, each and their total
//	--prices=FILE       amend the rate table with FILE's rates (negotiated
//	                    prices, other regions); implies --cost
//	--compare A B       put stack files side by side on the AWS guide's rows
//	                    comparing the two models: clusters, VPCs, NAT gateways
//	                    and transit gateway attachments, the monthly fixed
//	                    cost, tenants, namespaces, node groups and
//	                    cluster-admin principals per cluster
//
// Exit codes: 0 planned; 1 the plan failed, or --check found an error;
// 2 bad usage or an invalid configuration (every problem on stderr with
// its key path, nothing on stdout).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"golang.org/x/term"

	"github.com/eks-multi-account/eks-multi-account/examples"
	"github.com/eks-multi-account/eks-multi-account/internal/check"
	"github.com/eks-multi-account/eks-multi-account/internal/compare"
	"github.com/eks-multi-account/eks-multi-account/internal/cost"
	"github.com/eks-multi-account/eks-multi-account/internal/critical"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/render"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitInvalid = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, term.IsTerminal(int(os.Stderr.Fd()))))
}

// diagramFlag is --diagram with an optional format.
type diagramFlag struct{ format string }

// String returns the chosen format.
func (d *diagramFlag) String() string { return d.format }

// IsBoolFlag lets --diagram stand alone, meaning mermaid.
func (d *diagramFlag) IsBoolFlag() bool { return true }

// Set takes the format: mermaid (or true) or dot.
func (d *diagramFlag) Set(v string) error {
	switch v {
	case "true", "mermaid":
		d.format = "mermaid"
	case "dot":
		d.format = "dot"
	case "false":
		d.format = ""
	default:
		return fmt.Errorf("unknown diagram format %q (want mermaid or dot)", v)
	}
	return nil
}

// usage is the command line, for usage errors.
const usage = "usage: plan [--json] [--diagram[=mermaid|dot]] [--critical-path] [--check] [--cost [--prices=FILE]] [--as-of=YYYY-MM-DD] [Pulumi.<env>.yaml]\n" +
	"       plan --check [--as-of=YYYY-MM-DD] Pulumi.<env>.yaml Pulumi.<env>.yaml ...   (stacks of one organization, checked together)\n" +
	"       plan --cost [--json] [--prices=FILE] Pulumi.<env>.yaml Pulumi.<env>.yaml ...   (what the stacks cost together)\n" +
	"       plan --compare [--json] [--prices=FILE] A/Pulumi.<env>.yaml B/Pulumi.<env>.yaml ...   (side by side on the guide's rows)"

// run is the command, with its streams and whether stderr is a terminal
// (for the progress line) passed in so that tests can drive it.
func run(args []string, stdout, stderr io.Writer, tty bool) int {
	flags := flag.NewFlagSet("plan", flag.ContinueOnError)
	flags.SetOutput(stderr)
	asJSON := flags.Bool("json", false, "print one JSON document")
	checkOnly := flags.Bool("check", false, "print only the checks' findings; exit 1 when one is an error")
	criticalPath := flags.Bool("critical-path", false, "print the longest chain of resources waiting for each other, and the provider processes")
	asOf := flags.String("as-of", time.Now().UTC().Format(time.DateOnly), "the date EKS version support is judged by")
	withCost := flags.Bool("cost", false, "print what the plan costs a month at list prices")
	prices := flags.String("prices", "", "a rate file amending the built-in rate table (implies --cost)")
	compareThem := flags.Bool("compare", false, "put stack files side by side on the guide's rows")
	var diagram diagramFlag
	flags.Var(&diagram, "diagram", "print a diagram: mermaid (the default) or dot")
	if err := flags.Parse(args); err != nil {
		return exitInvalid
	}
	*withCost = *withCost || *prices != "" && !*compareThem
	several := flags.NArg() > 1
	views := 0
	for _, on := range []bool{*checkOnly, *withCost, *compareThem, *criticalPath, diagram.format != ""} {
		if on {
			views++
		}
	}
	if views > 1 || several && !*checkOnly && !*withCost && !*compareThem || several && *checkOnly && *asJSON || *compareThem && !several {
		fmt.Fprintln(stderr, usage)
		return exitInvalid
	}
	day, err := time.Parse(time.DateOnly, *asOf)
	if err != nil {
		fmt.Fprintf(stderr, "--as-of %q is not a date such as 2026-11-27\n", *asOf)
		return exitInvalid
	}
	var rates *cost.Table
	if *withCost || *compareThem {
		if rates, err = cost.Load(*prices); err != nil {
			fmt.Fprintln(stderr, "--prices:", err)
			return exitInvalid
		}
	}
	paths := flags.Args()
	if len(paths) == 0 {
		paths = []string{""} // the bundled example
	}
	var docs []*plan.Document
	for _, path := range paths {
		doc, code := planStack(path, stderr, tty, several)
		if code != exitOK {
			return code
		}
		doc.Findings = check.Run(doc, day)
		if rates != nil {
			doc.Cost = cost.Of(doc, rates)
		}
		docs = append(docs, doc)
	}
	var out bytes.Buffer
	findings := docs[0].Findings
	switch {
	case *compareThem && *asJSON:
		err = render.CompareJSON(&out, rowsOf(docs))
	case *compareThem:
		err = render.Compare(&out, rowsOf(docs))
	case *withCost && *asJSON && several:
		err = render.CostJSON(&out, docs)
	case *withCost && !*asJSON:
		err = render.Cost(&out, docs)
	case several:
		across := check.AcrossStacks(docs)
		err = render.StacksFindings(&out, docs, across)
		findings = across
		for _, d := range docs {
			findings = append(findings, d.Findings...)
		}
	case *asJSON:
		err = render.JSON(&out, docs[0])
	case *criticalPath:
		err = render.CriticalPath(&out, docs[0], critical.Of(docs[0]), critical.ProviderProcesses(docs[0]))
	case diagram.format == "mermaid":
		err = render.Mermaid(&out, docs[0])
	case diagram.format == "dot":
		err = render.DOT(&out, docs[0])
	case *checkOnly:
		err = render.Findings(&out, docs[0])
	default:
		err = render.Text(&out, docs[0])
	}
	if err == nil {
		_, err = stdout.Write(out.Bytes())
	}
	if err != nil {
		fmt.Fprintln(stderr, "printing the plan:", err)
		return exitFailed
	}
	if *checkOnly && slices.ContainsFunc(findings, func(f plan.Finding) bool { return f.Severity == check.Error }) {
		return exitFailed
	}
	return exitOK
}

// rowsOf returns each plan's row of the comparison.
func rowsOf(docs []*plan.Document) []compare.Row {
	rows := make([]compare.Row, len(docs))
	for i, d := range docs {
		rows[i] = compare.Of(d)
	}
	return rows
}

// planStack plans the stack file at path (the bundled example for ""),
// printing why it cannot on stderr, prefixed with the path when named is
// set, and returns the plan or the exit code to stop with.
func planStack(path string, stderr io.Writer, tty, named bool) (*plan.Document, int) {
	prefix := ""
	if named {
		prefix = path + ": "
	}
	stack, err := load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, exitInvalid
	}
	program, ok := examples.Program(stack.Project)
	if !ok {
		program = stacks.Program(stacks.Options{})
	}
	in := plan.Input{Project: stack.Project, Stack: stack.Name, Config: stack.Config, Program: program}
	if tty {
		in.Progress = func(n int) { fmt.Fprintf(stderr, "\rplanning %s/%s: %d resources", stack.Project, stack.Name, n) }
	}
	doc, err := plan.Make(in)
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	var cfgErr *stacks.ConfigError
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintln(stderr, prefix+cfgErr.Error())
		return nil, exitInvalid
	case err != nil:
		fmt.Fprintln(stderr, prefix+"plan failed:", err)
		return nil, exitFailed
	}
	return doc, exitOK
}

// load reads the stack file at path, or the bundled example.
func load(path string) (*stackfile.Stack, error) {
	if path == "" {
		return stackfile.LoadFS(examples.Bundled, examples.BundledStack)
	}
	return stackfile.Load(path)
}
