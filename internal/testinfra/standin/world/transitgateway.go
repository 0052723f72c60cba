package world

import (
	"fmt"
	"hash/crc32"
	"slices"
)

// Transit Gateway as the library uses it: a gateway in the network
// account, shared by RAM with the accounts whose VPCs attach to it, route
// tables (routing domains) with their associations and propagations, and
// the VPC routes that send traffic to it
// (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html).

// The transit gateway resource types.
const (
	TransitGatewayType        = "aws:ec2transitgateway/transitGateway:TransitGateway"
	TGWAttachmentType         = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
	TGWAttachmentAccepterType = "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter"
	TGWRouteTableType         = "aws:ec2transitgateway/routeTable:RouteTable"
	TGWAssociationType        = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
	TGWPropagationType        = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
	VPCRouteType              = "aws:ec2/route:Route"
)

// Attachment states (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle):
// an attachment from another account than the gateway's waits for the
// owner to accept it, unless the gateway accepts shared attachments itself.
const (
	AttachmentPendingAcceptance = "pendingAcceptance"
	AttachmentAvailable         = "available"
)

var ec2TransitGateway = kind{
	replaceOn: []string{"amazonSideAsn"},
	create: func(s *State, c Caller, o *Object) error {
		o.ID = s.ec2ID("tgw")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:transit-gateway/%s", c.Partition(), c.Region, c.Account, o.ID))
		o.set("ownerId", c.Account)
		// Default route table association and propagation are on unless
		// turned off, and then EC2 makes the gateway a default route table
		// that every attachment joins
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRequestOptions.html).
		if optionOn(o, "defaultRouteTableAssociation") || optionOn(o, "defaultRouteTablePropagation") {
			table := &Object{Type: TGWRouteTableType, ID: s.ec2ID("tgw-rtb"), Account: c.Account, Region: c.Region, Implicit: true,
				Inputs: map[string]any{"transitGatewayId": o.ID}, Computed: map[string]any{"defaultAssociationRouteTable": true}}
			s.add(table)
			o.set("associationDefaultRouteTableId", table.ID)
			o.set("propagationDefaultRouteTableId", table.ID)
		}
		return nil
	},
	remove: func(s *State, o *Object) error {
		// A gateway with attachments cannot be deleted
		// (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html#delete-tgw).
		if len(s.Select(TGWAttachmentType, func(a *Object) bool { return a.Str("transitGatewayId") == o.ID })) > 0 {
			return refuse("DeleteTransitGateway", "IncorrectState", "%s has non-deleted Transit Gateway Attachments", o.ID)
		}
		s.Objects = slices.DeleteFunc(s.Objects, func(x *Object) bool {
			return x.Implicit && x.Type == TGWRouteTableType && x.Str("transitGatewayId") == o.ID
		})
		return nil
	},
}

// optionOn reports whether a gateway option ("enable" or "disable") is on;
// unset is EC2's default, on.
func optionOn(o *Object, key string) bool { return o.Str(key) != "disable" }

// gatewayFor returns the transit gateway with an ID that the caller may
// attach to: its own, or one its owner shares with the caller's account by
// RAM, in the caller's region. AWS answers as if any other did not exist
// ("InvalidTransitGatewayID.NotFound: Transit Gateway tgw-... was deleted or
// does not exist", as terraform-aws-transit-gateway#89 shows for an
// attachment made before the share reached the account).
func (s *State) gatewayFor(c Caller, id string) *Object {
	tgw := s.first(TransitGatewayType, func(g *Object) bool { return g.ID == id && g.Region == c.Region })
	if tgw == nil || (tgw.Account != c.Account && !s.sharedWith(tgw.Account, tgw.Str("arn"), c.Account)) {
		return nil
	}
	return tgw
}

var ec2TGWAttachment = kind{
	replaceOn: []string{"transitGatewayId", "vpcId"},
	create: func(s *State, c Caller, o *Object) error {
		tgw := s.gatewayFor(c, o.Str("transitGatewayId"))
		if tgw == nil {
			return refuse("CreateTransitGatewayVpcAttachment", "InvalidTransitGatewayID.NotFound", "Transit Gateway %s was deleted or does not exist.", o.Str("transitGatewayId"))
		}
		vpc := s.Find(c, "aws:ec2/vpc:Vpc", o.Str("vpcId"))
		if vpc == nil {
			return refuse("CreateTransitGatewayVpcAttachment", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", o.Str("vpcId"))
		}
		if err := s.checkAttachmentSubnets(c, vpc, o.Strs("subnetIds")); err != nil {
			return err
		}
		if s.first(TGWAttachmentType, func(a *Object) bool { return a.Str("transitGatewayId") == tgw.ID && a.Str("vpcId") == vpc.ID }) != nil {
			return refuse("CreateTransitGatewayVpcAttachment", "DuplicateTransitGatewayAttachment", "%s has non-deleted Transit Gateway Attachments with same VPC ID.", tgw.ID)
		}
		// The attachment's own default-route-table flags act on the
		// gateway's default route table, which only the owner sees: the
		// provider's call fails for a shared gateway
		// (hashicorp/terraform-provider-aws#6670, "Transit gateway route
		// table ... was deleted or no longer exists"; its documentation:
		// "This cannot be configured ... with Resource Access Manager
		// shared EC2 Transit Gateways").
		if tgw.Account != c.Account {
			for _, flag := range []string{"transitGatewayDefaultRouteTableAssociation", "transitGatewayDefaultRouteTablePropagation"} {
				if v, ok := o.Inputs[flag].(bool); ok && !v {
					return refuse("DisassociateTransitGatewayRouteTable", "InvalidRouteTableID.NotFound", "Transit gateway route table %s was deleted or no longer exists (%s is set on an attachment to %s, a gateway of %s)",
						tgw.Str("associationDefaultRouteTableId"), flag, tgw.ID, tgw.Account)
				}
			}
		}
		o.ID = s.ec2ID("tgw-attach")
		o.set("vpcOwnerId", c.Account)
		o.set("transitGatewayOwnerId", tgw.Account)
		if tgw.Account != c.Account && tgw.Str("autoAcceptSharedAttachments") != "enable" {
			o.set("state", AttachmentPendingAcceptance)
			return nil
		}
		s.makeAvailable(tgw, o)
		return nil
	},
	remove: func(s *State, o *Object) error {
		// Deleting an attachment removes its association and propagations.
		s.Objects = slices.DeleteFunc(s.Objects, func(x *Object) bool {
			return (x.Type == TGWAssociationType || x.Type == TGWPropagationType) && x.Str("transitGatewayAttachmentId") == o.ID
		})
		return nil
	},
}

// checkAttachmentSubnets refuses an attachment's subnets that are not the
// VPC's, or two in one zone: "You can specify only one subnet per
// Availability Zone"
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachment.html;
// EC2's code, DuplicateSubnetsInSameZone, from zoitech/terraform-aws-network#46).
func (s *State) checkAttachmentSubnets(c Caller, vpc *Object, ids []string) error {
	if len(ids) == 0 {
		return refuse("CreateTransitGatewayVpcAttachment", "MissingParameter", "The request must contain the parameter SubnetIds")
	}
	zones := map[string]bool{}
	for _, id := range ids {
		subnet := s.Find(c, "aws:ec2/subnet:Subnet", id)
		if subnet == nil || subnet.Str("vpcId") != vpc.ID {
			return refuse("CreateTransitGatewayVpcAttachment", "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist in %s", id, vpc.ID)
		}
		zone := subnet.Str("availabilityZoneId")
		if zones[zone] {
			return refuse("CreateTransitGatewayVpcAttachment", "DuplicateSubnetsInSameZone", "Duplicate Subnets for same AZ")
		}
		zones[zone] = true
	}
	return nil
}

// makeAvailable makes an attachment available, joining the gateway's
// default route table where its options say so.
func (s *State) makeAvailable(tgw, a *Object) {
	a.set("state", AttachmentAvailable)
	table := tgw.Str("associationDefaultRouteTableId")
	if table == "" {
		return
	}
	link := func(typ string) {
		s.add(&Object{Type: typ, ID: table + "_" + a.ID, Account: tgw.Account, Region: tgw.Region, Implicit: true,
			Inputs: map[string]any{"transitGatewayRouteTableId": table, "transitGatewayAttachmentId": a.ID}, Computed: map[string]any{}})
	}
	if optionOn(tgw, "defaultRouteTableAssociation") {
		link(TGWAssociationType)
	}
	if optionOn(tgw, "defaultRouteTablePropagation") {
		link(TGWPropagationType)
	}
}

// ownAttachment returns an attachment to one of the caller's gateways, in
// its region, from whichever account; nil when there is none.
func (s *State) ownAttachment(c Caller, id string) *Object {
	return s.first(TGWAttachmentType, func(a *Object) bool {
		return a.ID == id && a.Region == c.Region && a.Str("transitGatewayOwnerId") == c.Account
	})
}

var ec2TGWAttachmentAccepter = kind{
	replaceOn: []string{"transitGatewayAttachmentId"},
	create: func(s *State, c Caller, o *Object) error {
		a := s.ownAttachment(c, o.Str("transitGatewayAttachmentId"))
		if a == nil {
			return refuse("AcceptTransitGatewayVpcAttachment", "InvalidTransitGatewayAttachmentID.NotFound", "Transit Gateway Attachment %s was deleted or does not exist.", o.Str("transitGatewayAttachmentId"))
		}
		if a.Str("state") != AttachmentPendingAcceptance {
			return refuse("AcceptTransitGatewayVpcAttachment", "IncorrectState", "%s is in invalid state %s", a.ID, a.Str("state"))
		}
		tgw := s.first(TransitGatewayType, func(g *Object) bool { return g.ID == a.Str("transitGatewayId") })
		s.makeAvailable(tgw, a)
		o.ID = a.ID
		return nil
	},
	// The provider deletes the attachment when its accepter goes
	// (terraform-provider-aws, resourceTransitGatewayVPCAttachmentAccepterDelete:
	// DeleteTransitGatewayVpcAttachment, its absence not an error).
	remove: func(s *State, o *Object) error {
		if a := s.first(TGWAttachmentType, func(a *Object) bool { return a.ID == o.ID }); a != nil {
			if err := ec2TGWAttachment.remove(s, a); err != nil {
				return err
			}
			s.remove(a)
		}
		return nil
	},
}

var ec2TGWRouteTable = kind{
	replaceOn: []string{"transitGatewayId"},
	create: func(s *State, c Caller, o *Object) error {
		if s.Find(c, TransitGatewayType, o.Str("transitGatewayId")) == nil {
			return refuse("CreateTransitGatewayRouteTable", "InvalidTransitGatewayID.NotFound", "Transit Gateway %s was deleted or does not exist.", o.Str("transitGatewayId"))
		}
		o.ID = s.ec2ID("tgw-rtb")
		o.set("arn", fmt.Sprintf("arn:%s:ec2:%s:%s:transit-gateway-route-table/%s", c.Partition(), c.Region, c.Account, o.ID))
		return nil
	},
}

// routeTableLink checks an association or propagation: the route table is
// the caller's, and the attachment is to its gateway and available. An
// attachment still pending acceptance cannot join a route table
// (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle:
// "pendingAcceptance ... The VPC attachment request is awaiting
// acceptance").
func (s *State) routeTableLink(c Caller, action string, o *Object) (*Object, error) {
	table := s.Find(c, TGWRouteTableType, o.Str("transitGatewayRouteTableId"))
	if table == nil {
		return nil, refuse(action, "InvalidRouteTableID.NotFound", "Transit Gateway Route Table %s was deleted or does not exist.", o.Str("transitGatewayRouteTableId"))
	}
	a := s.ownAttachment(c, o.Str("transitGatewayAttachmentId"))
	if a == nil || a.Str("transitGatewayId") != table.Str("transitGatewayId") {
		return nil, refuse(action, "InvalidTransitGatewayAttachmentID.NotFound", "Transit Gateway Attachment %s was deleted or does not exist.", o.Str("transitGatewayAttachmentId"))
	}
	if a.Str("state") != AttachmentAvailable {
		return nil, refuse(action, "IncorrectState", "%s is in invalid state %s", a.ID, a.Str("state"))
	}
	o.ID = table.ID + "_" + a.ID
	return a, nil
}

var ec2TGWAssociation = kind{
	replaceOn: []string{"transitGatewayRouteTableId", "transitGatewayAttachmentId"},
	create: func(s *State, c Caller, o *Object) error {
		a, err := s.routeTableLink(c, "AssociateTransitGatewayRouteTable", o)
		if err != nil {
			return err
		}
		// "Each attachment is associated with exactly one route table"
		// (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html),
		// the default one included.
		if prior := s.first(TGWAssociationType, func(x *Object) bool { return x.Str("transitGatewayAttachmentId") == a.ID }); prior != nil {
			return refuse("AssociateTransitGatewayRouteTable", "Resource.AlreadyAssociated", "Transit Gateway Attachment %s is already associated to a route table (%s).", a.ID, prior.Str("transitGatewayRouteTableId"))
		}
		return nil
	},
}

var ec2TGWPropagation = kind{
	replaceOn: []string{"transitGatewayRouteTableId", "transitGatewayAttachmentId"},
	create: func(s *State, c Caller, o *Object) error {
		_, err := s.routeTableLink(c, "EnableTransitGatewayRouteTablePropagation", o)
		return err
	},
}

var ec2Route = kind{
	replaceOn: []string{"routeTableId", "destinationCidrBlock"},
	create: func(s *State, c Caller, o *Object) error {
		table := s.Find(c, "aws:ec2/routeTable:RouteTable", o.Str("routeTableId"))
		if table == nil {
			return refuse("CreateRoute", "InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", o.Str("routeTableId"))
		}
		if err := s.checkRoute(c, table.Str("vpcId"), o.Inputs); err != nil {
			return err
		}
		if s.first(VPCRouteType, func(r *Object) bool {
			return r.Str("routeTableId") == table.ID && r.Str("destinationCidrBlock") == o.Str("destinationCidrBlock")
		}) != nil {
			return refuse("CreateRoute", "RouteAlreadyExists", "The route identified by %s already exists.", o.Str("destinationCidrBlock"))
		}
		o.ID = fmt.Sprintf("r-%s%d", table.ID, crc32.ChecksumIEEE([]byte(o.Str("destinationCidrBlock"))))
		return nil
	},
}

// checkTransitGatewayRoute refuses a VPC route to a transit gateway the
// VPC has no available attachment to: EC2 answers as if the gateway did
// not exist ("InvalidTransitGatewayID.NotFound: The transitGateway ID
// 'tgw-...' does not exist.", for a route made before its attachment or
// while the attachment awaits acceptance: hashicorp/terraform-provider-aws#10025,
// aws-ia/terraform-aws-vpc#101).
func (s *State) checkTransitGatewayRoute(vpcID, tgwID string) error {
	if s.first(TGWAttachmentType, func(a *Object) bool {
		return a.Str("vpcId") == vpcID && a.Str("transitGatewayId") == tgwID && a.Str("state") == AttachmentAvailable
	}) == nil {
		return refuse("CreateRoute", "InvalidTransitGatewayID.NotFound", "The transitGateway ID '%s' does not exist.", tgwID)
	}
	return nil
}
