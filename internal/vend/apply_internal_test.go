package vend

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// A checkpoint read while another vend writes it is waited out like the
// engine's concurrent-update error; other errors are not.
func TestAnotherVendIsWriting(t *testing.T) {
	assert.True(t, anotherVendIsWriting(errors.New("unable to set tag: exit status 1\nstderr: error: failed to load checkpoint: EOF")))
	assert.False(t, anotherVendIsWriting(errors.New("EntityAlreadyExists")))
	assert.False(t, anotherVendIsWriting(nil))
}

// The network stack keeps, for the stacks not retired, the share of its
// subnets with those on shared networking and of its transit gateway with
// those whose dedicated VPCs are in its region; a dedicated stack in
// another region is attached to nothing and keeps nothing.
func TestKeptStacksKeepTheirShares(t *testing.T) {
	existing := map[string]map[string]string{
		"shared":    {tagAccount: "111111111111", tagNetworking: config.Shared, tagRegion: "us-west-2"},
		"routed":    {tagAccount: "222222222222", tagNetworking: config.Dedicated, tagRegion: "us-west-2", tagVpcCIDR: "10.128.0.0/20"},
		"elsewhere": {tagAccount: "333333333333", tagNetworking: config.Dedicated, tagRegion: "us-east-1", tagVpcCIDR: "10.128.16.0/20"},
	}
	kept := keptAmong(existing, []string{"elsewhere", "routed", "shared"}, "us-west-2")
	assert.Equal(t, []config.SharedAccount{{AccountID: "111111111111", Cluster: "shared"}}, kept.Kept)
	assert.Equal(t, []config.SharedAccount{{AccountID: "222222222222", Cluster: "routed"}}, kept.KeptRouted)
	assert.Equal(t, vending.Allocations{"routed": "10.128.0.0/20", "elsewhere": "10.128.16.0/20"}, kept.Allocations)
}
