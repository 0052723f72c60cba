//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/drive"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// leftovers lists, as created lists them, what the world holds beyond what
// the organization held before any stack: what stacks created and what AWS
// made along with them (network interfaces, load balancers and their
// security groups), but not the KMS keys pending deletion.
func leftovers(s *world.State) []string {
	var out []string
	for _, o := range s.Leftovers() {
		out = append(out, o.String())
	}
	return out
}

// report is the world's leftovers report, for a failure's message.
func report(s *world.State) string {
	var b strings.Builder
	drive.Leftovers(s, &b)
	return b.String()
}

// tenantService is a Service of type LoadBalancer as a tenant's repository
// would have Flux apply it: internal, in the subnets it names (the
// annotation the README shows for subnets shared from another account),
// for the AWS Load Balancer Controller when nlb is set, else for the cloud
// provider's service controller.
func tenantService(name string, subnets []string, nlb bool) map[string]any {
	annotations := map[string]any{
		"service.beta.kubernetes.io/aws-load-balancer-subnets":  strings.Join(subnets, ","),
		"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
	}
	if nlb {
		annotations["service.beta.kubernetes.io/aws-load-balancer-type"] = "external"
		annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] = "internal"
	}
	return map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": name, "annotations": annotations},
		"spec": map[string]any{
			"type": "LoadBalancer", "selector": map[string]any{"app": name},
			"ports": []any{map[string]any{"port": 443, "targetPort": 8443}},
		},
	}
}

// tenantLoadBalancers has every tenant namespace of every cluster of the
// world create two Services of type LoadBalancer, outside any stack's
// state, one for each controller, and waits until AWS has made their load
// balancers. It returns how many it made.
func (o *organization) tenantLoadBalancers(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	type wanted struct{ cluster, service string }
	var want []wanted
	for _, server := range o.heldServers(t) {
		var subnets []string
		for _, c := range o.state(t).Select("aws:eks/cluster:Cluster", nil) {
			if c.Str("arn") == server.Cluster {
				vpc, _ := c.Prop("vpcConfig").(map[string]any)
				for _, id := range vpc["subnetIds"].([]any) {
					subnets = append(subnets, id.(string))
				}
			}
		}
		require.NotEmpty(t, subnets, "cluster %s", server.Cluster)
		namespaces, err := server.Namespaces(ctx, "eks-multi-account/tenant")
		require.NoError(t, err)
		require.NotEmpty(t, namespaces, "cluster %s has tenants", server.Cluster)
		for _, ns := range namespaces {
			for _, svc := range []struct {
				name string
				nlb  bool
			}{{"web", true}, {"legacy", false}} {
				require.NoError(t, server.Create(ctx, "/api/v1/namespaces/"+ns+"/services", tenantService(svc.name, subnets, svc.nlb)))
				want = append(want, wanted{server.Cluster, ns + "/" + svc.name})
			}
		}
	}
	require.Eventually(t, func() bool {
		s := o.state(t)
		for _, w := range want {
			if s.LoadBalancerOf(w.cluster, w.service) == nil {
				return false
			}
		}
		return true
	}, time.Minute, 250*time.Millisecond, "AWS makes a load balancer for each of %d Services (the tier's cloud-controllers; log in $EKS_MA_STANDIN_DIR/logs)", len(want))
	return len(want)
}

// requireOnlyLeftovers holds that the world holds nothing beyond what
// the organization held before any stack but the objects of want.
func requireOnlyLeftovers(t *testing.T, s *world.State, want []string, what string) {
	t.Helper()
	require.ElementsMatch(t, want, leftovers(s), fmt.Sprintf("%s leaves only these; the leftovers report:\n%s", what, report(s)))
}
