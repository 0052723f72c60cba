// Command centralized is a standalone Pulumi project: the centralized model
// from its stack file, plus the payroll workload account's own data (an S3
// bucket, a DynamoDB table and a database subnet group in the subnets its
// cluster account shares with it), which its payroll-app service account
// may read and write, and nothing else.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/examples"
)

func main() {
	pulumi.Run(examples.Centralized())
}
