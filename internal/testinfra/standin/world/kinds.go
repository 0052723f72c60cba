package world

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// kind is how AWS treats one resource type.
type kind struct {
	// create checks what AWS checks before it creates o (whose Inputs are
	// set), then sets its ID and what AWS computes; it may add what AWS
	// creates along with it. It refuses with AWS's error.
	create func(s *State, c Caller, o *Object) error
	// replaceOn are the inputs AWS cannot change in place: changing one
	// replaces the resource.
	replaceOn []string
	// update checks an in-place change to inputs; nil accepts any.
	update func(s *State, c Caller, o *Object, inputs map[string]any) error
	// remove checks what AWS refuses to delete, and does what AWS does
	// along with the delete; nil deletes.
	remove func(s *State, o *Object) error
	// schedule, when set, is what a delete does instead of removing the
	// object: AWS deletes it later.
	schedule func(o *Object)
}

// kinds are the resource types the stand-in AWS implements: every one the
// library, its examples and pulumi-eks's cluster create.
var kinds = map[string]kind{
	"aws:iam/role:Role":                                   iamRole,
	"aws:iam/rolePolicy:RolePolicy":                       iamRolePolicy,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":   iamRolePolicyAttachment,
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": iamOIDCProvider,

	"aws:ec2/vpc:Vpc":                                     ec2VPC,
	"aws:ec2/subnet:Subnet":                               ec2Subnet,
	"aws:ec2/internetGateway:InternetGateway":             ec2InternetGateway,
	"aws:ec2/eip:Eip":                                     ec2EIP,
	"aws:ec2/natGateway:NatGateway":                       ec2NATGateway,
	"aws:ec2/routeTable:RouteTable":                       ec2RouteTable,
	"aws:ec2/routeTableAssociation:RouteTableAssociation": ec2RouteTableAssociation,
	"aws:ec2/securityGroup:SecurityGroup":                 ec2SecurityGroup,
	"aws:ec2/securityGroupRule:SecurityGroupRule":         ec2SecurityGroupRule,
	"aws:ec2/launchTemplate:LaunchTemplate":               ec2LaunchTemplate,
	VPCRouteType:                                          ec2Route,

	TransitGatewayType:        ec2TransitGateway,
	TGWAttachmentType:         ec2TGWAttachment,
	TGWAttachmentAccepterType: ec2TGWAttachmentAccepter,
	TGWRouteTableType:         ec2TGWRouteTable,
	TGWAssociationType:        ec2TGWAssociation,
	TGWPropagationType:        ec2TGWPropagation,

	"aws:eks/cluster:Cluster":                                 eksCluster,
	"aws:eks/accessEntry:AccessEntry":                         eksAccessEntry,
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": eksAccessPolicyAssociation,
	"aws:eks/addon:Addon":                                     eksAddon,
	"aws:eks/nodeGroup:NodeGroup":                             eksNodeGroup,
	"aws:eks/fargateProfile:FargateProfile":                   eksFargateProfile,
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":   eksPodIdentityAssociation,

	"aws:ram/resourceShare:ResourceShare":                     ramResourceShare,
	"aws:ram/resourceAssociation:ResourceAssociation":         ramResourceAssociation,
	"aws:ram/principalAssociation:PrincipalAssociation":       ramPrincipalAssociation,
	"aws:ram/sharingWithOrganization:SharingWithOrganization": ramSharingWithOrganization,

	"aws:organizations/policy:Policy":                     organizationsPolicy,
	"aws:organizations/policyAttachment:PolicyAttachment": organizationsPolicyAttachment,

	"aws:kms/key:Key":                                        kmsKey,
	"aws:dynamodb/table:Table":                               dynamodbTable,
	"aws:rds/subnetGroup:SubnetGroup":                        rdsSubnetGroup,
	"aws:s3/bucketV2:BucketV2":                               s3Bucket,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s3BucketPublicAccessBlock,
}

// global reports whether a type belongs to a service with one namespace
// per account in every region: IAM and Organizations.
func global(typ string) bool {
	return strings.HasPrefix(typ, "aws:iam/") || strings.HasPrefix(typ, "aws:organizations/")
}

// Implements reports whether the stand-in AWS implements a resource type.
func Implements(typ string) bool {
	_, ok := kinds[typ]
	return ok
}

// Types lists the resource types the stand-in AWS implements, sorted.
func Types() []string { return slices.Sorted(maps.Keys(kinds)) }

// Replaces returns the inputs of a resource type that AWS cannot change in
// place.
func Replaces(typ string) []string { return kinds[typ].replaceOn }

// Create creates an object of type typ from inputs, as the caller, or
// returns AWS's refusal.
func (s *State) Create(c Caller, typ string, inputs map[string]any) (*Object, error) {
	k, ok := kinds[typ]
	if !ok {
		return nil, fmt.Errorf("the stand-in AWS does not implement %s", typ)
	}
	o := &Object{Type: typ, Account: c.Account, Region: c.Region, Inputs: maps.Clone(inputs), Computed: map[string]any{}}
	if global(typ) {
		o.Region = ""
	}
	if err := k.create(s, c, o); err != nil {
		return nil, err
	}
	s.add(o)
	return o, nil
}

// Update changes an object's inputs in place, or returns AWS's refusal.
func (s *State) Update(c Caller, typ, id string, inputs map[string]any) (*Object, error) {
	o := s.Find(c, typ, id)
	if o == nil {
		return nil, fmt.Errorf("%s %s does not exist in %s", typ, id, c.Account)
	}
	if k := kinds[typ]; k.update != nil {
		if err := k.update(s, c, o, inputs); err != nil {
			return nil, err
		}
	}
	o.Inputs = maps.Clone(inputs)
	return o, nil
}

// Delete deletes an object, or returns AWS's refusal. An object already
// gone is not an error, as the providers treat it.
func (s *State) Delete(c Caller, typ, id string) error {
	o := s.Find(c, typ, id)
	if o == nil || o.PendingDeletion() {
		return nil
	}
	if o.Preexisting {
		return fmt.Errorf("%s existed before any stack; the stand-in AWS does not delete it", o)
	}
	k := kinds[typ]
	if k.remove != nil {
		if err := k.remove(s, o); err != nil {
			return err
		}
	}
	if k.schedule != nil {
		k.schedule(o)
		return nil
	}
	s.remove(o)
	return nil
}
