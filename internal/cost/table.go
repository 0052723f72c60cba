// Package cost prices a plan: what the resources it creates cost a month at
// list prices, from one dated rate table (rates.yaml, built in) that a
// file of the same shape can amend. A price the table lacks is reported
// by name, never taken as zero.
package cost

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed rates.yaml
var builtin []byte

// The rate table's keys. An instance type's hourly on-demand price is
// under InstanceRate(type).
const (
	EKSStandardRate = "eks-control-plane-standard"
	EKSExtendedRate = "eks-control-plane-extended"
	KMSKeyRate      = "kms-key"
	PublicIPv4Rate  = "public-ipv4"
	NATGatewayRate  = "nat-gateway"
	TGWAttachRate   = "transit-gateway-attachment"
)

// The units a rate is quoted in.
const (
	unitHour  = "hour"
	unitMonth = "month"
)

// hoursPerMonth is the month of AWS's pricing pages, which a rate file may
// change.
const hoursPerMonth = 730

// InstanceRate is the rate table's key of an instance type's price.
func InstanceRate(instanceType string) string { return "instance/" + instanceType }

// Table is a rate table: list prices by rate and region, read on a day.
type Table struct {
	// AsOf is the day the prices were read, and the day a cluster's
	// Kubernetes version is judged in standard or extended support.
	AsOf time.Time
	// Currency is the prices' currency.
	Currency string
	// HoursPerMonth is the month hourly prices are multiplied by.
	HoursPerMonth int
	// prices maps rate, then region, to a price.
	prices map[string]map[string]Rate
}

// Rate is one price of the table.
type Rate struct {
	// Rate is the key: eks-control-plane-standard, instance/m6i.large, ...
	Rate string `yaml:"rate"`
	// Unit is what the price is per: hour or month.
	Unit string `yaml:"unit"`
	// Price is the list price per unit.
	Price float64 `yaml:"price"`
	// Regions are the regions the price holds in.
	Regions []string `yaml:"regions"`
	// Source is the AWS pricing page the price is from.
	Source string `yaml:"source"`
	// Via is the copy of that page actually read, when not the page.
	Via string `yaml:"via,omitempty"`
	// Read is the day the price was read.
	Read string `yaml:"read"`
}

// file is a rate table as written.
type file struct {
	AsOf          string `yaml:"asOf"`
	Currency      string `yaml:"currency"`
	HoursPerMonth int    `yaml:"hoursPerMonth"`
	Rates         []Rate `yaml:"rates"`
}

// Builtin returns the built-in rate table, read once. It is shared: amend
// it with Load, which copies it.
var Builtin = sync.OnceValue(func() *Table {
	t, err := parse(builtin, "rates.yaml", &Table{Currency: "USD", HoursPerMonth: hoursPerMonth, prices: map[string]map[string]Rate{}})
	if err != nil {
		panic(err) // held by TestTheBuiltinTable
	}
	return t
})

// Load returns the rate table of a command's --prices: the built-in one,
// amended by the rate file at path unless path is "". Each of the file's
// rates replaces the built-in one for the same rate and region, or adds
// one; its asOf, when set, replaces the table's. The file must be in the
// table's currency.
func Load(path string) (*Table, error) {
	if path == "" {
		return Builtin(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(data, path, Builtin().clone())
}

// clone returns a copy of the table that can be amended.
func (t *Table) clone() *Table {
	c := *t
	c.prices = make(map[string]map[string]Rate, len(t.prices))
	for rate, byRegion := range t.prices {
		c.prices[rate] = make(map[string]Rate, len(byRegion))
		for region, r := range byRegion {
			c.prices[rate][region] = r
		}
	}
	return &c
}

// parse reads a rate file named name into t, which it returns.
func parse(data []byte, name string, t *Table) (*Table, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if f.AsOf != "" {
		day, err := time.Parse(time.DateOnly, f.AsOf)
		if err != nil {
			bad("asOf: %q is not a date such as 2026-12-04", f.AsOf)
		}
		t.AsOf = day
	}
	if f.Currency != "" && f.Currency != t.Currency {
		bad("currency: %q is not the rate table's %s", f.Currency, t.Currency)
	}
	if f.HoursPerMonth != 0 {
		t.HoursPerMonth = f.HoursPerMonth
	}
	for i, r := range f.Rates {
		at := fmt.Sprintf("rates[%d]", i)
		switch {
		case r.Rate == "":
			bad("%s.rate: is required", at)
		case r.Unit != unitHour && r.Unit != unitMonth:
			bad("%s.unit: %q is not hour or month", at, r.Unit)
		case r.Price < 0:
			bad("%s.price: %v is negative", at, r.Price)
		case len(r.Regions) == 0:
			bad("%s.regions: is required", at)
		case r.Source == "" || r.Read == "":
			bad("%s: source and read are required: say where the price is from and when it was read", at)
		}
		if t.prices[r.Rate] == nil {
			t.prices[r.Rate] = map[string]Rate{}
		}
		for _, region := range r.Regions {
			t.prices[r.Rate][region] = r
		}
	}
	if t.AsOf.IsZero() {
		bad("asOf: is required")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", name, strings.Join(problems, "; "))
	}
	return t, nil
}

// Price returns the rate of a key in a region, and whether the table has
// one.
func (t *Table) Price(rate, region string) (Rate, bool) {
	r, ok := t.prices[rate][region]
	return r, ok
}

// ControlPlane returns a region's hourly rates of an EKS control plane in
// standard and in extended support, and whether the table has both.
func (t *Table) ControlPlane(region string) (standard, extended float64, ok bool) {
	s, okS := t.Price(EKSStandardRate, region)
	e, okE := t.Price(EKSExtendedRate, region)
	return s.Price, e.Price, okS && okE
}
