package network_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// vpcIn creates a VPC of zones zones in region.
func vpcIn(region string, zones int) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		account, err := testkit.Account(ctx, "111122223333", region)
		if err != nil {
			return err
		}
		_, err = network.New(ctx, "net", network.Args{Account: account, CIDR: "10.0.0.0/16", AvailabilityZones: zones, NamePrefix: "net"}, nil)
		return err
	}
}

func TestAVPCSpansTheZonesAskedFor(t *testing.T) {
	r := testkit.Run(t, vpcIn("us-east-1", 6))
	require.NoError(t, r.Err)
	zones := map[string]bool{}
	for _, s := range testkit.OfType(r.Resources(), "aws:ec2/subnet:Subnet") {
		zones[testkit.Input(s, "availabilityZone")] = true
	}
	assert.Len(t, zones, 6)
}

func TestARegionWithFewerZonesIsRefused(t *testing.T) {
	// us-west-1 offers new accounts two zones.
	r := testkit.Run(t, vpcIn("us-west-1", 3))
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), "region us-west-1 has 2 available zones, fewer than the 3 asked for")
	assert.Empty(t, testkit.OfType(r.Resources(), "aws:ec2/vpc:Vpc"), "nothing is created")
}
