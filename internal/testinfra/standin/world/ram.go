package world

import (
	"fmt"
	"regexp"
	"strings"
)

// RAM as the library uses it: subnets shared from a cluster or network
// account with the accounts that use them, and the network account's
// transit gateway shared with the accounts whose VPCs attach to it.
//
// "Until you enable sharing within the organization, you can specify only
// individual AWS accounts" as principals, and "You must call this operation
// from an IAM role or user in the organization's management account"
// (https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html);
// with it, accounts of the organization get resources "without using
// invitations", and without it an account gets an invitation to accept
// (https://docs.aws.amazon.com/ram/latest/userguide/getting-started-sharing.html).

// Principal association states: shared, or an invitation not yet accepted.
const (
	Associated = "ASSOCIATED"
	Invited    = "INVITED"
)

var (
	accountID = regexp.MustCompile(`^\d{12}$`)
	ouARN     = regexp.MustCompile(`^arn:[\w-]+:organizations::\d{12}:ou/o-[a-z0-9]+/ou-[a-z0-9-]+$`)
	orgARN    = regexp.MustCompile(`^arn:[\w-]+:organizations::\d{12}:organization/o-[a-z0-9]+$`)
)

var ramResourceShare = kind{
	create: func(s *State, c Caller, o *Object) error {
		arn := fmt.Sprintf("arn:%s:ram:%s:%s:resource-share/%s", c.Partition(), c.Region, c.Account, uuid(s.token(32)))
		o.ID = arn
		o.set("arn", arn)
		return nil
	},
}

var ramResourceAssociation = kind{
	replaceOn: []string{"resourceShareArn", "resourceArn"},
	create: func(s *State, c Caller, o *Object) error {
		share := s.Find(c, "aws:ram/resourceShare:ResourceShare", o.Str("resourceShareArn"))
		if share == nil {
			return refuse("AssociateResourceShare", "UnknownResourceException", "ResourceShare %s could not be found.", o.Str("resourceShareArn"))
		}
		arn := o.Str("resourceArn")
		owned := func(x *Object) bool { return x.Account == c.Account && x.Str("arn") == arn }
		if s.first("aws:ec2/subnet:Subnet", owned) == nil && s.first(TransitGatewayType, owned) == nil {
			return refuse("AssociateResourceShare", "UnknownResourceException", "Resource %s could not be found.", arn)
		}
		o.ID = share.ID + "," + arn
		return nil
	},
}

var ramPrincipalAssociation = kind{
	replaceOn: []string{"resourceShareArn", "principal"},
	create: func(s *State, c Caller, o *Object) error {
		share := s.Find(c, "aws:ram/resourceShare:ResourceShare", o.Str("resourceShareArn"))
		if share == nil {
			return refuse("AssociateResourceShare", "UnknownResourceException", "ResourceShare %s could not be found.", o.Str("resourceShareArn"))
		}
		p := o.Str("principal")
		switch {
		case accountID.MatchString(p):
			external := !s.Organization.HasAccount(p)
			if external && share.Prop("allowExternalPrincipals") != true {
				return refuse("AssociateResourceShare", "OperationNotPermittedException", "The resource share %s does not allow sharing with principals outside your organization: %s", share.ID, p)
			}
			status := Invited
			if s.Organization.RAMSharing && !external {
				status = Associated
			}
			o.set("status", status)
		case ouARN.MatchString(p) || orgARN.MatchString(p):
			if !s.Organization.RAMSharing {
				return refuse("AssociateResourceShare", "OperationNotPermittedException", "Unable to share with %s: sharing with AWS Organizations is not enabled", p)
			}
			o.set("status", Associated)
		default:
			return refuse("AssociateResourceShare", "MalformedArnException", "The specified principal %s is not valid.", p)
		}
		o.ID = share.ID + "," + p
		return nil
	},
}

var ramSharingWithOrganization = kind{
	create: func(s *State, c Caller, o *Object) error {
		if c.Account != s.Organization.ManagementAccount {
			return refuse("EnableSharingWithAwsOrganization", "OperationNotPermittedException", "Sharing with AWS Organizations can only be enabled from the organization's management account, not %s", c.Account)
		}
		s.Organization.RAMSharing = true
		o.ID = c.Account
		return nil
	},
	// Turning it off turns it off for every share of the organization.
	remove: func(s *State, _ *Object) error {
		s.Organization.RAMSharing = false
		return nil
	},
}

// sharedWith reports whether the owner shares a resource (by ARN) with an
// account through an association in effect: with the account itself once
// associated (not while it is an invitation), or with the organization.
func (s *State) sharedWith(owner, resourceARN, account string) bool {
	for _, ra := range s.Select("aws:ram/resourceAssociation:ResourceAssociation", func(x *Object) bool {
		return x.Account == owner && x.Str("resourceArn") == resourceARN
	}) {
		share := ra.Str("resourceShareArn")
		for _, pa := range s.Select("aws:ram/principalAssociation:PrincipalAssociation", func(x *Object) bool {
			return x.Account == owner && x.Str("resourceShareArn") == share && x.Str("status") == Associated
		}) {
			p := pa.Str("principal")
			if p == account || ((ouARN.MatchString(p) || orgARN.MatchString(p)) && s.Organization.HasAccount(account)) {
				return true
			}
		}
	}
	return false
}

// uuid formats 32 hex digits as a UUID.
func uuid(h string) string {
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}
