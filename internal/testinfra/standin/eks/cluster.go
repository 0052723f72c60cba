// Package eks is the stand-in for the pulumi-eks v2.8.1 provider plugin in
// the real-engine tier. It constructs eks:index:Cluster as pulumi-eks's
// createCluster does for the options the library uses (nodejs/eks/
// cluster.ts, securitygroup.ts, servicerole.ts and authenticationMode.ts
// at v2.8.1): it registers the same children, by the same names, through
// the engine against the stand-in AWS, and returns the same outputs. Its
// kubeconfig points at the real kube-apiserver the stand-in AWS gave the
// cluster, with that server's token in place of `aws eks get-token`.
//
// It never runs outside the tier: without the world's directory in its
// environment it refuses to construct anything.
package eks

import (
	"crypto/sha1" //nolint:gosec // pulumi-eks names a role's policy attachments by the SHA-1 of the policy's ID
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	eks "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/standin/world"
)

// ClusterType is the component this stand-in constructs.
const ClusterType = "eks:index:Cluster"

// Version is the pulumi-eks version the SDK asks for, which the stand-in
// is installed as.
const Version = "2.8.1"

// supported are the Cluster inputs the stand-in implements: those the
// library sets. Any other input is refused rather than ignored.
var supported = []string{
	"name", "version", "vpcId", "subnetIds", "privateSubnetIds", "publicSubnetIds", "authenticationMode", "accessEntries",
	"createOidcProvider", "skipDefaultNodeGroup", "instanceRoles", "useDefaultVpcCni", "enabledClusterLogTypes",
	"encryptionConfigKeyArn", "endpointPrivateAccess", "endpointPublicAccess", "publicAccessCidrs",
	"nodeAssociatePublicIpAddress", "providerCredentialOpts", "tags", "clusterTags",
}

// clusterArgs are the supported inputs.
type clusterArgs struct {
	Name               pulumi.StringPtrInput   `pulumi:"name"`
	Version            pulumi.StringPtrInput   `pulumi:"version"`
	VpcID              pulumi.StringPtrInput   `pulumi:"vpcId"`
	SubnetIDs          pulumi.StringArrayInput `pulumi:"subnetIds"`
	PrivateSubnetIDs   pulumi.StringArrayInput `pulumi:"privateSubnetIds"`
	PublicSubnetIDs    pulumi.StringArrayInput `pulumi:"publicSubnetIds"`
	AuthenticationMode pulumi.StringPtrInput   `pulumi:"authenticationMode"`
	// AccessEntries are plain: pulumi-eks iterates the map's keys, and the
	// library gives them known.
	AccessEntries          map[string]eks.AccessEntry    `pulumi:"accessEntries"`
	CreateOidcProvider     pulumi.BoolPtrInput           `pulumi:"createOidcProvider"`
	SkipDefaultNodeGroup   pulumi.BoolPtrInput           `pulumi:"skipDefaultNodeGroup"`
	InstanceRoles          []*iam.Role                   `pulumi:"instanceRoles"`
	UseDefaultVpcCni       pulumi.BoolPtrInput           `pulumi:"useDefaultVpcCni"`
	EnabledClusterLogTypes pulumi.StringArrayInput       `pulumi:"enabledClusterLogTypes"`
	EncryptionConfigKeyArn pulumi.StringPtrInput         `pulumi:"encryptionConfigKeyArn"`
	EndpointPrivateAccess  pulumi.BoolPtrInput           `pulumi:"endpointPrivateAccess"`
	EndpointPublicAccess   pulumi.BoolPtrInput           `pulumi:"endpointPublicAccess"`
	PublicAccessCidrs      pulumi.StringArrayInput       `pulumi:"publicAccessCidrs"`
	ProviderCredentialOpts eks.KubeconfigOptionsPtrInput `pulumi:"providerCredentialOpts"`
	Tags                   pulumi.StringMapInput         `pulumi:"tags"`
	ClusterTags            pulumi.StringMapInput         `pulumi:"clusterTags"`
	NodeAssociatePublicIP  pulumi.BoolPtrInput           `pulumi:"nodeAssociatePublicIpAddress"`
}

// Construct implements provider.ConstructFunc for eks:index:Cluster, in
// world w whose clusters are served by the pool's API servers.
func Construct(w *world.World, pool *world.Pool) provider.ConstructFunc {
	return func(ctx *pulumi.Context, typ, name string, inputs provider.ConstructInputs, options pulumi.ResourceOption) (*provider.ConstructResult, error) {
		if typ != ClusterType {
			return nil, fmt.Errorf("the stand-in EKS constructs only %s, not %s", ClusterType, typ)
		}
		given, err := inputs.Map()
		if err != nil {
			return nil, err
		}
		for _, key := range slices.Sorted(maps.Keys(given)) {
			if !slices.Contains(supported, key) {
				return nil, fmt.Errorf("the stand-in EKS does not implement the Cluster input %q", key)
			}
		}
		var args clusterArgs
		if err := inputs.CopyTo(&args); err != nil {
			return nil, err
		}
		if err := w.Update(func(s *world.State) error {
			s.Served("eks")
			return nil
		}); err != nil {
			return nil, err
		}
		c := &eks.Cluster{}
		if err := ctx.RegisterComponentResource(ClusterType, name, c, options); err != nil {
			return nil, err
		}
		b := &clusterBuilder{ctx: ctx, name: name, args: &args, c: c, world: w, pool: pool}
		if err := b.build(); err != nil {
			return nil, err
		}
		return provider.NewConstructResult(c)
	}
}

// clusterBuilder is one construction.
type clusterBuilder struct {
	ctx   *pulumi.Context
	name  string
	args  *clusterArgs
	c     *eks.Cluster
	world *world.World
	pool  *world.Pool
	// roleReady is the service role's policy attachment, which the cluster
	// waits for.
	roleReady pulumi.Resource
}

// in parents a child to the component; it inherits the component's aws
// provider.
func (b *clusterBuilder) in(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.c)}, more...)
}

func (b *clusterBuilder) build() error {
	a := b.args
	subnets := pulumi.All(a.PublicSubnetIDs, a.PrivateSubnetIDs).ApplyT(func(v []any) []string {
		return append(slices.Clone(v[0].([]string)), v[1].([]string)...)
	}).(pulumi.StringArrayOutput)
	if a.SubnetIDs != nil {
		subnets = a.SubnetIDs.ToStringArrayOutput()
	}
	role, err := b.serviceRole()
	if err != nil {
		return err
	}
	clusterSG, err := ec2.NewSecurityGroup(b.ctx, b.name+"-eksClusterSecurityGroup", &ec2.SecurityGroupArgs{
		VpcId:               a.VpcID,
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                b.tags(pulumi.StringMap{"Name": pulumi.String(b.name + "-eksClusterSecurityGroup")}),
	}, b.in()...)
	if err != nil {
		return err
	}
	if _, err := ec2.NewSecurityGroupRule(b.ctx, b.name+"-eksClusterInternetEgressRule", &ec2.SecurityGroupRuleArgs{
		Description: pulumi.String("Allow internet access."), Type: pulumi.String("egress"),
		FromPort: pulumi.Int(0), ToPort: pulumi.Int(0), Protocol: pulumi.String("-1"),
		CidrBlocks: pulumi.ToStringArray([]string{"0.0.0.0/0"}), SecurityGroupId: clusterSG.ID(),
	}, b.in()...); err != nil {
		return err
	}
	var encryption awseks.ClusterEncryptionConfigPtrInput
	if a.EncryptionConfigKeyArn != nil {
		encryption = awseks.ClusterEncryptionConfigArgs{
			Provider:  awseks.ClusterEncryptionConfigProviderArgs{KeyArn: a.EncryptionConfigKeyArn.ToStringPtrOutput().Elem()},
			Resources: pulumi.ToStringArray([]string{"secrets"}),
		}
	}
	var access awseks.ClusterAccessConfigPtrInput
	if a.AuthenticationMode != nil {
		access = awseks.ClusterAccessConfigArgs{AuthenticationMode: a.AuthenticationMode, BootstrapClusterCreatorAdminPermissions: pulumi.Bool(true)}
	}
	cluster, err := awseks.NewCluster(b.ctx, b.name+"-eksCluster", &awseks.ClusterArgs{
		Name:    a.Name,
		RoleArn: role.Arn,
		VpcConfig: awseks.ClusterVpcConfigArgs{
			SecurityGroupIds:      pulumi.StringArray{clusterSG.ID()},
			SubnetIds:             subnets,
			EndpointPrivateAccess: a.EndpointPrivateAccess,
			EndpointPublicAccess:  a.EndpointPublicAccess,
			PublicAccessCidrs:     a.PublicAccessCidrs,
		},
		Version:                a.Version,
		EnabledClusterLogTypes: a.EnabledClusterLogTypes,
		Tags:                   b.clusterTags(),
		EncryptionConfig:       encryption,
		AccessConfig:           access,
	}, b.in(pulumi.IgnoreChanges([]string{"accessConfig.bootstrapClusterCreatorAdminPermissions"}), pulumi.DependsOn([]pulumi.Resource{b.roleReady}))...)
	if err != nil {
		return err
	}
	kubeconfig := b.kubeconfig(cluster)
	kubeconfigJSON := kubeconfig.ApplyT(func(v any) (string, error) {
		text, err := json.Marshal(v)
		return string(text), err
	}).(pulumi.StringOutput)
	k8s, err := kubernetes.NewProvider(b.ctx, b.name+"-eks-k8s", &kubernetes.ProviderArgs{Kubeconfig: kubeconfigJSON}, b.in()...)
	if err != nil {
		return err
	}
	if err := b.accessEntries(cluster); err != nil {
		return err
	}
	var oidc *iam.OpenIdConnectProvider
	if a.CreateOidcProvider != nil {
		if oidc, err = b.oidcProvider(cluster); err != nil {
			return err
		}
	}
	nodeSG, ingress, err := b.nodeSecurityGroup(clusterSG, cluster)
	if err != nil {
		return err
	}
	if _, err := kubernetes.NewProvider(b.ctx, b.name+"-provider", &kubernetes.ProviderArgs{Kubeconfig: kubeconfigJSON}, b.in()...); err != nil {
		return err
	}

	var roles iam.RoleArray
	for _, r := range a.InstanceRoles {
		roles = append(roles, r)
	}
	instanceRoles := roles.ToRoleArrayOutput()
	b.c.EksCluster = cluster.ToClusterOutput()
	b.c.ClusterSecurityGroup = clusterSG.ToSecurityGroupOutput()
	b.c.NodeSecurityGroup = nodeSG.ToSecurityGroupOutput()
	b.c.EksClusterIngressRule = ingress.ToSecurityGroupRuleOutput()
	b.c.InstanceRoles = instanceRoles
	b.c.Kubeconfig = kubeconfig
	b.c.KubeconfigJson = kubeconfigJSON
	core := eks.CoreDataArgs{
		Cluster:              cluster,
		ClusterIamRole:       role,
		ClusterSecurityGroup: clusterSG,
		Endpoint:             cluster.Endpoint,
		InstanceRoles:        instanceRoles,
		Kubeconfig:           kubeconfig,
		Provider:             k8s,
		SubnetIds:            subnets,
		PrivateSubnetIds:     a.PrivateSubnetIDs,
		PublicSubnetIds:      a.PublicSubnetIDs,
		Tags:                 a.Tags,
		VpcId:                a.VpcID.ToStringPtrOutput().Elem(),
		// nodeGroupOptions is left out: the pulumi-eks v2.8.1 Go SDK cannot
		// resolve ClusterNodeGroupOptionsArgs (its taints map types do not
		// line up), and no program of the library reads it.
	}
	if oidc != nil {
		core.OidcProvider = oidc
	}
	b.c.Core = core.ToCoreDataOutput()
	return nil
}

// tags are the cluster's tags with a Name, as pulumi-eks tags its children.
func (b *clusterBuilder) tags(own pulumi.StringMapInput) pulumi.StringMapOutput {
	if b.args.Tags == nil {
		return own.ToStringMapOutput()
	}
	return merged(own, b.args.Tags)
}

// merged is a with b's entries added over it.
func merged(a, b pulumi.StringMapInput) pulumi.StringMapOutput {
	return pulumi.All(a, b).ApplyT(func(v []any) map[string]string {
		out := maps.Clone(v[0].(map[string]string))
		maps.Copy(out, v[1].(map[string]string))
		return out
	}).(pulumi.StringMapOutput)
}

// clusterTags are the EKS cluster's own tags as pulumi-eks v2.8.1 merges
// them (nodejs/eks/cluster.ts): its Name, then clusterTags, then tags.
func (b *clusterBuilder) clusterTags() pulumi.StringMapOutput {
	own := pulumi.StringMap{"Name": pulumi.String(b.name + "-eksCluster")}.ToStringMapOutput()
	if b.args.ClusterTags != nil {
		own = merged(own, b.args.ClusterTags)
	}
	return b.tags(own)
}

// serviceRole creates the eks:index:ServiceRole component pulumi-eks makes
// for the cluster: a role EKS may assume, with AmazonEKSClusterPolicy.
func (b *clusterBuilder) serviceRole() (*iam.Role, error) {
	name := b.name + "-eksRole"
	var comp pulumi.ResourceState
	if err := b.ctx.RegisterComponentResource("eks:index:ServiceRole", name, &comp, b.in()...); err != nil {
		return nil, err
	}
	trust, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Action": []string{"sts:AssumeRole"}, "Effect": "Allow", "Principal": map[string]any{"Service": []string{"eks.amazonaws.com"}},
		}},
	})
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(b.ctx, name+"-role", &iam.RoleArgs{
		Description:      pulumi.String("Allows EKS to manage clusters on your behalf."),
		AssumeRolePolicy: pulumi.String(string(trust)),
		Tags:             b.args.Tags,
	}, pulumi.Parent(&comp))
	if err != nil {
		return nil, err
	}
	const policyID = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	sum := sha1.Sum([]byte(policyID)) //nolint:gosec // a name, as pulumi-eks derives it
	attachment, err := iam.NewRolePolicyAttachment(b.ctx, name+"-"+hex.EncodeToString(sum[:])[:8], &iam.RolePolicyAttachmentArgs{
		PolicyArn: pulumi.String(policyID),
		Role:      role.Name,
	}, pulumi.Parent(&comp))
	if err != nil {
		return nil, err
	}
	// pulumi-eks hands the role on once its policies are attached: the
	// cluster waits for the attachment.
	b.roleReady = attachment
	return role, b.ctx.RegisterResourceOutputs(&comp, pulumi.Map{"role": role})
}

// accessEntries creates the cluster's access entries and their policy
// associations, named as pulumi-eks names them.
func (b *clusterBuilder) accessEntries(cluster *awseks.Cluster) error {
	for _, key := range slices.Sorted(maps.Keys(b.args.AccessEntries)) {
		e := b.args.AccessEntries[key]
		entryArgs := &awseks.AccessEntryArgs{
			ClusterName:      cluster.Name,
			PrincipalArn:     pulumi.String(e.PrincipalArn),
			KubernetesGroups: pulumi.ToStringArray(e.KubernetesGroups),
			Tags:             pulumi.ToStringMap(e.Tags),
		}
		if e.Type != nil {
			entryArgs.Type = pulumi.String(string(*e.Type))
		}
		if e.Username != nil {
			entryArgs.UserName = pulumi.String(*e.Username)
		}
		entry, err := awseks.NewAccessEntry(b.ctx, b.name+"-"+key, entryArgs, b.in(pulumi.DependsOn([]pulumi.Resource{cluster}))...)
		if err != nil {
			return err
		}
		for _, pk := range slices.Sorted(maps.Keys(e.AccessPolicies)) {
			p := e.AccessPolicies[pk]
			scope := awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String(p.AccessScope.Type), Namespaces: pulumi.ToStringArray(p.AccessScope.Namespaces)}
			if _, err := awseks.NewAccessPolicyAssociation(b.ctx, b.name+"-"+key+"-"+pk, &awseks.AccessPolicyAssociationArgs{
				AccessScope: scope, PrincipalArn: pulumi.String(e.PrincipalArn), PolicyArn: pulumi.String(p.PolicyArn), ClusterName: cluster.Name,
			}, pulumi.Parent(entry), pulumi.DependsOn([]pulumi.Resource{entry})); err != nil {
				return err
			}
		}
	}
	return nil
}

// issuerThumbprint is the SHA-1 thumbprint pulumi-eks would read from the
// issuer's CA; the tier has no internet, so it is the one AWS documents for
// the EKS OIDC root CA.
const issuerThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

// oidcProvider creates the IAM OIDC provider of the cluster's issuer.
func (b *clusterBuilder) oidcProvider(cluster *awseks.Cluster) (*iam.OpenIdConnectProvider, error) {
	issuer := cluster.Identities.Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	return iam.NewOpenIdConnectProvider(b.ctx, b.name+"-oidcProvider", &iam.OpenIdConnectProviderArgs{
		ClientIdLists:   pulumi.ToStringArray([]string{"sts.amazonaws.com"}),
		Url:             issuer,
		ThumbprintLists: pulumi.ToStringArray([]string{issuerThumbprint}),
	}, b.in()...)
}

// nodeSecurityGroup creates the node security group and its rules, and the
// rule that lets nodes reach the API server.
func (b *clusterBuilder) nodeSecurityGroup(clusterSG *ec2.SecurityGroup, cluster *awseks.Cluster) (*ec2.SecurityGroup, *ec2.SecurityGroupRule, error) {
	own := pulumi.StringMap{"Name": pulumi.String(b.name + "-nodeSecurityGroup")}
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-nodeSecurityGroup", &ec2.SecurityGroupArgs{
		VpcId:               b.args.VpcID,
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags: pulumi.All(b.tags(own), cluster.Name).ApplyT(func(v []any) map[string]string {
			out := maps.Clone(v[0].(map[string]string))
			out["kubernetes.io/cluster/"+v[1].(string)] = "owned"
			return out
		}).(pulumi.StringMapOutput),
	}, b.in()...)
	if err != nil {
		return nil, nil, err
	}
	rule := func(name, description, typ string, from, to int, protocol string, group pulumi.IDOutput, source *ec2.SecurityGroup, self bool, cidrs []string) (*ec2.SecurityGroupRule, error) {
		args := &ec2.SecurityGroupRuleArgs{
			Description: pulumi.String(description), Type: pulumi.String(typ), FromPort: pulumi.Int(from), ToPort: pulumi.Int(to),
			Protocol: pulumi.String(protocol), SecurityGroupId: group,
		}
		if source != nil {
			args.SourceSecurityGroupId = source.ID()
		}
		if self {
			args.Self = pulumi.Bool(true)
		}
		if cidrs != nil {
			args.CidrBlocks = pulumi.ToStringArray(cidrs)
		}
		return ec2.NewSecurityGroupRule(b.ctx, b.name+"-"+name, args, b.in()...)
	}
	for _, r := range []struct {
		name, description, typ string
		from, to               int
		protocol               string
		source                 *ec2.SecurityGroup
		self                   bool
		cidrs                  []string
	}{
		{"eksNodeIngressRule", "Allow nodes to communicate with each other", "ingress", 0, 0, "-1", nil, true, nil},
		{"eksNodeClusterIngressRule", "Allow worker Kubelets and pods to receive communication from the cluster control plane", "ingress", 1025, 65535, "tcp", clusterSG, false, nil},
		{"eksExtApiServerClusterIngressRule", "Allow pods running extension API servers on port 443 to receive communication from cluster control plane", "ingress", 443, 443, "tcp", clusterSG, false, nil},
		{"eksNodeInternetEgressRule", "Allow internet access.", "egress", 0, 0, "-1", nil, false, []string{"0.0.0.0/0"}},
	} {
		if _, err := rule(r.name, r.description, r.typ, r.from, r.to, r.protocol, sg.ID(), r.source, r.self, r.cidrs); err != nil {
			return nil, nil, err
		}
	}
	ingress, err := rule("eksClusterIngressRule", "Allow pods to communicate with the cluster API Server", "ingress", 443, 443, "tcp", clusterSG.ID(), sg, false, nil)
	return sg, ingress, err
}

// kubeconfig is the kubeconfig of the cluster, as pulumi-eks's
// generateKubeconfig shapes it, authenticating with the API server's token.
func (b *clusterBuilder) kubeconfig(cluster *awseks.Cluster) pulumi.AnyOutput {
	return pulumi.All(cluster.Arn, cluster.Endpoint, cluster.CertificateAuthority.Data()).ApplyT(func(v []any) (any, error) {
		arn, endpoint := v[0].(string), v[1].(string)
		server, err := b.pool.Of(b.world.Dir(), arn)
		if err != nil {
			return nil, err
		}
		ca, _ := v[2].(*string)
		cluster := map[string]any{"server": endpoint}
		if ca != nil && *ca != "" {
			cluster["certificate-authority-data"] = *ca
		} else {
			cluster["insecure-skip-tls-verify"] = true
		}
		return map[string]any{
			"apiVersion":      "v1",
			"kind":            "Config",
			"clusters":        []any{map[string]any{"name": "kubernetes", "cluster": cluster}},
			"contexts":        []any{map[string]any{"name": "aws", "context": map[string]any{"cluster": "kubernetes", "user": "aws"}}},
			"current-context": "aws",
			"users":           []any{map[string]any{"name": "aws", "user": map[string]any{"token": server.Token}}},
			"preferences":     map[string]any{},
		}, nil
	}).(pulumi.AnyOutput)
}
