// Package clusteraccount provides the ClusterAccount component: everything
// an EKS cluster account holds. A VPC (or given subnets), a pulumi-eks
// cluster named as configured (authentication mode API, access entries,
// OIDC provider, control-plane logs, KMS secrets encryption, no default
// node group), managed node groups whose launch templates require IMDSv2
// with a hop limit of 1, Fargate profiles, the eks-pod-identity-agent and
// vpc-cni (network policy enforcement on) add-ons, optionally the shared
// Pod Identity chaining role, and a Kubernetes provider for the cluster.
// Every AWS resource is created with the account's provider.
package clusteraccount

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:ClusterAccount"

// ClusterAccount is an EKS cluster and what it runs on, in one account.
type ClusterAccount struct {
	pulumi.ResourceState

	// ClusterName is the EKS name of the cluster.
	ClusterName pulumi.StringOutput `pulumi:"clusterName"`
	// ClusterArn is the cluster's ARN.
	ClusterArn pulumi.StringOutput `pulumi:"clusterArn"`
	// OIDCIssuerURL is the cluster's OIDC issuer (https://oidc.eks...).
	OIDCIssuerURL pulumi.StringOutput `pulumi:"oidcIssuerUrl"`
	// OIDCProviderArn is the cluster account's IAM OIDC provider for it.
	OIDCProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// VpcID is the cluster's VPC.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// PrivateSubnetIDs hold the nodes and internal load balancers.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// PrivateSubnetArns are their ARNs, for sharing them by RAM. Empty
	// when the subnets were given (an existing network).
	PrivateSubnetArns pulumi.StringArrayOutput `pulumi:"privateSubnetArns"`
	// PublicSubnetIDs hold internet-facing load balancers.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateRouteTableIDs are the route tables of the private subnets the
	// component created, one per zone in the private subnets' order, for
	// routes to other networks (a transit gateway, a peering). Empty when
	// the subnets were given (an existing network): their owner routes
	// them.
	PrivateRouteTableIDs pulumi.StringArrayOutput `pulumi:"privateRouteTableIds"`
	// Kubeconfig reaches the cluster by assuming the deploy role (secret).
	Kubeconfig pulumi.StringOutput `pulumi:"kubeconfig" schema:"secret"`
	// SharedChainingRoleArn is the shared Pod Identity chaining role, or
	// empty when the cluster has none.
	SharedChainingRoleArn pulumi.StringOutput `pulumi:"sharedChainingRoleArn"`
	// KubernetesProvider creates objects in the cluster.
	KubernetesProvider *kubernetes.Provider
	// PrivateSubnets lists each private subnet the component created, to
	// hand to SharedSubnets. Empty with ExistingNetwork.
	PrivateSubnets []network.Subnet
	// Ready are what pods need before they can run: the node groups, the
	// Fargate profiles and the add-ons. Something that waits for running
	// pods (a Helm release) depends on these, not on the component: the Go
	// SDK expands a dependency on a component to the children it has
	// registered so far, which races their registration.
	Ready []pulumi.Resource

	ref clusterref.Cluster
}

// Ref describes the cluster to WorkloadAccount and CrossAccountRole.
func (c *ClusterAccount) Ref() clusterref.Cluster { return c.ref }

// NewClusterAccount creates the cluster account's resources.
func NewClusterAccount(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*ClusterAccount, error) {
	b := &builder{ctx: ctx, name: name, args: args}
	return lifecycle.New(ctx, Type, name, args, b.build, opts...)
}

// builder holds what the steps of one ClusterAccount share.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.Resource
}

// opts binds a child to the component and the account's provider.
func (b *builder) opts(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.parent), pulumi.Provider(b.args.Account.Provider)}, more...)
}

// tags returns the configured tags plus a Name tag for one child.
func (b *builder) tags(role string) pulumi.StringMap {
	m := pulumi.ToStringMap(b.args.Tags)
	m["Name"] = pulumi.String(naming.Child(b.args.ClusterName, role))
	return m
}

func (b *builder) build(c *ClusterAccount) error {
	a := b.args
	b.parent = c
	net, err := b.network()
	if err != nil {
		return err
	}
	key, err := kms.NewKey(b.ctx, naming.Child(b.name, "secrets"), &kms.KeyArgs{
		Description:          pulumi.String(fmt.Sprintf("Envelope encryption of Kubernetes secrets of EKS cluster %s", a.ClusterName)),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 b.tags("secrets"),
	}, b.opts()...)
	if err != nil {
		return fmt.Errorf("creating secrets key: %w", err)
	}
	nodeRole, err := b.nodeRole()
	if err != nil {
		return err
	}
	cluster, err := b.cluster(net, key, nodeRole)
	if err != nil {
		return err
	}
	// Everything that names the cluster takes its name from the cluster
	// resource, so it is created once the cluster exists.
	clusterName := cluster.EksCluster.Name()
	issuer := cluster.EksCluster.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	compute, err := b.compute(cluster, clusterName, nodeRole, net)
	if err != nil {
		return err
	}
	addons, err := b.addons(clusterName)
	if err != nil {
		return err
	}
	chaining, err := b.sharedChainingRole()
	if err != nil {
		return err
	}
	k8s, err := kubernetes.NewProvider(b.ctx, naming.Child(b.name, "k8s"), &kubernetes.ProviderArgs{
		Kubeconfig:            cluster.KubeconfigJson,
		EnableServerSideApply: pulumi.Bool(true),
	}, pulumi.Parent(b.parent))
	if err != nil {
		return fmt.Errorf("creating kubernetes provider: %w", err)
	}

	c.ClusterName = clusterName
	c.ClusterArn = cluster.EksCluster.Arn()
	c.OIDCIssuerURL = issuer
	// pulumi-eks creates the cluster account's OIDC provider for the issuer
	// inside the cluster component; its ARN follows from the issuer, which
	// is known only once the cluster (and so the provider) exists.
	c.OIDCProviderArn = issuer.ApplyT(func(u string) string {
		return a.Account.OIDCProviderARN(trust.IssuerHostPath(u))
	}).(pulumi.StringOutput)
	c.VpcID, c.PrivateSubnetIDs, c.PrivateSubnetArns, c.PublicSubnetIDs = net.vpcID, net.privateIDs, net.privateARNs, net.publicIDs
	c.PrivateRouteTableIDs = net.privateRouteTableIDs
	c.Kubeconfig = pulumi.ToSecret(cluster.KubeconfigJson).(pulumi.StringOutput)
	c.KubernetesProvider = k8s
	c.PrivateSubnets = net.private
	c.Ready = append(compute, addons...)
	c.SharedChainingRoleArn = pulumi.String("").ToStringOutput()
	if chaining != nil {
		c.SharedChainingRoleArn = chaining.ARN.ToStringOutput()
	}
	c.ref = clusterref.Cluster{
		Name:               a.ClusterName,
		ClusterName:        clusterName,
		Account:            a.Account,
		KubernetesProvider: k8s,
		Platform:           c.Ready,
		OIDCIssuerURL:      issuer,
		OIDCProviderARN:    c.OIDCProviderArn,
		SharedChainingRole: chaining,
		FargateNamespaces:  a.FargateNamespaces(),
		AccessEntries:      a.AccessEntries("", a.facts()),
	}
	return nil
}

// cluster creates the pulumi-eks cluster with the account's aws provider
// and the explicit eks provider.
//
// nodeRole is the role of the managed node groups, nil without any: it is
// the cluster's only instance role, so pulumi-eks creates no instance role
// (and no access entry) of its own. EKS gives the node role its access
// entry when the first node group is created.
func (b *builder) cluster(net subnets, key *kms.Key, nodeRole *serviceRole) (*eks.Cluster, error) {
	a := b.args
	mode := eks.AuthenticationModeApi
	entries := map[string]eks.AccessEntryArgs{}
	for i, arn := range a.Admins {
		entries[fmt.Sprintf("admin-%d", i)] = eks.AccessEntryArgs{
			PrincipalArn: pulumi.String(arn),
			Tags:         pulumi.ToStringMap(naming.WithManagedTag(a.Tags)),
			AccessPolicies: map[string]eks.AccessPolicyAssociationInput{
				"cluster-admin": eks.AccessPolicyAssociationArgs{
					PolicyArn:   pulumi.String(AdminPolicyARN(a.Account.Partition())),
					AccessScope: clusterScope(),
				},
			},
		}
	}
	instanceRoles := iam.RoleArray{}
	if nodeRole != nil {
		instanceRoles = append(instanceRoles, nodeRole.Role)
	}
	noPublicIP, skip, useDefaultCNI := false, true, true
	cluster, err := eks.NewCluster(b.ctx, naming.Child(b.name, "eks"), &eks.ClusterArgs{
		Name:                         pulumi.String(a.ClusterName),
		Version:                      pulumi.String(a.KubernetesVersion),
		VpcId:                        net.vpcID,
		PrivateSubnetIds:             net.privateIDs,
		PublicSubnetIds:              net.publicIDs,
		AuthenticationMode:           &mode,
		AccessEntries:                entries,
		CreateOidcProvider:           pulumi.Bool(true),
		SkipDefaultNodeGroup:         &skip,
		InstanceRoles:                instanceRoles,
		UseDefaultVpcCni:             &useDefaultCNI,
		EnabledClusterLogTypes:       pulumi.ToStringArray(logTypes),
		EncryptionConfigKeyArn:       key.Arn,
		EndpointPrivateAccess:        pulumi.Bool(true),
		EndpointPublicAccess:         pulumi.Bool(!a.EndpointAccess.PrivateOnly),
		PublicAccessCidrs:            pulumi.ToStringArray(a.EndpointAccess.PublicCIDRs),
		NodeAssociatePublicIpAddress: &noPublicIP,
		ProviderCredentialOpts:       &eks.KubeconfigOptionsArgs{RoleArn: pulumi.String(a.DeployRoleARN)},
		Tags:                         pulumi.ToStringMap(a.Tags),
		// The cluster carries the library's managed tag, by which the
		// organization's SCP keeps its access entries and Pod Identity
		// associations to the deploy role.
		ClusterTags: pulumi.ToStringMap(naming.WithManagedTag(nil)),
	}, pulumi.Parent(b.parent), pulumi.Providers(a.Account.Provider, a.EKSProvider))
	if err != nil {
		return nil, fmt.Errorf("creating EKS cluster: %w", err)
	}
	return cluster, nil
}

// sharedChainingRole creates the cluster's shared Pod Identity chaining
// role when asked. It has no permissions here: each WorkloadAccount adds a
// policy allowing sts:AssumeRole and sts:TagSession on its own role path.
func (b *builder) sharedChainingRole() (*clusterref.ChainingRole, error) {
	a := b.args
	if !a.SharedChainingRole {
		return nil, nil
	}
	name, path := naming.SharedChainingRole(a.ClusterName), naming.RolePath(a.ClusterName)
	text, err := trust.SharedChaining(a.Account.EKSClusterARN(a.ClusterName)).JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(b.ctx, naming.Child(b.name, "chaining-role"), &iam.RoleArgs{
		Name:             pulumi.String(name),
		Path:             pulumi.String(path),
		Description:      pulumi.String(fmt.Sprintf("Shared EKS Pod Identity chaining role of cluster %s; may only assume roles under %s of its tenants' accounts", a.ClusterName, path)),
		AssumeRolePolicy: pulumi.String(text),
		Tags:             pulumi.ToStringMap(a.Tags),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating shared chaining role: %w", err)
	}
	return &clusterref.ChainingRole{Name: role.Name, ARN: role.Arn, UniqueID: role.UniqueId}, nil
}
