// Command organization is a standalone Pulumi project: the organization
// stack, deployed once per AWS organization before any other stack of it
// (RAM sharing with the organization, and the service and resource control
// policies that guard the EKS Pod Identity tags).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/stacks"
)

func main() {
	pulumi.Run(stacks.Program(stacks.Options{}))
}
