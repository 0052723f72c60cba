// Command decentralized is a standalone Pulumi project: a cluster per
// workload account from its stack file, plus the ml account's own data (an
// S3 bucket, a DynamoDB table and a database subnet group in the subnets
// the network account shares with it), which its trainer service account
// may read and write, and nothing else.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/examples"
)

func main() {
	pulumi.Run(examples.Decentralized())
}
