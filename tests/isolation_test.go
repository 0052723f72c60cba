package tests

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
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

// world is everything the proof needs from a plan.
type world struct {
	doc      *plan.Document
	b        *batch
	roles    []role
	clusters []cluster
	oidc     map[string]string // account + " " + issuer URL -> provider ARN
	scps     []string
	// sharedChaining maps a cluster ARN to its shared chaining role's ARN.
	// By design its trust admits every service account of its cluster
	// (which role a session then reaches is decided by the targets'
	// trusts), so every identity of that cluster may start from it.
	sharedChaining map[string]string
}

func newWorld(t *testing.T, doc *plan.Document) *world {
	w := &world{doc: doc, b: newBatch(), oidc: map[string]string{}, sharedChaining: map[string]string{}}
	inline := map[string][]string{} // account + " " + role name -> policy names
	for _, r := range doc.Resources {
		switch r.Type {
		case "aws:iam/rolePolicy:RolePolicy":
			key := r.Account + " " + r.Inputs["role"].(string)
			inline[key] = append(inline[key], w.b.policy(r.Inputs["policy"].(string)))
		case "aws:organizations/policy:Policy":
			w.scps = append(w.scps, w.b.policy(r.Inputs["content"].(string)))
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
// credential path: IRSA (the workload account's OIDC provider for the
// cluster's issuer), Pod Identity (EKS assuming and tagging a role of the
// cluster's account), and chaining (a session of a role Pod Identity gives,
// carrying the pod's tags as principal tags, assuming and tagging a role
// with the session role's own permissions).
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
					ResourcePolicy: r.trust, Context: map[string]any{host + ":sub": "system:serviceaccount:" + id.namespace + ":" + id.sa, host + ":aud": "sts.amazonaws.com"},
				})}})
			}
			if r.account == id.cluster.account {
				ctx := tagContext("aws:RequestTag/", id.sessionTags())
				ctx["aws:SourceAccount"] = id.cluster.account
				ctx["aws:SourceArn"] = id.cluster.arn
				var checks []string
				for _, action := range []string{"sts:AssumeRole", "sts:TagSession"} {
					checks = append(checks, b.ask(request{Principal: "pods.eks.amazonaws.com", Action: action, Resource: r.arn,
						ResourceAccount: r.account, ResourcePolicy: r.trust, Context: ctx}))
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
		if len(h.role.inline) == 0 {
			finals[h.id.key()] = append(finals[h.id.key()], h.role.arn)
			continue
		}
		sources[h.id.key()] = append(sources[h.id.key()], h.role.arn)
		for _, target := range w.roles {
			if target.arn == h.role.arn {
				continue
			}
			ctx := tagContext("aws:PrincipalTag/", h.id.sessionTags())
			ctx["aws:PrincipalArn"] = h.role.arn
			var checks []string
			for _, action := range []string{"sts:AssumeRole", "sts:TagSession"} {
				checks = append(checks, b2.ask(request{
					Principal: fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/eks-%s", h.role.account, h.role.name, h.id.sa),
					Action:    action, Resource: target.arn, ResourceAccount: target.account,
					IdentityPolicies: h.role.inline, ResourcePolicy: target.trust, Context: ctx,
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
	ask := func(who, principal string, ctx map[string]any, r role) {
		id := b.ask(request{Principal: principal, Action: "sts:AssumeRole", Resource: r.arn, ResourceAccount: r.account,
			IdentityPolicies: []string{admin}, ResourcePolicy: r.trust, Context: ctx})
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
			ask("a role forging the tags of "+id.key(), "arn:aws:sts::"+id.cluster.account+":assumed-role/Forger/forged", ctx, r)
		}
	}
	for acct := range accounts {
		for _, r := range w.roles {
			ask("the root of "+acct, "arn:aws:iam::"+acct+":root", nil, r)
		}
	}
	for _, r := range w.roles {
		ask("an unrelated account", "arn:aws:iam::999999999999:role/Outsider", nil, r)
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

// prove runs the whole proof on a plan.
func prove(t *testing.T, doc *plan.Document) {
	require.NotEmpty(t, doc.Access)
	w := newWorld(t, doc)
	ids := w.identities()
	finals, sources := w.reach(t, ids)
	intended := 0
	for _, id := range ids {
		assert.Equal(t, sortedSet(id.intendedRoles), sortedSet(finals[id.key()]), "roles %s reaches", id.key())
		wantSources := id.intendedSource
		if shared, ok := w.sharedChaining[id.cluster.arn]; ok {
			wantSources = append(slices.Clone(wantSources), shared)
		}
		assert.Equal(t, sortedSet(wantSources), sortedSet(sources[id.key()]), "chaining roles %s starts from", id.key())
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
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			s, err := stackfile.Load(path)
			require.NoError(t, err)
			prove(t, planOf(t, s.Project, s.Name, s.Config))
		})
	}
}

func TestIsolationAtScale(t *testing.T) {
	t.Run("centralized, 3 cluster accounts and 60 tenants", func(t *testing.T) {
		doc := planOf(t, "eks-multi-account", "large", largeCentralized(3, 60, true))
		require.GreaterOrEqual(t, len(doc.Access), 80)
		prove(t, doc)
	})
	t.Run("decentralized, 20 vended clusters", func(t *testing.T) {
		doc := planOf(t, "eks-multi-account", "large", largeDecentralized(20))
		require.Len(t, doc.Access, 40)
		prove(t, doc)
	})
}

// TestTagGuard checks the service control policy: tagging a role with a
// kubernetes-* key is denied for anyone but the exempt principals and the
// deploy role.
func TestTagGuard(t *testing.T) {
	doc := planOf(t, "eks-multi-account", "large", largeCentralized(3, 6, true))
	w := newWorld(t, doc)
	require.Len(t, w.scps, 1)
	b := newBatch()
	b.policies = w.b.policies
	admin := b.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	// tag asks whether a session of the named role may tag a role with key.
	tag := func(roleName, key string) string {
		return b.ask(request{
			Principal: "arn:aws:sts::100000000000:assumed-role/" + roleName + "/session", Action: "iam:TagRole",
			Resource: "arn:aws:iam::100000000000:role/eks-multi-account/c0/c0-team-0-app", ResourceAccount: "100000000000",
			IdentityPolicies: []string{admin}, SCPs: w.scps,
			Context: map[string]any{
				"aws:TagKeys": []string{key}, "aws:RequestTag/" + key: "payroll",
				"aws:PrincipalArn": "arn:aws:iam::100000000000:role/" + roleName,
			},
		})
	}
	cases := map[string]struct{ id, want string }{
		"a developer, kubernetes-namespace": {tag("Developer", "kubernetes-namespace"), explicitlyDenied},
		"a developer, eks-cluster-arn":      {tag("Developer", "eks-cluster-arn"), explicitlyDenied},
		"a developer, another tag":          {tag("Developer", "team"), allowed},
		"the exempt PlatformAdmin":          {tag("PlatformAdmin", "kubernetes-namespace"), allowed},
		"the deploy role":                   {tag("OrganizationAccountAccessRole", "kubernetes-namespace"), allowed},
	}
	got := b.run(t)
	for name, c := range cases {
		assert.Equal(t, c.want, got[c.id], name)
	}
}
