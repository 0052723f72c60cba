package render

import (
	"io"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// Mermaid prints the plan's graph as a Mermaid flowchart: each account a
// subgraph, each cluster a subgraph inside its account, and edges for RAM
// shares and credential paths, in the style of the AWS guide's figures.
func Mermaid(w io.Writer, d *plan.Document) error {
	g := newGraph(d)
	p := &printer{w: w}
	p.f("flowchart LR\n")
	for _, a := range g.accounts {
		mermaidGroup(p, a, "  ")
	}
	for _, e := range g.edges {
		arrow := "-->"
		if e.dashed {
			arrow = "-.->"
		}
		p.f("  %s %s|%s| %s\n", e.from, arrow, mermaidText(e.label), e.to)
	}
	return p.err
}

func mermaidGroup(p *printer, g *group, indent string) {
	p.f("%ssubgraph %s[\"%s\"]\n", indent, g.id, mermaidText(g.label))
	for _, n := range g.nodes {
		open, closing := `["`, `"]`
		switch n.shape {
		case "share":
			open, closing = `[("`, `")]`
		case "provider":
			open, closing = `{{"`, `"}}`
		case "account":
			open, closing = `(["`, `"])`
		}
		p.f("%s  %s%s%s%s\n", indent, n.id, open, mermaidText(n.label), closing)
	}
	for _, c := range g.clusters {
		mermaidGroup(p, c, indent+"  ")
	}
	p.f("%send\n", indent)
}

// mermaidText keeps a label from closing its brackets or quotes.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "|", "#124;").Replace(s)
}

// DOT prints the plan's graph in Graphviz DOT.
func DOT(w io.Writer, d *plan.Document) error {
	g := newGraph(d)
	p := &printer{w: w}
	p.f("digraph plan {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n")
	for _, a := range g.accounts {
		dotGroup(p, a, "  ")
	}
	for _, e := range g.edges {
		style := ""
		if e.dashed {
			style = ", style=dashed"
		}
		p.f("  %s -> %s [label=%q%s];\n", e.from, e.to, e.label, style)
	}
	p.f("}\n")
	return p.err
}

func dotGroup(p *printer, g *group, indent string) {
	p.f("%ssubgraph cluster_%s {\n%s  label=%q;\n", indent, g.id, indent, g.label)
	for _, n := range g.nodes {
		shape := map[string]string{"share": "cylinder", "provider": "hexagon", "account": "oval"}[n.shape]
		if shape == "" {
			shape = "box"
		}
		p.f("%s  %s [label=%q, shape=%s];\n", indent, n.id, n.label, shape)
	}
	for _, c := range g.clusters {
		dotGroup(p, c, indent+"  ")
	}
	p.f("%s}\n", indent)
}
