package world

import (
	"fmt"
	"slices"
	"time"
)

// The network interfaces AWS puts in a VPC's subnets for what no program
// manages: an EKS control plane's, and a load balancer's. They are what a
// destroy trips over: EC2 refuses to delete a subnet or a security group
// while a network interface uses it, and to detach an internet gateway
// while one holds a public address in the VPC
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html).

// NetworkInterfaceType is the type the world files network interfaces under.
const NetworkInterfaceType = "aws:ec2/networkInterface:NetworkInterface"

// releaseAtKey is the computed property of a network interface whose owner
// is gone, saying when AWS releases it.
const releaseAtKey = "releaseAt"

// maxControlPlaneInterfaces is how many network interfaces EKS gives a
// control plane: "Amazon EKS creates up to 4 cross-account elastic network
// interfaces in the subnets that you specify"
// (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html).
const maxControlPlaneInterfaces = 4

// addInterface puts a network interface AWS made for owner (an ARN) in a
// subnet, using groups, with a public address or not.
func (s *State) addInterface(owner *Object, subnet *Object, groups []string, description string, public bool) {
	eni := &Object{
		Type: NetworkInterfaceType, ID: s.ec2ID("eni"), Account: owner.Account, Region: owner.Region, Implicit: true,
		Inputs: map[string]any{
			"subnetId": subnet.ID, "vpcId": subnet.Str("vpcId"), "securityGroups": anyList(groups),
			"description": description, "requesterManaged": true,
		},
		Computed: map[string]any{"owner": owner.Str("arn")},
	}
	if public {
		eni.set("publicIp", fmt.Sprintf("203.0.113.%d", 1+s.Serial%250))
	}
	s.add(eni)
}

// controlPlaneInterfaces gives a new cluster its network interfaces, one
// in each of its first four subnets, using its security groups and the one
// EKS made for it.
func (s *State) controlPlaneInterfaces(c Caller, cluster *Object) {
	vpc, _ := cluster.Computed["vpcConfig"].(map[string]any)
	groups := clusterSecurityGroups(cluster)
	if id, _ := vpc["clusterSecurityGroupId"].(string); id != "" {
		groups = append(slices.Clone(groups), id)
	}
	for i, id := range clusterSubnets(cluster) {
		if i == maxControlPlaneInterfaces {
			break
		}
		s.addInterface(cluster, s.subnetVisible(c, id), groups, "Amazon EKS "+cluster.ID, false)
	}
}

// releaseInterfaces schedules the release of the network interfaces an
// owner (an ARN) held: a deleted cluster's stay for the world's
// InterfaceLinger ("it can take several minutes for the network interfaces
// to be deleted after the cluster is deleted",
// https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html).
func (s *State) releaseInterfaces(owner string, linger time.Duration) {
	at := time.Now().Add(linger).UTC().Format(time.RFC3339Nano)
	for _, eni := range s.Select(NetworkInterfaceType, func(e *Object) bool { return e.Str("owner") == owner }) {
		eni.set(releaseAtKey, at)
	}
	s.expire(time.Now())
}

// dropInterfaces removes at once the network interfaces an owner held.
func (s *State) dropInterfaces(owner string) {
	s.Objects = slices.DeleteFunc(s.Objects, func(e *Object) bool {
		return e.Type == NetworkInterfaceType && e.Str("owner") == owner
	})
}

// expire removes the network interfaces AWS has released by now.
func (s *State) expire(now time.Time) {
	s.Objects = slices.DeleteFunc(s.Objects, func(e *Object) bool {
		if e.Type != NetworkInterfaceType || e.Str(releaseAtKey) == "" {
			return false
		}
		at, err := time.Parse(time.RFC3339Nano, e.Str(releaseAtKey))
		return err == nil && !now.Before(at)
	})
}

// anyList is a list of strings as JSON holds it.
func anyList(list []string) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}
