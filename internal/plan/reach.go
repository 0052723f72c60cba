package plan

import (
	"cmp"
	"net/netip"
	"slices"

	vpcnetwork "github.com/eks-multi-account/eks-multi-account/components/network"
)

// Reachability is which VPC can reach which over transit gateways,
// computed from the planned route tables, associations and propagations,
// not from the configuration: it is to the network what the credential
// paths are to IAM.
type Reachability struct {
	// VPCs are every VPC of the plan, by account and name.
	VPCs []ReachableVPC `json:"vpcs"`
	// Domains are the transit gateway route tables: which VPCs are
	// associated with each (route through it) and which propagate into it
	// (are reached through it).
	Domains []RoutingDomain `json:"domains"`
}

// ReachableVPC is one VPC and the VPCs it reaches.
type ReachableVPC struct {
	// Name is the VPC's logical name.
	Name string `json:"name"`
	// Account and Region are the VPC's.
	Account string `json:"account"`
	Region  string `json:"region"`
	// CIDR is its IPv4 block.
	CIDR string `json:"cidr"`
	// Reaches names the VPCs a connection from this one reaches and is
	// answered from: each direction has a VPC route to the transit
	// gateway, and the route table of the sender's attachment a route,
	// propagated, to the receiver's attachment. Sorted, never itself.
	Reaches []string `json:"reaches"`
}

// RoutingDomain is one transit gateway route table.
type RoutingDomain struct {
	// Name is the route table's logical name.
	Name string `json:"name"`
	// Account and Region are the gateway owner's.
	Account string `json:"account"`
	Region  string `json:"region"`
	// Associated names the VPCs whose attachments route through it.
	Associated []string `json:"associated"`
	// Propagated names the VPCs whose blocks it learns.
	Propagated []string `json:"propagated"`
}

// Resource types the plan's readers (the reachability evaluator, the cost
// estimate, the comparison of models) look for.
const (
	ClusterType       = "eks:index:Cluster"
	NodeGroupType     = "aws:eks/nodeGroup:NodeGroup"
	NATGatewayType    = "aws:ec2/natGateway:NatGateway"
	VPCType           = "aws:ec2/vpc:Vpc"
	TGWAttachmentType = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
)

// Transit gateway and VPC routing resource types.
const (
	routeTableType    = "aws:ec2/routeTable:RouteTable"
	routeType         = "aws:ec2/route:Route"
	rtAssociationType = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tgwType           = "aws:ec2transitgateway/transitGateway:TransitGateway"
	tgwAccepterType   = "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter"
	tgwRouteTableType = "aws:ec2transitgateway/routeTable:RouteTable"
	tgwAssociateType  = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
	tgwPropagateType  = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
)

// vpcRoute is one route of a VPC route table: a block and where it goes.
type vpcRoute struct {
	block netip.Prefix
	// tgw is the transit gateway it goes to, "" for any other target.
	tgw string
}

// attachment is a VPC attachment.
type attachment struct {
	id, account, vpc, tgw string
	subnets               []string
}

// network indexes a plan's routing resources by ID.
type network struct {
	vpcs        map[string]Resource
	blocks      map[string]netip.Prefix
	attachments []attachment
	// routes are each VPC route table's routes; subnetTable maps a subnet
	// to its route table.
	routes      map[string][]vpcRoute
	subnetTable map[string]string
	// associated maps an attachment to its transit gateway route table;
	// propagated holds, per route table, the attachments it learns.
	associated map[string]string
	propagated map[string]map[string]bool
	// byVPC holds each VPC's accepted attachments; learnt, each route
	// table's accepted propagated attachments.
	byVPC  map[string][]attachment
	learnt map[string][]attachment
	// towards memoizes, per route table and destination VPC, the
	// attachment the table's longest propagated match sends it to.
	towards map[[2]string]*attachment
}

// Reach computes the reachability of the resources of one plan, or of the
// plans of several stacks together (a network stack and its vended
// stacks): IDs join them.
func Reach(rs []Resource) Reachability {
	n := index(rs)
	out := Reachability{VPCs: []ReachableVPC{}, Domains: []RoutingDomain{}}
	for id, vpc := range n.vpcs {
		v := ReachableVPC{Name: vpc.Name, Account: vpc.Account, Region: vpc.Region, CIDR: str(vpc.Inputs["cidrBlock"]), Reaches: []string{}}
		for other, peer := range n.vpcs {
			if other != id && n.forward(id, other) && n.forward(other, id) {
				v.Reaches = append(v.Reaches, peer.Name)
			}
		}
		slices.Sort(v.Reaches)
		out.VPCs = append(out.VPCs, v)
	}
	slices.SortFunc(out.VPCs, func(a, b ReachableVPC) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Name, b.Name))
	})
	for _, r := range rs {
		if r.Type != tgwRouteTableType {
			continue
		}
		table := str(r.Outputs["id"])
		d := RoutingDomain{Name: r.Name, Account: r.Account, Region: r.Region, Associated: []string{}, Propagated: []string{}}
		for _, a := range n.attachments {
			if n.associated[a.id] == table {
				d.Associated = append(d.Associated, n.vpcs[a.vpc].Name)
			}
			if n.propagated[table][a.id] {
				d.Propagated = append(d.Propagated, n.vpcs[a.vpc].Name)
			}
		}
		slices.Sort(d.Associated)
		slices.Sort(d.Propagated)
		out.Domains = append(out.Domains, d)
	}
	slices.SortFunc(out.Domains, func(a, b RoutingDomain) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// index reads the routing resources.
func index(rs []Resource) *network {
	n := &network{vpcs: map[string]Resource{}, blocks: map[string]netip.Prefix{}, routes: map[string][]vpcRoute{},
		subnetTable: map[string]string{}, associated: map[string]string{}, propagated: map[string]map[string]bool{}}
	gateways, accepters := map[string]Resource{}, map[string]bool{}
	for _, r := range rs {
		id := str(r.Outputs["id"])
		switch r.Type {
		case VPCType:
			if block, err := netip.ParsePrefix(str(r.Inputs["cidrBlock"])); err == nil {
				n.vpcs[id], n.blocks[id] = r, block
			}
		case routeTableType:
			for _, route := range list(r.Inputs["routes"]) {
				m, _ := route.(map[string]any)
				n.addRoute(id, str(m["cidrBlock"]), str(m["transitGatewayId"]))
			}
		case routeType:
			n.addRoute(str(r.Inputs["routeTableId"]), str(r.Inputs["destinationCidrBlock"]), str(r.Inputs["transitGatewayId"]))
		case rtAssociationType:
			n.subnetTable[str(r.Inputs["subnetId"])] = str(r.Inputs["routeTableId"])
		case tgwType:
			gateways[id] = r
		case tgwAccepterType:
			accepters[str(r.Inputs["transitGatewayAttachmentId"])] = true
		case TGWAttachmentType:
			var subnets []string
			for _, s := range list(r.Inputs["subnetIds"]) {
				subnets = append(subnets, str(s))
			}
			n.attachments = append(n.attachments, attachment{id: id, account: r.Account, vpc: str(r.Inputs["vpcId"]), tgw: str(r.Inputs["transitGatewayId"]), subnets: subnets})
		case tgwAssociateType:
			n.associated[str(r.Inputs["transitGatewayAttachmentId"])] = str(r.Inputs["transitGatewayRouteTableId"])
		case tgwPropagateType:
			table := str(r.Inputs["transitGatewayRouteTableId"])
			if n.propagated[table] == nil {
				n.propagated[table] = map[string]bool{}
			}
			n.propagated[table][str(r.Inputs["transitGatewayAttachmentId"])] = true
		}
	}
	// An attachment from another account than its gateway's routes only
	// once accepted: by an accepter, or by the gateway itself
	// (autoAcceptSharedAttachments).
	n.byVPC, n.learnt, n.towards = map[string][]attachment{}, map[string][]attachment{}, map[[2]string]*attachment{}
	for _, a := range n.attachments {
		tgw, ok := gateways[a.tgw]
		accepted := accepters[a.id] || ok && (tgw.Account == a.account || str(tgw.Inputs["autoAcceptSharedAttachments"]) == "enable")
		if !accepted {
			continue
		}
		n.byVPC[a.vpc] = append(n.byVPC[a.vpc], a)
		for table, learnt := range n.propagated {
			if learnt[a.id] {
				n.learnt[table] = append(n.learnt[table], a)
			}
		}
	}
	return n
}

// addRoute records a route of a VPC route table.
func (n *network) addRoute(table, block, tgw string) {
	if p, err := netip.ParsePrefix(block); err == nil {
		n.routes[table] = append(n.routes[table], vpcRoute{block: p, tgw: tgw})
	}
}

// forward reports whether traffic from VPC from reaches VPC to over a
// transit gateway: from has an accepted attachment whose every subnet's
// route table sends to's block to that gateway (the longest matching
// route), and the gateway route table the attachment is associated with
// sends to's block (the longest propagated match) to an accepted
// attachment of to's.
func (n *network) forward(from, to string) bool {
	dest := n.blocks[to]
	for _, a := range n.byVPC[from] {
		leaves := len(a.subnets) > 0
		for _, subnet := range a.subnets {
			r, ok := longest(n.routes[n.subnetTable[subnet]], dest, func(r vpcRoute) netip.Prefix { return r.block })
			leaves = leaves && ok && r.tgw == a.tgw
		}
		if !leaves {
			continue
		}
		table, ok := n.associated[a.id]
		if !ok {
			continue
		}
		if b := n.toward(table, to); b != nil && b.vpc == to && b.tgw == a.tgw {
			return true
		}
	}
	return false
}

// toward returns the attachment a gateway route table sends a VPC's block
// to (its longest propagated match), nil for none; each answer is worked
// out once.
func (n *network) toward(table, vpc string) *attachment {
	key := [2]string{table, vpc}
	if b, ok := n.towards[key]; ok {
		return b
	}
	var out *attachment
	if b, ok := longest(n.learnt[table], n.blocks[vpc], func(b attachment) netip.Prefix { return n.blocks[b.vpc] }); ok {
		out = &b
	}
	n.towards[key] = out
	return out
}

// longest returns the item whose block is the longest that holds all of
// dest, and whether there is one.
func longest[T any](items []T, dest netip.Prefix, block func(T) netip.Prefix) (T, bool) {
	var best T
	bits := -1
	for _, it := range items {
		b := block(it)
		if vpcnetwork.Holds(b, dest) && b.Bits() > bits {
			best, bits = it, b.Bits()
		}
	}
	return best, bits >= 0
}

// list returns v as a list, nil when it is not one.
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// str returns v as a string, "" when it is not one.
func str(v any) string {
	s, _ := v.(string)
	return s
}
