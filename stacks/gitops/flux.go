package gitops

import (
	"fmt"
	"slices"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/lifecycle"
	"github.com/eks-multi-account/eks-multi-account/components/naming"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/charts"
)

// FluxType is the Flux component's type token.
const FluxType = "eks-multi-account:index:Flux"

// FluxArgs configures Flux's install on a cluster.
type FluxArgs struct {
	// KubernetesProvider reaches the cluster. Required.
	KubernetesProvider pulumi.ProviderResource
	// After are resources Flux waits for: the cluster's node groups and
	// add-ons (Helm waits for Flux's pods, which need nodes). Give
	// resources, not components. Optional.
	After []pulumi.Resource
	// Version is the flux2 chart version. Optional; default 2.16.0.
	Version string
	// Source is where the flux2 chart comes from instead of its public
	// repository. Optional.
	Source charts.Source
	// SkipAwait does not wait for Flux's pods to be ready. Optional.
	SkipAwait bool
}

// Flux is Flux's namespace and Helm release on one cluster: part of the
// cluster's platform.
type Flux struct {
	pulumi.ResourceState

	// Platform are Flux's namespace and release. The teams' namespaces wait
	// for them, so that a destroy deletes a team's namespace, and waits
	// until Flux's controllers have removed the finalizers of what they
	// applied there, before Flux itself.
	Platform []pulumi.Resource
	// Release is Flux's Helm release, which installs the CRDs the
	// repositories' objects are.
	Release *helmv3.Release
}

// Validate reports every problem with the arguments.
func (a *FluxArgs) Validate() error {
	var ps validate.Problems
	if a.KubernetesProvider == nil {
		ps.Missing("kubernetesProvider")
	}
	return ps.Err()
}

// NewFlux installs Flux, confined as KustomizeControllerArgs and
// HelmControllerArgs say.
func NewFlux(ctx *pulumi.Context, name string, args *FluxArgs, opts ...pulumi.ResourceOption) (*Flux, error) {
	return lifecycle.New(ctx, FluxType, name, args, func(f *Flux) error { return args.build(ctx, name, f) }, opts...)
}

// build creates Flux's namespace and release as children of f.
func (a *FluxArgs) build(ctx *pulumi.Context, name string, f *Flux) error {
	in := func(child string, typ string, after ...pulumi.Resource) []pulumi.ResourceOption {
		return []pulumi.ResourceOption{pulumi.Parent(f), pulumi.Provider(a.KubernetesProvider), pulumi.DependsOn(after), movedFromGitOps(f, typ, child)}
	}
	nsName := naming.Child(name, FluxNamespace)
	ns, err := corev1.NewNamespace(ctx, nsName, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(FluxNamespace)},
	}, in(nsName, "kubernetes:core/v1:Namespace", a.After...)...)
	if err != nil {
		return fmt.Errorf("creating %s: %w", FluxNamespace, err)
	}
	release := &helmv3.ReleaseArgs{
		Name:      pulumi.String("flux"),
		Namespace: pulumi.String(FluxNamespace),
		Values: pulumi.Map{
			"kustomizeController":       pulumi.Map{"container": pulumi.Map{"additionalArgs": pulumi.ToStringArray(KustomizeControllerArgs)}},
			"helmController":            pulumi.Map{"container": pulumi.Map{"additionalArgs": pulumi.ToStringArray(HelmControllerArgs)}},
			"imageAutomationController": pulumi.Map{"create": pulumi.Bool(false)},
			"imageReflectionController": pulumi.Map{"create": pulumi.Bool(false)},
		},
	}
	if a.SkipAwait {
		release.SkipAwait = pulumi.Bool(true)
	}
	version := a.Version
	if version == "" {
		version = DefaultFluxVersion
	}
	charts.Locate(release, charts.Chart{Name: FluxChart, Version: version, Repository: FluxRepository}, a.Source)
	releaseName := naming.Child(name, "flux")
	flux, err := helmv3.NewRelease(ctx, releaseName, release, in(releaseName, "kubernetes:helm.sh/v3:Release", append(slices.Clone(a.After), ns)...)...)
	if err != nil {
		return fmt.Errorf("installing Flux: %w", err)
	}
	f.Platform, f.Release = []pulumi.Resource{ns, flux}, flux
	return nil
}

// movedFromGitOps aliases a child of Flux to the URN it had when Flux was
// installed by the GitOps component of the same name, so that a stack
// deployed before Flux was a component of its own keeps its flux-system
// namespace and release rather than replacing them (a replacement would
// delete the namespace the new release is in).
func movedFromGitOps(f *Flux, typ, name string) pulumi.ResourceOption {
	old := f.URN().ApplyT(func(u pulumi.URN) pulumi.URN { return pulumi.URN(gitopsChildURN(resource.URN(u), typ, name)) }).(pulumi.URNOutput)
	return pulumi.Aliases([]pulumi.Alias{{URN: old}})
}

// gitopsChildURN is the URN a child of type typ and name had under the
// GitOps component that stood where the Flux component of URN flux
// stands.
func gitopsChildURN(flux resource.URN, typ, name string) resource.URN {
	parent := strings.TrimSuffix(string(flux.QualifiedType()), FluxType) + Type
	return resource.NewURN(flux.Stack(), flux.Project(), tokens.Type(parent), tokens.Type(typ), name)
}
