package render

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// Cost prints what each priced plan costs a month: a table per stack with
// a subtotal per account, what could not be priced, and, for several
// stacks, their total.
func Cost(w io.Writer, docs []*plan.Document) error {
	p := &printer{w: w}
	total, incomplete := 0.0, false
	for i, d := range docs {
		if i > 0 {
			p.f("\n")
		}
		c := d.Cost
		p.f("Cost of %s/%s a month, at list prices read %s (%s; %d hours a month)\n", d.Project, d.Stack, c.AsOf, c.Currency, c.HoursPerMonth)
		if p.err == nil {
			p.err = costTable(p.w, d)
		}
		for _, u := range c.Unpriced {
			p.f("  NOT PRICED  %s  %s  %s: %s\n", accountLabel(d.Accounts, u.Account), u.Region, u.Item, u.Reason)
		}
		total += c.Total
		incomplete = incomplete || len(c.Unpriced) > 0
	}
	if len(docs) > 0 {
		p.f("Not included (usage): %s\n", strings.Join(docs[0].Cost.NotIncluded, "; "))
	}
	if len(docs) > 1 {
		p.f("Total of the %d stacks: %.2f a month%s\n", len(docs), total, lowerBound(incomplete))
	}
	return p.err
}

// costTable prints one stack's items, a subtotal after each account's, and
// the stack's total.
func costTable(w io.Writer, d *plan.Document) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, "  "+strings.Join(cells, "\t")) }
	row("ACCOUNT", "REGION", "ITEM", "QUANTITY", "UNIT PRICE", "MONTHLY")
	c := d.Cost
	subtotal := 0.0
	for i, it := range c.Items {
		row(it.Account, it.Region, it.Item, quantity(it), fmt.Sprintf("%10.4f", it.UnitPrice), fmt.Sprintf("%10.2f", it.Monthly))
		subtotal += it.Monthly
		if i == len(c.Items)-1 || c.Items[i+1].Account != it.Account {
			row("", "", "account "+accountLabel(d.Accounts, it.Account), "", "", fmt.Sprintf("%10.2f", subtotal))
			subtotal = 0
		}
	}
	row("", "", "stack "+d.Project+"/"+d.Stack+lowerBound(len(c.Unpriced) > 0), "", "", fmt.Sprintf("%10.2f", c.Total))
	return tw.Flush()
}

// quantity writes an item's quantity with its unit, singular for one: "2190
// hours", "1 key".
func quantity(it plan.CostItem) string {
	unit := it.Unit
	if it.Quantity == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return fmt.Sprintf("%g %s", it.Quantity, unit)
}

// lowerBound marks a total that leaves unpriced lines out.
func lowerBound(incomplete bool) string {
	if incomplete {
		return " (lower bound: some lines are not priced)"
	}
	return ""
}

// StackCost is one stack's cost in CostJSON.
type StackCost struct {
	// Project is the stack's project.
	Project string `json:"project"`
	// Stack is the stack's name.
	Stack string `json:"stack"`
	// Cost is what the stack costs.
	Cost *plan.Cost `json:"cost"`
}

// CostJSON prints the costs of several stacks as one JSON document:
// {stacks: [{project, stack, cost}], total}.
func CostJSON(w io.Writer, docs []*plan.Document) error {
	out := struct {
		Stacks []StackCost `json:"stacks"`
		Total  float64     `json:"total"`
	}{Stacks: []StackCost{}}
	for _, d := range docs {
		out.Stacks = append(out.Stacks, StackCost{Project: d.Project, Stack: d.Stack, Cost: d.Cost})
		out.Total += d.Cost.Total
	}
	out.Total = math.Round(out.Total*100) / 100
	return encodeJSON(w, out)
}
