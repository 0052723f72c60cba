// Package config is the stack configuration: typed values for every key
// under the eks-multi-account namespace, loaded from Pulumi config, with
// defaults applied in one place (Defaults) and checked in one place
// (Validate) before anything is registered.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Namespace is the Pulumi config namespace of every key, whatever the
// name of the project that runs the stacks.
const Namespace = "eks-multi-account"

// The two models.
const (
	Centralized   = "centralized"
	Decentralized = "decentralized"
)

// Networking modes of a de-centralized workload account.
const (
	Dedicated = "dedicated"
	Shared    = "shared"
)

// Chaining role modes of a cluster account.
const (
	SharedChaining    = "shared"
	PerServiceAccount = "perServiceAccount"
)

// Config is the whole stack configuration.
type Config struct {
	// Model is centralized or decentralized.
	Model string `json:"model"`
	// Defaults apply to every account unless it says otherwise.
	Defaults Defaults `json:"defaults"`
	// Organization enables the guardrails and RAM sharing with the
	// organization. Optional.
	Organization *Organization `json:"organization,omitempty"`
	// NetworkAccount owns the VPC shared with de-centralized workload
	// accounts on shared networking. Optional.
	NetworkAccount *NetworkAccount `json:"networkAccount,omitempty"`
	// ClusterAccounts host the tenants of the centralized model.
	ClusterAccounts []ClusterAccount `json:"clusterAccounts,omitempty"`
	// WorkloadAccounts are the tenants (centralized) or the accounts that
	// get a cluster each (de-centralized).
	WorkloadAccounts []WorkloadAccount `json:"workloadAccounts,omitempty"`
}

// Defaults are the values accounts inherit.
type Defaults struct {
	Region            string            `json:"region"`
	DeployRoleName    string            `json:"deployRoleName"`
	KubernetesVersion string            `json:"kubernetesVersion"`
	Tags              map[string]string `json:"tags,omitempty"`
}

// Organization is the AWS Organization's management account and its
// guardrails.
type Organization struct {
	ManagementAccountID string    `json:"managementAccountId"`
	ManagementRoleArn   string    `json:"managementRoleArn"`
	TagGuard            *TagGuard `json:"tagGuard,omitempty"`
}

// TagGuard is the service control policy that keeps anyone but the exempt
// principals and the deploy role from setting kubernetes-* and eks-* tags.
type TagGuard struct {
	// TargetIDs are the OUs, accounts or root the policy attaches to.
	TargetIDs []string `json:"targetIds"`
	// ExemptPrincipalArns may still set those tags (wildcards allowed).
	ExemptPrincipalArns []string `json:"exemptPrincipalArns,omitempty"`
}

// NetworkAccount owns a VPC shared with workload accounts.
type NetworkAccount struct {
	Name              string `json:"name"`
	AccountID         string `json:"accountId"`
	Region            string `json:"region,omitempty"`
	VpcCIDR           string `json:"vpcCidr"`
	AvailabilityZones int    `json:"availabilityZones,omitempty"`
}

// ClusterAccount is one cluster account of the centralized model.
type ClusterAccount struct {
	Name              string           `json:"name"`
	AccountID         string           `json:"accountId"`
	Region            string           `json:"region,omitempty"`
	ClusterName       string           `json:"clusterName,omitempty"`
	KubernetesVersion string           `json:"kubernetesVersion,omitempty"`
	VpcCIDR           string           `json:"vpcCidr"`
	AvailabilityZones int              `json:"availabilityZones,omitempty"`
	SingleNatGateway  bool             `json:"singleNatGateway,omitempty"`
	ChainingRole      string           `json:"chainingRole,omitempty"`
	NodeGroups        []NodeGroup      `json:"nodeGroups,omitempty"`
	FargateProfiles   []FargateProfile `json:"fargateProfiles,omitempty"`
	Admins            []string         `json:"admins,omitempty"`
	PublicAccessCidrs []string         `json:"publicAccessCidrs,omitempty"`
}

// NodeGroup is a managed node group. In a de-centralized workload account
// it overrides the blueprint's node group of the same name field by field
// (a field left out keeps the blueprint's value), or adds one.
type NodeGroup struct {
	Name          string            `json:"name"`
	InstanceTypes []string          `json:"instanceTypes,omitempty"`
	MinSize       *int              `json:"minSize,omitempty"`
	MaxSize       *int              `json:"maxSize,omitempty"`
	DesiredSize   *int              `json:"desiredSize,omitempty"`
	CapacityType  string            `json:"capacityType,omitempty"`
	AmiType       string            `json:"amiType,omitempty"`
	DiskSizeGiB   *int              `json:"diskSizeGiB,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Taints        []Taint           `json:"taints,omitempty"`
}

// Taint is a node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// FargateProfile runs some namespaces' pods on Fargate.
type FargateProfile struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
}

// WorkloadAccount is a tenant (centralized) or an account with a cluster
// of its own (de-centralized).
type WorkloadAccount struct {
	Name            string           `json:"name"`
	AccountID       string           `json:"accountId"`
	ClusterAccount  string           `json:"clusterAccount,omitempty"`
	Namespace       string           `json:"namespace,omitempty"`
	Identity        string           `json:"identity,omitempty"`
	ShareSubnets    bool             `json:"shareSubnets,omitempty"`
	Quota           Quota            `json:"quota"`
	Admins          []string         `json:"admins,omitempty"`
	ServiceAccounts []ServiceAccount `json:"serviceAccounts,omitempty"`

	// De-centralized only.
	Blueprint         string      `json:"blueprint,omitempty"`
	Region            string      `json:"region,omitempty"`
	Networking        string      `json:"networking,omitempty"`
	VpcCIDR           string      `json:"vpcCidr,omitempty"`
	AvailabilityZones int         `json:"availabilityZones,omitempty"`
	KubernetesVersion string      `json:"kubernetesVersion,omitempty"`
	NodeGroups        []NodeGroup `json:"nodeGroups,omitempty"`
	GitOps            *GitOps     `json:"gitops,omitempty"`
}

// Quota is a tenant namespace's resource quota.
type Quota struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	Pods   int    `json:"pods"`
}

// ServiceAccount is one service account of a tenant and its AWS access.
type ServiceAccount struct {
	Name                   string     `json:"name"`
	Identity               string     `json:"identity,omitempty"`
	RoleName               string     `json:"roleName,omitempty"`
	ManagedPolicyArns      []string   `json:"managedPolicyArns,omitempty"`
	Policy                 PolicyText `json:"policy,omitempty"`
	SessionDurationSeconds int        `json:"sessionDurationSeconds,omitempty"`
}

// GitOps bootstraps Flux with several repositories.
type GitOps struct {
	Repositories []Repository `json:"repositories"`
}

// Repository is one team's Git repository, confined to its namespace.
type Repository struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	Branch    string `json:"branch,omitempty"`
	Path      string `json:"path,omitempty"`
	Team      string `json:"team"`
	Namespace string `json:"namespace,omitempty"`
}

// PolicyText is an inline IAM policy. In the stack file it is either a
// JSON string or the policy written as a YAML object; either way it holds
// the JSON text.
type PolicyText string

// UnmarshalJSON accepts a JSON string or any JSON object.
func (p *PolicyText) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*p = PolicyText(s)
		return nil
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("policy must be a JSON string or an object")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return err
	}
	*p = PolicyText(compact.String())
	return nil
}
