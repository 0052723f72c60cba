package clusteraccount

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
)

// IMDS settings of every node: tokens required (IMDSv2) and a hop limit
// of 1, so a pod (one hop further, behind the node's network namespace)
// cannot reach the instance metadata service and take the node's role.
const (
	IMDSHopLimit = 1
	IMDSTokens   = "required"
)

// Add-ons the cluster always runs.
const (
	PodIdentityAgentAddon = "eks-pod-identity-agent"
	VpcCniAddon           = "vpc-cni"
)

// VpcCniConfiguration turns on the VPC CNI's network policy agent, which
// enforces Kubernetes NetworkPolicy (the tenants' default policies).
const VpcCniConfiguration = `{"enableNetworkPolicy":"true"}`

// nodePolicies are the AWS managed policies of the node role.
var nodePolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"}

// AdminPolicyARN is the EKS access policy that grants cluster admin.
func AdminPolicyARN(partition string) string {
	return "arn:" + partition + ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
}

// clusterScope is the access scope of a cluster-wide access policy.
func clusterScope() awseks.AccessPolicyAssociationAccessScopeInput {
	return awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")}
}

func managedPolicyARN(partition, name string) string {
	return "arn:" + partition + ":iam::aws:policy/" + name
}

// serviceRole is a role an AWS service assumes, with the attachments of
// its managed policies. What uses the role waits for them: it is created
// once the role can do its job, and deleted before the policies are
// detached, since EKS needs them to launch and to drain nodes
// (https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html,
// https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html).
type serviceRole struct {
	*iam.Role
	attachments []pulumi.Resource
}

// dependsOn is the option that makes a user of the role wait for its
// policies.
func (r *serviceRole) dependsOn() pulumi.ResourceOption { return pulumi.DependsOn(r.attachments) }

// nodeRole creates the role of the managed node groups, or returns nil
// when there are none.
func (b *builder) nodeRole() (*serviceRole, error) {
	if len(b.args.NodeGroups) == 0 {
		return nil, nil
	}
	return b.serviceRole("node-role", naming.NodeRole(b.args.ClusterName), trust.ServiceTrust("ec2.amazonaws.com"), nodePolicies)
}

// compute creates one launch template and managed node group per
// NodeGroup, with the node role, and the Fargate profiles with their pod
// execution role, and returns the node groups and profiles. Each names the
// cluster by clusterName, the cluster's own output.
func (b *builder) compute(cluster *eks.Cluster, clusterName pulumi.StringOutput, nodeRole *serviceRole, net subnets) ([]pulumi.Resource, error) {
	a := b.args
	var made []pulumi.Resource
	sg := cluster.EksCluster.VpcConfig().ClusterSecurityGroupId().Elem()
	// The node groups run the control plane's version, read from the
	// cluster itself: when kubernetesVersion moves, each node group is
	// updated once the control plane has moved, in the same up. EKS
	// refuses the next control-plane update while a node group lags
	// (https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html),
	// and a node group newer than its control plane.
	version := cluster.EksCluster.Version()
	for _, ng := range a.NodeGroups {
		group, err := b.nodeGroup(ng, clusterName, version, nodeRole, sg, net)
		if err != nil {
			return nil, err
		}
		made = append(made, group)
	}
	if len(a.FargateProfiles) == 0 {
		return made, nil
	}
	fargateTrust := trust.FargatePods(a.Account.EKSARN("fargateprofile/" + a.ClusterName + "/*"))
	role, err := b.serviceRole("fargate-role", naming.FargateRole(a.ClusterName), fargateTrust, []string{"AmazonEKSFargatePodExecutionRolePolicy"})
	if err != nil {
		return nil, err
	}
	for _, fp := range a.FargateProfiles {
		var selectors awseks.FargateProfileSelectorArray
		for _, ns := range fp.Namespaces {
			selectors = append(selectors, awseks.FargateProfileSelectorArgs{Namespace: pulumi.String(ns)})
		}
		profile, err := awseks.NewFargateProfile(b.ctx, naming.Child(b.name, "fargate", fp.Name), &awseks.FargateProfileArgs{
			ClusterName:         clusterName,
			FargateProfileName:  pulumi.String(fp.Name),
			PodExecutionRoleArn: role.Arn,
			SubnetIds:           net.routedIDs,
			Selectors:           selectors,
			Tags:                pulumi.ToStringMap(a.Tags),
		}, b.opts(role.dependsOn())...)
		if err != nil {
			return nil, fmt.Errorf("creating Fargate profile %s: %w", fp.Name, err)
		}
		made = append(made, profile)
	}
	return made, nil
}

// serviceRole creates a role an AWS service assumes, with managed policies.
func (b *builder) serviceRole(role, name string, trustDoc iampolicy.Document, policies []string) (*serviceRole, error) {
	a := b.args
	text, err := trustDoc.JSON()
	if err != nil {
		return nil, err
	}
	r, err := iam.NewRole(b.ctx, naming.Child(b.name, role), &iam.RoleArgs{
		Name:             pulumi.String(name),
		AssumeRolePolicy: pulumi.String(text),
		Tags:             pulumi.ToStringMap(a.Tags),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", role, err)
	}
	out := &serviceRole{Role: r}
	for _, p := range policies {
		attachment, err := iam.NewRolePolicyAttachment(b.ctx, naming.Child(b.name, role, p), &iam.RolePolicyAttachmentArgs{
			Role: r.Name, PolicyArn: pulumi.String(managedPolicyARN(a.Account.Partition(), p)),
		}, b.opts()...)
		if err != nil {
			return nil, fmt.Errorf("attaching %s to %s: %w", p, role, err)
		}
		out.attachments = append(out.attachments, attachment)
	}
	return out, nil
}

// nodeGroup creates the launch template and the managed node group.
func (b *builder) nodeGroup(ng NodeGroup, clusterName, version pulumi.StringOutput, role *serviceRole, clusterSG pulumi.StringOutput, net subnets) (*awseks.NodeGroup, error) {
	a := b.args
	lt, err := ec2.NewLaunchTemplate(b.ctx, naming.Child(b.name, "lt", ng.Name), &ec2.LaunchTemplateArgs{
		Description: pulumi.String(fmt.Sprintf("Nodes of %s/%s: IMDSv2 only, hop limit 1", a.ClusterName, ng.Name)),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String(IMDSTokens),
			HttpPutResponseHopLimit: pulumi.Int(IMDSHopLimit),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String(rootDevice(ng.amiType())),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize: pulumi.Int(ng.diskSize()), VolumeType: pulumi.String("gp3"),
				Encrypted: pulumi.String("true"), DeleteOnTermination: pulumi.String("true"),
			},
		}},
		VpcSecurityGroupIds: pulumi.StringArray{clusterSG},
		Tags:                b.tags("lt-" + ng.Name),
	}, b.opts()...)
	if err != nil {
		return nil, fmt.Errorf("creating launch template %s: %w", ng.Name, err)
	}
	var taints awseks.NodeGroupTaintArray
	for _, t := range ng.Taints {
		taints = append(taints, awseks.NodeGroupTaintArgs{Key: pulumi.String(t.Key), Value: pulumi.String(t.Value), Effect: pulumi.String(t.Effect)})
	}
	group, err := awseks.NewNodeGroup(b.ctx, naming.Child(b.name, "ng", ng.Name), &awseks.NodeGroupArgs{
		ClusterName:   clusterName,
		NodeGroupName: pulumi.String(ng.Name),
		Version:       version,
		NodeRoleArn:   role.Arn,
		SubnetIds:     net.routedIDs,
		InstanceTypes: pulumi.ToStringArray(ng.InstanceTypes),
		CapacityType:  pulumi.String(ng.capacityType()),
		AmiType:       pulumi.String(ng.amiType()),
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			MinSize: pulumi.Int(ng.MinSize), MaxSize: pulumi.Int(ng.MaxSize), DesiredSize: pulumi.Int(ng.DesiredSize),
		},
		Labels: pulumi.ToStringMap(ng.Labels),
		Taints: taints,
		LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: lt.LatestVersion.ApplyT(strconv.Itoa).(pulumi.StringOutput),
		},
		Tags: pulumi.ToStringMap(a.Tags),
	}, b.opts(role.dependsOn())...)
	if err != nil {
		return nil, fmt.Errorf("creating node group %s: %w", ng.Name, err)
	}
	return group, nil
}

// rootDevice is the root volume's device name for an AMI family.
func rootDevice(amiType string) string {
	if strings.HasPrefix(amiType, "BOTTLEROCKET") {
		return "/dev/xvdb"
	}
	return "/dev/xvda"
}

// addons installs the Pod Identity agent and takes over the VPC CNI with
// network policy enforcement on, and returns the add-ons. Each is pinned
// to the newest version EKS offers for the cluster's Kubernetes version
// (getAddonVersion, mostRecent), read through the account's provider: an
// add-on created without one stays at the default of the version the
// cluster was created with, and falls out of support as the cluster moves.
// It names the cluster by clusterName, the cluster's own output, so an
// add-on moves after the control plane has.
func (b *builder) addons(clusterName pulumi.StringOutput) ([]pulumi.Resource, error) {
	a := b.args
	var made []pulumi.Resource
	for _, addon := range []struct{ name, config string }{
		{PodIdentityAgentAddon, ""},
		{VpcCniAddon, VpcCniConfiguration},
	} {
		version, err := awseks.GetAddonVersion(b.ctx, &awseks.GetAddonVersionArgs{
			AddonName: addon.name, KubernetesVersion: a.KubernetesVersion, MostRecent: pulumi.BoolRef(true),
		}, pulumi.Parent(b.parent), pulumi.Provider(a.Account.Provider))
		if err != nil {
			return nil, fmt.Errorf("reading the versions of add-on %s for Kubernetes %s: %w", addon.name, a.KubernetesVersion, err)
		}
		args := &awseks.AddonArgs{
			ClusterName:              clusterName,
			AddonName:                pulumi.String(addon.name),
			AddonVersion:             pulumi.String(version.Version),
			ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
			ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
			Tags:                     pulumi.ToStringMap(a.Tags),
		}
		if addon.config != "" {
			args.ConfigurationValues = pulumi.String(addon.config)
		}
		installed, err := awseks.NewAddon(b.ctx, naming.Child(b.name, addon.name), args, b.opts()...)
		if err != nil {
			return nil, fmt.Errorf("creating add-on %s: %w", addon.name, err)
		}
		made = append(made, installed)
	}
	return made, nil
}
