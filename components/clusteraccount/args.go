package clusteraccount

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/netplan"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Args configures a ClusterAccount.
type Args struct {
	// Account is the cluster account and its provider. Required.
	Account providers.Account
	// EKSProvider is the explicit provider of the pulumi-eks package.
	// Required (see providers.NewEKSProvider).
	EKSProvider pulumi.ProviderResource
	// ClusterName is the EKS name of the cluster, used as its physical
	// name. Required. Example: "prod".
	ClusterName string
	// KubernetesVersion is the cluster's Kubernetes minor version.
	// Required. Example: "1.34".
	KubernetesVersion string
	// DeployRoleARN is the role the generated kubeconfig assumes, the same
	// role the account's provider assumes. Required. Example:
	// "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole".
	DeployRoleARN string
	// VPC asks for a new VPC. Exactly one of VPC and ExistingNetwork is
	// required.
	VPC *VPC
	// ExistingNetwork places the cluster in subnets that already exist,
	// such as subnets a network account shares by RAM.
	ExistingNetwork *ExistingNetwork
	// NodeGroups are the managed node groups. Optional, but the cluster
	// needs node groups, Fargate profiles or both.
	NodeGroups []NodeGroup
	// FargateProfiles run the pods of some namespaces on Fargate. Optional.
	// Pod Identity does not work there: those namespaces must use IRSA.
	FargateProfiles []FargateProfile
	// AdminRoleARNs get cluster-wide admin access entries. Optional.
	AdminRoleARNs []string
	// SharedChainingRole creates the cluster's shared Pod Identity chaining
	// role, for tenants that chain into their accounts from one role with
	// ABAC instead of a source role per service account. Optional; default
	// false.
	SharedChainingRole bool
	// EndpointAccess says how the deploying machine reaches the cluster's
	// API, which it must: the same program creates Kubernetes objects in
	// the cluster. Required: public CIDRs or private only.
	EndpointAccess EndpointAccess
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
}

// EndpointAccess is how the cluster's API endpoint is reached. Exactly one
// of the two is required.
type EndpointAccess struct {
	// PublicCIDRs opens the public endpoint to these blocks (those of
	// the machines that deploy and operate the cluster); the private
	// endpoint stays on for the VPC. Example: ["203.0.113.0/24"].
	PublicCIDRs []string
	// PrivateOnly turns the public endpoint off: the stack must then be
	// deployed from inside the VPC (a peered runner, say).
	PrivateOnly bool
}

// Check records every problem with the endpoint access under path.
func (e EndpointAccess) Check(path string, ps *validate.Problems) {
	switch {
	case e.PrivateOnly && len(e.PublicCIDRs) > 0:
		ps.Add(validate.Path(path, "privateOnly"), true, "and publicCidrs are mutually exclusive: the public endpoint is either open to those blocks or off")
	case !e.PrivateOnly && len(e.PublicCIDRs) == 0:
		ps.Add(path, nil, "needs publicCidrs (the blocks the deploying machine reaches the API from) or privateOnly: true (deployed from inside the VPC): the program creates Kubernetes objects in the cluster")
	}
	for i, c := range e.PublicCIDRs {
		if _, err := netplan.ParseCIDR(c); err != nil {
			ps.Add(validate.Index(validate.Path(path, "publicCidrs"), i), c, err.Error())
		}
	}
}

// VPC describes a VPC to create.
type VPC struct {
	// CIDR is the VPC's IPv4 block, /16 to /22. Required. Example:
	// "10.0.0.0/16".
	CIDR string
	// AvailabilityZones is how many zones to spread over, 2 to 6.
	// Optional; default 3.
	AvailabilityZones int
	// SingleNATGateway uses one NAT gateway for all zones instead of one
	// per zone. Optional; default false. Cheaper, but a zone outage cuts
	// egress from the others.
	SingleNATGateway bool
}

// ExistingNetwork names subnets that already exist.
type ExistingNetwork struct {
	// VpcID is the VPC of the subnets. Required.
	VpcID pulumi.StringInput
	// PrivateSubnetIDs hold the nodes and internal load balancers.
	// Required; at least two zones' worth.
	PrivateSubnetIDs pulumi.StringArrayInput
	// PublicSubnetIDs hold internet-facing load balancers. Optional.
	PublicSubnetIDs pulumi.StringArrayInput
}

// NodeGroup is one managed node group.
type NodeGroup struct {
	// Name is the node group's name. Required. Example: "general".
	Name string
	// InstanceTypes are the EC2 instance types. Required. Several types
	// give spot capacity more pools.
	InstanceTypes []string
	// MinSize, MaxSize and DesiredSize bound the group. MaxSize must be at
	// least 1 and MinSize <= DesiredSize <= MaxSize. MinSize 0 lets the
	// group scale from zero.
	MinSize, MaxSize, DesiredSize int
	// CapacityType is ON_DEMAND or SPOT. Optional; default ON_DEMAND.
	CapacityType string
	// AMIType is the EKS AMI type. Optional; default AL2023_x86_64_STANDARD.
	// GPU groups use AL2023_x86_64_NVIDIA.
	AMIType string
	// DiskSizeGiB is the root volume size. Optional; default 50.
	DiskSizeGiB int
	// Labels are Kubernetes node labels. Optional.
	Labels map[string]string
	// Taints are Kubernetes node taints. Optional.
	Taints []Taint
}

// Taint is a Kubernetes node taint.
type Taint struct {
	// Key and Value of the taint. Key is required.
	Key, Value string
	// Effect is NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE. Required.
	Effect string
}

// FargateProfile runs the pods of some namespaces on Fargate.
type FargateProfile struct {
	// Name is the profile's name. Required.
	Name string
	// Namespaces select the pods, one selector each. Required.
	Namespaces []string
}

// Defaults and the allowed values of enumerations.
const (
	defaultDiskGiB  = 50
	defaultAMIType  = "AL2023_x86_64_STANDARD"
	defaultCapacity = "ON_DEMAND"
)

var (
	capacityTypes = []string{"ON_DEMAND", "SPOT", "CAPACITY_BLOCK"}
	amiTypes      = []string{
		"AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA",
		"AL2023_x86_64_NEURON", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64_NVIDIA",
		"BOTTLEROCKET_ARM_64_NVIDIA",
	}
	taintEffects   = []string{"NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"}
	versionPattern = regexp.MustCompile(`^1\.[0-9]{2}$`)
	ngNamePattern  = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$`)
	logTypes       = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
)

func (ng NodeGroup) capacityType() string { return cmp.Or(ng.CapacityType, defaultCapacity) }
func (ng NodeGroup) amiType() string      { return cmp.Or(ng.AMIType, defaultAMIType) }
func (ng NodeGroup) diskSize() int {
	if ng.DiskSizeGiB == 0 {
		return defaultDiskGiB
	}
	return ng.DiskSizeGiB
}

func (a *Args) nodeRoleName() string    { return naming.NodeRole(a.ClusterName) }
func (a *Args) fargateRoleName() string { return naming.FargateRole(a.ClusterName) }

// AccessEntries returns the principals with an access entry on the
// cluster before any tenant adds one: the deploy role (pulumi-eks bootstraps
// the cluster creator's), the node and Fargate roles (EKS creates theirs
// with the first node group or profile), and the cluster admins.
func (a *Args) AccessEntries() []clusterref.AccessEntry {
	entries := []clusterref.AccessEntry{{PrincipalARN: a.DeployRoleARN, Holder: "the deploy role, which pulumi-eks gives one as the cluster creator"}}
	if len(a.NodeGroups) > 0 {
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: a.Account.RoleARN("/", a.nodeRoleName()), Holder: "the node role, whose entry EKS creates"})
	}
	if len(a.FargateProfiles) > 0 {
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: a.Account.RoleARN("/", a.fargateRoleName()), Holder: "the Fargate pod execution role, whose entry EKS creates"})
	}
	for i, arn := range a.AdminRoleARNs {
		path := validate.Index("adminRoleArns", i)
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: arn, Path: path, Holder: path})
	}
	return entries
}

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Account.Check("account", &ps)
	if a.EKSProvider == nil {
		ps.Add("eksProvider", nil, "is required: pulumi-eks components need an explicit provider")
	}
	if !clusterref.IsClusterName(a.ClusterName) {
		ps.Add("clusterName", a.ClusterName, "is not an EKS cluster name (1-100 letters, digits, - and _, starting with a letter or digit)")
	}
	if !versionPattern.MatchString(a.KubernetesVersion) {
		ps.Add("kubernetesVersion", a.KubernetesVersion, `is not a Kubernetes minor version such as "1.34"`)
	}
	switch {
	case !validate.IsIAMRoleARN(a.DeployRoleARN):
		ps.Add("deployRoleArn", a.DeployRoleARN, "is not an IAM role ARN")
	case a.Account.ID != "" && !hasAccount(a.DeployRoleARN, a.Account.ID):
		ps.Addf("deployRoleArn", a.DeployRoleARN, "is not a role in the cluster account %s", a.Account.ID)
	}
	a.checkNetwork(&ps)
	a.checkCompute(&ps)
	for i, arn := range a.AdminRoleARNs {
		if !validate.IsIAMRoleARN(arn) {
			ps.Add(validate.Index("adminRoleArns", i), arn, "is not an IAM role ARN")
		}
	}
	clusterref.CheckAccessEntries(a.AccessEntries(), &ps)
	for _, n := range []string{a.nodeRoleName(), a.fargateRoleName(), naming.SharedChainingRole(a.ClusterName)} {
		if reason := validate.RoleName(n); reason != "" {
			ps.Add("clusterName", a.ClusterName, "gives the role name "+fmt.Sprintf("%q", n)+", which "+reason)
		}
	}
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}

func hasAccount(arn, account string) bool {
	return strings.Contains(arn, ":iam::"+account+":")
}

func (a *Args) checkNetwork(ps *validate.Problems) {
	switch {
	case a.VPC == nil && a.ExistingNetwork == nil:
		ps.Add("vpc", nil, "or existingNetwork is required")
	case a.VPC != nil && a.ExistingNetwork != nil:
		ps.Add("vpc", nil, "and existingNetwork are mutually exclusive")
	case a.VPC != nil:
		a.vpcArgs().Check("vpc.cidr", "vpc.availabilityZones", ps)
	default:
		if a.ExistingNetwork.VpcID == nil {
			ps.Missing("existingNetwork.vpcId")
		}
		if a.ExistingNetwork.PrivateSubnetIDs == nil {
			ps.Missing("existingNetwork.privateSubnetIds")
		}
	}
	a.EndpointAccess.Check("endpointAccess", ps)
}

func (a *Args) checkCompute(ps *validate.Problems) {
	if len(a.NodeGroups) == 0 && len(a.FargateProfiles) == 0 {
		ps.Add("nodeGroups", nil, "or fargateProfiles: the cluster needs somewhere to run pods")
	}
	seen := map[string]bool{}
	for i, ng := range a.NodeGroups {
		p := validate.Index("nodeGroups", i)
		checkName(ps, p+".name", ng.Name, seen, "node group")
		if len(ng.InstanceTypes) == 0 {
			ps.Missing(p + ".instanceTypes")
		}
		if ng.MaxSize < 1 {
			ps.Add(p+".maxSize", ng.MaxSize, "must be at least 1")
		}
		if ng.MinSize < 0 || ng.MinSize > ng.DesiredSize || ng.DesiredSize > ng.MaxSize {
			ps.Addf(p+".desiredSize", ng.DesiredSize, "must be within minSize %d and maxSize %d", ng.MinSize, ng.MaxSize)
		}
		if !slices.Contains(capacityTypes, ng.capacityType()) {
			ps.Addf(p+".capacityType", ng.CapacityType, "is not one of %v", capacityTypes)
		}
		if !slices.Contains(amiTypes, ng.amiType()) {
			ps.Addf(p+".amiType", ng.AMIType, "is not one of %v", amiTypes)
		}
		if ng.diskSize() < 20 || ng.diskSize() > 16384 {
			ps.Add(p+".diskSizeGiB", ng.DiskSizeGiB, "is outside 20..16384")
		}
		for j, t := range ng.Taints {
			tp := validate.Index(p+".taints", j)
			if t.Key == "" {
				ps.Missing(tp + ".key")
			}
			if !slices.Contains(taintEffects, t.Effect) {
				ps.Addf(tp+".effect", t.Effect, "is not one of %v", taintEffects)
			}
		}
	}
	seen = map[string]bool{}
	for i, fp := range a.FargateProfiles {
		p := validate.Index("fargateProfiles", i)
		checkName(ps, p+".name", fp.Name, seen, "Fargate profile")
		if len(fp.Namespaces) == 0 {
			ps.Missing(p + ".namespaces")
		}
		for j, ns := range fp.Namespaces {
			if !validate.IsDNS1123Label(ns) {
				ps.Add(validate.Index(p+".namespaces", j), ns, "is not a valid Kubernetes namespace name (DNS-1123 label)")
			}
		}
	}
}

// checkName reports a node group or Fargate profile name that EKS would
// refuse or that the list uses twice; seen holds the names used so far.
func checkName(ps *validate.Problems, path, name string, seen map[string]bool, what string) {
	switch {
	case !ngNamePattern.MatchString(name):
		ps.Add(path, name, "is not a "+what+" name (1-63 letters, digits, - and _)")
	case seen[name]:
		ps.Add(path, name, "is used by another "+what)
	}
	seen[name] = true
}

// fargateNamespaces lists every namespace a Fargate profile selects.
func (a *Args) fargateNamespaces() []string {
	var out []string
	for _, fp := range a.FargateProfiles {
		out = append(out, fp.Namespaces...)
	}
	return out
}
