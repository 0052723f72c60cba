package stacks

import (
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/providers"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// accounts creates each account's provider once, named by account and
// region, with the stack's deploy role and default tags.
type accounts struct {
	ctx      *pulumi.Context
	defaults config.Defaults
	made     map[string]providers.Account
	eks      *eks.Provider
}

func newAccounts(ctx *pulumi.Context, defaults config.Defaults) *accounts {
	return &accounts{ctx: ctx, defaults: defaults, made: map[string]providers.Account{}}
}

// get returns the provider of an account in a region, creating it the
// first time. roleARN overrides the deploy role (the management account).
func (a *accounts) get(id, region, roleARN string) (providers.Account, error) {
	name := "aws-" + id + "-" + region
	if acct, ok := a.made[name]; ok {
		return acct, nil
	}
	acct, err := providers.NewAccount(a.ctx, name, providers.AccountSettings{
		AccountID:      id,
		Region:         region,
		DeployRoleName: a.defaults.DeployRoleName,
		RoleARN:        roleARN,
		DefaultTags:    a.defaults.Tags,
	})
	if err != nil {
		return providers.Account{}, err
	}
	a.made[name] = acct
	return acct, nil
}

// eksProvider returns the stack's one pulumi-eks provider.
func (a *accounts) eksProvider() (*eks.Provider, error) {
	if a.eks == nil {
		p, err := providers.NewEKSProvider(a.ctx, "eks")
		if err != nil {
			return nil, err
		}
		a.eks = p
	}
	return a.eks, nil
}
