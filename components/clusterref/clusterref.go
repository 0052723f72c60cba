// Package clusterref describes an EKS cluster to the components that place
// things on it (WorkloadAccount, CrossAccountRole). ClusterAccount returns
// one; a stack that reads a cluster from another stack's outputs can build
// one from them.
package clusterref

import (
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Cluster is one EKS cluster: where it is and how to reach it.
type Cluster struct {
	// Name is the cluster's EKS name. Required.
	Name string
	// Account is the cluster account, with its provider. Required.
	Account providers.Account
	// KubernetesProvider creates objects inside the cluster. Required.
	KubernetesProvider pulumi.ProviderResource
	// OIDCIssuerURL is the cluster's OIDC issuer (https://oidc.eks...).
	// Required for IRSA.
	OIDCIssuerURL pulumi.StringInput
	// SharedChainingRole is the cluster's shared Pod Identity chaining role,
	// nil when the cluster has none.
	SharedChainingRole *ChainingRole
	// FargateNamespaces are the namespaces whose pods run on Fargate, where
	// Pod Identity does not work. Optional.
	FargateNamespaces []string
}

// ChainingRole is a role in the cluster account that Pod Identity sessions
// start from before they chain into a workload account.
type ChainingRole struct {
	// Name is the role's name.
	Name string
	// ARN is the role's ARN, known before it is created.
	ARN string
	// UniqueID is the role's unique ID (AROA...), known once it exists.
	UniqueID pulumi.StringInput
}

// ARN returns the cluster's ARN.
func (c Cluster) ARN() string { return c.Account.EKSClusterARN(c.Name) }

// RunsOnFargate reports whether pods in namespace run on Fargate.
func (c Cluster) RunsOnFargate(namespace string) bool {
	for _, ns := range c.FargateNamespaces {
		if ns == namespace {
			return true
		}
	}
	return false
}

var clusterNamePattern = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)

// IsClusterName reports whether s is a valid EKS cluster name.
func IsClusterName(s string) bool { return clusterNamePattern.MatchString(s) }

// Check records every problem with the cluster description under prefix.
func (c Cluster) Check(prefix string, ps *validate.Problems) {
	if !IsClusterName(c.Name) {
		ps.Add(validate.Path(prefix, "name"), c.Name, "is not an EKS cluster name (1-100 letters, digits, - and _, starting with a letter or digit)")
	}
	c.Account.Check(validate.Path(prefix, "account"), ps)
	if c.KubernetesProvider == nil {
		ps.Missing(validate.Path(prefix, "kubernetesProvider"))
	}
}
