// Package orgaccounts reads, through the management account's provider,
// which member accounts an organization's targets hold: a root holds every
// account of the organization, an organizational unit the accounts below it
// at any depth, and an account ID itself. vend reads the organizational
// units that bound its teams with it, and the organization stack the
// accounts its guardrails cover.
package orgaccounts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
)

// Under returns, for each target (r-..., ou-...-... or a 12-digit account
// ID), the IDs of the active member accounts it holds, sorted. parent,
// when set, is the parent of the lookups.
func Under(ctx *pulumi.Context, management providers.Account, targets []string, parent pulumi.Resource) (map[string][]string, error) {
	opts := []pulumi.InvokeOption{pulumi.Provider(management.Provider)}
	if parent != nil {
		opts = append(opts, pulumi.Parent(parent))
	}
	out := map[string][]string{}
	for _, target := range targets {
		if _, done := out[target]; done {
			continue
		}
		var ids []string
		switch {
		case strings.HasPrefix(target, "r-"):
			org, err := organizations.LookupOrganization(ctx, opts...)
			if err != nil {
				return nil, fmt.Errorf("reading the accounts of root %s: %w", target, err)
			}
			for _, a := range org.Accounts {
				if a.Status == "ACTIVE" {
					ids = append(ids, a.Id)
				}
			}
		case strings.HasPrefix(target, "ou-"):
			got, err := organizations.GetOrganizationalUnitDescendantAccounts(ctx, &organizations.GetOrganizationalUnitDescendantAccountsArgs{ParentId: target}, opts...)
			if err != nil {
				return nil, fmt.Errorf("reading the accounts of organizational unit %s: %w", target, err)
			}
			for _, a := range got.Accounts {
				if a.Status == "ACTIVE" {
					ids = append(ids, a.Id)
				}
			}
		default:
			ids = []string{target}
		}
		slices.Sort(ids)
		out[target] = ids
	}
	return out, nil
}
