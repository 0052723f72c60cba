package gitops_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks/gitops"
)

func runGitOps(t *testing.T, repos []gitops.Repository) testkit.Result {
	return testkit.Run(t, func(ctx *pulumi.Context) error {
		acct, err := testkit.Account(ctx, "313131313131", "us-west-2")
		if err != nil {
			return err
		}
		cl, err := testkit.Cluster(ctx, "ml", acct)
		if err != nil {
			return err
		}
		_, err = gitops.NewGitOps(ctx, "ml", &gitops.Args{
			KubernetesProvider: cl.KubernetesProvider, Spec: gitops.Spec{Repositories: repos}, ExistingNamespaces: []string{"ml"},
		})
		return err
	})
}

func TestEachRepositoryIsConfinedToItsNamespace(t *testing.T) {
	r := runGitOps(t, []gitops.Repository{
		{Name: "platform", URL: "https://git.example.com/p.git", Branch: "main", Path: "clusters/ml", Namespace: "platform", Team: "platform"},
		{Name: "training", URL: "https://git.example.com/t.git", Branch: "main", Path: "deploy", Namespace: "ml", Team: "ml"},
		{Name: "notebooks", URL: "https://git.example.com/n.git", Branch: "main", Path: "nb", Namespace: "ml", Team: "ml"},
	})
	require.NoError(t, r.Err)
	rs := r.Resources()
	for _, res := range rs {
		if res.Custom && !res.IsProvider() {
			assert.Equal(t, "ml", res.Cluster, "%s %s", res.Type, res.Name)
		}
	}
	var created []string
	for _, ns := range testkit.OfType(rs, "kubernetes:core/v1:Namespace") {
		created = append(created, testkit.Input(ns, "metadata", "name"))
	}
	assert.ElementsMatch(t, []string{"flux-system", "platform"}, created, "the tenant's namespace exists already")
	assert.Len(t, testkit.OfType(rs, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"), 2, "one per namespace")
	assert.Empty(t, testkit.OfType(rs, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"))

	flux := testkit.Named(t, rs, "kubernetes:helm.sh/v3:Release", "ml-flux")
	assert.Equal(t, []any{"--no-cross-namespace-refs=true", "--default-service-account=gitops-reconciler", "--no-remote-bases=true"},
		testkit.Value(flux, "values", "kustomizeController", "container", "additionalArgs"))

	rb := testkit.Named(t, rs, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "ml-rb-platform")
	assert.Equal(t, "platform", testkit.Input(rb, "metadata", "namespace"))
	assert.Equal(t, map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"}, testkit.Value(rb, "roleRef"))
	assert.Equal(t, []any{map[string]any{"kind": "ServiceAccount", "name": "gitops-reconciler", "namespace": "platform"}}, testkit.Value(rb, "subjects"))

	sync := testkit.Named(t, rs, "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "ml-sync-training")
	assert.Equal(t, map[string]any{
		"sourceRef": map[string]any{"kind": "GitRepository", "name": "training"}, "path": "deploy", "prune": true,
		"interval": "10m", "targetNamespace": "ml", "serviceAccountName": "gitops-reconciler",
	}, testkit.Value(sync, "spec"))
	assert.Contains(t, sync.Dependencies, flux.URN, "the custom resources wait for Flux's CRDs")
	repo := testkit.Named(t, rs, "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "ml-repo-training")
	assert.Equal(t, "ml", testkit.Input(repo, "metadata", "namespace"))
	assert.Equal(t, "https://git.example.com/t.git", testkit.Input(repo, "spec", "url"))
}

func TestBadRepositories(t *testing.T) {
	r := runGitOps(t, []gitops.Repository{{Name: "Platform", URL: "", Namespace: "platform", Team: "platform"}})
	testkit.RequireRejected(t, r, `GitOps "ml"`, `repositories[0].name: "Platform" is not a valid name`,
		`repositories[0].url: "" is not an https:// or ssh:// Git URL`, `repositories[0].branch: is required`, `repositories[0].path: "" is not a relative path inside the repository`)
}
