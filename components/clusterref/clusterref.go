// Package clusterref describes an EKS cluster to the components that place
// things on it (WorkloadAccount, CrossAccountRole). ClusterAccount returns
// one; a stack that reads a cluster from another stack's outputs can build
// one from them.
package clusterref

import (
	"regexp"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Cluster is one EKS cluster: where it is and how to reach it.
//
// What names the cluster or its roles comes twice: as plain values known
// when the program starts (Name, Account), from which names, ARNs and
// policy conditions are built and checked, and as outputs of the
// resources themselves (ClusterName, the chaining role's fields), which a
// resource that names them must take so that it waits for them. A plain
// string carries no dependency: on AWS the create would race the thing it
// names.
type Cluster struct {
	// Name is the cluster's configured EKS name. Required.
	Name string
	// ClusterName is the cluster's name as the cluster resource gives it.
	// Required: access entries and Pod Identity associations take it, so
	// they are created once the cluster exists.
	ClusterName pulumi.StringInput
	// Account is the cluster account, with its provider. Required.
	Account providers.Account
	// KubernetesProvider creates objects inside the cluster. Required.
	KubernetesProvider pulumi.ProviderResource
	// Platform is what runs the cluster's controllers and must outlive its
	// tenants' namespaces: node groups, Fargate profiles, add-ons, and the
	// platform's charts. A tenant's namespace waits for it, so that a
	// destroy deletes the namespace, and waits until Kubernetes has
	// finished with it (finalizers included), before any of it. Optional.
	Platform []pulumi.Resource
	// OIDCIssuerURL is the cluster's OIDC issuer (https://oidc.eks...).
	// Required for IRSA.
	OIDCIssuerURL pulumi.StringInput
	// OIDCProviderARN is the cluster account's own IAM OIDC provider for
	// the issuer (pulumi-eks creates it). Required for IRSA roles in the
	// cluster's own account, which trust it rather than a second provider
	// for the same issuer (IAM refuses one).
	OIDCProviderARN pulumi.StringInput
	// SharedChainingRole is the cluster's shared Pod Identity chaining
	// role, nil when the cluster has none.
	SharedChainingRole *ChainingRole
	// FargateNamespaces are the namespaces whose pods run on Fargate, where
	// Pod Identity does not work. Optional.
	FargateNamespaces []string
	// AccessEntries are the principals that already have an access entry on
	// the cluster; a tenant's admins must be others. Optional.
	AccessEntries []AccessEntry
}

// AccessEntry is an IAM principal with an access entry on a cluster.
type AccessEntry struct {
	// PrincipalARN is the principal.
	PrincipalARN string
	// Path is the key path of the value that asks for the entry; empty for
	// an entry EKS or pulumi-eks creates on its own.
	Path string
	// Holder says whose entry it is, for messages: a key path, or what
	// creates it.
	Holder string
}

// CheckAccessEntries records a problem, at its key path, for every entry
// whose principal an earlier entry already has: EKS refuses a second access
// entry for one IAM principal on a cluster.
func CheckAccessEntries(entries []AccessEntry, ps *validate.Problems) {
	first := map[string]string{}
	for _, e := range entries {
		key := validate.PrincipalKey(e.PrincipalARN)
		if holder, ok := first[key]; ok && e.Path != "" {
			ps.Addf(e.Path, e.PrincipalARN, "already has an access entry on the cluster, as %s; EKS allows one per IAM principal", holder)
			continue
		}
		first[key] = e.Holder
	}
}

// CheckAdmins records every admin (of a cluster or of a namespace) that is
// not an IAM role ARN, at path[i].
func CheckAdmins(path string, arns []string, ps *validate.Problems) {
	for i, arn := range arns {
		if !validate.IsIAMRoleARN(arn) {
			ps.Add(validate.Index(path, i), arn, "is not an IAM role ARN")
		}
	}
}

// ChainingRole is a role in the cluster account that Pod Identity sessions
// start from before they chain into a workload account. Every field is an
// output of the role, so whatever takes one waits for the role. Required,
// all three.
type ChainingRole struct {
	// Name is the role's name.
	Name pulumi.StringInput
	// ARN is the role's ARN.
	ARN pulumi.StringInput
	// UniqueID is the role's unique ID (AROA...).
	UniqueID pulumi.StringInput
}

// Facts are what is known of a cluster before anything exists: the plain
// values that the checks of what is placed on it need.
type Facts struct {
	// Name is the cluster's EKS name; empty when the cluster is unknown (a
	// problem reported where it was named), which skips the checks that
	// need it.
	Name string
	// Account is the cluster account and region.
	Account partition.AccountRegion
	// SharedChainingRole reports whether the cluster has a shared Pod
	// Identity chaining role.
	SharedChainingRole bool
	// FargateNamespaces are the namespaces whose pods run on Fargate.
	FargateNamespaces []string
}

// Facts returns the plain facts of the cluster.
func (c Cluster) Facts() Facts {
	return Facts{Name: c.Name, Account: c.Account.AccountRegion, SharedChainingRole: c.SharedChainingRole != nil, FargateNamespaces: c.FargateNamespaces}
}

// Known reports whether the cluster is known.
func (f Facts) Known() bool { return f.Name != "" }

// ARN returns the cluster's ARN.
func (f Facts) ARN() string { return f.Account.EKSClusterARN(f.Name) }

// RunsOnFargate reports whether pods in namespace run on Fargate.
func (f Facts) RunsOnFargate(namespace string) bool {
	return slices.Contains(f.FargateNamespaces, namespace)
}

var clusterNamePattern = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)

// IsClusterName reports whether s is a valid EKS cluster name.
func IsClusterName(s string) bool { return clusterNamePattern.MatchString(s) }

// Check records every problem with the cluster description under prefix.
func (c Cluster) Check(prefix string, ps *validate.Problems) {
	if !IsClusterName(c.Name) {
		ps.Add(validate.Path(prefix, "name"), c.Name, "is not an EKS cluster name (1-100 letters, digits, - and _, starting with a letter or digit)")
	}
	if c.ClusterName == nil {
		ps.Missing(validate.Path(prefix, "clusterName"))
	}
	c.Account.Check(validate.Path(prefix, "account"), ps)
	if c.KubernetesProvider == nil {
		ps.Missing(validate.Path(prefix, "kubernetesProvider"))
	}
	if r := c.SharedChainingRole; r != nil && (r.Name == nil || r.ARN == nil || r.UniqueID == nil) {
		ps.Add(validate.Path(prefix, "sharedChainingRole"), nil, "needs the role's name, ARN and unique ID")
	}
}
