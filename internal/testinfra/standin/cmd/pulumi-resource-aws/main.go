// Command pulumi-resource-aws is the stand-in for the pulumi-aws provider
// plugin, for the real-engine tier only: scripts/standin.sh builds it and
// installs it into the tier's own PULUMI_HOME, where the engine loads it as
// resource-aws v6.83.4. It refuses to run without the tier's world.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/aws"
)

func main() {
	err := provider.Main("aws", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return aws.New()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
