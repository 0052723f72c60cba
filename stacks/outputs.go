package stacks

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// Estate is what a stack created, for programs that add their own
// resources to it (a workload account's buckets and tables, say), and the
// stack outputs a user needs afterwards: per cluster its name, ARN, OIDC
// issuer and kubeconfig (secret); per tenant its namespace and role ARNs;
// per share its ARN and subnets.
type Estate struct {
	// Clusters by cluster account name (centralized) or workload account
	// name (de-centralized).
	Clusters map[string]*clusteraccount.ClusterAccount
	// Tenants by workload account name.
	Tenants map[string]*Tenant
	// Shares by the name of the account that owns the subnets.
	Shares map[string]*sharedsubnets.SharedSubnets
	// Organization is what the organization stack created; nil in the
	// other models.
	Organization *guardrails.Guardrails
	// GuardedAccounts are the member accounts the organization stack's
	// guardrails bind, read through Organizations when it deploys; nil in
	// the other models.
	GuardedAccounts []string

	// Network is a network stack's output, what vended clusters read by
	// stack reference; nil in the other models.
	Network pulumi.Map

	clusters, tenants, shares pulumi.Map
	guardTargets              []string
}

// Tenant is one workload account as the stack created it.
type Tenant struct {
	*workloadaccount.WorkloadAccount
	// Account is the workload account, with the provider the stack uses.
	Account providers.Account
	// Share holds the subnets shared with the account, nil when none are.
	Share *sharedsubnets.SharedSubnets
}

func newEstate() *Estate {
	return &Estate{
		Clusters: map[string]*clusteraccount.ClusterAccount{}, Tenants: map[string]*Tenant{},
		Shares: map[string]*sharedsubnets.SharedSubnets{}, clusters: pulumi.Map{}, tenants: pulumi.Map{}, shares: pulumi.Map{},
	}
}

func (o *Estate) cluster(key string, c *clusteraccount.ClusterAccount) {
	o.Clusters[key] = c
	o.clusters[key] = pulumi.Map{
		"name":          c.ClusterName,
		"arn":           c.ClusterArn,
		"oidcIssuerUrl": c.OIDCIssuerURL,
		"kubeconfig":    c.Kubeconfig,
	}
}

func (o *Estate) tenant(key string, t *Tenant) {
	o.Tenants[key] = t
	o.tenants[key] = pulumi.Map{"namespace": t.Namespace, "roleArns": t.RoleArns}
}

func (o *Estate) share(key string, s *sharedsubnets.SharedSubnets) {
	o.Shares[key] = s
	o.shares[key] = pulumi.Map{"arn": s.ShareArn, "subnetIds": s.SubnetIDs}
}

// Outputs are the stack outputs Run exports, by name: the guardrail
// policies' IDs, targets and guarded accounts of an organization stack
// (OrganizationOutput), the network and its share of a network stack
// (NetworkOutput, shares), or the clusters, tenants and shares.
func (o *Estate) Outputs() pulumi.Map {
	if g := o.Organization; g != nil {
		return pulumi.Map{OrganizationOutput: pulumi.Map{
			"serviceControlPolicyId":  g.ServiceControlPolicyID,
			"resourceControlPolicyId": g.ResourceControlPolicyID,
			"targetIds":               pulumi.ToStringArray(o.guardTargets),
			"guardedAccounts":         pulumi.ToStringArray(o.GuardedAccounts),
		}}
	}
	if o.Network != nil {
		return pulumi.Map{NetworkOutput: o.Network, "shares": o.shares}
	}
	return pulumi.Map{ClustersOutput: o.clusters, "tenants": o.tenants, "shares": o.shares}
}

// export registers the outputs on the stack, in the order of their names.
func (o *Estate) export(ctx *pulumi.Context) {
	outputs := o.Outputs()
	for _, name := range slices.Sorted(maps.Keys(outputs)) {
		ctx.Export(name, outputs[name])
	}
}
