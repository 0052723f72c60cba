package plan_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// estate builds the routing resources of a plan as the stacks register
// them, with IDs joining them.
type estate struct {
	rs  []plan.Resource
	seq int
}

// add registers a resource and returns its ID.
func (e *estate) add(typ, name, account string, inputs map[string]any) string {
	e.seq++
	id := fmt.Sprintf("id-%03d", e.seq)
	e.rs = append(e.rs, plan.Resource{Type: typ, Name: name, Kind: plan.KindResource, Account: account, Region: "us-west-2",
		Inputs: inputs, Outputs: map[string]any{"id": id}})
	return id
}

// vpc registers a VPC with two private subnets, each with a route table
// that sends every block of routes to the gateway, and attaches it; the
// attachment is accepted by the gateway's owner when it is another
// account's. It returns the attachment's ID.
func (e *estate) vpc(name, account, cidr, tgw, owner string, routes ...string) string {
	vpc := e.add("aws:ec2/vpc:Vpc", name, account, map[string]any{"cidrBlock": cidr})
	var subnets []any
	for i := range 2 {
		subnet := e.add("aws:ec2/subnet:Subnet", fmt.Sprintf("%s-private-%d", name, i), account, map[string]any{"vpcId": vpc})
		table := e.add("aws:ec2/routeTable:RouteTable", fmt.Sprintf("%s-private-rt-%d", name, i), account,
			map[string]any{"vpcId": vpc, "routes": []any{map[string]any{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}}})
		e.add("aws:ec2/routeTableAssociation:RouteTableAssociation", fmt.Sprintf("%s-private-%d-rt", name, i), account, map[string]any{"subnetId": subnet, "routeTableId": table})
		for _, block := range routes {
			e.add("aws:ec2/route:Route", fmt.Sprintf("%s-%d-to-%s", name, i, block), account, map[string]any{"routeTableId": table, "destinationCidrBlock": block, "transitGatewayId": tgw})
		}
		subnets = append(subnets, subnet)
	}
	attachment := e.add("aws:ec2transitgateway/vpcAttachment:VpcAttachment", name+"-tgw", account, map[string]any{"vpcId": vpc, "transitGatewayId": tgw, "subnetIds": subnets})
	if account != owner {
		e.add("aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter", name+"-tgw-accept", owner, map[string]any{"transitGatewayAttachmentId": attachment})
	}
	return attachment
}

// link associates an attachment with a route table, or propagates it into
// one.
func (e *estate) link(typ, owner, table, attachment string) {
	e.add("aws:ec2transitgateway/routeTable"+typ, table+"-"+attachment, owner, map[string]any{"transitGatewayRouteTableId": table, "transitGatewayAttachmentId": attachment})
}

const (
	associate = "Association:RouteTableAssociation"
	propagate = "Propagation:RouteTablePropagation"
)

// domains is the intent: a network VPC that every domain reaches, and a
// dev and a prod domain with two dedicated VPCs each.
func domains() *estate { return fleet(2) }

// fleet is a network VPC and a dev and a prod domain of perDomain
// dedicated VPCs each, routed to the pool and to the network VPC.
func fleet(perDomain int) *estate {
	const owner = "999988887777"
	e := &estate{}
	tgw := e.add("aws:ec2transitgateway/transitGateway:TransitGateway", "network-tgw", owner,
		map[string]any{"defaultRouteTableAssociation": "disable", "defaultRouteTablePropagation": "disable"})
	networkRT := e.add("aws:ec2transitgateway/routeTable:RouteTable", "network-rt", owner, map[string]any{"transitGatewayId": tgw})
	dev := e.add("aws:ec2transitgateway/routeTable:RouteTable", "dev-rt", owner, map[string]any{"transitGatewayId": tgw})
	prod := e.add("aws:ec2transitgateway/routeTable:RouteTable", "prod-rt", owner, map[string]any{"transitGatewayId": tgw})
	pool := "10.128.0.0/9"
	network := e.vpc("network", owner, "10.10.0.0/16", tgw, owner, pool)
	e.link(associate, owner, networkRT, network)
	for _, domain := range []struct {
		table string
		vpcs  []string
	}{{dev, blocks(10<<24|128<<16, perDomain)}, {prod, blocks(10<<24|200<<16, perDomain)}} {
		e.link(propagate, owner, domain.table, network)
		for i, cidr := range domain.vpcs {
			account := fmt.Sprintf("%012d", 100+len(e.rs))
			a := e.vpc(fmt.Sprintf("%s-%d", map[string]string{dev: "dev", prod: "prod"}[domain.table], i), account, cidr, tgw, owner, pool, "10.10.0.0/16")
			e.link(associate, owner, domain.table, a)
			e.link(propagate, owner, domain.table, a)
			e.link(propagate, owner, networkRT, a)
		}
	}
	return e
}

// blocks returns n consecutive /20 blocks from the address base.
func blocks(base uint32, n int) []string {
	var out []string
	for i := range n {
		a := base + uint32(i)<<12
		out = append(out, fmt.Sprintf("%d.%d.%d.0/20", a>>24, a>>16&0xff, a>>8&0xff))
	}
	return out
}

// reaches returns what each VPC reaches, by name.
func reaches(r plan.Reachability) map[string][]string {
	out := map[string][]string{}
	for _, v := range r.VPCs {
		out[v.Name] = v.Reaches
	}
	return out
}

// A dedicated VPC reaches its own domain and the network VPC, never another
// domain's; the network VPC reaches them all.
func TestReachabilityIsTheDomains(t *testing.T) {
	r := plan.Reach(domains().rs)
	assert.Equal(t, map[string][]string{
		"network": {"dev-0", "dev-1", "prod-0", "prod-1"},
		"dev-0":   {"dev-1", "network"}, "dev-1": {"dev-0", "network"},
		"prod-0": {"network", "prod-1"}, "prod-1": {"network", "prod-0"},
	}, reaches(r))
	i := slices.IndexFunc(r.Domains, func(d plan.RoutingDomain) bool { return d.Name == "network-rt" })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, plan.RoutingDomain{Name: "network-rt", Account: "999988887777", Region: "us-west-2",
		Associated: []string{"network"}, Propagated: []string{"dev-0", "dev-1", "prod-0", "prod-1"}}, r.Domains[i])
}

// The matrix follows the planned resources: one propagation fewer, and the
// VPC it carried is cut off from the network VPC both ways; an attachment
// nobody accepts routes nothing; a route table without the route to the
// gateway keeps its VPC out.
func TestReachabilityBreaksWithTheResources(t *testing.T) {
	without := func(e *estate, drop func(plan.Resource) bool) []plan.Resource {
		return slices.DeleteFunc(slices.Clone(e.rs), drop)
	}
	e := domains()
	propagation := func(r plan.Resource) bool {
		return r.Type == "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation" &&
			r.Inputs["transitGatewayRouteTableId"] == idOf(e, "network-rt") && r.Inputs["transitGatewayAttachmentId"] == idOf(e, "prod-1-tgw")
	}
	got := reaches(plan.Reach(without(e, propagation)))
	assert.Equal(t, []string{"prod-0"}, got["prod-1"], "prod-1 no longer propagates into the network VPC's route table")
	assert.NotContains(t, got["network"], "prod-1")

	accepter := func(r plan.Resource) bool { return r.Name == "dev-0-tgw-accept" }
	got = reaches(plan.Reach(without(e, accepter)))
	assert.Empty(t, got["dev-0"], "an attachment awaiting acceptance routes nothing")
	assert.Equal(t, []string{"network"}, got["dev-1"])

	route := func(r plan.Resource) bool { return r.Name == "dev-1-0-to-10.10.0.0/16" }
	got = reaches(plan.Reach(without(e, route)))
	assert.Equal(t, []string{"dev-0"}, got["dev-1"], "one zone's route table without the route keeps dev-1 from the network VPC")
}

// idOf returns the ID of the resource with a name.
func idOf(e *estate, name string) string {
	for _, r := range e.rs {
		if r.Name == name {
			return r.Outputs["id"].(string)
		}
	}
	return ""
}

// Without transit gateways no VPC reaches another.
func TestWithoutAGatewayNothingIsReached(t *testing.T) {
	e := &estate{}
	e.add("aws:ec2/vpc:Vpc", "a", "111111111111", map[string]any{"cidrBlock": "10.0.0.0/16"})
	e.add("aws:ec2/vpc:Vpc", "b", "222222222222", map[string]any{"cidrBlock": "10.1.0.0/16"})
	r := plan.Reach(e.rs)
	assert.Equal(t, map[string][]string{"a": {}, "b": {}}, reaches(r))
	assert.Empty(t, r.Domains)
}

// BenchmarkReach measures the evaluator over a vended fleet: the network
// VPC and 250 dedicated VPCs in each of two domains.
func BenchmarkReach(b *testing.B) {
	rs := fleet(250).rs
	b.ResetTimer()
	for b.Loop() {
		plan.Reach(rs)
	}
}
