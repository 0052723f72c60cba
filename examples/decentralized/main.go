// Command decentralized is a standalone Pulumi project: a cluster per
// workload account from its stack file, plus the ml account's own data (an
// S3 bucket, a DynamoDB table and a database subnet group in the subnets
// the network account shares with it), which its trainer service account
// may read and write, and nothing else.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/examples/workloaddata"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		estate, err := stacks.Run(ctx, stacks.Options{})
		if err != nil {
			return err
		}
		for _, name := range []string{"ml", "ml-dev"} {
			if t, ok := estate.Tenants[name]; ok {
				if err := workloaddata.New(ctx, name, workloaddata.Args{
					Account: t.Account, Tenant: t.WorkloadAccount, ServiceAccount: 0, Share: t.Share,
				}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
