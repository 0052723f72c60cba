package tenancy

import (
	"fmt"
	"slices"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/naming"
)

// IRSAAnnotation is the service account annotation that tells the EKS pod
// identity webhook which role to inject for IRSA.
const IRSAAnnotation = "eks.amazonaws.com/role-arn"

// Identity of a GitOps repository inside its namespace.
const (
	// ReconcilerServiceAccount is the service account Flux impersonates in
	// a team namespace (its --default-service-account).
	ReconcilerServiceAccount = "gitops-reconciler"
	// ReconcilerClusterRole is bound to it in its namespace only.
	ReconcilerClusterRole = "admin"
)

// NewServiceAccount creates a service account; with irsaRoleARN set, it is
// annotated for IRSA with that role.
func NewServiceAccount(ctx *pulumi.Context, name, namespace, serviceAccount string, labels map[string]string, irsaRoleARN pulumi.StringInput, opts ...pulumi.ResourceOption) (*corev1.ServiceAccount, error) {
	var annotations pulumi.StringMapInput
	if irsaRoleARN != nil {
		annotations = pulumi.StringMap{IRSAAnnotation: irsaRoleARN}
	}
	sa, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(serviceAccount),
			Namespace:   pulumi.String(namespace),
			Labels:      pulumi.ToStringMap(labels),
			Annotations: annotations,
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating service account %s: %w", serviceAccount, err)
	}
	return sa, nil
}

// NewReconciler creates the identity a GitOps repository is reconciled as
// in its namespace: the ReconcilerServiceAccount and a RoleBinding (never
// a ClusterRoleBinding) of the admin cluster role to it, so that what the
// repository holds can change that namespace and no other. The children
// are named name-sa-<namespace> and name-rb-<namespace>; it returns the
// binding, which the repository's objects should wait for.
func NewReconciler(ctx *pulumi.Context, name, namespace string, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	sa, err := NewServiceAccount(ctx, naming.Child(name, "sa", namespace), namespace, ReconcilerServiceAccount, nil, nil, opts...)
	if err != nil {
		return nil, err
	}
	rb, err := rbacv1.NewRoleBinding(ctx, naming.Child(name, "rb", namespace), &rbacv1.RoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ReconcilerServiceAccount), Namespace: pulumi.String(namespace)},
		RoleRef: rbacv1.RoleRefArgs{
			ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String(ReconcilerClusterRole),
		},
		Subjects: rbacv1.SubjectArray{rbacv1.SubjectArgs{
			Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(ReconcilerServiceAccount), Namespace: pulumi.String(namespace),
		}},
	}, slices.Concat(opts, []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{sa})})...)
	if err != nil {
		return nil, fmt.Errorf("binding the reconciler of %s: %w", namespace, err)
	}
	return rb, nil
}
