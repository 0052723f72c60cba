// Package sharedsubnets provides the SharedSubnets component: an AWS RAM
// resource share, owned by the account that owns the subnets (a cluster
// account, or a network account), that shares subnets with workload
// accounts, OUs or the whole organization.
//
// External principals are always off: subnets can only be shared inside
// the organization, and RAM sharing with the organization must have been
// enabled once from the management account (the organization stack does
// it; see package guardrails). Participants need no accepter. RAM shares are regional: participants use
// the subnets in the owner's region. Tags the owner sets on the subnets may
// not be visible to participants, so the subnet IDs are outputs for them
// to name explicitly (in load balancer annotations, for instance).
package sharedsubnets

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/ramshare"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:SharedSubnets"

// Args configures a SharedSubnets.
type Args struct {
	// Owner is the account that owns the subnets and the share. Required.
	Owner providers.Account
	// Subnets are shared, one resource association each. Required.
	Subnets []network.Subnet
	// Principals receive the share: 12-digit account IDs, OU ARNs or the
	// organization's ARN, one principal association each. Required.
	// Example: ["444455556666"].
	Principals []string
	// ShareName is the resource share's name. Optional; default the
	// component's name.
	ShareName string
	// Tags are added to the share. Optional.
	Tags map[string]string
}

// SharedSubnets is a RAM share of subnets.
type SharedSubnets struct {
	pulumi.ResourceState

	// ShareArn is the resource share's ARN.
	ShareArn pulumi.StringOutput `pulumi:"shareArn"`
	// SubnetIDs are the shared subnets, for participants to name them. It
	// is known once every subnet is associated with the share.
	SubnetIDs pulumi.StringArrayOutput `pulumi:"subnetIds"`
	// Principals are who the subnets are shared with.
	Principals pulumi.StringArrayOutput `pulumi:"principals"`

	// share holds each principal's association.
	share *ramshare.Share
}

// SharedWith returns the subnet IDs as a participant may use them: known
// only once every subnet and the principal are associated with the share.
// A participant's resource in the subnets (a cluster, a database subnet
// group) takes its subnet IDs from here, so that it is not created before
// the subnets are shared with its account. It fails for a principal the
// share does not have.
func (s *SharedSubnets) SharedWith(principal string) (pulumi.StringArrayOutput, error) {
	assoc, ok := s.share.Principal(principal)
	if !ok {
		return pulumi.StringArrayOutput{}, fmt.Errorf("the subnets are not shared with %s", principal)
	}
	return pulumi.All(s.SubnetIDs, assoc.ID()).ApplyT(func(v []any) []string {
		return v[0].([]string)
	}).(pulumi.StringArrayOutput), nil
}

var (
	ouARN  = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$`)
	orgARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$`)
)

// IsPrincipal reports whether p can receive a share inside the
// organization: an account ID, an OU ARN or the organization's ARN.
func IsPrincipal(p string) bool {
	return validate.IsAccountID(p) || ouARN.MatchString(p) || orgARN.MatchString(p)
}

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Owner.Check("owner", &ps)
	if len(a.Subnets) == 0 {
		ps.Missing("subnets")
	}
	for i, s := range a.Subnets {
		if s.ID == nil || s.ARN == nil {
			ps.Add(validate.Index("subnets", i), nil, "needs both an ID and an ARN")
		}
	}
	if len(a.Principals) == 0 {
		ps.Missing("principals")
	}
	seen := map[string]bool{}
	for i, p := range a.Principals {
		path := validate.Index("principals", i)
		switch {
		case !IsPrincipal(p):
			ps.Add(path, p, "is not an account ID, OU ARN or organization ARN; subnets can only be shared inside the organization")
		case p == a.Owner.ID:
			ps.Add(path, p, "is the owner account itself")
		case seen[p]:
			ps.Add(path, p, "is listed twice")
		}
		seen[p] = true
	}
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

// NewSharedSubnets creates the share and its associations.
func NewSharedSubnets(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*SharedSubnets, error) {
	return lifecycle.New(ctx, Type, name, args, func(c *SharedSubnets) error { return args.build(ctx, name, c) }, opts...)
}

// build creates the share and its associations as children of c.
func (a *Args) build(ctx *pulumi.Context, name string, c *SharedSubnets) error {
	shareName := a.ShareName
	if shareName == "" {
		shareName = name
	}
	share, err := ramshare.New(ctx, name, shareName, a.Tags, pulumi.Parent(c), pulumi.Provider(a.Owner.Provider))
	if err != nil {
		return err
	}
	// Each subnet's ID is handed on once the subnet is in the share.
	var ids pulumi.StringArray
	for i, s := range a.Subnets {
		assoc, err := share.Add(naming.Child("subnet", fmt.Sprint(i)), s.ARN)
		if err != nil {
			return err
		}
		ids = append(ids, pulumi.All(s.ID.ToStringOutput(), assoc.ID()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput))
	}
	if err := share.Grant(a.Principals); err != nil {
		return err
	}
	c.share = share
	c.ShareArn = share.Arn
	c.SubnetIDs = ids.ToStringArrayOutput()
	c.Principals = pulumi.ToStringArray(a.Principals).ToStringArrayOutput()
	return nil
}
