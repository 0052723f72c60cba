// Package tenancy holds the Kubernetes half of a tenant, which needs
// nothing but a Kubernetes provider: its namespace with a quota, a limit
// range and a default network policy; its service accounts, annotated for
// IRSA or with the AWS config of a role chain; and the RBAC that confines
// a GitOps repository to the namespace.
//
// WorkloadAccount, CrossAccountRole and GitOps build these objects with the
// functions of this package; the Tenancy component builds all of them on
// its own, for a cluster reached by a Kubernetes provider alone.
package tenancy

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:Tenancy"

// Args configures a Tenancy.
type Args struct {
	// KubernetesProvider reaches the cluster. Required.
	KubernetesProvider pulumi.ProviderResource
	// Platform is what must outlive the namespace: the cluster's node
	// groups, Fargate profiles and add-ons, and the platform's own charts.
	// The namespace waits for them, so a destroy deletes it, and waits
	// until Kubernetes has finished with it, while the controllers that
	// remove its objects' finalizers (a load balancer's among them) still
	// run. Optional.
	Platform []pulumi.Resource
	// Namespace is the tenant's namespace. Required.
	Namespace Namespace
	// ServiceAccounts are created in the namespace. Optional.
	ServiceAccounts []ServiceAccount
	// GitOps creates the reconciler identity of a GitOps repository in the
	// namespace. Optional.
	GitOps bool
}

// ServiceAccount is one service account of the tenant.
type ServiceAccount struct {
	// Name is the service account's name. Required.
	Name string `json:"name"`
	// IRSARoleARN annotates it for IRSA. Optional.
	IRSARoleARN string `json:"irsaRoleArn,omitempty"`
	// Chain writes the AWS config of a Pod Identity role chain for it.
	// Optional.
	Chain *ChainConfig `json:"chain,omitempty"`
}

// Tenancy is a tenant's Kubernetes objects.
type Tenancy struct {
	pulumi.ResourceState

	// Namespace is the tenant's namespace.
	Namespace pulumi.StringOutput `pulumi:"namespace"`
}

// Validate reports every problem with the arguments.
func (a *Args) Validate() error {
	var ps validate.Problems
	if a.KubernetesProvider == nil {
		ps.Missing("kubernetesProvider")
	}
	a.Namespace.Check("", &ps)
	var seen []string
	for i, sa := range a.ServiceAccounts {
		p := validate.Index("serviceAccounts", i)
		switch {
		case !validate.IsDNS1123Subdomain(sa.Name):
			ps.Add(p+".name", sa.Name, "is not a valid Kubernetes service account name (DNS-1123 subdomain)")
		case slices.Contains(seen, sa.Name) || (a.GitOps && sa.Name == ReconcilerServiceAccount):
			ps.Add(p+".name", sa.Name, "is used by another service account")
		}
		seen = append(seen, sa.Name)
		if sa.IRSARoleARN != "" && !validate.IsIAMRoleARN(sa.IRSARoleARN) {
			ps.Add(p+".irsaRoleArn", sa.IRSARoleARN, "is not an IAM role ARN")
		}
		if c := sa.Chain; c != nil && (c.DurationSeconds < iampolicy.MinSessionDuration || c.DurationSeconds > iampolicy.MaxChainedSession) {
			ps.Addf(p+".chain.durationSeconds", c.DurationSeconds, "is outside %d..%d: role chaining gives at most one hour", iampolicy.MinSessionDuration, iampolicy.MaxChainedSession)
		}
	}
	return ps.Err()
}

// NewTenancy creates the tenant's Kubernetes objects.
func NewTenancy(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Tenancy, error) {
	return lifecycle.New(ctx, Type, name, args, func(t *Tenancy) error { return args.build(ctx, name, t) }, opts...)
}

// build creates the objects as children of t.
func (a *Args) build(ctx *pulumi.Context, name string, t *Tenancy) error {
	in := []pulumi.ResourceOption{pulumi.Parent(t), pulumi.Provider(a.KubernetesProvider)}
	ns, err := NewNamespace(ctx, name, a.Namespace, append(slices.Clone(in), pulumi.DependsOn(a.Platform))...)
	if err != nil {
		return err
	}
	inNS := append(slices.Clone(in), pulumi.DependsOn([]pulumi.Resource{ns}))
	labels := objectLabels(a.Namespace.Labels)
	for _, sa := range a.ServiceAccounts {
		var role pulumi.StringInput
		if sa.IRSARoleARN != "" {
			role = pulumi.String(sa.IRSARoleARN)
		}
		if _, err := NewServiceAccount(ctx, naming.Child(name, sa.Name, "sa"), a.Namespace.Name, sa.Name, labels, role, inNS...); err != nil {
			return err
		}
		if sa.Chain != nil {
			if _, err := AWSConfigMap(ctx, naming.Child(name, sa.Name, "aws-config"), a.Namespace.Name, sa.Name, labels, *sa.Chain, inNS...); err != nil {
				return err
			}
		}
	}
	if a.GitOps {
		if _, err := NewReconciler(ctx, name, a.Namespace.Name, inNS...); err != nil {
			return fmt.Errorf("creating the GitOps reconciler: %w", err)
		}
	}
	t.Namespace = ns.Metadata.Name().Elem()
	return nil
}
