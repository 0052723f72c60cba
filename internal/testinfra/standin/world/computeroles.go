package world

import (
	"slices"
	"strings"
)

// The managed policies EKS needs on the role of a managed node group's
// nodes, and on a Fargate profile's pod execution role, for as long as the
// nodes or pods run: to join the cluster, to pull images from ECR and, for
// the VPC CNI when it runs with the node role, to give pods their network
// interfaces. Without them nodes never join (the node group fails with
// NodeCreationFailure) and cannot be drained when it is deleted
// (https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html,
// https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html).
// "Before you create a Fargate profile, you must create an IAM role with
// the AmazonEKSFargatePodExecutionRolePolicy"
// (https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html):
// on AWS the profile's pods then fail to start; the stand-in refuses the
// profile itself, where the stack sees it.
var cniPolicy = []string{"AmazonEKS_CNI_Policy"}

// computeKind is what EKS says and needs of one kind of compute.
type computeKind struct {
	// noun names it in EKS's messages; roleField is the input naming its
	// role.
	noun, roleField string
	// create and remove are the API actions; createFailure is the error
	// of a create whose role lacks a policy.
	create, remove, createFailure string
	// policies are the policies its role needs, each as its alternatives.
	policies [][]string
}

var computeKinds = map[string]computeKind{
	"aws:eks/nodeGroup:NodeGroup": {
		noun: "Nodegroup", roleField: "nodeRoleArn", create: "CreateNodegroup", remove: "DeleteNodegroup", createFailure: "NodeCreationFailure",
		policies: [][]string{{"AmazonEKSWorkerNodePolicy"}, {"AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly"}},
	},
	"aws:eks/fargateProfile:FargateProfile": {
		noun: "Fargate profile", roleField: "podExecutionRoleArn", create: "CreateFargateProfile", remove: "DeleteFargateProfile", createFailure: "InvalidParameterException",
		policies: [][]string{{"AmazonEKSFargatePodExecutionRolePolicy"}},
	},
}

// RunsOnARole reports whether objects of a type run on an IAM role EKS
// needs policies on: managed node groups and Fargate profiles.
func RunsOnARole(typ string) bool { _, ok := computeKinds[typ]; return ok }

// missingRolePolicies lists the policies a node group's or Fargate
// profile's role lacks, each group of alternatives joined by " or ".
func (s *State) missingRolePolicies(o *Object) []string {
	kind := computeKinds[o.Type]
	role := s.roleByARN(o.Str(kind.roleField))
	if role == nil {
		return []string{"the role itself (" + o.Str(kind.roleField) + ")"}
	}
	var attached []string
	for _, a := range s.Select("aws:iam/rolePolicyAttachment:RolePolicyAttachment", func(p *Object) bool {
		return p.Account == role.Account && strings.EqualFold(p.Str("role"), role.ID)
	}) {
		policy := a.Str("policyArn")
		if strings.Contains(policy, ":iam::aws:policy/") {
			attached = append(attached, policy[strings.LastIndex(policy, "/")+1:])
		}
	}
	need := kind.policies
	if o.Type == "aws:eks/nodeGroup:NodeGroup" && !s.cniHasItsOwnRole(o) {
		need = append(slices.Clone(need), cniPolicy)
	}
	var missing []string
	for _, alternatives := range need {
		if !slices.ContainsFunc(alternatives, func(p string) bool { return slices.Contains(attached, p) }) {
			missing = append(missing, strings.Join(alternatives, " or "))
		}
	}
	return missing
}

// cniHasItsOwnRole reports whether the VPC CNI add-on of a node group's
// cluster runs with a role of its own (IRSA or Pod Identity), when the node
// role needs no CNI policy.
func (s *State) cniHasItsOwnRole(ng *Object) bool {
	return s.first("aws:eks/addon:Addon", func(a *Object) bool {
		return a.Account == ng.Account && a.Region == ng.Region && a.Str("clusterName") == ng.Str("clusterName") &&
			a.Str("addonName") == "vpc-cni" && (a.Str("serviceAccountRoleArn") != "" || a.Inputs["podIdentityAssociations"] != nil)
	}) != nil
}

// SettleCompute ends the creation of a node group or Fargate profile once
// its nodes or pods have had the time to start: it fails, and is gone,
// when its role lacks a policy they need.
func (s *State) SettleCompute(c Caller, typ, id string) error {
	o := s.Find(c, typ, id)
	if o == nil {
		return nil
	}
	missing := s.missingRolePolicies(o)
	if len(missing) == 0 {
		return nil
	}
	if err := s.Delete(c, typ, id); err != nil {
		return err
	}
	kind := computeKinds[typ]
	return refuse(kind.create, kind.createFailure, "%s %s failed: its role lacks %s", kind.noun, o.ID, strings.Join(missing, ", "))
}

// StartDeleting marks a node group or Fargate profile DELETING, as EKS
// does while it drains the nodes or stops the pods.
func (s *State) StartDeleting(c Caller, typ, id string) {
	if o := s.Find(c, typ, id); o != nil {
		o.set("status", "DELETING")
	}
}

// FinishDeleting deletes a node group or Fargate profile whose nodes or
// pods have had the time to drain: it fails, DELETE_FAILED, when its role
// lost a policy they need while they drained.
func (s *State) FinishDeleting(c Caller, typ, id string) error {
	o := s.Find(c, typ, id)
	if o == nil {
		return nil
	}
	if missing := s.missingRolePolicies(o); len(missing) > 0 {
		o.set("status", "DELETE_FAILED")
		kind := computeKinds[typ]
		return refuse(kind.remove, "DELETE_FAILED", "%s %s could not be deleted: its nodes could not be drained, its role lacks %s", kind.noun, o.ID, strings.Join(missing, ", "))
	}
	return s.Delete(c, typ, id)
}
