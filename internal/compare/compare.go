// Package compare puts stacks side by side on the rows of the AWS guide's
// comparison of the two models (networking, cost, blast radius, quotas,
// Kubernetes access management), each computed from a stack's plan.
package compare

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// Resource types the comparison counts.
const (
	namespaceType   = "kubernetes:core/v1:Namespace"
	adminPolicyType = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
	// clusterAdminPolicy is EKS's access policy that makes a principal a
	// cluster administrator, when its scope is the cluster.
	clusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	// creator stands for the principal that creates a cluster, the deploy
	// role: EKS makes it a cluster administrator unless
	// accessConfig.bootstrapClusterCreatorAdminPermissions is false
	// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessConfigRequest.html).
	creator = "the cluster's creator (the deploy role)"
)

// Row is one stack on the guide's rows.
type Row struct {
	// Project and Stack name the stack.
	Project string `json:"project"`
	Stack   string `json:"stack"`
	// Model is centralized or decentralized.
	Model string `json:"model"`
	// Clusters, VPCs, NATGateways and TransitGatewayAttachments count what
	// the stack creates (networking and cluster setups).
	Clusters                  int `json:"clusters"`
	VPCs                      int `json:"vpcs"`
	NATGateways               int `json:"natGateways"`
	TransitGatewayAttachments int `json:"transitGatewayAttachments"`
	// Monthly is the fixed monthly cost at list prices (plan --cost).
	Monthly float64 `json:"monthly"`
	// Unpriced counts the lines Monthly leaves out; Monthly is then a
	// lower bound.
	Unpriced int `json:"unpriced"`
	// TenantsPerCluster is the most tenants on any one cluster: how many
	// teams one cluster's failure or compromise reaches (blast radius).
	TenantsPerCluster int `json:"tenantsPerCluster"`
	// MostNamespaces and MostNodeGroups are the most Kubernetes namespaces
	// and node groups the stack creates on any one cluster (quota
	// headroom).
	MostNamespaces int `json:"mostNamespaces"`
	MostNodeGroups int `json:"mostNodeGroups"`
	// ClusterAdmins is the most cluster-admin principals on any one
	// cluster, its creator included (Kubernetes access management).
	ClusterAdmins int `json:"clusterAdmins"`
}

// Of returns a stack's row, from its plan with its cost.
func Of(doc *plan.Document) Row {
	row := Row{Project: doc.Project, Stack: doc.Stack, Model: doc.Model}
	if doc.Cost != nil {
		row.Monthly, row.Unpriced = doc.Cost.Total, len(doc.Cost.Unpriced)
	}
	tenants, namespaces, nodeGroups := map[string]int{}, map[string]int{}, map[string]int{}
	admins := map[string]map[string]bool{}
	admit := func(cluster, principal string) {
		if admins[cluster] == nil {
			admins[cluster] = map[string]bool{}
		}
		admins[cluster][principal] = true
	}
	for _, r := range doc.Resources {
		switch r.Type {
		case plan.ClusterType:
			row.Clusters++
			name := str(r.Inputs["name"])
			if bootstrap, ok := r.Inputs["bootstrapClusterCreatorAdminPermissions"].(bool); !ok || bootstrap {
				admit(name, creator)
			}
			entries, _ := r.Inputs["accessEntries"].(map[string]any)
			for _, e := range entries {
				entry, _ := e.(map[string]any)
				policies, _ := entry["accessPolicies"].(map[string]any)
				for _, p := range policies {
					if isClusterAdmin(p) {
						admit(name, str(entry["principalArn"]))
					}
				}
			}
		case plan.VPCType:
			row.VPCs++
		case plan.NATGatewayType:
			row.NATGateways++
		case plan.TGWAttachmentType:
			row.TransitGatewayAttachments++
		case namespaceType:
			namespaces[r.Cluster]++
			if t := resource.URN(r.Parent).Type(); t == workloadaccount.Type || t == tenancy.Type {
				tenants[r.Cluster]++
			}
		case plan.NodeGroupType:
			nodeGroups[str(r.Inputs["clusterName"])]++
		case adminPolicyType:
			if isClusterAdmin(r.Inputs) {
				admit(str(r.Inputs["clusterName"]), str(r.Inputs["principalArn"]))
			}
		}
	}
	row.TenantsPerCluster, row.MostNamespaces, row.MostNodeGroups = most(tenants), most(namespaces), most(nodeGroups)
	for _, principals := range admins {
		row.ClusterAdmins = max(row.ClusterAdmins, len(principals))
	}
	return row
}

// isClusterAdmin reports whether an access policy (an access entry's, or
// an association's inputs) is the cluster-admin policy on the cluster.
func isClusterAdmin(p any) bool {
	policy, _ := p.(map[string]any)
	scope, _ := policy["accessScope"].(map[string]any)
	return str(policy["policyArn"]) == clusterAdminPolicy && str(scope["type"]) == "cluster"
}

// most returns the largest count, 0 for none.
func most(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n = max(n, c)
	}
	return n
}

// str returns v as a string, "" when it is not one.
func str(v any) string {
	s, _ := v.(string)
	return s
}
