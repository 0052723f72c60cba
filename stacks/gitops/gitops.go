// Package gitops provides the Flux and GitOps components: Flux installed by
// Helm on a de-centralized cluster (Flux, part of the cluster's platform),
// bootstrapped with several Git repositories (GitOps: platform,
// application, security teams), each confined to its team's namespace. Every repository is reconciled as its namespace's
// service account, which RBAC limits to that namespace, and the
// kustomize-controller runs with --no-cross-namespace-refs,
// --default-service-account and --no-remote-bases, so a team's repository
// can neither reach into another namespace nor pull in remote bases.
package gitops

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
)

// Type is the component's type token.
const Type = "eks-multi-account:index:GitOps"

// Flux's install and the identity each repository is reconciled as.
const (
	FluxNamespace      = "flux-system"
	FluxChart          = "flux2"
	FluxRepository     = "https://fluxcd-community.github.io/helm-charts"
	DefaultFluxVersion = "2.16.0"
)

// KustomizeControllerArgs are the flags that keep a repository inside its
// namespace.
var KustomizeControllerArgs = []string{
	"--no-cross-namespace-refs=true",
	"--default-service-account=" + tenancy.ReconcilerServiceAccount,
	"--no-remote-bases=true",
}

// HelmControllerArgs apply the same confinement to Helm releases.
var HelmControllerArgs = []string{
	"--no-cross-namespace-refs=true",
	"--default-service-account=" + tenancy.ReconcilerServiceAccount,
}

// Default branch and path of a repository that names none.
const (
	DefaultBranch = "main"
	DefaultPath   = "./"
)

// Spec is the GitOps bootstrap as its owner writes it: the team
// repositories, each confined to its namespace.
type Spec struct {
	// Repositories are bootstrapped. Required.
	Repositories []Repository `json:"repositories"`
}

// Repository is one team's Git repository.
type Repository struct {
	// Name names the GitRepository and Kustomization. Required.
	Name string `json:"name"`
	// URL is the repository's https:// or ssh:// URL. Required.
	URL string `json:"url"`
	// Branch is reconciled. Required (the stacks default it to main).
	Branch string `json:"branch,omitempty"`
	// Path is the directory in the repository to apply. Required (the
	// stacks default it to ./).
	Path string `json:"path,omitempty"`
	// Team owns the repository, for labels. Required.
	Team string `json:"team"`
	// Namespace is the team's namespace; everything the repository holds
	// is applied there. Required (the stacks default it to Team).
	Namespace string `json:"namespace,omitempty"`
}

var (
	repositoryURL  = regexp.MustCompile(`^(https://|ssh://)[^\s]+$`)
	repositoryPath = regexp.MustCompile(`^(\./)?([A-Za-z0-9._-]+/?)*$`)
	// reservedNamespaces hold the cluster's own and Flux's objects, which
	// no team's repository may own.
	reservedNamespaces = []string{"kube-system", FluxNamespace, "default"}
)

// Check records every problem of the repositories under path.
func (s Spec) Check(path string, ps *validate.Problems) {
	at := validate.Path(path, "repositories")
	if len(s.Repositories) == 0 {
		ps.Add(at, nil, "is required when gitops is set")
	}
	names := validate.Names{}
	for i, r := range s.Repositories {
		p := validate.Index(at, i)
		if !validate.IsDNS1123Label(r.Name) {
			ps.Add(p+".name", r.Name, "is not a valid name (lowercase letters, digits and '-', at most 63)")
		} else {
			names.Use(ps, p+".name", r.Name, "repository")
		}
		if !repositoryURL.MatchString(r.URL) {
			ps.Add(p+".url", r.URL, "is not an https:// or ssh:// Git URL")
		}
		if r.Branch == "" {
			ps.Missing(p + ".branch")
		}
		if !validate.IsDNS1123Label(r.Team) {
			ps.Add(p+".team", r.Team, "is not a valid team name (DNS-1123 label)")
		}
		if !validate.IsDNS1123Label(r.Namespace) || slices.Contains(reservedNamespaces, r.Namespace) {
			ps.Add(p+".namespace", r.Namespace, "is not a namespace a team's repository may own")
		}
		if r.Path == "" || !repositoryPath.MatchString(r.Path) || strings.Contains(r.Path, "..") {
			ps.Add(p+".path", r.Path, "is not a relative path inside the repository")
		}
	}
}

// Args configures the GitOps bootstrap.
type Args struct {
	// KubernetesProvider reaches the cluster. Required.
	KubernetesProvider pulumi.ProviderResource
	// Spec holds the repositories. Required.
	Spec
	// ExistingNamespaces already exist (a tenant's own namespace, say)
	// and are not created again. Optional.
	ExistingNamespaces []string
	// Flux is the cluster's Flux, whose CRDs the repositories' objects are
	// and which the teams' namespaces outlive on create and predecease on
	// destroy. Required.
	Flux *Flux
	// After are resources everything the component creates waits for, such
	// as the Namespace object of an existing namespace. Give resources, not
	// components: the Go SDK expands a dependency on a component to the
	// children it has registered so far. Optional.
	After []pulumi.Resource
}

// GitOps is the repositories bootstrapped on one cluster's Flux.
type GitOps struct {
	pulumi.ResourceState

	// Namespaces are the team namespaces, one per repository namespace.
	Namespaces pulumi.StringArrayOutput `pulumi:"namespaces"`
}

// Validate reports every problem with the arguments, each naming its field
// and value. The constructor calls it before registering anything.
func (a *Args) Validate() error {
	var ps validate.Problems
	if a.KubernetesProvider == nil {
		ps.Missing("kubernetesProvider")
	}
	if a.Flux == nil {
		ps.Missing("flux")
	}
	a.Spec.Check("", &ps)
	return ps.Err()
}

// NewGitOps bootstraps the repositories on the cluster's Flux.
func NewGitOps(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*GitOps, error) {
	b := &builder{ctx: ctx, name: name, args: args}
	return lifecycle.New(ctx, Type, name, args, b.build, opts...)
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.Resource
}

func (b *builder) opts(after ...pulumi.Resource) []pulumi.ResourceOption {
	o := []pulumi.ResourceOption{pulumi.Parent(b.parent), pulumi.Provider(b.args.KubernetesProvider)}
	if len(after) > 0 {
		o = append(o, pulumi.DependsOn(after))
	}
	return o
}

func (b *builder) build(g *GitOps) error {
	a := b.args
	b.parent = g
	var namespaces []string
	confined := map[string]pulumi.Resource{}
	for _, r := range a.Repositories {
		if _, done := confined[r.Namespace]; !done {
			rb, err := b.confine(r)
			if err != nil {
				return err
			}
			confined[r.Namespace] = rb
			namespaces = append(namespaces, r.Namespace)
		}
		if err := b.repository(r, a.Flux.Release, confined[r.Namespace]); err != nil {
			return err
		}
	}
	g.Namespaces = pulumi.ToStringArray(namespaces).ToStringArrayOutput()
	return nil
}

// confine creates the team namespace (unless it exists), the reconciler
// service account and its namespace-only role binding, and returns the
// binding, which the repository's objects wait for. A team namespace waits
// for Flux, which must outlive it.
func (b *builder) confine(r Repository) (pulumi.Resource, error) {
	after := append(slices.Clone(b.args.After), b.args.Flux.Platform...)
	if !slices.Contains(b.args.ExistingNamespaces, r.Namespace) {
		ns, err := corev1.NewNamespace(b.ctx, naming.Child(b.name, "ns", r.Namespace), &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(r.Namespace), Labels: pulumi.StringMap{"eks-multi-account/team": pulumi.String(r.Team)}},
		}, b.opts(after...)...)
		if err != nil {
			return nil, fmt.Errorf("creating namespace %s: %w", r.Namespace, err)
		}
		after = append(after, ns)
	}
	return tenancy.NewReconciler(b.ctx, b.name, r.Namespace, b.opts(after...)...)
}

// repository creates the GitRepository and the Kustomization that applies
// it in its namespace as the namespace's reconciler.
func (b *builder) repository(r Repository, flux, binding pulumi.Resource) error {
	meta := &metav1.ObjectMetaArgs{
		Name: pulumi.String(r.Name), Namespace: pulumi.String(r.Namespace),
		Labels: pulumi.StringMap{"eks-multi-account/team": pulumi.String(r.Team)},
	}
	after := b.opts(flux, binding)
	if _, err := apiextensions.NewCustomResource(b.ctx, naming.Child(b.name, "repo", r.Name), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("source.toolkit.fluxcd.io/v1"),
		Kind:       pulumi.String("GitRepository"),
		Metadata:   meta,
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"url":      pulumi.String(r.URL),
			"ref":      pulumi.Map{"branch": pulumi.String(r.Branch)},
			"interval": pulumi.String("5m"),
		}},
	}, after...); err != nil {
		return fmt.Errorf("creating GitRepository %s: %w", r.Name, err)
	}
	if _, err := apiextensions.NewCustomResource(b.ctx, naming.Child(b.name, "sync", r.Name), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("kustomize.toolkit.fluxcd.io/v1"),
		Kind:       pulumi.String("Kustomization"),
		Metadata:   meta,
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"sourceRef":          pulumi.Map{"kind": pulumi.String("GitRepository"), "name": pulumi.String(r.Name)},
			"path":               pulumi.String(r.Path),
			"prune":              pulumi.Bool(true),
			"interval":           pulumi.String("10m"),
			"targetNamespace":    pulumi.String(r.Namespace),
			"serviceAccountName": pulumi.String(tenancy.ReconcilerServiceAccount),
		}},
	}, after...); err != nil {
		return fmt.Errorf("creating Kustomization %s: %w", r.Name, err)
	}
	return nil
}
