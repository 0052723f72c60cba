// Package naming derives every logical and physical name the components
// generate, so the rules live in one place.
package naming

import "strings"

// Child returns the logical name of a component's child: the component's
// name, a dash, and the child's role ("prod-vpc").
func Child(parent string, role ...string) string {
	return strings.Join(append([]string{parent}, role...), "-")
}

// RolePath returns the IAM path under which the library creates the roles
// that service accounts of a cluster reach: /eks-multi-account/<cluster>/.
// A chaining role may be allowed every role under this path of a workload
// account, and no role outside it.
func RolePath(clusterName string) string {
	return "/eks-multi-account/" + clusterName + "/"
}

// ServiceAccountRole returns the default IAM role name of a service
// account's role: <cluster>-<namespace>-<service account>. The caller
// checks it against IAM's 64-character limit.
func ServiceAccountRole(clusterName, namespace, serviceAccount string) string {
	return clusterName + "-" + namespace + "-" + serviceAccount
}

// SourceRole returns the name of a per-service-account chaining source role
// in the cluster account.
func SourceRole(clusterName, namespace, serviceAccount string) string {
	return ServiceAccountRole(clusterName, namespace, serviceAccount) + "-src"
}

// NodeRole returns the name of a cluster's node role (the role of its
// managed node groups).
func NodeRole(clusterName string) string { return clusterName + "-node" }

// FargateRole returns the name of a cluster's Fargate pod execution role.
func FargateRole(clusterName string) string { return clusterName + "-fargate-pod" }

// SharedChainingRole returns the name of a cluster's shared chaining role.
func SharedChainingRole(clusterName string) string {
	return clusterName + "-pod-identity-chain"
}

// SessionName returns the role session name a chained profile uses: the
// namespace and service account, cut to STS's 64-character limit.
func SessionName(namespace, serviceAccount string) string {
	s := namespace + "." + serviceAccount
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// The tag the library puts on every EKS cluster, access entry and Pod
// Identity association it creates. The organization's service control
// policy keeps the access entries, access policies and Pod Identity
// associations of the clusters that carry it to the deploy role, and leaves
// every other cluster alone.
const (
	ManagedTagKey   = "eks-multi-account/managed-by"
	ManagedTagValue = "eks-multi-account"
)

// WithManagedTag returns a copy of tags with the library's managed tag.
func WithManagedTag(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags)+1)
	for k, v := range tags {
		out[k] = v
	}
	out[ManagedTagKey] = ManagedTagValue
	return out
}
