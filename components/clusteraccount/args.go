package clusteraccount

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Args configures a ClusterAccount: a cluster's Spec and where it is
// wired.
type Args struct {
	// Spec is the cluster. Required.
	Spec
	// Account is the cluster account and its provider. Required.
	Account providers.Account
	// EKSProvider is the explicit provider of the pulumi-eks package.
	// Required (see providers.NewEKSProvider).
	EKSProvider pulumi.ProviderResource
	// DeployRoleARN is the role the generated kubeconfig assumes, the same
	// role the account's provider assumes. Required. Example:
	// "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole".
	DeployRoleARN string
	// ExistingNetwork places the cluster in subnets that already exist,
	// such as subnets a network account shares by RAM, instead of a new
	// VPC (Spec.VpcCIDR). Exactly one of the two is required.
	ExistingNetwork *ExistingNetwork
	// SharedChainingRole creates the cluster's shared Pod Identity chaining
	// role, for tenants that chain into their accounts from one role with
	// ABAC instead of a source role per service account. Optional; default
	// false.
	SharedChainingRole bool
	// Tags are added to every taggable AWS resource. Optional.
	Tags map[string]string
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

// facts are the plain facts of the wiring.
func (a *Args) facts() Facts {
	return Facts{Account: a.Account.AccountRegion, DeployRoleARN: a.DeployRoleARN, SharedChainingRole: a.SharedChainingRole}
}

// Validate reports every problem with the arguments, each naming its field
// and value: the wiring's, then the Spec's own Check. The constructor calls
// it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	a.Account.Check("account", &ps)
	if a.EKSProvider == nil {
		ps.Add("eksProvider", nil, "is required: pulumi-eks components need an explicit provider")
	}
	switch {
	case !validate.IsIAMRoleARN(a.DeployRoleARN):
		ps.Add("deployRoleArn", a.DeployRoleARN, "is not an IAM role ARN")
	case a.Account.ID != "" && !strings.Contains(a.DeployRoleARN, ":iam::"+a.Account.ID+":"):
		ps.Addf("deployRoleArn", a.DeployRoleARN, "is not a role in the cluster account %s", a.Account.ID)
	}
	switch n := a.ExistingNetwork; {
	case a.VpcCIDR == "" && n == nil:
		ps.Add("vpcCidr", nil, "or existingNetwork is required")
	case a.VpcCIDR != "" && n != nil:
		ps.Add("vpcCidr", a.VpcCIDR, "and existingNetwork are mutually exclusive")
	case n != nil && n.VpcID == nil:
		ps.Missing("existingNetwork.vpcId")
	case n != nil && n.PrivateSubnetIDs == nil:
		ps.Missing("existingNetwork.privateSubnetIds")
	}
	if a.EndpointAccess == nil {
		ps.Add("endpointAccess", nil, "is required: publicCidrs (the blocks the deploying machine reaches the API from) or privateOnly: true (deployed from inside the VPC); the program creates Kubernetes objects in the cluster")
	}
	a.Spec.Check("", a.facts(), &ps)
	providers.CheckTags("tags", a.Tags, &ps)
	return ps.Err()
}
