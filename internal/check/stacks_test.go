package check_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/examples"
	"github.com/eks-multi-account/eks-multi-account/internal/check"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/stacks"
)

// stackPlan plans a shipped stack file under a stack name, with each old
// text of one config key replaced by the new one that follows it.
func stackPlan(t *testing.T, path, stack string, key string, edits ...string) *plan.Document {
	t.Helper()
	s, err := stackfile.Load("../../examples/" + path)
	require.NoError(t, err)
	for i := 0; i < len(edits); i += 2 {
		require.Contains(t, s.Config["eks-multi-account:"+key], edits[i])
		s.Config["eks-multi-account:"+key] = strings.Replace(s.Config["eks-multi-account:"+key], edits[i], edits[i+1], 1)
	}
	program, ok := examples.Program(s.Project)
	if !ok {
		program = stacks.Program(stacks.Options{})
	}
	doc, err := plan.Make(plan.Input{Project: s.Project, Stack: stack, Config: s.Config, Program: program})
	require.NoError(t, err)
	return doc
}

func TestTheShippedStacksOfTheOrganizationDoNotCollide(t *testing.T) {
	docs := []*plan.Document{
		stackPlan(t, "organization/Pulumi.org.yaml", "org", ""),
		stackPlan(t, "centralized/Pulumi.dev.yaml", "dev", ""),
		stackPlan(t, "centralized/Pulumi.prod.yaml", "prod", ""),
		stackPlan(t, "decentralized/Pulumi.dev.yaml", "dev", ""),
		stackPlan(t, "decentralized/Pulumi.prod.yaml", "prod", ""),
	}
	assert.Empty(t, check.AcrossStacks(docs))
}

// across returns the findings of the stacks together, by rule.
func across(docs ...*plan.Document) map[string][]plan.Finding {
	byRule := map[string][]plan.Finding{}
	for _, f := range check.AcrossStacks(docs) {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	return byRule
}

func TestTwoStacksWithOneNameInOneAccount(t *testing.T) {
	prod := stackPlan(t, "centralized/Pulumi.prod.yaml", "prod", "")
	again := stackPlan(t, "centralized/Pulumi.prod.yaml", "prod-again", "")
	found := across(prod, again)["same-name-in-two-stacks"]
	require.NotEmpty(t, found)
	var messages []string
	for _, f := range found {
		assert.Equal(t, check.Error, f.Severity)
		messages = append(messages, f.Message)
	}
	text := strings.Join(messages, "\n")
	assert.Contains(t, text, "IAM role prod-node in account 111122223333 is created by both eks-multi-account-centralized/prod and eks-multi-account-centralized/prod-again; AWS keeps one")
	assert.Contains(t, text, "EKS cluster prod in account 111122223333 in us-east-1 is created by both eks-multi-account-centralized/prod and eks-multi-account-centralized/prod-again")
	assert.Contains(t, text, "S3 bucket payroll-data-444455556666-us-east-1 in the partition is created by both")
	assert.Contains(t, text, "IAM OIDC provider https://oidc.eks.us-east-1.amazonaws.com/id/")
}

func TestTwoOwnersOfTheOrganizationWideResources(t *testing.T) {
	found := across(stackPlan(t, "organization/Pulumi.org.yaml", "org", ""), stackPlan(t, "organization/Pulumi.org.yaml", "org-2", ""))
	owners := found["two-organization-owners"]
	require.Len(t, owners, 1)
	assert.Equal(t, "000011112222", owners[0].Account)
	assert.Contains(t, owners[0].Message, "organization-wide resources of the organization of 000011112222 are created by both eks-multi-account-organization/org and eks-multi-account-organization/org-2")
	var names []string
	for _, f := range found["same-name-in-two-stacks"] {
		names = append(names, f.Message)
	}
	assert.Contains(t, strings.Join(names, "\n"), "Organizations policy eks-multi-account-tag-guard in the organization of 000011112222 is created by both")
}

func TestAccountsInConflictingRoles(t *testing.T) {
	org := stackPlan(t, "organization/Pulumi.org.yaml", "org", "")
	t.Run("the management account as a cluster account", func(t *testing.T) {
		dev := stackPlan(t, "centralized/Pulumi.dev.yaml", "dev", "clusterAccounts", `"121212121212"`, `"000011112222"`)
		found := across(org, dev)["conflicting-account-roles"]
		require.Len(t, found, 1)
		assert.Equal(t, "000011112222", found[0].Account)
		assert.Equal(t, "account 000011112222 is the organization's management account in eks-multi-account-organization/org and a member account (cluster) in eks-multi-account-centralized/dev: SCPs and RCPs never bind the management account", found[0].Message)
	})
	t.Run("a network account that also hosts a dedicated cluster", func(t *testing.T) {
		prod := stackPlan(t, "decentralized/Pulumi.prod.yaml", "prod", "")
		dev := stackPlan(t, "decentralized/Pulumi.dev.yaml", "dev", "workloadAccounts", `"686868686868"`, `"999988887777"`)
		found := across(prod, dev)["conflicting-account-roles"]
		require.Len(t, found, 1)
		assert.Equal(t, "account 999988887777 is the network account in eks-multi-account-decentralized/prod and hosts a dedicated cluster (dedicated-cluster) in eks-multi-account-decentralized/dev: a network account shares its VPC, it does not run a vended cluster of its own", found[0].Message)
	})
	t.Run("two management accounts", func(t *testing.T) {
		prod := stackPlan(t, "centralized/Pulumi.prod.yaml", "prod", "organization", `"000011112222"`, `"000099998888"`)
		found := across(org, prod)["two-management-accounts"]
		require.Len(t, found, 1)
		assert.Equal(t, "eks-multi-account-organization/org names 000011112222 as the management account and eks-multi-account-centralized/prod names 000099998888: the stacks of one organization share one", found[0].Message)
	})
}
