// Package partition holds the facts of AWS partitions that ARNs and
// endpoints are built from: a leaf, so that the trust policies and the
// account providers need nothing of each other for them.
package partition

import "strings"

// Of returns the ARN partition of an AWS region: aws-cn for China,
// aws-us-gov for GovCloud, the ISO partitions for theirs, aws otherwise.
func Of(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
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
