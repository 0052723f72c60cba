package providers

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/partition"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// SessionName is the role session name every account provider uses, so
// CloudTrail shows which sessions came from this library.
const SessionName = "eks-multi-account"

// ReservedTagPrefixes are tag key prefixes that EKS Pod Identity sets as
// session tags. Target-role trust policies make access decisions on them,
// so no default tag may use them.
var ReservedTagPrefixes = []string{"kubernetes-", "eks-"}

// AccountSettings says how to reach one account.
type AccountSettings struct {
	// AccountID is the 12-digit ID of the account. Required.
	AccountID string `json:"accountId"`
	// Region is the provider's region, such as "us-east-1". Required.
	Region string `json:"region"`
	// DeployRoleName is the role the deployer assumes in the account, such
	// as "OrganizationAccountAccessRole". Required unless RoleARN is set.
	DeployRoleName string `json:"deployRoleName,omitempty"`
	// RoleARN is the full ARN of the role to assume. Optional; it overrides
	// DeployRoleName (the management account's role, which is not the
	// member accounts' OrganizationAccountAccessRole, is set this way).
	RoleARN string `json:"roleArn,omitempty"`
	// DefaultTags are applied to every taggable resource the provider
	// creates. Optional. Keys may not start with kubernetes- or eks-.
	DefaultTags map[string]string `json:"defaultTags,omitempty"`
}

// Place is the account and region the settings name.
func (s AccountSettings) Place() partition.AccountRegion {
	return partition.AccountRegion{ID: s.AccountID, Region: s.Region}
}

// DeployRoleARN returns the ARN of the role the provider assumes.
func (s AccountSettings) DeployRoleARN() string {
	if s.RoleARN != "" {
		return s.RoleARN
	}
	return s.Place().RoleARN("/", s.DeployRoleName)
}

// Check records every problem with the settings under the key path prefix.
func (s AccountSettings) Check(prefix string, ps *validate.Problems) {
	if !validate.IsAccountID(s.AccountID) {
		ps.Add(validate.Path(prefix, "accountId"), s.AccountID, "is not a 12-digit AWS account ID")
	}
	if !validate.IsRegion(s.Region) {
		ps.Add(validate.Path(prefix, "region"), s.Region, "is not an AWS region code such as us-east-1")
	}
	switch {
	case s.RoleARN != "":
		if !validate.IsIAMRoleARN(s.RoleARN) {
			ps.Add(validate.Path(prefix, "roleArn"), s.RoleARN, "is not an IAM role ARN")
		} else if !strings.Contains(s.RoleARN, "::"+s.AccountID+":") {
			ps.Addf(validate.Path(prefix, "roleArn"), s.RoleARN, "is not a role in account %s", s.AccountID)
		}
	case s.DeployRoleName == "":
		ps.Missing(validate.Path(prefix, "deployRoleName"))
	default:
		if reason := validate.RoleName(s.DeployRoleName); reason != "" {
			ps.Add(validate.Path(prefix, "deployRoleName"), s.DeployRoleName, reason)
		}
	}
	CheckTags(validate.Path(prefix, "defaultTags"), s.DefaultTags, ps)
}

// CheckTags records a problem for every tag key that starts with a reserved
// prefix. Keys are visited in sorted order so the report is deterministic.
func CheckTags(path string, tags map[string]string, ps *validate.Problems) {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		for _, prefix := range ReservedTagPrefixes {
			if strings.HasPrefix(strings.ToLower(k), prefix) {
				ps.Addf(path, k, "is a reserved tag key: EKS Pod Identity session tags start with %q, and trust policies rely on them", prefix)
			}
		}
	}
}

// NewAccount creates the aws provider for one account and returns the
// Account that components take. The provider's logical name is name.
func NewAccount(ctx *pulumi.Context, name string, s AccountSettings, opts ...pulumi.ResourceOption) (Account, error) {
	var ps validate.Problems
	s.Check("", &ps)
	if err := ps.Err(); err != nil {
		return Account{}, fmt.Errorf("account provider %q: %w", name, err)
	}
	args := &aws.ProviderArgs{
		Region:            pulumi.String(s.Region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(s.AccountID)},
		AssumeRole: &aws.ProviderAssumeRoleArgs{
			RoleArn:     pulumi.String(s.DeployRoleARN()),
			SessionName: pulumi.String(SessionName),
		},
	}
	if len(s.DefaultTags) > 0 {
		args.DefaultTags = &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(s.DefaultTags)}
	}
	p, err := aws.NewProvider(ctx, name, args, opts...)
	if err != nil {
		return Account{}, fmt.Errorf("creating provider for account %s: %w", s.AccountID, err)
	}
	return Account{AccountRegion: s.Place(), Provider: p}, nil
}

// NewEKSProvider creates the explicit provider for pulumi-eks components.
// It has no configuration of its own: the account a cluster lands in comes
// from the aws provider passed beside it.
func NewEKSProvider(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*eks.Provider, error) {
	p, err := eks.NewProvider(ctx, name, &eks.ProviderArgs{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating eks provider: %w", err)
	}
	return p, nil
}
