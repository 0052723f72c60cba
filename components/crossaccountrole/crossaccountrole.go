// Package crossaccountrole provides the CrossAccountRole component: the
// credentials path from one Kubernetes service account to one IAM role, in
// one of three modes (irsa, podIdentityChain, podIdentity). The trust
// policy of each mode is built by package trust; trustPolicy in spec.go
// picks it.
package crossaccountrole

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:CrossAccountRole"

// CrossAccountRole is the credentials path of one service account.
type CrossAccountRole struct {
	pulumi.ResourceState

	// RoleArn is the ARN of the role the service account's pods end up
	// with: the IRSA role, the Pod Identity role or the chain's target.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// RoleName is that role's name, for attaching more policies.
	RoleName pulumi.StringOutput `pulumi:"roleName"`
	// SourceRoleArn is the cluster-account role a podIdentityChain session
	// starts from; empty in the other modes.
	SourceRoleArn pulumi.StringOutput `pulumi:"sourceRoleArn"`
	// ServiceAccountName is the Kubernetes service account created.
	ServiceAccountName pulumi.StringOutput `pulumi:"serviceAccountName"`
	// PodSpecInstructions tells users what to add to their pod spec: for
	// podIdentityChain the env vars and the volume of the AWS config;
	// otherwise only the serviceAccountName.
	PodSpecInstructions pulumi.StringOutput `pulumi:"podSpecInstructions"`
}

// NewCrossAccountRole creates the role(s), the service account and, per
// mode, the Pod Identity association and the AWS config for role chaining.
func NewCrossAccountRole(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*CrossAccountRole, error) {
	b := &builder{ctx: ctx, name: name, args: args}
	if args != nil {
		b.p = placed{args.Spec, args.facts()}
	}
	return lifecycle.New(ctx, Type, name, args, b.build, opts...)
}

// builder holds what the steps of one CrossAccountRole share.
type builder struct {
	ctx  *pulumi.Context
	name string
	args *Args
	p    placed
	c    *CrossAccountRole

	role *iam.Role
}

// in returns the options of a child bound to a provider.
func (b *builder) in(p pulumi.ProviderResource, more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.c), pulumi.Provider(p)}, more...)
}

// inCluster returns the options of a Kubernetes child: bound to the
// cluster's provider, after the namespace and any other dependencies.
func (b *builder) inCluster(after ...pulumi.Resource) []pulumi.ResourceOption {
	if b.args.NamespaceResource != nil {
		after = append(after, b.args.NamespaceResource)
	}
	var more []pulumi.ResourceOption
	if len(after) > 0 {
		more = append(more, pulumi.DependsOn(after))
	}
	return b.in(b.args.Cluster.KubernetesProvider, more...)
}

func (b *builder) build(c *CrossAccountRole) error {
	a, p := b.args, b.p
	b.c = c
	sourceARN := pulumi.String("").ToStringOutput()
	var trustPolicy pulumi.StringOutput
	switch p.mode() {
	case IRSA:
		trustPolicy = pulumi.All(a.Cluster.OIDCIssuerURL, a.OIDCProviderARN).ApplyT(func(v []any) (string, error) {
			return p.trustPolicy(v[0].(string), v[1].(string), "", "").JSON()
		}).(pulumi.StringOutput)
	case PodIdentity:
		text, err := p.trustPolicy("", "", "", "").JSON()
		if err != nil {
			return err
		}
		trustPolicy = pulumi.String(text).ToStringOutput()
	case PodIdentityChain:
		arn, uniqueID, err := b.sourceRole()
		if err != nil {
			return err
		}
		// IAM refuses a trust naming a principal that does not exist yet,
		// so the trust is built from the source role's own outputs.
		sourceARN = arn
		trustPolicy = pulumi.All(arn, uniqueID).ApplyT(func(v []any) (string, error) {
			return p.trustPolicy("", "", v[0].(string), v[1].(string)).JSON()
		}).(pulumi.StringOutput)
	}
	if err := b.reachedRole(trustPolicy); err != nil {
		return err
	}
	if err := b.serviceAccount(); err != nil {
		return err
	}
	instructions := fmt.Sprintf("Set serviceAccountName: %s. The EKS pod identity webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE.", p.Name)
	switch p.mode() {
	case PodIdentity:
		instructions = fmt.Sprintf("Set serviceAccountName: %s. EKS Pod Identity injects the credentials.", p.Name)
		if err := b.association(b.role.Arn); err != nil {
			return err
		}
	case PodIdentityChain:
		instructions = tenancy.PodSpecInstructions(p.Name, tenancy.ConfigMapName(p.Name))
		if err := b.association(sourceARN); err != nil {
			return err
		}
		if err := b.awsConfig(); err != nil {
			return err
		}
	}
	c.RoleArn, c.RoleName = b.role.Arn, b.role.Name
	c.SourceRoleArn = sourceARN
	c.ServiceAccountName = pulumi.String(p.Name).ToStringOutput()
	c.PodSpecInstructions = pulumi.String(instructions).ToStringOutput()
	return nil
}

// sourceRole sets up the cluster-account end of a chain and returns the
// source role's ARN and unique ID.
func (b *builder) sourceRole() (arn, uniqueID pulumi.StringOutput, err error) {
	a, p := b.args, b.p
	if p.usesSharedSource() {
		return a.Cluster.SharedChainingRole.ARN.ToStringOutput(), a.Cluster.SharedChainingRole.UniqueID.ToStringOutput(), nil
	}
	text, err := trust.PodIdentity(p.identity()).JSON()
	if err != nil {
		return arn, uniqueID, err
	}
	src, err := iam.NewRole(b.ctx, naming.Child(b.name, "source"), &iam.RoleArgs{
		Name:             pulumi.String(p.sourceRoleName()),
		Path:             pulumi.String(p.rolePath()),
		Description:      pulumi.String(fmt.Sprintf("EKS Pod Identity source for %s/%s on %s; may only chain to %s", p.Namespace, p.Name, p.Cluster.Name, p.roleARN())),
		AssumeRolePolicy: pulumi.String(text),
		Tags:             pulumi.ToStringMap(a.Tags),
	}, b.in(a.Cluster.Account.Provider)...)
	if err != nil {
		return arn, uniqueID, fmt.Errorf("creating source role: %w", err)
	}
	perms, err := trust.ChainingPermissions(p.roleARN()).JSON()
	if err != nil {
		return arn, uniqueID, err
	}
	if _, err := iam.NewRolePolicy(b.ctx, naming.Child(b.name, "source-chain"), &iam.RolePolicyArgs{
		Role:   src.Name,
		Name:   pulumi.String("chain-to-target"),
		Policy: pulumi.String(perms),
	}, b.in(a.Cluster.Account.Provider)...); err != nil {
		return arn, uniqueID, fmt.Errorf("creating source role policy: %w", err)
	}
	return src.Arn, src.UniqueId, nil
}

// reachedRole creates the role the pods end up with, and its permissions.
func (b *builder) reachedRole(trustPolicy pulumi.StringOutput) error {
	a, p := b.args, b.p
	maxSession := p.sessionDuration()
	if p.mode() == PodIdentityChain {
		maxSession = DefaultSessionDuration
	}
	role, err := iam.NewRole(b.ctx, naming.Child(b.name, "role"), &iam.RoleArgs{
		Name:               pulumi.String(p.roleName()),
		Path:               pulumi.String(p.rolePath()),
		Description:        pulumi.String(fmt.Sprintf("%s role of service account %s/%s on cluster %s", p.mode(), p.Namespace, p.Name, p.Cluster.ARN())),
		AssumeRolePolicy:   trustPolicy,
		MaxSessionDuration: pulumi.Int(maxSession),
		Tags:               pulumi.ToStringMap(a.Tags),
	}, b.in(a.WorkloadAccount.Provider)...)
	if err != nil {
		return fmt.Errorf("creating role: %w", err)
	}
	b.role = role
	for i, arn := range a.ManagedPolicyArns {
		if _, err := iam.NewRolePolicyAttachment(b.ctx, naming.Child(b.name, "managed", fmt.Sprint(i)), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(arn),
		}, b.in(a.WorkloadAccount.Provider)...); err != nil {
			return fmt.Errorf("attaching %s: %w", arn, err)
		}
	}
	if p.Policy == nil {
		return nil
	}
	text, err := p.Policy.Document.JSON()
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(b.ctx, naming.Child(b.name, "inline"), &iam.RolePolicyArgs{
		Role:   role.Name,
		Name:   pulumi.String("workload-access"),
		Policy: pulumi.String(text),
	}, b.in(a.WorkloadAccount.Provider)...); err != nil {
		return fmt.Errorf("creating inline policy: %w", err)
	}
	return nil
}

// serviceAccount creates the Kubernetes service account, annotated for
// IRSA when that is the mode.
func (b *builder) serviceAccount() error {
	p := b.p
	var irsaRole pulumi.StringInput
	if p.mode() == IRSA {
		irsaRole = b.role.Arn
	}
	_, err := tenancy.NewServiceAccount(b.ctx, naming.Child(b.name, "sa"), p.Namespace, p.Name, b.labels(), irsaRole, b.inCluster()...)
	return err
}

// association creates the EKS Pod Identity association of the service
// account with roleARN, in the cluster account. EKS holds one association
// per service account of a cluster, so the engine must never hold two:
// one that is replaced is deleted first, and its name is the service
// account's own (cluster, namespace, name), not the component's, so that
// renaming a tenant or a service account's entry moves the association in
// place instead of creating a second one before deleting the first. The
// alias carries associations of stacks deployed before it was so named.
func (b *builder) association(roleARN pulumi.StringInput) error {
	a := b.args
	_, err := eks.NewPodIdentityAssociation(b.ctx, naming.Child(a.Cluster.Name, a.Namespace, a.Name, "pod-identity"), &eks.PodIdentityAssociationArgs{
		ClusterName:    a.Cluster.ClusterName,
		Namespace:      pulumi.String(a.Namespace),
		ServiceAccount: pulumi.String(a.Name),
		RoleArn:        roleARN,
		Tags:           pulumi.ToStringMap(naming.WithManagedTag(a.Tags)),
	}, b.in(a.Cluster.Account.Provider, pulumi.DependsOn([]pulumi.Resource{b.role}), pulumi.DeleteBeforeReplace(true),
		pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(naming.Child(b.name, "pod-identity"))}}))...)
	if err != nil {
		return fmt.Errorf("creating pod identity association: %w", err)
	}
	return nil
}

// awsConfig creates the ConfigMap with the AWS config file and the
// credential-process script that chain from the Pod Identity session into
// the target role.
func (b *builder) awsConfig() error {
	p := b.p
	cfg := tenancy.ChainConfig{
		TargetRoleARN:   p.roleARN(),
		SessionName:     naming.SessionName(p.Namespace, p.Name),
		DurationSeconds: p.sessionDuration(),
	}
	_, err := tenancy.AWSConfigMap(b.ctx, naming.Child(b.name, "aws-config"), p.Namespace, p.Name, b.labels(), cfg, b.inCluster(b.role)...)
	return err
}

// labels are the Kubernetes labels of every object this component creates.
func (b *builder) labels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/managed-by":     "eks-multi-account",
		"eks-multi-account/credential-via": string(b.p.mode()),
	}
}
