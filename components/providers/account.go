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
	"fmt"
	"github.com/eks-multi-account/eks-multi-account/components/partition"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Account is an AWS account and region as the components see it: its ID,
// its region and the provider bound to it. Components take Account values
// instead of bare providers so that the ID they write into policies and the
// provider they create resources with cannot disagree.
type Account struct {
	// ID is the 12-digit account ID. Required.
	ID string
	// Region is the region the provider creates regional resources in, such
	// as "us-east-1". Required.
	Region string
	// Provider is the aws provider bound to this account and region.
	// Required: no resource may fall back to a default provider.
	Provider pulumi.ProviderResource
}

// Partition returns the ARN partition of the account's region.
func (a Account) Partition() string { return partition.Of(a.Region) }

// RoleARN returns the ARN of the role called name under path ("/" or
// "/a/b/") in this account.
func (a Account) RoleARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", a.Partition(), a.ID, path, name)
}

// RolePathARN returns the ARN pattern that matches every role under path in
// this account: arn:aws:iam::<id>:role/<path>/*.
func (a Account) RolePathARN(path string) string {
	return a.RoleARN(path, "*")
}

// EKSClusterARN returns the ARN of the EKS cluster called name in this
// account and region.
func (a Account) EKSClusterARN(name string) string {
	return fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", a.Partition(), a.Region, a.ID, name)
}

// OIDCProviderARN returns the ARN of this account's IAM OIDC identity
// provider for an issuer, given as host and path without the scheme.
func (a Account) OIDCProviderARN(issuerHostPath string) string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", a.Partition(), a.ID, issuerHostPath)
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
