package cost

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/eks-multi-account/eks-multi-account/components/eksversion"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// NotIncluded are the charges that depend on use, not on what the plan
// creates, so no plan can price them.
var NotIncluded = []string{
	"NAT gateway data processed (per GB)",
	"transit gateway data processed (per GB)",
	"data transfer between zones, regions and out to the internet",
	"load balancers the clusters' controllers create for Services",
	"Fargate pods (vCPU and memory per second)",
	"EBS volumes of the nodes",
	"KMS, S3, DynamoDB and CloudWatch requests and storage",
	"nodes the autoscaler adds above desiredSize",
}

// Resource types the estimate prices, beside the plan package's.
const (
	eipType    = "aws:ec2/eip:Eip"
	kmsKeyType = "aws:kms/key:Key"
)

// line is one priceable thing before lines of the same kind are summed.
type line struct {
	account, region, item, rate string
	// count is how many: clusters, gateways, addresses, keys, nodes.
	count float64
	// unit is hours, keys or nodes.
	unit string
	// upperBound is set for spot capacity priced on demand.
	upperBound bool
	// unpriced says why the line cannot be priced before any lookup.
	unpriced string
}

// Of prices what doc creates with table t: one item per account, region
// and kind of thing, in that order.
func Of(doc *plan.Document, t *Table) *plan.Cost {
	c := &plan.Cost{Currency: t.Currency, AsOf: t.AsOf.Format(time.DateOnly), HoursPerMonth: t.HoursPerMonth,
		Items: []plan.CostItem{}, Unpriced: []plan.Unpriced{}, NotIncluded: NotIncluded}
	type key struct{ account, region, item string }
	items := map[key]*plan.CostItem{}
	// unpriced holds each line the table cannot price once: three node
	// groups of one type are one missing price.
	unpriced := map[plan.Unpriced]bool{}
	for _, r := range doc.Resources {
		l, ok := lineOf(r, t)
		if !ok {
			continue
		}
		if l.unpriced != "" {
			unpriced[plan.Unpriced{Account: l.account, Region: l.region, Item: l.item, Reason: l.unpriced}] = true
			continue
		}
		r, ok := t.Price(l.rate, l.region)
		if !ok {
			unpriced[plan.Unpriced{Account: l.account, Region: l.region, Item: l.item, Reason: fmt.Sprintf("the rate table has no %s in %s", l.rate, l.region)}] = true
			continue
		}
		k := key{l.account, l.region, l.item}
		it := items[k]
		if it == nil {
			it = &plan.CostItem{Account: l.account, Region: l.region, Item: l.item, Rate: l.rate, Unit: l.unit,
				UnitPrice: unitPrice(r, l.unit, t.HoursPerMonth), UpperBound: l.upperBound}
			items[k] = it
		}
		if l.unit == "hours" {
			it.Quantity += l.count * float64(t.HoursPerMonth)
		} else {
			it.Quantity += l.count
		}
	}
	for _, it := range items {
		it.Monthly = cents(it.Quantity * it.UnitPrice)
		c.Items = append(c.Items, *it)
	}
	slices.SortFunc(c.Items, func(a, b plan.CostItem) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Item, b.Item))
	})
	for _, it := range c.Items {
		c.Total += it.Monthly
	}
	c.Total = cents(c.Total)
	for u := range unpriced {
		c.Unpriced = append(c.Unpriced, u)
	}
	slices.SortFunc(c.Unpriced, func(a, b plan.Unpriced) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Item, b.Item), cmp.Compare(a.Reason, b.Reason))
	})
	return c
}

// unitPrice is a rate's price per unit of a line: per hour for hours, per
// month for keys and nodes (an hourly rate times the month's hours, to a
// millionth of the currency, as printed).
func unitPrice(r Rate, unit string, hoursPerMonth int) float64 {
	if unit != "hours" && r.Unit == unitHour {
		return math.Round(r.Price*float64(hoursPerMonth)*1e6) / 1e6
	}
	return r.Price
}

// cents rounds an amount to the cent.
func cents(v float64) float64 { return math.Round(v*100) / 100 }

// lineOf returns what one resource of the plan costs, unpriced, and
// whether it costs anything.
func lineOf(r plan.Resource, t *Table) (line, bool) {
	at := line{account: r.Account, region: r.Region}
	switch r.Type {
	case plan.ClusterType:
		return controlPlane(at, str(r.Inputs["version"]), t.AsOf), true
	case plan.NATGatewayType:
		at.item, at.rate, at.count, at.unit = "NAT gateways", NATGatewayRate, 1, "hours"
	case eipType:
		at.item, at.rate, at.count, at.unit = "public IPv4 addresses (NAT)", PublicIPv4Rate, 1, "hours"
	case kmsKeyType:
		at.item, at.rate, at.count, at.unit = "KMS keys", KMSKeyRate, 1, "keys"
	case plan.TGWAttachmentType:
		at.item, at.rate, at.count, at.unit = "transit gateway attachments", TGWAttachRate, 1, "hours"
	case plan.NodeGroupType:
		return nodes(at, r, t), true
	default:
		return line{}, false
	}
	return at, true
}

// controlPlane prices a cluster's control plane by where its version
// stands on EKS's calendar on the table's day.
func controlPlane(at line, version string, asOf time.Time) line {
	at.count, at.unit = 1, "hours"
	switch eksversion.SupportOn(version, asOf) {
	case eksversion.Standard:
		at.item, at.rate = "EKS control plane, standard support", EKSStandardRate
	case eksversion.Extended:
		at.item, at.rate = "EKS control plane, extended support (Kubernetes "+version+")", EKSExtendedRate
	default:
		at.item = "EKS control plane (Kubernetes " + version + ")"
		at.unpriced = fmt.Sprintf("Kubernetes %s is in neither standard nor extended support on %s", version, asOf.Format(time.DateOnly))
	}
	return at
}

// nodes prices a node group at its desired size. On demand, a managed node
// group launches the first of its instance types, and the others only when
// that one runs short, "in the order they're specified"
// (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html,
// "Managed node group capacity types"): it is priced at the first. Spot is
// priced at the dearest of its types' on-demand rates, an upper bound; a
// type the table lacks leaves it unpriced, by that type's name.
func nodes(at line, r plan.Resource, t *Table) line {
	types := strs(r.Inputs["instanceTypes"])
	scaling, _ := r.Inputs["scalingConfig"].(map[string]any)
	desired, _ := scaling["desiredSize"].(float64)
	at.count, at.unit = desired, "nodes"
	switch {
	case len(types) == 0:
		at.item, at.unpriced = "nodes of node group "+r.Name, "the node group names no instance types"
	case str(r.Inputs["capacityType"]) != "SPOT":
		at.item, at.rate = types[0]+" nodes, on demand", InstanceRate(types[0])
	default:
		dearest, price := types[0], -1.0
		for _, typ := range types {
			rate, ok := t.Price(InstanceRate(typ), at.region)
			if !ok {
				dearest = typ
				break
			}
			if rate.Price > price {
				dearest, price = typ, rate.Price
			}
		}
		at.item, at.rate, at.upperBound = dearest+" nodes, spot at the on-demand rate (upper bound)", InstanceRate(dearest), true
	}
	return at
}

// str returns v as a string, "" when it is not one.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs returns v as a list of strings, skipping what is not one.
func strs(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
