// Package partition holds the facts of AWS partitions that ARNs and
// endpoints are built from: a leaf, so that the trust policies and the
// account providers need nothing of each other for them.
package partition

import (
	"cmp"
	"strings"
)

// partitions are the regions' name prefixes of every partition but aws,
// a longer prefix before a shorter one it starts with.
var partitions = []struct{ regionPrefix, partition string }{
	{"cn-", "aws-cn"}, {"us-gov-", "aws-us-gov"}, {"us-isob-", "aws-iso-b"},
	{"us-iso-", "aws-iso"}, {"eu-isoe-", "aws-iso-e"}, {"us-isof-", "aws-iso-f"},
}

// Of returns the ARN partition of an AWS region: aws-cn for China,
// aws-us-gov for GovCloud, the ISO partitions for theirs, aws otherwise.
func Of(region string) string {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.regionPrefix) {
			return p.partition
		}
	}
	return "aws"
}

// DNSSuffix returns the DNS suffix of a region's partition.
func DNSSuffix(region string) string {
	switch Of(region) {
	case "aws-cn":
		return "amazonaws.com.cn"
	case "aws-iso":
		return "c2s.ic.gov"
	case "aws-iso-b":
		return "sc2s.sgov.gov"
	}
	return "amazonaws.com"
}

// AccountRegion is an account ID and a region: all that the ARNs of what
// lives there are built from, known before anything exists.
type AccountRegion struct {
	// ID is the 12-digit account ID.
	ID string
	// Region is the region, such as "us-east-1".
	Region string
}

// Partition returns the ARN partition of the region.
func (a AccountRegion) Partition() string { return Of(a.Region) }

// RoleARN returns the ARN of the role called name under path ("/" or
// "/a/b/") in the account.
func (a AccountRegion) RoleARN(path, name string) string {
	return "arn:" + a.Partition() + ":iam::" + a.ID + ":role" + cmp.Or(path, "/") + name
}

// RolePathARN returns the ARN pattern that matches every role under path in
// the account: arn:aws:iam::<id>:role/<path>/*.
func (a AccountRegion) RolePathARN(path string) string { return a.RoleARN(path, "*") }

// EKSClusterARN returns the ARN of the EKS cluster called name in the
// account and region.
func (a AccountRegion) EKSClusterARN(name string) string { return a.EKSARN("cluster/" + name) }

// EKSARN returns the ARN (or ARN pattern) of an EKS resource in the
// account and region, such as "fargateprofile/prod/*".
func (a AccountRegion) EKSARN(resource string) string {
	return "arn:" + a.Partition() + ":eks:" + a.Region + ":" + a.ID + ":" + resource
}

// OIDCProviderARN returns the ARN of the account's IAM OIDC identity
// provider for an issuer, given as host and path without the scheme.
func (a AccountRegion) OIDCProviderARN(issuerHostPath string) string {
	return "arn:" + a.Partition() + ":iam::" + a.ID + ":oidc-provider/" + issuerHostPath
}
