// Package ramshare creates an AWS RAM resource share inside the
// organization: the share, one association per shared resource and one
// per principal. SharedSubnets shares subnets with it, and the routing hub
// its transit gateway. External principals are always off.
package ramshare

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ram"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/naming"
)

// Share is a created resource share.
type Share struct {
	// Arn is the share's ARN.
	Arn pulumi.StringOutput

	ctx        *pulumi.Context
	name       string
	opts       []pulumi.ResourceOption
	principals map[string]*ram.PrincipalAssociation
}

// New creates the share name-share, named shareName in RAM, with opts (the
// owner's provider and the parent).
func New(ctx *pulumi.Context, name, shareName string, tags map[string]string, opts ...pulumi.ResourceOption) (*Share, error) {
	share, err := ram.NewResourceShare(ctx, naming.Child(name, "share"), &ram.ResourceShareArgs{
		Name:                    pulumi.String(shareName),
		AllowExternalPrincipals: pulumi.Bool(false),
		Tags:                    pulumi.ToStringMap(tags),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating resource share: %w", err)
	}
	return &Share{Arn: share.Arn, ctx: ctx, name: name, opts: opts, principals: map[string]*ram.PrincipalAssociation{}}, nil
}

// Add shares a resource, as name-role.
func (s *Share) Add(role string, arn pulumi.StringInput) (*ram.ResourceAssociation, error) {
	assoc, err := ram.NewResourceAssociation(s.ctx, naming.Child(s.name, role), &ram.ResourceAssociationArgs{
		ResourceShareArn: s.Arn,
		ResourceArn:      arn,
	}, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("associating %s: %w", role, err)
	}
	return assoc, nil
}

// Grant shares with each principal, as name-principal-<key>.
func (s *Share) Grant(principals []string) error {
	for _, p := range principals {
		assoc, err := ram.NewPrincipalAssociation(s.ctx, naming.Child(s.name, "principal", PrincipalKey(p)), &ram.PrincipalAssociationArgs{
			ResourceShareArn: s.Arn,
			Principal:        pulumi.String(p),
		}, s.opts...)
		if err != nil {
			return fmt.Errorf("associating principal %s: %w", p, err)
		}
		s.principals[p] = assoc
	}
	return nil
}

// Principal returns a principal's association, false for one the share
// was not granted to.
func (s *Share) Principal(p string) (*ram.PrincipalAssociation, bool) {
	assoc, ok := s.principals[p]
	return assoc, ok
}

// PrincipalKey names a principal in logical names: the account ID, or the
// OU or organization ID at the end of its ARN (ARNs hold "::", which URNs
// cannot).
func PrincipalKey(p string) string {
	return p[strings.LastIndex(p, "/")+1:]
}
