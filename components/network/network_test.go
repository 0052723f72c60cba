package network_test

import (
	"fmt"
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

// zoneIDs returns the zone ID of each subnet of a kind ("private",
// "public"), in order.
func zoneIDs(r testkit.Result, kind string, n int) []string {
	var out []string
	for i := range n {
		for _, s := range testkit.OfType(r.Resources(), "aws:ec2/subnet:Subnet") {
			if s.Name == fmt.Sprintf("net-%s-%d", kind, i) {
				out = append(out, testkit.Input(s, "availabilityZoneId"))
			}
		}
	}
	return out
}

func TestAVPCSpansTheZonesAskedForByID(t *testing.T) {
	// us-east-1 has six availability zones, a Local Zone and a Wavelength
	// Zone; EKS runs no clusters in use1-az3.
	r := testkit.Run(t, vpcIn("us-east-1", 5))
	require.NoError(t, r.Err)
	want := []string{"use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}
	assert.Equal(t, want, zoneIDs(r, "private", 5))
	assert.Equal(t, want, zoneIDs(r, "public", 5), "each zone's public subnet beside its private one")
	for _, s := range testkit.OfType(r.Resources(), "aws:ec2/subnet:Subnet") {
		assert.Empty(t, testkit.Input(s, "availabilityZone"), "%s: never by name", s.Name)
	}
}

func TestARegionWithFewerZonesIsRefused(t *testing.T) {
	for _, c := range []struct {
		region string
		zones  int
		want   string
	}{
		// us-west-1 offers new accounts two zones.
		{"us-west-1", 3, "region us-west-1 of account 111122223333 has 2 availability zones where EKS runs clusters ([usw1-az1 usw1-az3]), fewer than the 3 asked for"},
		// us-east-1's sixth zone is use1-az3, where EKS runs no clusters.
		{"us-east-1", 6, "region us-east-1 of account 111122223333 has 5 availability zones where EKS runs clusters ([use1-az1 use1-az2 use1-az4 use1-az5 use1-az6]), fewer than the 6 asked for"},
	} {
		r := testkit.Run(t, vpcIn(c.region, c.zones))
		require.Error(t, r.Err, c.region)
		assert.Contains(t, r.Err.Error(), c.want)
		assert.Empty(t, testkit.OfType(r.Resources(), "aws:ec2/vpc:Vpc"), "nothing is created")
	}
}

func TestClusterZonesMustBeOnesEKSRunsClustersIn(t *testing.T) {
	assert.NoError(t, network.CheckClusterZones("us-east-1", []string{"use1-az1", "use1-az2"}, "subnets"))
	err := network.CheckClusterZones("us-east-1", []string{"use1-az1", "use1-az3"}, "network stack acme/vending/network")
	require.Error(t, err)
	assert.Equal(t, "network stack acme/vending/network: subnets in zone [use1-az3], where EKS refuses cluster subnets in us-east-1 (UnsupportedAvailabilityZoneException)", err.Error())
	err = network.CheckClusterZones("eu-west-1", []string{"euw1-az1", "euw1-az1"}, "subnets")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "subnets span 1 zone ID(s) [euw1-az1]; EKS needs subnets in at least 2")
}
