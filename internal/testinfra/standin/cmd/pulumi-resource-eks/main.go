// Command pulumi-resource-eks is the stand-in for the pulumi-eks provider
// plugin, for the real-engine tier only: scripts/standin.sh builds it and
// installs it into the tier's own PULUMI_HOME, where the engine loads it as
// resource-eks v2.8.1. It refuses to run without the tier's world.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/aws"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/eks"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	dir := os.Getenv(aws.WorldEnv)
	if dir == "" {
		return fmt.Errorf("this is the stand-in for pulumi-eks of eks-multi-account's test tier; it runs only with %s set", aws.WorldEnv)
	}
	w, err := world.Open(dir)
	if err != nil {
		return err
	}
	pool := world.OpenPool(os.Getenv(world.PoolEnv))
	return provider.ComponentMain("eks", eks.Version, []byte(`{"name":"eks","version":"`+eks.Version+`"}`), eks.Construct(w, pool))
}
