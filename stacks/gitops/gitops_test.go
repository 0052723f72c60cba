package gitops_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/validate"
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
		args := &gitops.Args{KubernetesProvider: cl.KubernetesProvider, Spec: gitops.Spec{Repositories: repos}, ExistingNamespaces: []string{"ml"}}
		// As the stacks do, Flux is installed only for a valid
		// configuration.
		var ps validate.Problems
		if args.Spec.Check("", &ps); ps.Err() == nil {
			if args.Flux, err = gitops.NewFlux(ctx, "ml", &gitops.FluxArgs{KubernetesProvider: cl.KubernetesProvider}); err != nil {
				return err
			}
		}
		_, err = gitops.NewGitOps(ctx, "ml", args)
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

	fluxNS := testkit.Named(t, rs, "kubernetes:core/v1:Namespace", "ml-flux-system")
	platformNS := testkit.Named(t, rs, "kubernetes:core/v1:Namespace", "ml-ns-platform")
	assert.Subset(t, platformNS.Dependencies, []string{fluxNS.URN, flux.URN}, "a team's namespace outlives Flux on create, so it goes first on destroy")

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

// Flux's namespace and release keep the URNs they had as children of the
// GitOps component of the same name, by alias: a stack deployed before
// Flux was a component of its own does not replace them.
func TestFluxKeepsItsURNsFromBeforeItWasAComponent(t *testing.T) {
	flux := resource.URN("urn:pulumi:prod::eks-multi-account::eks-multi-account:index:VendedCluster$eks-multi-account:index:Flux::ml")
	assert.Equal(t,
		resource.URN("urn:pulumi:prod::eks-multi-account::eks-multi-account:index:VendedCluster$eks-multi-account:index:GitOps$kubernetes:core/v1:Namespace::ml-flux-system"),
		gitops.GitOpsChildURN(flux, "kubernetes:core/v1:Namespace", "ml-flux-system"))
}
