// Package providers builds the explicit provider of every AWS account the
// library acts in, and describes an account to the components.
//
// It is the only place that creates account providers. Each one assumes the
// deploy role of its account, is pinned to that account with
// AllowedAccountIds (so a provider pointed at the wrong credentials fails
// instead of creating resources in the wrong account), has an explicit
// region and carries the default tags. Explicit providers do not read the
// aws:* stack configuration, so nothing leaks in from there.
package providers

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Account is an AWS account and region as the components see it: its ID,
// its region and the provider bound to it. Components take Account values
// instead of bare providers so that the ID they write into policies and the
// provider they create resources with cannot disagree.
type Account struct {
	// AccountRegion is the account's ID and region, from which its ARNs
	// are built. Required, both.
	partition.AccountRegion
	// Provider is the aws provider bound to this account and region.
	// Required: no resource may fall back to a default provider.
	Provider pulumi.ProviderResource
}

// Check records a problem for every field of the account that is missing or
// malformed, under the key path prefix.
func (a Account) Check(prefix string, ps *validate.Problems) {
	if !validate.IsAccountID(a.ID) {
		ps.Add(validate.Path(prefix, "id"), a.ID, "is not a 12-digit AWS account ID")
	}
	if !validate.IsRegion(a.Region) {
		ps.Add(validate.Path(prefix, "region"), a.Region, "is not an AWS region code such as us-east-1")
	}
	if a.Provider == nil {
		ps.Add(validate.Path(prefix, "provider"), nil, "is required: every resource needs the explicit provider of its account")
	}
}
