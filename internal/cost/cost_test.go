package cost_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/eksversion"
	"github.com/eks-multi-account/eks-multi-account/internal/cost"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/stacks/blueprints"
)

// regions are the regions the examples and blueprints use.
var regions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ca-central-1"}

// Every built-in rate says where it is from and when it was read, and the
// rates that do not depend on the region cover every region the examples
// and blueprints use.
func TestTheBuiltinTable(t *testing.T) {
	rates := cost.Builtin()
	assert.Equal(t, "2026-12-04", rates.AsOf.Format(time.DateOnly))
	assert.Equal(t, 730, rates.HoursPerMonth)
	for _, rate := range []string{cost.EKSStandardRate, cost.EKSExtendedRate, cost.KMSKeyRate, cost.PublicIPv4Rate} {
		for _, region := range regions {
			r, ok := rates.Price(rate, region)
			if assert.True(t, ok, "%s in %s", rate, region) {
				assert.NotEmpty(t, r.Source, rate)
				assert.NotEmpty(t, r.Read, rate)
			}
		}
	}
	// Every instance type a built-in blueprint uses has its us-east-1 price
	// (the examples' are held by cmd/plan's test of every shipped file).
	reg := blueprints.NewRegistry()
	require.NotEmpty(t, reg.Names(), "the built-in blueprints")
	for _, name := range reg.Names() {
		bp, _ := reg.Get(name)
		for _, ng := range bp.NodeGroups {
			for _, typ := range ng.InstanceTypes {
				_, ok := rates.Price(cost.InstanceRate(typ), "us-east-1")
				assert.True(t, ok, "blueprint %s, node group %s: %s", name, ng.Name, typ)
			}
		}
	}
	std, ext, ok := rates.ControlPlane("eu-west-1")
	require.True(t, ok)
	assert.InDelta(t, 365.0, (ext-std)*float64(rates.HoursPerMonth), 1e-9, "extended support adds $365 a month")
}

// cluster, nodeGroup and the like are plan resources as the stacks
// register them.
func res(typ, name, account, region string, inputs map[string]any) plan.Resource {
	return plan.Resource{Type: typ, Name: name, Kind: plan.KindResource, Account: account, Region: region, Inputs: inputs}
}

func cluster(account, region, version string) plan.Resource {
	return res("eks:index:Cluster", "eks", account, region, map[string]any{"version": version})
}

func nodeGroup(account, region, capacity string, desired float64, types ...any) plan.Resource {
	return res("aws:eks/nodeGroup:NodeGroup", "ng", account, region, map[string]any{
		"capacityType": capacity, "instanceTypes": types, "scalingConfig": map[string]any{"desiredSize": desired}})
}

// item returns the item of an account and name, failing without one.
func item(t *testing.T, c *plan.Cost, account, name string) plan.CostItem {
	t.Helper()
	for _, it := range c.Items {
		if it.Account == account && it.Item == name {
			return it
		}
	}
	require.Failf(t, "no item", "%s in %s among %+v", name, account, c.Items)
	return plan.CostItem{}
}

// Each line is its quantity times its unit price, the unit price is the
// table's rate (per month for keys and nodes), and the total is the sum.
func TestTheArithmetic(t *testing.T) {
	doc := &plan.Document{Resources: []plan.Resource{
		cluster("111111111111", "us-east-1", "1.36"),
		cluster("111111111111", "us-east-1", "1.36"),
		res("aws:ec2/natGateway:NatGateway", "nat-0", "111111111111", "us-east-1", nil),
		res("aws:ec2/natGateway:NatGateway", "nat-1", "111111111111", "us-east-1", nil),
		res("aws:ec2/eip:Eip", "eip-0", "111111111111", "us-east-1", nil),
		res("aws:kms/key:Key", "key", "222222222222", "us-east-1", nil),
		res("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "tgw", "222222222222", "us-east-1", nil),
		nodeGroup("111111111111", "us-east-1", "ON_DEMAND", 3, "m6i.large", "m6a.large"),
		nodeGroup("111111111111", "us-east-1", "ON_DEMAND", 2, "m6i.large"),
		res("aws:iam/role:Role", "free", "111111111111", "us-east-1", nil),
	}}
	c := cost.Of(doc, cost.Builtin())
	want := map[string]struct {
		account   string
		quantity  float64
		unitPrice float64
	}{
		"EKS control plane, standard support": {"111111111111", 2 * 730, 0.10},
		"NAT gateways":                        {"111111111111", 2 * 730, 0.045},
		"public IPv4 addresses (NAT)":         {"111111111111", 730, 0.005},
		"m6i.large nodes, on demand":          {"111111111111", 5, 0.096 * 730},
		"KMS keys":                            {"222222222222", 1, 1.00},
		"transit gateway attachments":         {"222222222222", 730, 0.05},
	}
	require.Len(t, c.Items, len(want), "%+v", c.Items)
	sum := 0.0
	for name, w := range want {
		it := item(t, c, w.account, name)
		assert.InDelta(t, w.quantity, it.Quantity, 1e-9, name)
		assert.InDelta(t, w.unitPrice, it.UnitPrice, 1e-9, name)
		assert.InDelta(t, math.Round(w.quantity*w.unitPrice*100)/100, it.Monthly, 1e-9, name)
		sum += it.Monthly
	}
	assert.InDelta(t, sum, c.Total, 1e-9)
	assert.InDelta(t, 146+65.7+3.65+350.4+1+36.5, c.Total, 1e-9, "the same total, by hand")
	assert.Empty(t, c.Unpriced)
	assert.Contains(t, c.NotIncluded, "NAT gateway data processed (per GB)")
}

// A version past standard support on the table's day is priced at the
// extended rate, and one past extended support is not priced at all.
func TestExtendedSupportIsPricedByTheTablesDay(t *testing.T) {
	rates := cost.Builtin()
	require.Equal(t, eksversion.Extended, eksversion.SupportOn("1.33", rates.AsOf), "1.33 left standard support on 2026-07-29")
	c := cost.Of(&plan.Document{Resources: []plan.Resource{
		cluster("111111111111", "us-east-1", "1.33"),
		cluster("111111111111", "us-east-1", "1.28"),
	}}, rates)
	it := item(t, c, "111111111111", "EKS control plane, extended support (Kubernetes 1.33)")
	assert.InDelta(t, 0.60, it.UnitPrice, 1e-9)
	assert.InDelta(t, 438.0, it.Monthly, 1e-9)
	require.Len(t, c.Unpriced, 1)
	assert.Equal(t, "Kubernetes 1.28 is in neither standard nor extended support on 2026-12-04", c.Unpriced[0].Reason)
}

// Spot capacity is priced at the dearest of its types' on-demand rates
// and flagged an upper bound.
func TestSpotIsAnUpperBound(t *testing.T) {
	c := cost.Of(&plan.Document{Resources: []plan.Resource{
		nodeGroup("111111111111", "us-east-1", "SPOT", 2, "t3a.large", "t3.large"),
	}}, cost.Builtin())
	it := item(t, c, "111111111111", "t3.large nodes, spot at the on-demand rate (upper bound)")
	assert.True(t, it.UpperBound)
	assert.InDelta(t, 0.0832*730, it.UnitPrice, 1e-9, "t3.large is dearer than t3a.large")
}

// A region or instance type the table lacks is reported by name, and the
// total leaves it out instead of counting it as zero.
func TestAMissingPriceIsReportedNotZero(t *testing.T) {
	c := cost.Of(&plan.Document{Resources: []plan.Resource{
		cluster("111111111111", "eu-west-1", "1.36"),
		nodeGroup("111111111111", "eu-west-1", "ON_DEMAND", 3, "m6i.large"),
		nodeGroup("111111111111", "us-east-1", "ON_DEMAND", 1, "x9.huge"),
		res("aws:ec2/natGateway:NatGateway", "nat", "111111111111", "mars-north-1", nil),
	}}, cost.Builtin())
	assert.Equal(t, []plan.Unpriced{
		{Account: "111111111111", Region: "eu-west-1", Item: "m6i.large nodes, on demand", Reason: "the rate table has no instance/m6i.large in eu-west-1"},
		{Account: "111111111111", Region: "mars-north-1", Item: "NAT gateways", Reason: "the rate table has no nat-gateway in mars-north-1"},
		{Account: "111111111111", Region: "us-east-1", Item: "x9.huge nodes, on demand", Reason: "the rate table has no instance/x9.huge in us-east-1"},
	}, c.Unpriced)
	require.Len(t, c.Items, 1)
	assert.InDelta(t, 73.0, c.Total, 1e-9)
}

// A prices file replaces a rate or adds one, and leaves the built-in table
// as it was; a bad one is refused naming the key and the value.
func TestAPricesFileAmendsTheTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`asOf: "2027-01-15"
rates:
  - {rate: instance/m6i.large, unit: hour, price: 0.05, regions: [eu-west-1, us-east-1], source: our EDP, read: "2027-01-15"}
`), 0o600))
	amended, err := cost.Load(path)
	require.NoError(t, err)
	assert.Equal(t, "2027-01-15", amended.AsOf.Format(time.DateOnly))
	r, ok := amended.Price(cost.InstanceRate("m6i.large"), "eu-west-1")
	require.True(t, ok)
	assert.InDelta(t, 0.05, r.Price, 1e-9)
	builtin, _ := cost.Builtin().Price(cost.InstanceRate("m6i.large"), "us-east-1")
	assert.InDelta(t, 0.096, builtin.Price, 1e-9, "the built-in table is untouched")
	_, ok = cost.Builtin().Price(cost.InstanceRate("m6i.large"), "eu-west-1")
	assert.False(t, ok)

	require.NoError(t, os.WriteFile(path, []byte(`currency: EUR
rates:
  - {rate: nat-gateway, unit: day, price: 1, regions: [eu-west-1], source: x, read: y}
  - {rate: kms-key, unit: month, price: 1, regions: [eu-west-1]}
`), 0o600))
	_, err = cost.Load(path)
	require.Error(t, err)
	for _, want := range []string{`currency: "EUR" is not the rate table's USD`, `rates[0].unit: "day" is not hour or month`, "rates[1]: source and read are required"} {
		assert.ErrorContains(t, err, want)
	}
}
