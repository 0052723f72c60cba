// Package workloadaccount provides the WorkloadAccount component: one
// tenant of a cluster, spanning two accounts. In the cluster: the tenant's
// namespace with its quota, limit range and default network policy, and
// namespace-scoped access entries for its admins. In the workload account:
// the IAM OIDC provider for the cluster's issuer when the tenant uses IRSA.
// On the cluster's shared chaining role (cluster account): the policy that
// lets it chain into this account's role path. And one CrossAccountRole per
// service account.
package workloadaccount

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:WorkloadAccount"

// NamespaceAdminPolicy is the EKS access policy given to tenant admins,
// scoped to the tenant's namespace.
const NamespaceAdminPolicy = "AmazonEKSAdminPolicy"

// WorkloadAccount is one tenant of a cluster.
type WorkloadAccount struct {
	pulumi.ResourceState

	// Namespace is the tenant's namespace.
	Namespace pulumi.StringOutput `pulumi:"namespace"`
	// RoleArns maps each service account to the ARN of the role it
	// reaches.
	RoleArns pulumi.StringMapOutput `pulumi:"roleArns"`
	// OIDCProviderArn is the workload account's OIDC provider for the
	// cluster, or empty when no service account uses IRSA.
	OIDCProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// Roles are the service accounts' CrossAccountRoles, in the order of
	// Args.ServiceAccounts.
	Roles []*crossaccountrole.CrossAccountRole
	// NamespaceResource is the tenant's Namespace object. What must wait for
	// the namespace depends on it, not on the component: the Go SDK expands
	// a dependency on a component to the children it has registered so far,
	// which races their registration.
	NamespaceResource *corev1.Namespace
}

// NewWorkloadAccount creates the tenant.
func NewWorkloadAccount(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*WorkloadAccount, error) {
	b := &builder{ctx: ctx, name: name, args: args}
	return lifecycle.New(ctx, Type, name, args, b.build, opts...)
}

// builder holds what the steps of one WorkloadAccount share.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.Resource
}

// opts binds a child to the component and to the provider p.
func (b *builder) opts(p pulumi.ProviderResource, more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.parent), pulumi.Provider(p)}, more...)
}

func (b *builder) build(c *WorkloadAccount) error {
	a := b.args
	b.parent = c
	// The namespace waits for the cluster's platform, so that a destroy
	// deletes it, and waits for Kubernetes to finish with it, first.
	ns, err := tenancy.NewNamespace(b.ctx, b.name, a.namespaceSpec(), b.opts(a.Cluster.KubernetesProvider, pulumi.DependsOn(a.Cluster.Platform))...)
	if err != nil {
		return err
	}
	if err := b.adminAccess(); err != nil {
		return err
	}
	oidcARN, err := b.oidcProvider()
	if err != nil {
		return err
	}
	if err := b.sharedChainingPolicy(); err != nil {
		return err
	}
	roleARNs := pulumi.StringMap{}
	for i, sa := range a.ServiceAccounts {
		role, err := crossaccountrole.NewCrossAccountRole(b.ctx, naming.Child(b.name, sa.Name), a.roleArgs(i, oidcARN, ns), pulumi.Parent(b.parent))
		if err != nil {
			return err
		}
		c.Roles = append(c.Roles, role)
		roleARNs[sa.Name] = role.RoleArn
	}
	c.Namespace = pulumi.String(a.namespace()).ToStringOutput()
	c.NamespaceResource = ns
	c.RoleArns = roleARNs.ToStringMapOutput()
	c.OIDCProviderArn = oidcARN
	return nil
}

// oidcProvider returns the ARN of the workload account's IAM OIDC provider
// for the cluster's issuer, creating it when a service account uses IRSA,
// or "" when none does. A tenant in the cluster's own account uses the
// provider pulumi-eks created there: IAM refuses a second provider for the
// same issuer in one account.
func (b *builder) oidcProvider() (pulumi.StringOutput, error) {
	a := b.args
	switch {
	case !a.uses(crossaccountrole.IRSA):
		return pulumi.String("").ToStringOutput(), nil
	case a.inClusterAccount():
		return a.Cluster.OIDCProviderARN.ToStringOutput(), nil
	}
	provider, err := iam.NewOpenIdConnectProvider(b.ctx, naming.Child(b.name, "oidc"), &iam.OpenIdConnectProviderArgs{
		Url:           a.Cluster.OIDCIssuerURL,
		ClientIdLists: pulumi.StringArray{pulumi.String(trust.STSAudience)},
		Tags:          pulumi.ToStringMap(a.Tags),
	}, b.opts(a.Account.Provider)...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating OIDC provider: %w", err)
	}
	return provider.Arn, nil
}

// adminAccess gives each admin role an access entry with admin rights in
// the tenant's namespace only.
func (b *builder) adminAccess() error {
	a := b.args
	for i, arn := range a.Admins {
		entry, err := eks.NewAccessEntry(b.ctx, naming.Child(b.name, "admin", fmt.Sprint(i)), &eks.AccessEntryArgs{
			ClusterName:  a.Cluster.ClusterName,
			PrincipalArn: pulumi.String(arn),
			Type:         pulumi.String("STANDARD"),
			Tags:         pulumi.ToStringMap(naming.WithManagedTag(a.Tags)),
		}, b.opts(a.Cluster.Account.Provider)...)
		if err != nil {
			return fmt.Errorf("creating access entry for %s: %w", arn, err)
		}
		if _, err := eks.NewAccessPolicyAssociation(b.ctx, naming.Child(b.name, "admin", fmt.Sprint(i), "policy"), &eks.AccessPolicyAssociationArgs{
			ClusterName:  entry.ClusterName,
			PrincipalArn: entry.PrincipalArn,
			PolicyArn:    pulumi.String("arn:" + a.Cluster.Account.Partition() + ":eks::aws:cluster-access-policy/" + NamespaceAdminPolicy),
			AccessScope: eks.AccessPolicyAssociationAccessScopeArgs{
				Type:       pulumi.String("namespace"),
				Namespaces: pulumi.StringArray{pulumi.String(a.namespace())},
			},
		}, b.opts(a.Cluster.Account.Provider)...); err != nil {
			return fmt.Errorf("associating namespace admin policy with %s: %w", arn, err)
		}
	}
	return nil
}

// sharedChainingPolicy lets the cluster's shared chaining role assume the
// roles under the cluster's role path in this workload account, when a
// service account chains from it, in a policy of its own so that each
// tenant adds a small policy rather than growing one past IAM's size
// limit. Which role a session actually gets is decided by each role's
// trust policy.
func (b *builder) sharedChainingPolicy() error {
	a := b.args
	name, doc, ok := a.ChainingPolicy(a.facts())
	if !ok {
		return nil
	}
	text, err := doc.JSON()
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(b.ctx, naming.Child(b.name, "chain"), &iam.RolePolicyArgs{
		Role:   a.Cluster.SharedChainingRole.Name,
		Name:   pulumi.String(name),
		Policy: pulumi.String(text),
	}, b.opts(a.Cluster.Account.Provider)...); err != nil {
		return fmt.Errorf("creating shared chaining policy: %w", err)
	}
	return nil
}
