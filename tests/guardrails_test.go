package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// The guardrails, evaluated by the IAM oracle: the organization stack's
// SCP and RCP keep a principal of a cluster account from forging what the
// library's trust policies rely on (the EKS Pod Identity tags, on a role or
// on a session, in any letter case) and from rewriting a chaining role's
// trust, while every intended credential path stays allowed (the isolation
// proof runs under them).

// caseVariants returns a tag key as EKS writes it and in other cases: IAM
// tag keys are case-insensitive, so each names the same tag.
func caseVariants(key string) []string {
	parts := strings.Split(key, "-")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return []string{key, strings.Join(parts, "-"), strings.ToUpper(key)}
}

// guardrailCase is one question for the oracle and the answer it must give.
type guardrailCase struct {
	name, id, want string
}

func TestGuardrails(t *testing.T) {
	g := exampleGuardrails(t)
	doc := planStackFile(t, "../examples/centralized/Pulumi.prod.yaml")
	const clusterAccount = "111122223333"
	var chainingRole, targetRole string
	for _, r := range doc.Resources {
		switch {
		case r.Type == "aws:iam/role:Role" && r.Name == "prod-chaining-role":
			chainingRole = r.Outputs["arn"].(string)
		case r.Type == "aws:iam/role:Role" && r.Name == "payroll-payroll-app-role":
			targetRole = r.Outputs["arn"].(string)
		}
	}
	require.NotEmpty(t, chainingRole)
	require.NotEmpty(t, targetRole)

	b := newBatch()
	scps, rcps := []string{b.policy(g.scps[0])}, []string{b.policy(g.rcps[0])}
	iamAdmin := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"}]}`)
	// helper is a role of the cluster account that any of its principals
	// may assume and tag (its trust names the account), as an attacker
	// would use to mint a tagged session.
	helperTrust := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + clusterAccount + `:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)
	session := func(role string) string {
		return "arn:aws:sts::" + clusterAccount + ":assumed-role/" + role + "/session"
	}
	caller := func(role string) map[string]any {
		return map[string]any{"aws:PrincipalArn": "arn:aws:iam::" + clusterAccount + ":role/" + role, "aws:PrincipalIsAWSService": "false"}
	}
	// tagRole asks whether a session of role may tag some role (or user,
	// for iam:TagUser) with key.
	tagRole := func(role, action, key string) string {
		ctx := caller(role)
		ctx["aws:TagKeys"] = []string{key}
		ctx["aws:RequestTag/"+key] = "payroll"
		resource := "arn:aws:iam::" + clusterAccount + ":role/Team"
		if action == "iam:TagUser" {
			resource = "arn:aws:iam::" + clusterAccount + ":user/team"
		}
		return b.ask(request{Principal: session(role), Action: action, Resource: resource,
			ResourceAccount: clusterAccount, IdentityPolicies: []string{iamAdmin}, SCPs: scps, RCPs: rcps, Context: ctx})
	}
	// tagSession asks whether a session of role may tag a new session of
	// the helper role with key; with guarded false, under no guardrails.
	tagSession := func(role, key string, guarded bool) string {
		ctx := caller(role)
		ctx["aws:TagKeys"] = []string{key}
		ctx["aws:RequestTag/"+key] = "payroll"
		r := request{Principal: session(role), Action: "sts:TagSession", Resource: "arn:aws:iam::" + clusterAccount + ":role/Helper",
			ResourceAccount: clusterAccount, IdentityPolicies: []string{iamAdmin}, ResourcePolicy: helperTrust, Context: ctx}
		if guarded {
			r.SCPs, r.RCPs = scps, rcps
		}
		return b.ask(r)
	}
	// changeRole asks whether a session of role may change the named role.
	changeRole := func(role, action, target string) string {
		return b.ask(request{Principal: session(role), Action: action, Resource: target, ResourceAccount: clusterAccount,
			IdentityPolicies: []string{iamAdmin}, SCPs: scps, RCPs: rcps, Context: caller(role)})
	}

	var cases []guardrailCase
	for _, key := range guardrails.PodIdentityTagKeys {
		for _, variant := range caseVariants(key) {
			for _, action := range []string{"iam:TagRole", "iam:CreateRole", "iam:TagUser"} {
				cases = append(cases, guardrailCase{fmt.Sprintf("a developer, %s with %s", action, variant), tagRole("Developer", action, variant), explicitlyDenied})
			}
			cases = append(cases,
				guardrailCase{"a developer tags a session with " + variant, tagSession("Developer", variant, true), explicitlyDenied},
				guardrailCase{"without the guardrails, a developer could tag a session with " + variant, tagSession("Developer", variant, false), allowed},
				guardrailCase{"the exempt PlatformAdmin tags a role with " + variant, tagRole("PlatformAdmin", "iam:TagRole", variant), allowed},
				guardrailCase{"the deploy role tags a role with " + variant, tagRole("OrganizationAccountAccessRole", "iam:TagRole", variant), allowed},
			)
		}
	}
	cases = append(cases,
		guardrailCase{"a developer tags a role with another key", tagRole("Developer", "iam:TagRole", "team"), allowed},
		guardrailCase{"a developer tags a session with another key", tagSession("Developer", "team", true), allowed},
	)
	for _, action := range guardrails.RoleChangingActions {
		cases = append(cases,
			guardrailCase{"a developer, " + action + " on the shared chaining role", changeRole("Developer", action, chainingRole), explicitlyDenied},
			guardrailCase{"the exempt PlatformAdmin, " + action + " on the shared chaining role", changeRole("PlatformAdmin", action, chainingRole), explicitlyDenied},
			guardrailCase{"the deploy role, " + action + " on the shared chaining role", changeRole("OrganizationAccountAccessRole", action, chainingRole), allowed},
		)
	}
	cases = append(cases,
		guardrailCase{"a developer rewrites a target role's trust", changeRole("Developer", "iam:UpdateAssumeRolePolicy", targetRole), explicitlyDenied},
		guardrailCase{"a developer rewrites its own team's role", changeRole("Developer", "iam:UpdateAssumeRolePolicy", "arn:aws:iam::"+clusterAccount+":role/Team"), allowed},
	)
	got := b.run(t)
	for _, c := range cases {
		assert.Equal(t, c.want, got[c.id], c.name)
	}
}

// TestAnRCPThatExemptsOnlyAWSServicesFailsTheProof: a pod's chained hop
// re-sets its transitive tags, so an RCP that lets only AWS services tag
// sessions with the EKS keys breaks every chained pod on AWS. The proof
// must see that.
func TestAnRCPThatExemptsOnlyAWSServicesFailsTheProof(t *testing.T) {
	doc := planStackFile(t, "../examples/centralized/Pulumi.prod.yaml")
	variant := guardrails.ResourceControlPolicy()
	delete(variant.Statement[0].Condition, "Null")
	text, err := variant.JSON()
	require.NoError(t, err)
	g := exampleGuardrails(t)
	g.rcps = []string{text}

	w := newWorld(t, doc, g)
	m := w.mismatches(t, w.identities())
	require.NotEmpty(t, m, "the proof fails")
	chained := 0
	for _, a := range doc.Access {
		if a.Via != "podIdentityChain" {
			continue
		}
		chained++
		assert.Contains(t, strings.Join(m, "\n"), a.Cluster+" "+a.Namespace+"/"+a.ServiceAccount+" reaches []", "the chained pod loses its role")
	}
	require.Positive(t, chained)
	for _, line := range m {
		assert.Contains(t, line, " reaches [], not ", "nothing but the chained hop breaks: %s", line)
	}
}

// TestTheGuardrailsAreTheOrganizationStacks: the stacks that share an
// organization with it carry no control policy of their own.
func TestTheGuardrailsAreTheOrganizationStacks(t *testing.T) {
	for _, path := range stackFiles(t) {
		doc := planStackFile(t, path)
		var policies []plan.Resource
		for _, r := range doc.Resources {
			if strings.HasPrefix(r.Type, "aws:organizations/") || r.Type == "aws:ram/sharingWithOrganization:SharingWithOrganization" {
				policies = append(policies, r)
			}
		}
		if doc.Model == config.OrganizationModel {
			assert.Len(t, policies, 7, "%s: sharing, two policies, each attached to two OUs", path)
		} else {
			assert.Empty(t, policies, path)
		}
	}
}
