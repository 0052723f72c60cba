// Command eks-multi-account is the root Pulumi program: `pulumi up` here
// runs the model that the stack's configuration names (organization,
// centralized or decentralized), from Pulumi.<env>.yaml alone.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/stacks"
)

func main() {
	pulumi.Run(stacks.Program(stacks.Options{}))
}
