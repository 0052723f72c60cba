package tests

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/iampolicy"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// The isolation proof: every trust and permission policy the stacks
// generate is evaluated by the IAM oracle, for every service account of the
// configuration through its real credential path and for adversaries, and
// the set of allowed (service account, role) pairs must equal the plan's
// intended access list exactly.

// cluster is an EKS cluster of the plan (or an impostor's).
type cluster struct {
	arn, account, region, name, issuer string
}

// role is an IAM role of the plan with its trust and inline policies,
// registered in the batch.
type role struct {
	arn, name, account string
	trust              string
	inline             []string
}

// identity is a service account of a cluster.
type identity struct {
	cluster        cluster
	namespace, sa  string
	intendedRoles  []string
	intendedSource []string
}

func (id identity) key() string { return id.cluster.arn + " " + id.namespace + "/" + id.sa }

// sessionTags are the tags EKS Pod Identity puts on the session of a pod of
// this service account.
func (id identity) sessionTags() map[string]string {
	return map[string]string{
		"eks-cluster-arn":            id.cluster.arn,
		"eks-cluster-name":           id.cluster.name,
		"kubernetes-namespace":       id.namespace,
		"kubernetes-service-account": id.sa,
		"kubernetes-pod-name":        id.sa + "-6d4cf56db6-x7k2p",
		"kubernetes-pod-uid":         "0b4c8f6e-7d1a-4d2e-9f3b-5a6c7d8e9f01",
	}
}

func tagContext(prefix string, tags map[string]string) map[string]any {
	ctx := map[string]any{}
	var keys []string
	for k, v := range tags {
		ctx[prefix+k] = v
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if prefix == "aws:RequestTag/" {
		ctx["aws:TagKeys"] = keys
	}
	return ctx
}

// controlPolicies are the organization stack's control policies, as text.
type controlPolicies struct {
	scps, rcps []string
}

// guardrailsOf reads the control policies an organization stack's plan
// creates.
func guardrailsOf(t *testing.T, doc *plan.Document) controlPolicies {
	var g controlPolicies
	for _, r := range doc.Resources {
		if r.Type != "aws:organizations/policy:Policy" {
			continue
		}
		switch r.Inputs["type"] {
		case "SERVICE_CONTROL_POLICY":
			g.scps = append(g.scps, r.Inputs["content"].(string))
		case "RESOURCE_CONTROL_POLICY":
			g.rcps = append(g.rcps, r.Inputs["content"].(string))
		}
	}
	require.NotEmpty(t, g.scps, "the organization stack has a service control policy")
	require.NotEmpty(t, g.rcps, "the organization stack has a resource control policy")
	return g
}

// exampleGuardrails are the policies of the organization example.
func exampleGuardrails(t *testing.T) controlPolicies {
	return guardrailsOf(t, planStackFile(t, "../examples/organization/Pulumi.org.yaml"))
}

// world is everything the proof needs from a plan and the guardrails of
// its organization.
type world struct {
	doc      *plan.Document
	b        *batch
	roles    []role
	clusters []cluster
	oidc     map[string]string // account + " " + issuer URL -> provider ARN
	// scps and rcps name the organization's control policies: SCPs bind
	// the principals of member accounts, RCPs the resources in them.
	scps, rcps []string
	// sharedChaining maps a cluster ARN to its shared chaining role's ARN.
	// By design its trust admits every service account of its cluster
	// (which role a session then reaches is decided by the targets'
	// trusts), so every identity of that cluster may start from it.
	sharedChaining map[string]string
}

func newWorld(t *testing.T, doc *plan.Document, g controlPolicies) *world {
	w := &world{doc: doc, b: newBatch(), oidc: map[string]string{}, sharedChaining: map[string]string{}}
	for _, text := range g.scps {
		w.scps = append(w.scps, w.b.policy(text))
	}
	for _, text := range g.rcps {
		w.rcps = append(w.rcps, w.b.policy(text))
	}
	inline := map[string][]string{} // account + " " + role name -> policy names
	for _, r := range doc.Resources {
		switch r.Type {
		case "aws:iam/rolePolicy:RolePolicy":
			key := r.Account + " " + r.Inputs["role"].(string)
			inline[key] = append(inline[key], w.b.policy(r.Inputs["policy"].(string)))
		case "eks:index:Cluster":
			name := r.Inputs["name"].(string)
			issuer := plan.Issuer(r)
			require.NotEmpty(t, issuer, "cluster %s has an issuer", name)
			w.clusters = append(w.clusters, cluster{
				arn: r.Outputs["arn"].(string), account: r.Account, region: r.Region, name: name, issuer: issuer,
			})
		}
	}
	for _, p := range doc.OIDCProviders() {
		w.oidc[p.Account+" "+p.URL] = p.ARN
	}
	for _, r := range doc.Resources {
		if r.Type != "aws:iam/role:Role" {
			continue
		}
		name := r.Inputs["name"].(string)
		if strings.HasSuffix(r.Name, "-chaining-role") {
			for _, c := range w.clusters {
				if c.account == r.Account && r.Name == c.name+"-chaining-role" {
					w.sharedChaining[c.arn] = r.Outputs["arn"].(string)
				}
			}
		}
		w.roles = append(w.roles, role{
			arn: r.Outputs["arn"].(string), name: name, account: r.Account,
			trust: w.b.policy(r.Inputs["assumeRolePolicy"].(string)), inline: inline[r.Account+" "+name],
		})
	}
	require.NotEmpty(t, w.roles)
	require.NotEmpty(t, w.clusters)
	return w
}

// identities returns every service account the plan gives access, and the
// adversaries: the same namespace and service account names on every other
// cluster, and on an impostor cluster in each cluster account.
func (w *world) identities() []identity {
	byKey := map[string]*identity{}
	var order []string
	get := func(c cluster, ns, sa string) *identity {
		id := identity{cluster: c, namespace: ns, sa: sa}
		if existing, ok := byKey[id.key()]; ok {
			return existing
		}
		byKey[id.key()] = &id
		order = append(order, id.key())
		return &id
	}
	clusterByARN := map[string]cluster{}
	for _, c := range w.clusters {
		clusterByARN[c.arn] = c
	}
	for _, a := range w.doc.Access {
		id := get(clusterByARN[a.Cluster], a.Namespace, a.ServiceAccount)
		id.intendedRoles = append(id.intendedRoles, a.RoleArn)
		if a.SourceRoleArn != "" {
			id.intendedSource = append(id.intendedSource, a.SourceRoleArn)
		}
	}
	candidates := append([]cluster{}, w.clusters...)
	for _, c := range w.clusters {
		candidates = append(candidates, cluster{
			arn: strings.TrimSuffix(c.arn, c.name) + "impostor", account: c.account, region: c.region, name: "impostor",
			issuer: "https://oidc.eks." + c.region + ".amazonaws.com/id/00000000000000000000000000000BAD",
		})
	}
	for _, a := range w.doc.Access {
		for _, c := range candidates {
			get(c, a.Namespace, a.ServiceAccount)
		}
	}
	out := make([]identity, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
	}
	return out
}

// reach asks the oracle which roles an identity reaches, through each real
// credential path, under the organization's control policies: IRSA (the
// workload account's OIDC provider for the cluster's issuer), Pod Identity
// (EKS, an AWS service, assuming and tagging a role of the cluster's
// account), and chaining (a session of a role Pod Identity gives, carrying
// the pod's tags as principal tags, assuming a role with the session role's
// own permissions and tagging the new session: the transitive tags are
// re-set on that hop, so the request carries them as aws:RequestTag/* and
// aws:TagKeys too, which is what the RCP sees).
func (w *world) reach(t *testing.T, ids []identity) (finals, sources map[string][]string) {
	b := w.b
	type hop struct {
		id     identity
		role   role
		checks []string
	}
	var irsa, pods []hop
	for _, id := range ids {
		host := strings.TrimPrefix(id.cluster.issuer, "https://")
		for _, r := range w.roles {
			if provider, ok := w.oidc[r.account+" "+id.cluster.issuer]; ok {
				irsa = append(irsa, hop{id, r, []string{b.ask(request{
					Principal: provider, Action: "sts:AssumeRoleWithWebIdentity", Resource: r.arn, ResourceAccount: r.account,
					ResourcePolicy: r.trust, RCPs: w.rcps,
					Context: map[string]any{host + ":sub": "system:serviceaccount:" + id.namespace + ":" + id.sa, host + ":aud": "sts.amazonaws.com"},
				})}})
			}
			if r.account == id.cluster.account {
				ctx := tagContext("aws:RequestTag/", id.sessionTags())
				ctx["aws:SourceAccount"] = id.cluster.account
				ctx["aws:SourceArn"] = id.cluster.arn
				ctx["aws:PrincipalIsAWSService"] = "true"
				var checks []string
				for _, action := range []string{"sts:AssumeRole", "sts:TagSession"} {
					checks = append(checks, b.ask(request{Principal: "pods.eks.amazonaws.com", Action: action, Resource: r.arn,
						ResourceAccount: r.account, ResourcePolicy: r.trust, RCPs: w.rcps, Context: ctx}))
				}
				pods = append(pods, hop{id, r, checks})
			}
		}
	}
	decisions := b.run(t)
	allAllowed := func(h hop) bool {
		for _, c := range h.checks {
			if decisions[c] != allowed {
				return false
			}
		}
		return true
	}
	finals, sources = map[string][]string{}, map[string][]string{}
	var chain []hop
	b2 := newBatch()
	b2.policies = b.policies
	for _, h := range irsa {
		if allAllowed(h) {
			finals[h.id.key()] = append(finals[h.id.key()], h.role.arn)
		}
	}
	for _, h := range pods {
		if !allAllowed(h) {
			continue
		}
		// A role that may do nothing but assume and tag other roles is where
		// a chain starts; any other is where the pod's credentials end. Both
		// may chain on, as far as their permissions allow.
		if w.chainsOnly(t, h.role) {
			sources[h.id.key()] = append(sources[h.id.key()], h.role.arn)
		} else {
			finals[h.id.key()] = append(finals[h.id.key()], h.role.arn)
		}
		if len(h.role.inline) == 0 {
			continue
		}
		for _, target := range w.roles {
			if target.arn == h.role.arn {
				continue
			}
			ctx := tagContext("aws:PrincipalTag/", h.id.sessionTags())
			maps.Copy(ctx, tagContext("aws:RequestTag/", h.id.sessionTags()))
			ctx["aws:PrincipalArn"] = h.role.arn
			ctx["aws:PrincipalIsAWSService"] = "false"
			var checks []string
			for _, action := range []string{"sts:AssumeRole", "sts:TagSession"} {
				checks = append(checks, b2.ask(request{
					Principal: fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/eks-%s", h.role.account, h.role.name, h.id.sa),
					Action:    action, Resource: target.arn, ResourceAccount: target.account,
					IdentityPolicies: h.role.inline, ResourcePolicy: target.trust, SCPs: w.scps, RCPs: w.rcps, Context: ctx,
				}))
			}
			chain = append(chain, hop{h.id, target, checks})
		}
	}
	if len(chain) > 0 {
		decisions = b2.run(t)
		for _, h := range chain {
			if allAllowed(h) {
				finals[h.id.key()] = append(finals[h.id.key()], h.role.arn)
			}
		}
	}
	return finals, sources
}

// chainsOnly reports whether a role's permissions are only to assume and
// tag roles: the mark of a chaining (source) role.
func (w *world) chainsOnly(t *testing.T, r role) bool {
	if len(r.inline) == 0 {
		return false
	}
	for _, name := range r.inline {
		doc, err := iampolicy.Parse(string(w.b.policies[name]))
		require.NoError(t, err)
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				if a != "sts:AssumeRole" && a != "sts:TagSession" {
					return false
				}
			}
		}
	}
	return true
}

// adversaries asks about principals that must reach no role at all: a role
// in each cluster account carrying a real pod's tags, every account's root,
// and a principal of an unrelated account, each with an identity policy
// that allows every STS action.
func (w *world) adversaries(t *testing.T, ids []identity) {
	b := newBatch()
	b.policies = w.b.policies
	admin := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}`)
	type question struct{ who, role string }
	asked := map[string]question{}
	ask := func(who, principal string, ctx map[string]any, r role, scps []string) {
		id := b.ask(request{Principal: principal, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account,
			IdentityPolicies: []string{admin}, ResourcePolicy: r.trust, SCPs: scps, RCPs: w.rcps, Context: ctx})
		asked[id] = question{who, r.name}
	}
	accounts := map[string]bool{}
	for _, r := range w.roles {
		accounts[r.account] = true
	}
	for _, id := range ids {
		if len(id.intendedRoles) == 0 {
			continue
		}
		ctx := tagContext("aws:PrincipalTag/", id.sessionTags())
		ctx["aws:PrincipalArn"] = "arn:aws:iam::" + id.cluster.account + ":role/Forger"
		for _, r := range w.roles {
			ask("a role forging the tags of "+id.key(), "arn:aws:sts::"+id.cluster.account+":assumed-role/Forger/forged", ctx, r, w.scps)
		}
	}
	for acct := range accounts {
		for _, r := range w.roles {
			ask("the root of "+acct, "arn:aws:iam::"+acct+":root", nil, r, w.scps)
		}
	}
	for _, r := range w.roles {
		ask("an unrelated account", "arn:aws:iam::999999999999:role/Outsider", nil, r, nil)
	}
	for id, d := range b.run(t) {
		assert.NotEqual(t, allowed, d, "%s may assume %s", asked[id].who, asked[id].role)
	}
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

// mismatches lists, per identity, where the roles the oracle lets it
// reach, and the roles it may start a chain from, differ from the plan's
// access list; empty when they are equal.
func (w *world) mismatches(t *testing.T, ids []identity) []string {
	finals, sources := w.reach(t, ids)
	var out []string
	for _, id := range ids {
		if want, got := sortedSet(id.intendedRoles), sortedSet(finals[id.key()]); !slices.Equal(want, got) {
			out = append(out, fmt.Sprintf("%s reaches %v, not %v", id.key(), got, want))
		}
		wantSources := id.intendedSource
		if shared, ok := w.sharedChaining[id.cluster.arn]; ok {
			wantSources = append(slices.Clone(wantSources), shared)
		}
		if want, got := sortedSet(wantSources), sortedSet(sources[id.key()]); !slices.Equal(want, got) {
			out = append(out, fmt.Sprintf("%s starts chains from %v, not %v", id.key(), got, want))
		}
	}
	return out
}

// prove runs the whole proof on a plan, under its organization's
// guardrails.
func prove(t *testing.T, doc *plan.Document, g controlPolicies) {
	require.NotEmpty(t, doc.Access)
	w := newWorld(t, doc, g)
	ids := w.identities()
	assert.Empty(t, w.mismatches(t, ids))
	intended := 0
	for _, id := range ids {
		intended += len(id.intendedRoles)
	}
	assert.Equal(t, len(doc.Access), intended, "every access entry was checked")
	w.adversaries(t, ids)
}

func planOf(t *testing.T, project, stack string, cfg map[string]string) *plan.Document {
	doc, err := plan.Make(plan.Input{Project: project, Stack: stack, Config: cfg, Program: stacksProgram})
	require.NoError(t, err)
	return doc
}

func TestIsolationOfTheExamples(t *testing.T) {
	g := exampleGuardrails(t)
	for _, path := range stackFiles(t) {
		doc := planStackFile(t, path)
		if doc.Model == config.OrganizationModel {
			continue
		}
		t.Run(path, func(t *testing.T) { prove(t, doc, g) })
	}
}

func TestIsolationAtScale(t *testing.T) {
	g := guardrailsOf(t, planOf(t, "eks-multi-account", "org", largeOrganization()))
	t.Run("centralized, 3 cluster accounts and 60 tenants", func(t *testing.T) {
		doc := planOf(t, "eks-multi-account", "large", largeCentralized(3, 60, true))
		require.GreaterOrEqual(t, len(doc.Access), 80)
		prove(t, doc, g)
	})
	t.Run("decentralized, 20 vended clusters", func(t *testing.T) {
		doc := planOf(t, "eks-multi-account", "large", largeDecentralized(20))
		require.Len(t, doc.Access, 40)
		prove(t, doc, g)
	})
}
