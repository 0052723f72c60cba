package mockengine

import "strings"

// The mock engine answers as AWS would from facts written here, not from
// the helpers of the code it checks: a shared helper could not catch its
// own mistake.

// regionFacts is what AWS says of one region.
type regionFacts struct {
	// zones is how many availability zones an account can use there.
	zones int
}

// regions are the availability zone counts AWS publishes
// (https://aws.amazon.com/about-aws/global-infrastructure/regions_az/ and
// each region's `aws ec2 describe-availability-zones`), as of late 2026.
// us-west-1 and ap-northeast-1 have one more zone that new accounts cannot
// use. A region missing here has three, the most common count.
var regions = map[string]regionFacts{
	"us-east-1": {6}, "us-east-2": {3}, "us-west-1": {2}, "us-west-2": {4},
	"ca-central-1": {3}, "sa-east-1": {3},
	"eu-central-1": {3}, "eu-west-1": {3}, "eu-west-2": {3}, "eu-west-3": {3}, "eu-north-1": {3}, "eu-south-1": {3},
	"ap-northeast-1": {3}, "ap-northeast-2": {4}, "ap-northeast-3": {3}, "ap-southeast-1": {3}, "ap-southeast-2": {3},
	"ap-south-1": {3}, "ap-east-1": {3}, "me-south-1": {3}, "af-south-1": {3},
	"cn-north-1": {3}, "cn-northwest-1": {3}, "us-gov-west-1": {3}, "us-gov-east-1": {3},
}

// zonesIn is how many availability zones a region offers.
func zonesIn(region string) int {
	if f, ok := regions[region]; ok {
		return f.zones
	}
	return 3
}

// partitionOf is the AWS partition of a region
// (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
func partitionOf(region string) string {
	for _, p := range []struct{ prefix, partition string }{
		{"cn-", "aws-cn"}, {"us-gov-", "aws-us-gov"}, {"us-isob-", "aws-iso-b"}, {"us-iso-", "aws-iso"},
		{"eu-isoe-", "aws-iso-e"}, {"us-isof-", "aws-iso-f"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// dnsSuffixOf is the DNS suffix of a region's service endpoints.
func dnsSuffixOf(region string) string {
	switch partitionOf(region) {
	case "aws-cn":
		return "amazonaws.com.cn"
	case "aws-iso":
		return "c2s.ic.gov"
	case "aws-iso-b":
		return "sc2s.sgov.gov"
	}
	return "amazonaws.com"
}
