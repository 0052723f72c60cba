// Package routing connects VPCs in different accounts through a transit
// gateway owned by a network account, in routing domains: one transit
// gateway route table per domain, and one for the network account's own
// VPC (the hub).
//
// A VPC of a domain is associated with its domain's route table (it routes
// through it) and propagates its block into it and into the hub's; the
// hub VPC is associated with the hub's table and propagates into every
// domain's. So a VPC reaches the VPCs of its own domain and the hub VPC,
// and no VPC of another domain: a packet to one finds no route in the
// sender's table, nor an answer a route back.
//
// Hub is the network account's side: the gateway, its route tables, its
// RAM share with the accounts of the spokes, and the hub VPC's attachment.
// Spoke is one VPC's side: its attachment (in its own account), the
// network account's acceptance, association and propagations, and the
// routes of both VPCs to each other through the gateway.
//
// Transit gateways are regional: a spoke is in its hub's region
// (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html).
package routing

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2transitgateway"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/ramshare"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// HubType is the hub's type token.
const HubType = "eks-multi-account:index:RoutingHub"

// HubDomain names the hub's own route table among the domains' in logical
// names; no domain may take it.
const HubDomain = "hub"

// HubArgs configures a Hub.
type HubArgs struct {
	// Owner is the network account, which owns the gateway and the hub
	// VPC. Required.
	Owner providers.Account
	// VpcID is the hub VPC. Required.
	VpcID pulumi.StringInput
	// SubnetIDs are the hub VPC's subnets the gateway attaches to, one per
	// zone (EC2 takes at most one per zone). Required.
	SubnetIDs pulumi.StringArrayInput
	// Domains name the routing domains, one route table each: DNS labels,
	// not "hub". Required.
	Domains []string
	// Principals are the accounts the gateway is shared with: those whose
	// VPCs attach to it. Optional.
	Principals []string
	// Tags are added to every taggable resource. Optional.
	Tags map[string]string
}

// Validate reports every problem with the arguments, each naming its field
// and value.
func (a *HubArgs) Validate() error {
	var ps validate.Problems
	a.Owner.Check("owner", &ps)
	if a.VpcID == nil {
		ps.Missing("vpcId")
	}
	if a.SubnetIDs == nil {
		ps.Missing("subnetIds")
	}
	if len(a.Domains) == 0 {
		ps.Missing("domains")
	}
	CheckDomains("domains", a.Domains, &ps)
	for i, p := range a.Principals {
		path := validate.Index("principals", i)
		switch {
		case !validate.IsAccountID(p):
			ps.Add(path, p, "is not a 12-digit AWS account ID")
		case p == a.Owner.ID:
			ps.Add(path, p, "is the owner account itself, which needs no share")
		case slices.Index(a.Principals, p) < i:
			ps.Add(path, p, "is listed twice")
		}
	}
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

// CheckDomains records, under path, each routing domain that is not a DNS
// label, takes the hub's own route table's name, or is listed twice.
func CheckDomains(path string, domains []string, ps *validate.Problems) {
	for i, d := range domains {
		p := validate.Index(path, i)
		switch {
		case !validate.IsDNS1123Label(d):
			ps.Add(p, d, "is not a DNS label (lower-case letters, digits and '-')")
		case d == HubDomain:
			ps.Add(p, d, "is the name of the hub's own route table (the network VPC's)")
		case slices.Index(domains, d) < i:
			ps.Add(p, d, "is listed twice")
		}
	}
}

// Hub is the network account's transit gateway with its routing domains.
type Hub struct {
	pulumi.ResourceState

	// TransitGatewayID is the gateway.
	TransitGatewayID pulumi.StringOutput `pulumi:"transitGatewayId"`
	// DomainTableIDs are the domains' route tables, by domain.
	DomainTableIDs pulumi.StringMapOutput `pulumi:"domainTableIds"`
	// HubTableID is the hub VPC's route table, which every spoke
	// propagates into.
	HubTableID pulumi.StringOutput `pulumi:"hubTableId"`
	// AttachedGatewayID is the gateway, known once the hub VPC's
	// attachment is associated and propagated: the target of the hub VPC's
	// routes to the spokes.
	AttachedGatewayID pulumi.StringOutput `pulumi:"attachedGatewayId"`

	domains map[string]pulumi.StringOutput
	share   *ramshare.Share
	shared  pulumi.Resource
}

// NewHub creates the gateway, its route tables and share, and the hub
// VPC's attachment.
func NewHub(ctx *pulumi.Context, name string, args *HubArgs, opts ...pulumi.ResourceOption) (*Hub, error) {
	return lifecycle.New(ctx, HubType, name, args, func(h *Hub) error { return args.build(ctx, name, h) }, opts...)
}

// SharedWith returns the gateway's ID as an account of the principals may
// use it: known once the gateway is in the share and the account is
// associated with it, since EC2 answers an attachment to a gateway not yet
// shared with its account as if the gateway did not exist. It fails for an
// account the gateway is not shared with.
func (h *Hub) SharedWith(account string) (pulumi.StringOutput, error) {
	assoc, ok := h.share.Principal(account)
	if !ok {
		return pulumi.StringOutput{}, fmt.Errorf("the transit gateway is not shared with %s", account)
	}
	return pulumi.All(h.TransitGatewayID, assoc.ID(), h.shared.URN()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput), nil
}

// DomainTableID returns a domain's route table, false for no such domain.
func (h *Hub) DomainTableID(domain string) (pulumi.StringOutput, bool) {
	id, ok := h.domains[domain]
	return id, ok
}

// build creates the hub's resources as children of h.
func (a *HubArgs) build(ctx *pulumi.Context, name string, h *Hub) error {
	owner := []pulumi.ResourceOption{pulumi.Parent(h), pulumi.Provider(a.Owner.Provider)}
	tags := func(role string) pulumi.StringMap {
		m := pulumi.ToStringMap(a.Tags)
		m["Name"] = pulumi.String(naming.Child(name, role))
		return m
	}
	// Default route tables off: an attachment joins no table but the one
	// the program names. Shared attachments wait for acceptance, which the
	// spokes give in the network account: sharing the gateway alone lets
	// no one attach unseen.
	tgw, err := ec2transitgateway.NewTransitGateway(ctx, naming.Child(name, "tgw"), &ec2transitgateway.TransitGatewayArgs{
		Description:                  pulumi.String("eks-multi-account routing hub " + name),
		DefaultRouteTableAssociation: pulumi.String("disable"),
		DefaultRouteTablePropagation: pulumi.String("disable"),
		AutoAcceptSharedAttachments:  pulumi.String("disable"),
		DnsSupport:                   pulumi.String("enable"),
		Tags:                         tags("tgw"),
	}, owner...)
	if err != nil {
		return fmt.Errorf("creating transit gateway: %w", err)
	}
	table := func(domain string) (*ec2transitgateway.RouteTable, error) {
		t, err := ec2transitgateway.NewRouteTable(ctx, naming.Child(name, "tgw-rt", domain), &ec2transitgateway.RouteTableArgs{
			TransitGatewayId: tgw.ID(), Tags: tags("tgw-rt-" + domain),
		}, owner...)
		if err != nil {
			return nil, fmt.Errorf("creating route table %s: %w", domain, err)
		}
		return t, nil
	}
	hubTable, err := table(HubDomain)
	if err != nil {
		return err
	}
	h.domains = map[string]pulumi.StringOutput{}
	domainIDs := pulumi.StringMap{}
	var domainTables []*ec2transitgateway.RouteTable
	for _, d := range a.Domains {
		t, err := table(d)
		if err != nil {
			return err
		}
		domainTables = append(domainTables, t)
		h.domains[d] = t.ID().ToStringOutput()
		domainIDs[d] = t.ID()
	}
	attached, err := a.attachHub(ctx, name, tgw, hubTable, domainTables, owner)
	if err != nil {
		return err
	}
	if err := h.shareGateway(ctx, name, a, tgw, owner); err != nil {
		return err
	}
	h.TransitGatewayID = tgw.ID().ToStringOutput()
	h.DomainTableIDs = domainIDs.ToStringMapOutput()
	h.HubTableID = hubTable.ID().ToStringOutput()
	h.AttachedGatewayID = attached
	return nil
}

// attachHub attaches the hub VPC, associates it with the hub's table and
// propagates it into every domain's; it returns the gateway's ID, known
// once all of that exists.
func (a *HubArgs) attachHub(ctx *pulumi.Context, name string, tgw *ec2transitgateway.TransitGateway, hubTable *ec2transitgateway.RouteTable,
	domains []*ec2transitgateway.RouteTable, owner []pulumi.ResourceOption,
) (pulumi.StringOutput, error) {
	// The flags act on the default route table, which this gateway has
	// not: an attachment of the owner's own may set them off, and does, so
	// that the provider's default (on) never asks for one.
	attachment, err := ec2transitgateway.NewVpcAttachment(ctx, naming.Child(name, "attachment"), &ec2transitgateway.VpcAttachmentArgs{
		TransitGatewayId: tgw.ID(),
		VpcId:            a.VpcID,
		SubnetIds:        a.SubnetIDs,
		TransitGatewayDefaultRouteTableAssociation: pulumi.Bool(false),
		TransitGatewayDefaultRouteTablePropagation: pulumi.Bool(false),
		Tags: pulumi.ToStringMap(a.Tags),
	}, owner...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("attaching the hub VPC: %w", err)
	}
	waits := []any{tgw.ID(), attachment.ID()}
	assoc, err := ec2transitgateway.NewRouteTableAssociation(ctx, naming.Child(name, "association"), &ec2transitgateway.RouteTableAssociationArgs{
		TransitGatewayAttachmentId: attachment.ID(), TransitGatewayRouteTableId: hubTable.ID(),
	}, owner...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("associating the hub VPC: %w", err)
	}
	waits = append(waits, assoc.ID())
	for i, t := range domains {
		p, err := ec2transitgateway.NewRouteTablePropagation(ctx, naming.Child(name, "propagation", a.Domains[i]), &ec2transitgateway.RouteTablePropagationArgs{
			TransitGatewayAttachmentId: attachment.ID(), TransitGatewayRouteTableId: t.ID(),
		}, owner...)
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("propagating the hub VPC into %s: %w", a.Domains[i], err)
		}
		waits = append(waits, p.ID())
	}
	return pulumi.All(waits...).ApplyT(func(v []any) string { return string(v[0].(pulumi.ID)) }).(pulumi.StringOutput), nil
}

// shareGateway shares the gateway with the principals.
func (h *Hub) shareGateway(ctx *pulumi.Context, name string, a *HubArgs, tgw *ec2transitgateway.TransitGateway, owner []pulumi.ResourceOption) error {
	share, err := ramshare.New(ctx, naming.Child(name, "tgw"), naming.Child(name, "tgw"), a.Tags, owner...)
	if err != nil {
		return err
	}
	assoc, err := share.Add("gateway", tgw.Arn)
	if err != nil {
		return err
	}
	h.share, h.shared = share, assoc
	return share.Grant(a.Principals)
}
