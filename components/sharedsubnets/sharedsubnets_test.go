package sharedsubnets_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

const (
	owner  = "111122223333"
	region = "us-east-1"
	ou     = "arn:aws:organizations::000011112222:ou/o-abcdef1234/ou-ab12-cdef3456"
)

func runShare(t *testing.T, runner func(*testing.T, pulumi.RunFunc) testkit.Result, edit func(*sharedsubnets.Args)) (testkit.Result, any) {
	t.Helper()
	var ids any
	r := runner(t, func(ctx *pulumi.Context) error {
		acct, err := testkit.Account(ctx, owner, region)
		if err != nil {
			return err
		}
		args := &sharedsubnets.Args{
			Owner: acct,
			Subnets: []network.Subnet{
				{ID: pulumi.String("subnet-0a"), ARN: pulumi.String("arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0a")},
				{ID: pulumi.String("subnet-0b"), ARN: pulumi.String("arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0b")},
			},
			Principals: []string{"444455556666", ou},
			Tags:       map[string]string{"team": "network"},
		}
		edit(args)
		share, err := sharedsubnets.NewSharedSubnets(ctx, "prod-subnets", args)
		if err != nil {
			return err
		}
		ids, _, err = testkit.Await(ctx, share.SubnetIDs)
		return err
	})
	return r, ids
}

func TestSharedSubnets(t *testing.T) {
	r, ids := runShare(t, testkit.Run, func(*sharedsubnets.Args) {})
	require.NoError(t, r.Err)
	rs := r.Resources()
	assert.ElementsMatch(t, []string{
		sharedsubnets.Type + " prod-subnets",
		"pulumi:providers:aws aws-111122223333-us-east-1",
		"aws:ram/resourceShare:ResourceShare prod-subnets-share",
		"aws:ram/resourceAssociation:ResourceAssociation prod-subnets-subnet-0",
		"aws:ram/resourceAssociation:ResourceAssociation prod-subnets-subnet-1",
		"aws:ram/principalAssociation:PrincipalAssociation prod-subnets-principal-444455556666",
		"aws:ram/principalAssociation:PrincipalAssociation prod-subnets-principal-ou-ab12-cdef3456",
	}, testkit.Types(rs))

	comp := testkit.Named(t, rs, sharedsubnets.Type, "prod-subnets")
	for _, res := range rs {
		if res.IsProvider() || res.URN == comp.URN {
			continue
		}
		assert.Equal(t, comp.URN, res.Parent, "%s parent", res.Name)
		assert.Equal(t, owner, res.Account, "%s %s account", res.Type, res.Name)
	}

	share := testkit.Named(t, rs, "aws:ram/resourceShare:ResourceShare", "prod-subnets-share")
	assert.Equal(t, false, testkit.Value(share, "allowExternalPrincipals"), "subnets can only be shared inside the organization")
	assert.Equal(t, "prod-subnets", testkit.Input(share, "name"))
	shareARN := share.Outputs["arn"].StringValue()
	assert.Regexp(t, `^arn:aws:ram:us-east-1:111122223333:resource-share/`, shareARN)

	for i, id := range []string{"subnet-0a", "subnet-0b"} {
		assoc := testkit.Named(t, rs, "aws:ram/resourceAssociation:ResourceAssociation", "prod-subnets-subnet-"+string(rune('0'+i)))
		assert.Equal(t, shareARN, testkit.Input(assoc, "resourceShareArn"))
		assert.Equal(t, "arn:aws:ec2:us-east-1:111122223333:subnet/"+id, testkit.Input(assoc, "resourceArn"))
	}
	var principals []string
	for _, p := range testkit.OfType(rs, "aws:ram/principalAssociation:PrincipalAssociation") {
		assert.Equal(t, shareARN, testkit.Input(p, "resourceShareArn"))
		principals = append(principals, testkit.Input(p, "principal"))
	}
	assert.ElementsMatch(t, []string{"444455556666", ou}, principals, "exactly the configured principals")
	assert.Equal(t, []string{"subnet-0a", "subnet-0b"}, ids)
}

// TestAParticipantWaitsUntilTheSubnetsAreSharedWithIt: what a participant
// creates in the subnets takes their IDs from SharedWith, so it waits for
// every subnet's association and for its own account's.
func TestAParticipantWaitsUntilTheSubnetsAreSharedWithIt(t *testing.T) {
	var unknownErr error
	r := testkit.Run(t, func(ctx *pulumi.Context) error {
		acct, err := testkit.Account(ctx, owner, region)
		if err != nil {
			return err
		}
		participant, err := testkit.Account(ctx, "444455556666", region)
		if err != nil {
			return err
		}
		share, err := sharedsubnets.NewSharedSubnets(ctx, "prod-subnets", &sharedsubnets.Args{
			Owner: acct,
			Subnets: []network.Subnet{
				{ID: pulumi.String("subnet-0a"), ARN: pulumi.String("arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0a")},
				{ID: pulumi.String("subnet-0b"), ARN: pulumi.String("arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0b")},
			},
			Principals: []string{"444455556666", "555566667777"},
		})
		if err != nil {
			return err
		}
		_, unknownErr = share.SharedWith("999999999999")
		ids, err := share.SharedWith("444455556666")
		if err != nil {
			return err
		}
		_, err = rds.NewSubnetGroup(ctx, "db", &rds.SubnetGroupArgs{SubnetIds: ids}, pulumi.Provider(participant.Provider))
		return err
	})
	require.NoError(t, r.Err)
	require.EqualError(t, unknownErr, "the subnets are not shared with 999999999999")
	rs := r.Resources()
	db := testkit.Named(t, rs, "aws:rds/subnetGroup:SubnetGroup", "db")
	assert.Equal(t, []any{"subnet-0a", "subnet-0b"}, testkit.Value(db, "subnetIds"))
	assert.Equal(t, []string{
		testkit.Named(t, rs, "aws:ram/principalAssociation:PrincipalAssociation", "prod-subnets-principal-444455556666").URN,
		testkit.Named(t, rs, "aws:ram/resourceAssociation:ResourceAssociation", "prod-subnets-subnet-0").URN,
		testkit.Named(t, rs, "aws:ram/resourceAssociation:ResourceAssociation", "prod-subnets-subnet-1").URN,
	}, db.Dependencies, "its own account's association and every subnet's, and not another participant's")
}

func TestBadArgs(t *testing.T) {
	cases := map[string]struct {
		edit func(*sharedsubnets.Args)
		want []string
	}{
		"no subnets":         {func(a *sharedsubnets.Args) { a.Subnets = nil }, []string{`subnets: is required`}},
		"subnet without arn": {func(a *sharedsubnets.Args) { a.Subnets[1].ARN = nil }, []string{`subnets[1]: needs both an ID and an ARN`}},
		"no principals":      {func(a *sharedsubnets.Args) { a.Principals = nil }, []string{`principals: is required`}},
		"external principal": {func(a *sharedsubnets.Args) { a.Principals = []string{"arn:aws:iam::999999999999:root"} },
			[]string{`principals[0]: "arn:aws:iam::999999999999:root" is not an account ID, OU ARN or organization ARN; subnets can only be shared inside the organization`}},
		"owner as principal": {func(a *sharedsubnets.Args) { a.Principals = []string{owner} }, []string{`principals[0]: "111122223333" is the owner account itself`}},
		"duplicate":          {func(a *sharedsubnets.Args) { a.Principals = []string{"444455556666", "444455556666"} }, []string{`principals[1]: "444455556666" is listed twice`}},
		"bad owner":          {func(a *sharedsubnets.Args) { a.Owner.Region = "Virginia" }, []string{`owner.region: "Virginia" is not an AWS region code`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, _ := runShare(t, testkit.Run, c.edit)
			testkit.RequireRejected(t, r, `SharedSubnets "prod-subnets"`, c.want...)
		})
	}
}

func TestPreview(t *testing.T) {
	r, _ := runShare(t, testkit.Preview, func(*sharedsubnets.Args) {})
	require.NoError(t, r.Err)
	for _, a := range testkit.OfType(r.Resources(), "aws:ram/resourceAssociation:ResourceAssociation") {
		assert.Empty(t, testkit.Input(a, "resourceShareArn"), "the share ARN is unknown in a preview")
	}
}
