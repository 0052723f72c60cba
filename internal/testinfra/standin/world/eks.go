package world

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EKS as the library uses it. Errors are EKS's
// (https://docs.aws.amazon.com/eks/latest/APIReference/CommonErrors.html and
// each action's page). A cluster is CREATING until the plugin that creates
// it has waited out its creation time; everything that names the cluster
// fails until it is ACTIVE.

// Cluster states.
const (
	ClusterCreating = "CREATING"
	ClusterActive   = "ACTIVE"
)

// Policy ARNs EKS uses for the creator's access entry.
const clusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

var eksCluster = kind{
	replaceOn: []string{"name", "roleArn", "encryptionConfig", "kubernetesNetworkConfig"},
	create: func(s *State, c Caller, o *Object) error {
		name := o.Str("name")
		if s.cluster(c, name) != nil {
			return refuse("CreateCluster", "ResourceInUseException", "Cluster already exists with name: %s", name)
		}
		if s.roleByARN(o.Str("roleArn")) == nil {
			return refuse("CreateCluster", "InvalidParameterException", "Role with arn: %s, does not exist", o.Str("roleArn"))
		}
		if err := s.checkSubnets("CreateCluster", c, clusterSubnets(o), true); err != nil {
			return err
		}
		if err := s.checkClusterZones(c, name, clusterSubnets(o)); err != nil {
			return err
		}
		if key := encryptionKey(o); key != "" && s.first("aws:kms/key:Key", func(k *Object) bool { return k.Str("arn") == key && !k.PendingDeletion() }) == nil {
			return refuse("CreateCluster", "InvalidParameterException", "KMS key %s does not exist", key)
		}
		arn := fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", c.Partition(), c.Region, c.Account, name)
		if s.pool == nil {
			return fmt.Errorf("the stand-in world has no API servers for cluster %s (set %s)", arn, PoolEnv)
		}
		server, err := s.pool.claim(s.dir, arn)
		if err != nil {
			return err
		}
		o.ID = name
		o.set("arn", arn)
		o.set("status", ClusterCreating)
		o.set("endpoint", server.Endpoint)
		o.set("certificateAuthority", map[string]any{"data": server.CertificateAuthority})
		o.set("identities", []any{map[string]any{"oidcs": []any{map[string]any{
			"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", c.Region, strings.ToUpper(s.token(32))),
		}}}})
		o.set("platformVersion", "eks.1")
		o.set("createdAt", time.Now().UTC().Format(time.RFC3339))
		vpc, _ := o.Inputs["vpcConfig"].(map[string]any)
		o.set("vpcConfig", mergeMaps(vpc, map[string]any{"clusterSecurityGroupId": s.ec2ID("sg"), "vpcId": s.subnetVisible(c, clusterSubnets(o)[0]).Str("vpcId")}))
		s.controlPlaneInterfaces(c, o)
		// With bootstrapClusterCreatorAdminPermissions (the default), EKS
		// gives the IAM principal that creates the cluster an access entry
		// with the cluster admin policy
		// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessConfigRequest.html).
		if bootstrapCreator(o) {
			s.implicitEntry(o, c.Principal, "STANDARD", clusterAdminPolicy)
		}
		return nil
	},
	update: func(s *State, _ Caller, o *Object, inputs map[string]any) error {
		// "You can update only one minor version at a time", and never
		// down (https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html;
		// UpdateClusterVersion:
		// https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateClusterVersion.html).
		from, to := o.Str("version"), fmt.Sprint(inputs["version"])
		if inputs["version"] == nil || from == "" || from == to {
			return nil
		}
		f, t := minorOf(from), minorOf(to)
		if f < 0 || t < 0 || t != f+1 {
			return refuse("UpdateClusterVersion", "InvalidParameterException", "Unsupported Kubernetes minor version update from %s to %s", from, to)
		}
		if blockers := s.upgradeBlockers(o, t); len(blockers) > 0 {
			return refuse("UpdateClusterVersion", "InvalidRequestException", "Cluster %s cannot be updated from %s to %s: %s", o.ID, from, to, strings.Join(blockers, "; "))
		}
		return nil
	},
	remove: func(s *State, o *Object) error {
		// "If you have managed node groups or Fargate profiles attached to
		// the cluster, you must delete them first"
		// (https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteCluster.html).
		onCluster := func(x *Object) bool {
			return x.Account == o.Account && x.Region == o.Region && x.Str("clusterName") == o.ID
		}
		if len(s.Select("aws:eks/nodeGroup:NodeGroup", onCluster))+len(s.Select("aws:eks/fargateProfile:FargateProfile", onCluster)) > 0 {
			return refuse("DeleteCluster", "ResourceInUseException", "Cluster has nodegroups or Fargate profiles attached")
		}
		if s.pool != nil {
			if err := s.pool.release(s.dir, o.Str("arn")); err != nil {
				return err
			}
		}
		// Its network interfaces stay a while; load balancers made for its
		// Services stay until deleted (deleting a cluster does not delete
		// them: https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html
		// asks to delete every Service of type LoadBalancer first).
		s.releaseInterfaces(o.Str("arn"), s.InterfaceLinger)
		// What lives only on the cluster goes with it.
		for _, typ := range []string{"aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "aws:eks/addon:Addon", "aws:eks/podIdentityAssociation:PodIdentityAssociation"} {
			for _, x := range s.Select(typ, onCluster) {
				s.remove(x)
			}
		}
		return nil
	},
}

var eksAccessEntry = kind{
	replaceOn: []string{"clusterName", "principalArn", "type"},
	create: func(s *State, c Caller, o *Object) error {
		cluster, err := s.activeCluster("CreateAccessEntry", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		return s.checkEntry(c, cluster, o)
	},
}

var eksAccessPolicyAssociation = kind{
	replaceOn: []string{"clusterName", "principalArn", "policyArn", "accessScope"},
	create: func(s *State, c Caller, o *Object) error {
		cluster, err := s.activeCluster("AssociateAccessPolicy", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		if s.entry(cluster, o.Str("principalArn")) == nil {
			return refuse("AssociateAccessPolicy", "ResourceNotFoundException", "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.")
		}
		o.ID = cluster.ID + "#" + o.Str("principalArn") + "#" + o.Str("policyArn")
		return nil
	},
}

var eksAddon = kind{
	replaceOn: []string{"clusterName", "addonName"},
	create: func(s *State, c Caller, o *Object) error {
		cluster, err := s.activeCluster("CreateAddon", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		if s.first(o.Type, func(a *Object) bool { return onCluster(a, cluster) && a.Str("addonName") == o.Str("addonName") }) != nil {
			return refuse("CreateAddon", "ResourceInUseException", "Addon already exists.")
		}
		if role := o.Str("serviceAccountRoleArn"); role != "" && s.roleByARN(role) == nil {
			return refuse("CreateAddon", "InvalidParameterException", "Role %s does not exist", role)
		}
		version := o.Str("addonVersion")
		if version == "" {
			if version, err = AddonVersion(o.Str("addonName"), cluster.Str("version"), false); err != nil {
				return err
			}
		} else if err := checkAddonVersion("CreateAddon", cluster, o.Str("addonName"), version); err != nil {
			return err
		}
		o.set("addonVersion", version)
		o.ID = cluster.ID + ":" + o.Str("addonName")
		o.set("arn", fmt.Sprintf("arn:%s:eks:%s:%s:addon/%s/%s/%s", c.Partition(), c.Region, c.Account, cluster.ID, o.Str("addonName"), s.token(8)))
		return nil
	},
	update: func(s *State, c Caller, o *Object, inputs map[string]any) error {
		version, _ := inputs["addonVersion"].(string)
		if version == "" || version == o.Str("addonVersion") {
			return nil
		}
		cluster, err := s.activeCluster("UpdateAddon", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		if err := checkAddonVersion("UpdateAddon", cluster, o.Str("addonName"), version); err != nil {
			return err
		}
		o.set("addonVersion", version)
		return nil
	},
}

var eksNodeGroup = kind{
	replaceOn: []string{"clusterName", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "subnetIds", "amiType", "capacityType", "diskSize", "instanceTypes", "remoteAccess"},
	create: func(s *State, c Caller, o *Object) error {
		cluster, err := s.activeCluster("CreateNodegroup", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		name := o.Str("nodeGroupName")
		if s.first(o.Type, func(n *Object) bool { return onCluster(n, cluster) && n.Str("nodeGroupName") == name }) != nil {
			return refuse("CreateNodegroup", "ResourceInUseException", "NodeGroup already exists with name %s and cluster name %s", name, cluster.ID)
		}
		if s.roleByARN(o.Str("nodeRoleArn")) == nil {
			return refuse("CreateNodegroup", "InvalidParameterException", "The role with name %s cannot be found.", o.Str("nodeRoleArn"))
		}
		if err := s.checkSubnets("CreateNodegroup", c, o.Strs("subnetIds"), false); err != nil {
			return err
		}
		if lt, _ := o.Inputs["launchTemplate"].(map[string]any); lt != nil {
			if id, _ := lt["id"].(string); s.Find(c, "aws:ec2/launchTemplate:LaunchTemplate", id) == nil {
				return refuse("CreateNodegroup", "InvalidParameterException", "The specified launch template, with template ID %s, does not exist.", id)
			}
		}
		// A node group runs the cluster's version unless it names one,
		// which may not be newer than the cluster's
		// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html: version).
		version := cmp.Or(o.Str("version"), cluster.Str("version"))
		if err := checkNodeGroupVersion("CreateNodegroup", cluster, version); err != nil {
			return err
		}
		o.set("version", version)
		if err := s.checkNodeVCPUs(c, o); err != nil {
			return err
		}
		o.ID = cluster.ID + ":" + name
		o.set("arn", fmt.Sprintf("arn:%s:eks:%s:%s:nodegroup/%s/%s/%s", c.Partition(), c.Region, c.Account, cluster.ID, name, s.token(8)))
		o.set("status", ClusterActive)
		// EKS gives a managed node group's role an access entry of its own
		// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html:
		// "It's unnecessary to create access entries for IAM roles used
		// with Fargate profiles or managed Amazon EC2 nodes").
		s.implicitEntry(cluster, o.Str("nodeRoleArn"), "EC2_LINUX", "")
		return nil
	},
	update: func(s *State, c Caller, o *Object, inputs map[string]any) error {
		version, _ := inputs["version"].(string)
		if version == "" || version == o.Str("version") {
			return nil
		}
		cluster, err := s.activeCluster("UpdateNodegroupVersion", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		if minorOf(version) < minorOf(o.Str("version")) {
			return refuse("UpdateNodegroupVersion", "InvalidParameterException", "Nodegroup %s cannot be downgraded from %s to %s", o.Str("nodeGroupName"), o.Str("version"), version)
		}
		if err := checkNodeGroupVersion("UpdateNodegroupVersion", cluster, version); err != nil {
			return err
		}
		o.set("version", version)
		return nil
	},
	remove: func(s *State, o *Object) error {
		s.dropImplicitEntry(o, "nodeRoleArn")
		return nil
	},
}

// checkNodeGroupVersion refuses a node group version newer than its
// cluster's: "You can't update a node group to a Kubernetes version newer
// than the control plane's"
// (https://docs.aws.amazon.com/eks/latest/userguide/update-managed-node-group.html).
func checkNodeGroupVersion(action string, cluster *Object, version string) error {
	if minorOf(version) > minorOf(cluster.Str("version")) {
		return refuse(action, "InvalidParameterException", "Requested Nodegroup version %s is newer than the cluster version %s", version, cluster.Str("version"))
	}
	return nil
}

var eksFargateProfile = kind{
	replaceOn: []string{"clusterName", "fargateProfileName", "podExecutionRoleArn", "subnetIds", "selectors"},
	create: func(s *State, c Caller, o *Object) error {
		cluster, err := s.activeCluster("CreateFargateProfile", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		name := o.Str("fargateProfileName")
		if s.first(o.Type, func(p *Object) bool { return onCluster(p, cluster) && p.Str("fargateProfileName") == name }) != nil {
			return refuse("CreateFargateProfile", "ResourceInUseException", "A Fargate Profile already exists with this name in this cluster.")
		}
		if s.roleByARN(o.Str("podExecutionRoleArn")) == nil {
			return refuse("CreateFargateProfile", "InvalidParameterException", "The role with name %s cannot be found.", o.Str("podExecutionRoleArn"))
		}
		if err := s.checkSubnets("CreateFargateProfile", c, o.Strs("subnetIds"), false); err != nil {
			return err
		}
		o.ID = cluster.ID + ":" + name
		o.set("arn", fmt.Sprintf("arn:%s:eks:%s:%s:fargateprofile/%s/%s/%s", c.Partition(), c.Region, c.Account, cluster.ID, name, s.token(8)))
		o.set("status", ClusterActive)
		s.implicitEntry(cluster, o.Str("podExecutionRoleArn"), "FARGATE_LINUX", "")
		return nil
	},
	remove: func(s *State, o *Object) error {
		s.dropImplicitEntry(o, "podExecutionRoleArn")
		return nil
	},
}

var eksPodIdentityAssociation = kind{
	replaceOn: []string{"clusterName", "namespace", "serviceAccount"},
	create: func(s *State, c Caller, o *Object) error {
		cluster, err := s.activeCluster("CreatePodIdentityAssociation", c, o.Str("clusterName"))
		if err != nil {
			return err
		}
		// One association per service account of a cluster
		// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html:
		// ResourceInUseException).
		if s.first(o.Type, func(a *Object) bool {
			return onCluster(a, cluster) && a.Str("namespace") == o.Str("namespace") && a.Str("serviceAccount") == o.Str("serviceAccount")
		}) != nil {
			return refuse("CreatePodIdentityAssociation", "ResourceInUseException", "Association already exists for namespace %s and service account %s on cluster %s", o.Str("namespace"), o.Str("serviceAccount"), cluster.ID)
		}
		id := "a-" + s.token(17)
		o.ID = cluster.ID + "," + id
		o.set("associationId", id)
		o.set("associationArn", fmt.Sprintf("arn:%s:eks:%s:%s:podidentityassociation/%s/%s", c.Partition(), c.Region, c.Account, cluster.ID, id))
		return nil
	},
}

// cluster returns the caller's EKS cluster called name, in any state.
func (s *State) cluster(c Caller, name string) *Object {
	return s.first("aws:eks/cluster:Cluster", func(x *Object) bool {
		return x.Account == c.Account && x.Region == c.Region && x.ID == name
	})
}

// activeCluster returns the caller's cluster called name, or the error EKS
// gives for a cluster that does not exist or is still being created.
func (s *State) activeCluster(action string, c Caller, name string) (*Object, error) {
	cluster := s.cluster(c, name)
	if cluster == nil {
		return nil, refuse(action, "ResourceNotFoundException", "No cluster found for name: %s.", name)
	}
	if cluster.Str("status") != ClusterActive {
		return nil, refuse(action, "InvalidRequestException", "The request is invalid given the state of the cluster. Check the state of the cluster and the associated operations.")
	}
	return cluster, nil
}

// ActivateCluster marks a cluster ACTIVE: its creation time is over.
func (s *State) ActivateCluster(c Caller, name string) error {
	cluster := s.cluster(c, name)
	if cluster == nil {
		return fmt.Errorf("cluster %s is gone", name)
	}
	cluster.set("status", ClusterActive)
	return nil
}

// onCluster reports whether an object lives on a cluster.
func onCluster(x, cluster *Object) bool {
	return x.Account == cluster.Account && x.Region == cluster.Region && x.Str("clusterName") == cluster.ID
}

// entry returns the access entry of a principal on a cluster, explicit or
// made by EKS.
func (s *State) entry(cluster *Object, principal string) *Object {
	return s.first("aws:eks/accessEntry:AccessEntry", func(e *Object) bool {
		return onCluster(e, cluster) && e.Str("principalArn") == principal
	})
}

// checkEntry refuses an access entry EKS refuses: a principal that does not
// exist, or one that already has an entry on the cluster, such as those EKS
// creates for the cluster's creator and its node roles
// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html).
func (s *State) checkEntry(c Caller, cluster, o *Object) error {
	principal := o.Str("principalArn")
	// An access entry names an IAM role or user
	// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html).
	if s.principalByARN(principal) == nil {
		return refuse("CreateAccessEntry", "InvalidParameterException", "The specified principalArn is invalid: invalid principal")
	}
	if s.entry(cluster, principal) != nil {
		return refuse("CreateAccessEntry", "ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
	}
	o.ID = cluster.ID + ":" + principal
	o.set("accessEntryArn", fmt.Sprintf("arn:%s:eks:%s:%s:access-entry/%s/role/%s/%s", c.Partition(), c.Region, c.Account, cluster.ID, c.Account, s.token(8)))
	if o.Str("type") == "" {
		o.set("type", "STANDARD")
	}
	return nil
}

// implicitEntry adds the access entry EKS creates itself for a principal on
// a cluster (and its policy association), unless the principal has one.
func (s *State) implicitEntry(cluster *Object, principal, typ, policy string) {
	if s.entry(cluster, principal) != nil {
		return
	}
	at := func(typ, id string, inputs map[string]any) *Object {
		inputs["clusterName"], inputs["principalArn"] = cluster.ID, principal
		return &Object{Type: typ, ID: id, Account: cluster.Account, Region: cluster.Region, Inputs: inputs, Computed: map[string]any{}, Implicit: true}
	}
	s.add(at("aws:eks/accessEntry:AccessEntry", cluster.ID+":"+principal, map[string]any{"type": typ}))
	if policy != "" {
		s.add(at("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", cluster.ID+"#"+principal+"#"+policy, map[string]any{"policyArn": policy}))
	}
}

// dropImplicitEntry removes the entry EKS made for a node or pod execution
// role when the last node group or Fargate profile using it goes: "If you
// delete a managed node group that uses a node IAM role that isn't used by
// any other managed node group in the cluster, the role is removed"
// (https://docs.aws.amazon.com/eks/latest/userguide/delete-managed-node-group.html).
func (s *State) dropImplicitEntry(o *Object, roleKey string) {
	role := o.Str(roleKey)
	users := s.Select(o.Type, func(x *Object) bool {
		return x != o && x.Account == o.Account && x.Region == o.Region && x.Str("clusterName") == o.Str("clusterName") && x.Str(roleKey) == role
	})
	if len(users) > 0 {
		return
	}
	s.Objects = slices.DeleteFunc(s.Objects, func(e *Object) bool {
		return e.Type == "aws:eks/accessEntry:AccessEntry" && e.Implicit && e.Account == o.Account && e.Region == o.Region &&
			e.Str("clusterName") == o.Str("clusterName") && e.Str("principalArn") == role
	})
}

// checkSubnets refuses subnets the caller may not use, and for a cluster,
// subnets in fewer than two zones: "Subnets specified must be in at least
// two different AZs"
// (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html).
func (s *State) checkSubnets(action string, c Caller, ids []string, twoZones bool) error {
	zones := map[string]bool{}
	for _, id := range ids {
		subnet := s.subnetVisible(c, id)
		if subnet == nil {
			return refuse(action, "InvalidParameterException", "The subnet ID '%s' does not exist (Service: AmazonEC2; Error Code: InvalidSubnetID.NotFound)", id)
		}
		zones[subnet.Str("availabilityZoneId")] = true
	}
	if len(ids) == 0 || (twoZones && len(zones) < 2) {
		return refuse(action, "InvalidParameterException", "Subnets specified must be in at least two different AZs")
	}
	return nil
}

// checkClusterZones refuses a cluster with a subnet in a zone where EKS
// runs no control planes: the zone IDs of eksUnsupportedZoneIDs, and Local
// and Wavelength Zones, with EKS's UnsupportedAvailabilityZoneException,
// which names the caller's zones that would do
// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html).
func (s *State) checkClusterZones(c Caller, name string, ids []string) error {
	var valid []string
	for _, z := range s.ZonesOf(c.Account, c.Region) {
		if z.Type == "availability-zone" && !slices.Contains(eksUnsupportedZoneIDs, z.ID) {
			valid = append(valid, z.Name)
		}
	}
	for _, id := range ids {
		subnet := s.subnetVisible(c, id)
		zone, _ := s.zone(c.Account, c.Region, "", subnet.Str("availabilityZoneId"))
		if zone.Type != "availability-zone" || slices.Contains(eksUnsupportedZoneIDs, zone.ID) {
			return refuse("CreateCluster", "UnsupportedAvailabilityZoneException", "Cannot create cluster '%s' because %s, the targeted availability zone, does not currently have sufficient capacity to support the cluster. Retry and choose from these availability zones: %s", name, zone.Name, strings.Join(valid, ", "))
		}
	}
	return nil
}

// clusterSubnets are the subnets of a cluster's vpcConfig.
func clusterSubnets(o *Object) []string {
	vpc, _ := o.Inputs["vpcConfig"].(map[string]any)
	return strs(vpc["subnetIds"])
}

// clusterSecurityGroups are the security groups of a cluster's vpcConfig.
func clusterSecurityGroups(o *Object) []string {
	vpc, _ := o.Inputs["vpcConfig"].(map[string]any)
	return strs(vpc["securityGroupIds"])
}

// encryptionKey is the KMS key ARN of a cluster's secrets encryption.
func encryptionKey(o *Object) string {
	cfg, _ := o.Inputs["encryptionConfig"].(map[string]any)
	provider, _ := cfg["provider"].(map[string]any)
	key, _ := provider["keyArn"].(string)
	return key
}

// bootstrapCreator reports whether EKS gives the creator an access entry:
// accessConfig.bootstrapClusterCreatorAdminPermissions, true unless set.
func bootstrapCreator(o *Object) bool {
	cfg, _ := o.Inputs["accessConfig"].(map[string]any)
	v, ok := cfg["bootstrapClusterCreatorAdminPermissions"].(bool)
	return !ok || v
}

// mergeMaps returns a copy of a with b's entries added.
func mergeMaps(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// minorOf is the minor number of a Kubernetes version "1.N", -1 when it is
// not one.
func minorOf(version string) int {
	var minor int
	if _, err := fmt.Sscanf(version, "1.%d", &minor); err != nil {
		return -1
	}
	return minor
}
