package clusteraccount

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Spec is a cluster as its owner writes it: plain data, the same in a
// stack file (a clusterAccounts entry) and in Go. The account it lands in
// and the role that deploys it are not its to say: those are Facts.
type Spec struct {
	// ClusterName is the EKS name of the cluster, used as its physical
	// name. Required. Example: "prod".
	ClusterName string `json:"clusterName,omitempty"`
	// KubernetesVersion is the cluster's Kubernetes minor version.
	// Required. Example: "1.34".
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// VpcCIDR asks for a new VPC with this IPv4 block, /16 to /22. Example:
	// "10.0.0.0/16". Required unless Args.ExistingNetwork names subnets.
	VpcCIDR string `json:"vpcCidr,omitempty"`
	// AvailabilityZones is how many zones the new VPC spreads over, 2 to 6.
	// Optional; default 3.
	AvailabilityZones int `json:"availabilityZones,omitempty"`
	// SingleNatGateway uses one NAT gateway for all zones instead of one
	// per zone. Optional; default false. Cheaper, but a zone outage cuts
	// egress from the others.
	SingleNatGateway bool `json:"singleNatGateway,omitempty"`
	// NodeGroups are the managed node groups. Optional, but the cluster
	// needs node groups, Fargate profiles or both.
	NodeGroups []NodeGroup `json:"nodeGroups,omitempty"`
	// FargateProfiles run the pods of some namespaces on Fargate. Optional.
	// Pod Identity does not work there: those namespaces must use IRSA.
	FargateProfiles []FargateProfile `json:"fargateProfiles,omitempty"`
	// Admins are IAM role ARNs given cluster-wide admin access entries.
	// Optional.
	Admins []string `json:"admins,omitempty"`
	// EndpointAccess says how the deploying machine reaches the cluster's
	// API, which it must: the same program creates Kubernetes objects in
	// the cluster. Required by the component; a stack file may set it once
	// in defaults.endpointAccess instead.
	EndpointAccess *EndpointAccess `json:"endpointAccess,omitempty"`
}

// Facts are what a cluster's checks need from outside its Spec.
type Facts struct {
	// Account is the cluster account and region.
	Account partition.AccountRegion
	// DeployRoleARN is the role that creates the cluster, which pulumi-eks
	// gives an access entry.
	DeployRoleARN string
	// SharedChainingRole reports whether the cluster gets a shared Pod
	// Identity chaining role.
	SharedChainingRole bool
}

// EndpointAccess is how the cluster's API endpoint is reached. Exactly one
// of the two is required.
type EndpointAccess struct {
	// PublicCIDRs opens the public endpoint to these blocks (those of
	// the machines that deploy and operate the cluster); the private
	// endpoint stays on for the VPC. Example: ["203.0.113.0/24"].
	PublicCIDRs []string `json:"publicCidrs,omitempty"`
	// PrivateOnly turns the public endpoint off: the stack must then be
	// deployed from inside the VPC (a peered runner, say).
	PrivateOnly bool `json:"privateOnly,omitempty"`
}

// NodeGroup is one managed node group.
type NodeGroup struct {
	// Name is the node group's name. Required. Example: "general".
	Name string `json:"name"`
	// InstanceTypes are the EC2 instance types. Required. Several types
	// give spot capacity more pools.
	InstanceTypes []string `json:"instanceTypes,omitempty"`
	// MinSize is the fewest nodes; 0 lets the group scale from zero.
	MinSize int `json:"minSize,omitempty"`
	// MaxSize is the most nodes, at least 1.
	MaxSize int `json:"maxSize,omitempty"`
	// DesiredSize is how many nodes to start with, from MinSize to MaxSize.
	DesiredSize int `json:"desiredSize,omitempty"`
	// CapacityType is ON_DEMAND or SPOT. Optional; default ON_DEMAND.
	CapacityType string `json:"capacityType,omitempty"`
	// AMIType is the EKS AMI type. Optional; default AL2023_x86_64_STANDARD.
	// GPU groups use AL2023_x86_64_NVIDIA.
	AMIType string `json:"amiType,omitempty"`
	// DiskSizeGiB is the root volume size. Optional; default 50.
	DiskSizeGiB int `json:"diskSizeGiB,omitempty"`
	// Labels are Kubernetes node labels. Optional.
	Labels map[string]string `json:"labels,omitempty"`
	// Taints are Kubernetes node taints. Optional.
	Taints []Taint `json:"taints,omitempty"`
}

// Taint is a Kubernetes node taint.
type Taint struct {
	// Key of the taint. Required.
	Key string `json:"key"`
	// Value of the taint. Optional.
	Value string `json:"value,omitempty"`
	// Effect is NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE. Required.
	Effect string `json:"effect"`
}

// FargateProfile runs the pods of some namespaces on Fargate.
type FargateProfile struct {
	// Name is the profile's name. Required.
	Name string `json:"name"`
	// Namespaces select the pods, one selector each. Required.
	Namespaces []string `json:"namespaces"`
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
	namePattern    = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$`)
	logTypes       = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
)

func (ng NodeGroup) capacityType() string { return cmp.Or(ng.CapacityType, defaultCapacity) }
func (ng NodeGroup) amiType() string      { return cmp.Or(ng.AMIType, defaultAMIType) }
func (ng NodeGroup) diskSize() int        { return cmp.Or(ng.DiskSizeGiB, defaultDiskGiB) }

// FargateNamespaces lists every namespace a Fargate profile selects.
func (s Spec) FargateNamespaces() []string {
	var out []string
	for _, fp := range s.FargateProfiles {
		out = append(out, fp.Namespaces...)
	}
	return out
}

// AccessEntries returns the principals with an access entry on the
// cluster before any tenant adds one: the deploy role (pulumi-eks
// bootstraps the cluster creator's), the node and Fargate roles (EKS
// creates theirs with the first node group or profile), and the cluster
// admins, at their key paths under path.
func (s Spec) AccessEntries(path string, f Facts) []clusterref.AccessEntry {
	entries := []clusterref.AccessEntry{{PrincipalARN: f.DeployRoleARN, Holder: "the deploy role, which pulumi-eks gives one as the cluster creator"}}
	if len(s.NodeGroups) > 0 {
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: f.Account.RoleARN("/", naming.NodeRole(s.ClusterName)), Holder: "the node role, whose entry EKS creates"})
	}
	if len(s.FargateProfiles) > 0 {
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: f.Account.RoleARN("/", naming.FargateRole(s.ClusterName)), Holder: "the Fargate pod execution role, whose entry EKS creates"})
	}
	for i, arn := range s.Admins {
		p := validate.Index(validate.Path(path, "admins"), i)
		entries = append(entries, clusterref.AccessEntry{PrincipalARN: arn, Path: p, Holder: p})
	}
	return entries
}

// Check records every problem of the cluster under path: its name and the
// role names derived from it, its version, its new VPC (when it asks for
// one), its node groups and Fargate profiles, its admins and the access
// entries they would take twice, and its endpoint access when it sets one.
func (s Spec) Check(path string, f Facts, ps *validate.Problems) {
	at := func(key string) string { return validate.Path(path, key) }
	s.CheckName(at("clusterName"), f, ps)
	CheckVersion(at("kubernetesVersion"), s.KubernetesVersion, ps)
	if s.VpcCIDR != "" {
		network.CheckVPC(at("vpcCidr"), at("availabilityZones"), s.VpcCIDR, s.AvailabilityZones, ps)
	}
	if len(s.NodeGroups) == 0 && len(s.FargateProfiles) == 0 {
		ps.Add(at("nodeGroups"), nil, "or fargateProfiles: the cluster needs somewhere to run pods")
	}
	groups := validate.Names{}
	for i, ng := range s.NodeGroups {
		p := validate.Index(at("nodeGroups"), i)
		groups.Use(ps, p+".name", ng.Name, "node group")
		ng.Check(p, ps)
	}
	profiles := validate.Names{}
	for i, fp := range s.FargateProfiles {
		p := validate.Index(at("fargateProfiles"), i)
		if !namePattern.MatchString(fp.Name) {
			ps.Add(p+".name", fp.Name, "is not a Fargate profile name (1-63 letters, digits, - and _)")
		} else {
			profiles.Use(ps, p+".name", fp.Name, "Fargate profile")
		}
		if len(fp.Namespaces) == 0 {
			ps.Missing(p + ".namespaces")
		}
		for j, ns := range fp.Namespaces {
			if !validate.IsDNS1123Label(ns) {
				ps.Add(validate.Index(p+".namespaces", j), ns, "is not a valid Kubernetes namespace name (DNS-1123 label)")
			}
		}
	}
	clusterref.CheckAdmins(at("admins"), s.Admins, ps)
	clusterref.CheckAccessEntries(s.AccessEntries(path, f), ps)
	if s.EndpointAccess != nil {
		s.EndpointAccess.Check(at("endpointAccess"), ps)
	}
}

// CheckName records, at path, a cluster name EKS refuses, or one that
// makes the name of a role the cluster gets (its node role with node
// groups, its Fargate role with Fargate profiles, its shared chaining role
// when it has one) longer than IAM allows.
func (s Spec) CheckName(path string, f Facts, ps *validate.Problems) {
	name := s.ClusterName
	if !clusterref.IsClusterName(name) {
		ps.Add(path, name, "is not an EKS cluster name (1-100 letters, digits, - and _, starting with a letter or digit)")
		return
	}
	var roles []string
	if len(s.NodeGroups) > 0 {
		roles = append(roles, naming.NodeRole(name))
	}
	if len(s.FargateProfiles) > 0 {
		roles = append(roles, naming.FargateRole(name))
	}
	if f.SharedChainingRole {
		roles = append(roles, naming.SharedChainingRole(name))
	}
	for _, n := range roles {
		if reason := validate.RoleName(n); reason != "" {
			ps.Add(path, name, fmt.Sprintf("gives the role name %q, which %s", n, reason))
			return
		}
	}
}

// CheckVersion records a value that is not a Kubernetes minor version.
func CheckVersion(path, version string, ps *validate.Problems) {
	if !versionPattern.MatchString(version) {
		ps.Add(path, version, `is not a Kubernetes minor version such as "1.34"`)
	}
}

// Check records every problem of one node group under path (that another
// group has its name is the cluster's to say).
func (ng NodeGroup) Check(path string, ps *validate.Problems) {
	if !namePattern.MatchString(ng.Name) {
		ps.Add(path+".name", ng.Name, "is not a node group name (1-63 letters, digits, - and _)")
	}
	if len(ng.InstanceTypes) == 0 {
		ps.Missing(path + ".instanceTypes")
	}
	if ng.MaxSize < 1 {
		ps.Add(path+".maxSize", ng.MaxSize, "must be at least 1")
	}
	if ng.MinSize < 0 || ng.MinSize > ng.DesiredSize || ng.DesiredSize > ng.MaxSize {
		ps.Addf(path+".desiredSize", ng.DesiredSize, "must be within minSize %d and maxSize %d", ng.MinSize, ng.MaxSize)
	}
	if !slices.Contains(capacityTypes, ng.capacityType()) {
		ps.Addf(path+".capacityType", ng.CapacityType, "is not one of %v", capacityTypes)
	}
	if !slices.Contains(amiTypes, ng.amiType()) {
		ps.Addf(path+".amiType", ng.AMIType, "is not one of %v", amiTypes)
	}
	if ng.diskSize() < 20 || ng.diskSize() > 16384 {
		ps.Add(path+".diskSizeGiB", ng.DiskSizeGiB, "is outside 20..16384")
	}
	for j, t := range ng.Taints {
		tp := validate.Index(path+".taints", j)
		if t.Key == "" {
			ps.Missing(tp + ".key")
		}
		if !slices.Contains(taintEffects, t.Effect) {
			ps.Addf(tp+".effect", t.Effect, "is not one of %v", taintEffects)
		}
	}
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
		if _, err := network.ParseCIDR(c); err != nil {
			ps.Add(validate.Index(validate.Path(path, "publicCidrs"), i), c, err.Error())
		}
	}
}
