package tests

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/trust"
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
	for _, key := range trust.PodIdentityTagKeys {
		for _, variant := range caseVariants(key) {
			for _, action := range []string{"iam:TagRole", "iam:CreateRole", "iam:TagUser"} {
				cases = append(cases, guardrailCase{fmt.Sprintf("a developer, %s with %s", action, variant), tagRole("Developer", action, variant), explicitlyDenied})
			}
			cases = append(cases,
				guardrailCase{"a developer tags a session with " + variant, tagSession("Developer", variant, true), explicitlyDenied},
				guardrailCase{"without the guardrails, a developer could tag a session with " + variant, tagSession("Developer", variant, false), allowed},
				guardrailCase{"the exempt PlatformAdmin tags a role with " + variant, tagRole("PlatformAdmin", "iam:TagRole", variant), allowed},
				guardrailCase{"the deploy role, which never writes the keys, tags a role with " + variant, tagRole("OrganizationAccountAccessRole", "iam:TagRole", variant), explicitlyDenied},
			)
		}
	}
	cases = append(cases,
		guardrailCase{"a developer tags a role with another key", tagRole("Developer", "iam:TagRole", "team"), allowed},
		guardrailCase{"a developer tags a session with another key", tagSession("Developer", "team", true), allowed},
	)
	deployRole := "arn:aws:iam::" + clusterAccount + ":role/OrganizationAccountAccessRole"
	exemptRole := "arn:aws:iam::" + clusterAccount + ":role/PlatformAdmin"
	for _, action := range append(slices.Clone(guardrails.RoleChangingActions), "iam:PassRole") {
		cases = append(cases,
			guardrailCase{"a developer, " + action + " on the shared chaining role", changeRole("Developer", action, chainingRole), explicitlyDenied},
			guardrailCase{"the exempt PlatformAdmin, " + action + " on the shared chaining role", changeRole("PlatformAdmin", action, chainingRole), explicitlyDenied},
			guardrailCase{"the deploy role, " + action + " on the shared chaining role", changeRole("OrganizationAccountAccessRole", action, chainingRole), allowed},
		)
	}
	// The path to impersonation the review found starts by claiming the
	// deploy role or an exempt role: rewriting its trust, or creating it in
	// an account where it does not exist yet. Every step of it is denied,
	// the first included.
	for _, action := range guardrails.RoleChangingActions {
		for _, target := range []string{deployRole, exemptRole} {
			cases = append(cases,
				guardrailCase{"a developer, " + action + " on " + target, changeRole("Developer", action, target), explicitlyDenied},
				guardrailCase{"the deploy role, " + action + " on " + target, changeRole("OrganizationAccountAccessRole", action, target), allowed},
			)
		}
		cases = append(cases, guardrailCase{"the exempt PlatformAdmin, " + action + " on itself", changeRole("PlatformAdmin", action, exemptRole), explicitlyDenied})
	}
	// The cluster account's control plane: making oneself cluster admin,
	// or swapping a tenant's role in its Pod Identity association, on a
	// cluster of the library (it carries the managed tag), is the deploy
	// role's alone; another cluster of the account is its owners'.
	library := map[string]any{"aws:ResourceTag/" + naming.ManagedTagKey: naming.ManagedTagValue}
	clusterARN := "arn:aws:eks:us-east-1:" + clusterAccount + ":cluster/prod"
	admin := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*","eks:*"],"Resource":"*"}]}`)
	onEKS := func(role, action, resource string, tags map[string]any) string {
		ctx := caller(role)
		maps.Copy(ctx, tags)
		return b.ask(request{Principal: session(role), Action: action, Resource: resource, ResourceAccount: clusterAccount,
			IdentityPolicies: []string{admin}, SCPs: scps, RCPs: rcps, Context: ctx})
	}
	for _, c := range []struct{ action, resource string }{
		{"eks:CreateAccessEntry", clusterARN},
		{"eks:AssociateAccessPolicy", "arn:aws:eks:us-east-1:" + clusterAccount + ":access-entry/prod/role/" + clusterAccount + "/Developer/0ac1d2e4"},
		{"eks:CreatePodIdentityAssociation", clusterARN},
		{"eks:UntagResource", clusterARN},
		{"eks:UpdateAccessEntry", "arn:aws:eks:us-east-1:" + clusterAccount + ":access-entry/prod/role/" + clusterAccount + "/PlatformAdmin/0ac1d2e3"},
		{"eks:DisassociateAccessPolicy", "arn:aws:eks:us-east-1:" + clusterAccount + ":access-entry/prod/role/" + clusterAccount + "/PlatformAdmin/0ac1d2e3"},
		{"eks:UpdatePodIdentityAssociation", "arn:aws:eks:us-east-1:" + clusterAccount + ":podidentityassociation/prod/a-0123456789abcdef0"},
		{"eks:DeletePodIdentityAssociation", "arn:aws:eks:us-east-1:" + clusterAccount + ":podidentityassociation/prod/a-0123456789abcdef0"},
	} {
		cases = append(cases,
			guardrailCase{"a developer, " + c.action + " on the library's cluster", onEKS("Developer", c.action, c.resource, library), explicitlyDenied},
			guardrailCase{"the exempt PlatformAdmin, " + c.action + " on the library's cluster", onEKS("PlatformAdmin", c.action, c.resource, library), explicitlyDenied},
			guardrailCase{"the deploy role, " + c.action + " on the library's cluster", onEKS("OrganizationAccountAccessRole", c.action, c.resource, library), allowed},
			guardrailCase{"a developer, " + c.action + " on another cluster of the account", onEKS("Developer", c.action, c.resource, nil), allowed},
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

// A chained session passes on the tags Pod Identity gave it and may add no
// tag of its own choosing to the target role's session: the target's trust
// admits Pod Identity's keys only.
func TestAChainedSessionMayAddNoTagOfItsOwn(t *testing.T) {
	doc := planStackFile(t, "../examples/centralized/Pulumi.prod.yaml")
	var source, target plan.Resource
	for _, r := range doc.Resources {
		switch {
		case r.Type == "aws:iam/role:Role" && r.Name == "prod-chaining-role":
			source = r
		case r.Type == "aws:iam/role:Role" && r.Name == "payroll-payroll-app-role":
			target = r
		}
	}
	require.NotEmpty(t, source.URN)
	require.NotEmpty(t, target.URN)
	id := identity{cluster: cluster{arn: "arn:aws:eks:us-east-1:111122223333:cluster/prod", name: "prod"}, namespace: "payroll", sa: "payroll-app"}
	b := newBatch()
	chainAll := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`)
	trustPolicy := b.policy(target.Inputs["assumeRolePolicy"].(string))
	ask := func(extra map[string]string) string {
		tags := id.sessionTags()
		maps.Copy(tags, extra)
		ctx := tagContext("aws:PrincipalTag/", id.sessionTags())
		maps.Copy(ctx, tagContext("aws:RequestTag/", tags))
		ctx["aws:PrincipalArn"] = source.Outputs["arn"].(string)
		return b.ask(request{Principal: "arn:aws:sts::111122223333:assumed-role/prod-pod-identity-chain/eks-payroll-app", Action: "sts:TagSession",
			Resource: target.Outputs["arn"].(string), ResourceAccount: "444455556666", IdentityPolicies: []string{chainAll}, ResourcePolicy: trustPolicy, Context: ctx})
	}
	passOn, addTeam, addCase := ask(nil), ask(map[string]string{"team": "payroll"}), ask(map[string]string{"Kubernetes-Role": "admin"})
	got := b.run(t)
	assert.Equal(t, allowed, got[passOn], "the session passes on Pod Identity's tags")
	assert.Equal(t, implicitlyDenied, got[addTeam], "a tag key of its own is refused")
	assert.Equal(t, implicitlyDenied, got[addCase], "so is one that only looks like Pod Identity's")
}

// Each statement the security review added to the SCP is needed: with it
// removed (or put back as it was), the adversary it stops succeeds.
func TestEachNewGuardrailStatementIsNeeded(t *testing.T) {
	const account = "111122223333"
	deployRole := "arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"
	full := guardrails.ServiceControlPolicy("aws", "OrganizationAccountAccessRole", []string{"arn:aws:iam::" + account + ":role/PlatformAdmin"})
	without := func(sid string) iampolicy.Document {
		doc := full
		doc.Statement = slices.DeleteFunc(slices.Clone(full.Statement), func(s iampolicy.Statement) bool { return s.Sid == sid })
		require.Len(t, doc.Statement, len(full.Statement)-1, sid)
		return doc
	}
	edited := func(sid string, edit func(*iampolicy.Statement)) iampolicy.Document {
		doc := full
		doc.Statement = slices.Clone(full.Statement)
		i := slices.IndexFunc(doc.Statement, func(s iampolicy.Statement) bool { return s.Sid == sid })
		require.GreaterOrEqual(t, i, 0, sid)
		edit(&doc.Statement[i])
		return doc
	}
	b := newBatch()
	admin := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*","eks:*"],"Resource":"*"}]}`)
	type adversary struct {
		name                     string
		role, action, resource   string
		context                  map[string]any
		variant                  iampolicy.Document
		underGuardrails, without string
	}
	library := map[string]any{"aws:ResourceTag/" + naming.ManagedTagKey: naming.ManagedTagValue}
	tagged := map[string]any{"aws:TagKeys": []string{"kubernetes-namespace"}, "aws:RequestTag/kubernetes-namespace": "payroll"}
	cases := []adversary{
		{name: "a developer rewrites the deploy role's trust (the first step of the path)", role: "Developer", action: "iam:UpdateAssumeRolePolicy", resource: deployRole,
			variant: without("DenyChangingTheDeployAndExemptRoles")},
		{name: "a developer creates the deploy role where it does not exist", role: "Developer", action: "iam:CreateRole", resource: deployRole,
			variant: without("DenyChangingTheDeployAndExemptRoles")},
		{name: "a developer makes itself an access entry on a library cluster", role: "Developer", action: "eks:CreateAccessEntry",
			resource: "arn:aws:eks:us-east-1:" + account + ":cluster/prod", context: library, variant: without("DenyAccessToTheLibrarysClusters")},
		{name: "a developer swaps a tenant's role in its Pod Identity association", role: "Developer", action: "eks:UpdatePodIdentityAssociation",
			resource: "arn:aws:eks:us-east-1:" + account + ":podidentityassociation/prod/a-0123456789abcdef0", context: library, variant: without("DenyAccessToTheLibrarysClusters")},
		{name: "a developer passes a library role", role: "Developer", action: "iam:PassRole", resource: "arn:aws:iam::" + account + ":role/eks-multi-account/prod/prod-pod-identity-chain",
			variant: edited("DenyChangingTheLibrarysRoles", func(s *iampolicy.Statement) {
				s.Action = slices.DeleteFunc(slices.Clone(s.Action), func(a string) bool { return a == "iam:PassRole" })
			})},
		{name: "the deploy role puts a Pod Identity tag key on a role", role: "OrganizationAccountAccessRole", action: "iam:TagRole", resource: "arn:aws:iam::" + account + ":role/Helper",
			context: tagged, variant: edited("DenyPodIdentityTagKeysOnIAMPrincipals", func(s *iampolicy.Statement) {
				s.Condition = maps.Clone(s.Condition)
				s.Condition["ArnNotLike"] = map[string]iampolicy.Values{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/PlatformAdmin", "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}
			})},
	}
	ask := func(c adversary, scp iampolicy.Document) string {
		text, err := scp.JSON()
		require.NoError(t, err)
		ctx := map[string]any{"aws:PrincipalArn": "arn:aws:iam::" + account + ":role/" + c.role, "aws:PrincipalIsAWSService": "false"}
		maps.Copy(ctx, c.context)
		return b.ask(request{Principal: "arn:aws:sts::" + account + ":assumed-role/" + c.role + "/session", Action: c.action, Resource: c.resource,
			ResourceAccount: account, IdentityPolicies: []string{admin}, SCPs: []string{b.policy(text)}, Context: ctx})
	}
	for i := range cases {
		cases[i].underGuardrails, cases[i].without = ask(cases[i], full), ask(cases[i], cases[i].variant)
	}
	got := b.run(t)
	for _, c := range cases {
		assert.Equal(t, explicitlyDenied, got[c.underGuardrails], "under the guardrails: %s", c.name)
		assert.Equal(t, allowed, got[c.without], "without the statement: %s", c.name)
	}
}
