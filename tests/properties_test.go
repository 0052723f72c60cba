package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/routing"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
)

// TestProperties runs every shipped stack file and checks, over every
// registered resource, the properties the library promises.
func TestProperties(t *testing.T) {
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			r := runStackFile(t, path, stacksProgram)
			require.NotEmpty(t, r.resources)
			t.Run("every resource lands in the account the config implies", r.accounts)
			t.Run("default tags on every taggable resource", r.tags)
			if r.cfg.Model == config.OrganizationModel {
				t.Run("RAM sharing with the organization outlives the stack", r.retainedSharing)
				return
			}
			t.Run("trust principals are expected and never *", r.trustPrincipals)
			t.Run("chaining roles may only assume and tag", r.chainingPermissions)
			t.Run("RAM shares exactly the tenants that asked", r.ramPrincipals)
			t.Run("one OIDC provider per workload account and cluster", r.oidcProviders)
			if r.cfg.Model == config.Decentralized {
				t.Run("blueprint node groups as specified", r.blueprintNodeGroups)
				t.Run("GitOps repositories are confined to their namespaces", r.gitopsConfinement)
			}
		})
	}
}

// accountsByName maps config names to account IDs and cluster names.
type placement struct{ account, cluster string }

func (r run) clusterOf(w config.WorkloadAccount) placement {
	if r.cfg.Model == config.Decentralized {
		return placement{w.AccountID, w.Name}
	}
	for _, ca := range r.cfg.ClusterAccounts {
		if ca.Name == w.ClusterAccount {
			return placement{ca.AccountID, ca.ClusterName}
		}
	}
	return placement{}
}

func (r run) tenant(name string) config.WorkloadAccount {
	for _, w := range r.cfg.WorkloadAccounts {
		if w.Name == name {
			return w
		}
	}
	return config.WorkloadAccount{}
}

// expected returns the account (and cluster, for Kubernetes resources) a
// resource must land in, stated from the design rather than the code: the
// owning component decides, and inside a tenant, what EKS and the source
// side of a chain hold is in the cluster account, the rest in the workload
// account.
func (r run) expected(t *testing.T, res mockengine.Resource) (placement, bool) {
	if _, ok := r.owner(res, guardrails.Type); ok {
		return placement{account: r.cfg.Organization.ManagementAccountID}, true
	}
	if _, ok := r.owner(res, stacks.NetworkAccountType); ok {
		return placement{account: r.cfg.NetworkAccount.AccountID}, true
	}
	if _, ok := r.owner(res, routing.SpokeType); ok && r.cfg.NetworkAccount != nil {
		// A spoke's attachment and its routes are its VPC's; the gateway's
		// side (acceptance, association, propagations) and the network
		// VPC's routes back are the network account's.
		if res.Type == "aws:ec2transitgateway/vpcAttachment:VpcAttachment" ||
			res.Type == "aws:ec2/route:Route" && !strings.Contains(res.Name, "-hub-route-") {
			v, _ := r.owner(res, stacks.VendedClusterType)
			return placement{account: r.tenant(v.Name).AccountID}, true
		}
		return placement{account: r.cfg.NetworkAccount.AccountID}, true
	}
	if v, ok := r.owner(res, stacks.VendedClusterType); ok {
		w := r.tenant(v.Name)
		return placement{w.AccountID, w.Name}, true
	}
	if c, ok := r.owner(res, clusteraccount.Type); ok {
		for _, ca := range r.cfg.ClusterAccounts {
			if ca.Name == c.Name {
				return placement{ca.AccountID, ca.ClusterName}, true
			}
		}
	}
	if s, ok := r.owner(res, sharedsubnets.Type); ok {
		for _, ca := range r.cfg.ClusterAccounts {
			if ca.Name+"-subnets" == s.Name {
				return placement{account: ca.AccountID}, true
			}
		}
	}
	tc, ok := r.owner(res, workloadaccount.Type)
	if !ok {
		return placement{}, false
	}
	w := r.tenant(tc.Name)
	host := r.clusterOf(w)
	name := testkit.Input(res, "name")
	role := testkit.Input(res, "role")
	switch {
	case strings.HasPrefix(res.Type, "kubernetes:"), strings.HasPrefix(res.Type, "aws:eks/"),
		res.Type == "aws:iam/role:Role" && strings.HasSuffix(name, "-src"),
		res.Type == "aws:iam/rolePolicy:RolePolicy" && (strings.HasSuffix(role, "-src") || strings.HasSuffix(role, "-pod-identity-chain")):
		return host, true
	}
	return placement{account: w.AccountID}, true
}

func (r run) accounts(t *testing.T) {
	checked := 0
	for _, res := range r.resources {
		if !res.Custom || res.Type == "pulumi:providers:aws" || res.Type == "pulumi:providers:eks" {
			continue
		}
		want, ok := r.expected(t, res)
		if !assert.True(t, ok, "%s %s belongs to no component", res.Type, res.Name) {
			continue
		}
		assert.Equal(t, want.account, res.Account, "%s %s account", res.Type, res.Name)
		if strings.HasPrefix(res.Type, "kubernetes:") || res.Type == "pulumi:providers:kubernetes" {
			assert.Equal(t, want.cluster, res.Cluster, "%s %s cluster", res.Type, res.Name)
		}
		checked++
	}
	assert.NotZero(t, checked)
}

// retainedSharing: destroying the organization stack must not turn RAM
// sharing off for every share of every other stack.
func (r run) retainedSharing(t *testing.T) {
	sharing := r.ofType("aws:ram/sharingWithOrganization:SharingWithOrganization")
	require.Len(t, sharing, 1)
	assert.True(t, sharing[0].RetainOnDelete)
}

var servicePrincipals = []string{"pods.eks.amazonaws.com", "ec2.amazonaws.com", "eks-fargate-pods.amazonaws.com"}

func (r run) trustPrincipals(t *testing.T) {
	roles := r.ofType("aws:iam/role:Role")
	require.NotEmpty(t, roles)
	for _, role := range roles {
		doc := testkit.Policy(t, role, "assumeRolePolicy")
		for _, s := range doc.Statement {
			require.NotNil(t, s.Principal, "role %s has a statement without principal", role.Name)
			for _, p := range s.Principal.All() {
				assert.NotEqual(t, "*", p, "role %s trusts *", role.Name)
			}
			for _, svc := range s.Principal.Service {
				assert.Contains(t, servicePrincipals, svc, "role %s", role.Name)
			}
			for _, fed := range s.Principal.Federated {
				assert.True(t, strings.HasPrefix(fed, fmt.Sprintf("arn:aws:iam::%s:oidc-provider/", role.Account)),
					"role %s trusts OIDC provider %s outside its own account", role.Name, fed)
			}
			for _, arn := range s.Principal.AWS {
				assert.False(t, strings.HasSuffix(arn, ":root"), "role %s trusts an account root", role.Name)
				tc, ok := r.owner(role, workloadaccount.Type)
				require.True(t, ok, "role %s trusts an AWS principal but belongs to no tenant", role.Name)
				host := r.clusterOf(r.tenant(tc.Name))
				assert.True(t, strings.HasPrefix(arn, fmt.Sprintf("arn:aws:iam::%s:role/eks-multi-account/%s/", host.account, host.cluster)),
					"role %s trusts %s, not a role of its cluster's account", role.Name, arn)
			}
		}
	}
}

func (r run) chainingPermissions(t *testing.T) {
	for _, p := range r.ofType("aws:iam/rolePolicy:RolePolicy") {
		role := testkit.Input(p, "role")
		if !strings.HasSuffix(role, "-src") && !strings.HasSuffix(role, "-pod-identity-chain") {
			continue
		}
		for _, s := range testkit.Policy(t, p, "policy").Statement {
			for _, a := range s.Action {
				assert.Contains(t, []string{"sts:AssumeRole", "sts:TagSession"}, a, "%s on %s", p.Name, role)
			}
			for _, res := range s.Resource {
				assert.NotEqual(t, "*", res, "%s on %s", p.Name, role)
			}
		}
	}
}

func (r run) ramPrincipals(t *testing.T) {
	want := map[string][]string{}
	for _, w := range r.cfg.WorkloadAccounts {
		switch {
		case r.cfg.Model == config.Centralized && w.ShareSubnets:
			want[w.ClusterAccount+"-subnets"] = append(want[w.ClusterAccount+"-subnets"], w.AccountID)
		case r.cfg.Model == config.Decentralized && w.Networking == config.Shared:
			key := r.cfg.NetworkAccount.Name + "-subnets"
			want[key] = append(want[key], w.AccountID)
		case r.cfg.Routed(w) && w.AccountID != r.cfg.NetworkAccount.AccountID:
			// The transit gateway, with the accounts whose VPCs attach.
			key := r.cfg.NetworkAccount.Name + "-routing"
			want[key] = append(want[key], w.AccountID)
		}
	}
	got := map[string][]string{}
	for _, pa := range r.ofType("aws:ram/principalAssociation:PrincipalAssociation") {
		share, ok := r.owner(pa, sharedsubnets.Type)
		if !ok {
			share, ok = r.owner(pa, routing.HubType)
		}
		require.True(t, ok)
		got[share.Name] = append(got[share.Name], testkit.Input(pa, "principal"))
	}
	for k := range got {
		slices.Sort(got[k])
	}
	for k := range want {
		slices.Sort(want[k])
	}
	assert.Equal(t, want, got)
	for _, share := range r.ofType("aws:ram/resourceShare:ResourceShare") {
		assert.Equal(t, false, testkit.Value(share, "allowExternalPrincipals"), share.Name)
	}
}

// oidcProviders counts the IAM OIDC providers per account and issuer: the
// program's own, and the one pulumi-eks creates in the cluster account
// (IAM refuses a second provider for one issuer in one account).
func (r run) oidcProviders(t *testing.T) {
	count := map[string]int{}
	for _, p := range r.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
		count[p.Account+" "+testkit.Input(p, "url")]++
	}
	for _, c := range r.ofType("eks:index:Cluster") {
		if testkit.Value(c, "createOidcProvider") == true {
			count[c.Account+" "+mockengine.IssuerURL(c.Account, c.Region, testkit.Input(c, "name"))]++
		}
	}
	for _, w := range r.cfg.WorkloadAccounts {
		host := r.clusterOf(w)
		var hostRegion string
		for _, res := range r.ofType("eks:index:Cluster") {
			if testkit.Input(res, "name") == host.cluster {
				hostRegion = res.Region
			}
		}
		key := w.AccountID + " " + mockengine.IssuerURL(host.account, hostRegion, host.cluster)
		uses := w.Identity == "irsa" || slices.ContainsFunc(w.ServiceAccounts, func(sa crossaccountrole.Spec) bool { return sa.Identity == "irsa" })
		switch {
		case uses || w.AccountID == host.account:
			assert.Equal(t, 1, count[key], "tenant %s", w.Name)
		default:
			assert.Zero(t, count[key], "tenant %s uses no IRSA", w.Name)
		}
	}
	for k, n := range count {
		assert.Equal(t, 1, n, k)
	}
}

// tags holds that every taggable AWS resource is bound to a provider whose
// default tags carry the configuration's tags (the mock engine rejects a
// resource without an explicit provider before this runs).
func (r run) tags(t *testing.T) {
	for _, res := range r.resources {
		if !isAWS(res) || !res.Inputs.HasValue("tags") {
			continue
		}
		p, ok := r.byURN[res.Provider]
		require.True(t, ok, "%s %s is bound to a provider the program registered", res.Type, res.Name)
		for k, v := range r.cfg.Defaults.Tags {
			assert.Equal(t, v, testkit.Input(p, "defaultTags", "tags", k), "%s %s: its provider's default tag %s", res.Type, res.Name, k)
		}
	}
}

// blueprintNodeGroups checks each vended cluster against the blueprint
// specifications of the design, and that overrides change only what they
// set.
func (r run) blueprintNodeGroups(t *testing.T) {
	for _, w := range r.cfg.WorkloadAccounts {
		groups := map[string]mockengine.Resource{}
		for _, ng := range r.ofType("aws:eks/nodeGroup:NodeGroup") {
			if ng.Account == w.AccountID {
				groups[testkit.Input(ng, "nodeGroupName")] = ng
			}
		}
		switch w.Blueprint {
		case "general-purpose":
			require.Contains(t, groups, "general")
			assert.Equal(t, "ON_DEMAND", testkit.Input(groups["general"], "capacityType"))
			assert.Nil(t, testkit.Value(groups["general"], "taints"))
		case "batch":
			require.Contains(t, groups, "system")
			b := groups["batch"]
			assert.Equal(t, "SPOT", testkit.Input(b, "capacityType"))
			assert.Greater(t, len(testkit.Value(b, "instanceTypes").([]any)), 1, "several instance types")
			assert.EqualValues(t, 0, testkit.Value(b, "scalingConfig", "minSize"), "scales from zero")
			assert.Equal(t, "NO_SCHEDULE", testkit.Value(b, "taints").([]any)[0].(map[string]any)["effect"])
		case "ai-ml":
			require.Contains(t, groups, "system")
			assert.Nil(t, testkit.Value(groups["system"], "taints"))
			g := groups["gpu"]
			assert.Equal(t, "AL2023_x86_64_NVIDIA", testkit.Input(g, "amiType"))
			assert.Equal(t, []any{map[string]any{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}}, testkit.Value(g, "taints"))
			var plugin []mockengine.Resource
			for _, rel := range r.ofType("kubernetes:helm.sh/v3:Release") {
				if rel.Account == w.AccountID && testkit.Input(rel, "chart") == "nvidia-device-plugin" {
					plugin = append(plugin, rel)
				}
			}
			require.Len(t, plugin, 1, "NVIDIA device plugin on %s", w.Name)
			assert.Contains(t, testkit.Value(plugin[0], "values", "tolerations"), map[string]any{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"})
		}
		for _, o := range w.NodeGroups {
			g, ok := groups[o.Name]
			require.True(t, ok, "override %s of %s", o.Name, w.Name)
			if o.MaxSize != nil {
				assert.EqualValues(t, *o.MaxSize, testkit.Value(g, "scalingConfig", "maxSize"), "%s/%s maxSize", w.Name, o.Name)
			}
			if o.DesiredSize != nil {
				assert.EqualValues(t, *o.DesiredSize, testkit.Value(g, "scalingConfig", "desiredSize"), "%s/%s desiredSize", w.Name, o.Name)
			}
			if len(o.InstanceTypes) > 0 {
				var got []string
				for _, it := range testkit.Value(g, "instanceTypes").([]any) {
					got = append(got, it.(string))
				}
				assert.Equal(t, o.InstanceTypes, got)
			}
		}
	}
}

func (r run) gitopsConfinement(t *testing.T) {
	assert.Empty(t, r.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"), "no repository gets cluster-wide rights")
	for _, rel := range r.ofType("kubernetes:helm.sh/v3:Release") {
		if testkit.Input(rel, "chart") != gitops.FluxChart {
			continue
		}
		args := testkit.Value(rel, "values", "kustomizeController", "container", "additionalArgs")
		for _, flag := range []string{"--no-cross-namespace-refs=true", "--default-service-account=gitops-reconciler", "--no-remote-bases=true"} {
			assert.Contains(t, args, flag)
		}
	}
	for _, k := range r.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization") {
		ns := testkit.Input(k, "metadata", "namespace")
		assert.Equal(t, ns, testkit.Input(k, "spec", "targetNamespace"), k.Name)
		assert.Equal(t, tenancy.ReconcilerServiceAccount, testkit.Input(k, "spec", "serviceAccountName"), k.Name)
	}
	for _, rb := range r.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding") {
		ns := testkit.Input(rb, "metadata", "namespace")
		for _, s := range testkit.Value(rb, "subjects").([]any) {
			assert.Equal(t, ns, s.(map[string]any)["namespace"], "%s binds a subject of another namespace", rb.Name)
		}
	}
}
