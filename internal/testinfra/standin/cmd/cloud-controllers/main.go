// Command cloud-controllers plays, for the real-engine tier only, the
// controllers that make AWS load balancers for the stand-in EKS clusters'
// Services of type LoadBalancer: on every API server of the tier's pool
// that serves a cluster, it makes the load balancer, its security group
// and network interfaces in the cluster's world, and deletes them when the
// Service goes (world.RunLoadBalancerControllers). scripts/standin.sh
// starts it beside the API servers.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// interval is how often the controllers look at every server's Services.
const interval = 250 * time.Millisecond

func main() {
	file := os.Getenv(world.PoolEnv)
	if file == "" {
		fmt.Fprintf(os.Stderr, "cloud-controllers runs only in the tier, with %s set\n", world.PoolEnv)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	world.RunLoadBalancerControllers(ctx, world.OpenPool(file), interval, os.Stderr)
}
