// Package critical finds the critical path of a plan: the longest chain of
// resources, each waiting for the one before it, through the dependencies
// the plan records. With typical creation times per resource type it gives a
// lower bound on how long a first `pulumi up` takes however much the engine
// does in parallel, and shows what to shorten first.
package critical

import (
	"slices"
	"strings"
	"time"

	"github.com/eks-multi-account/eks-multi-account/internal/plan"
)

// Typical creation times, per resource type, of what dominates a deploy.
// They are rough and documented rather than measured here: an EKS control
// plane takes about ten minutes, a managed node group about four, a NAT
// gateway about two, a Fargate profile a few minutes, an add-on or a Helm
// release (which waits for its pods) about a minute; IAM, EC2 networking,
// KMS and RAM objects take seconds, and so do Kubernetes objects.
var typical = map[string]time.Duration{
	"eks:index:Cluster":                     10 * time.Minute,
	"aws:eks/nodeGroup:NodeGroup":           4 * time.Minute,
	"aws:ec2/natGateway:NatGateway":         2 * time.Minute,
	"aws:eks/fargateProfile:FargateProfile": 3 * time.Minute,
	"aws:eks/addon:Addon":                   time.Minute,
	"kubernetes:helm.sh/v3:Release":         time.Minute,
}

// Default creation times of what the table does not name.
const (
	awsDefault        = 5 * time.Second
	kubernetesDefault = 2 * time.Second
)

// Typical returns the typical creation time of a resource: none for
// components and providers, which AWS does not create.
func Typical(r plan.Resource) time.Duration {
	if d, ok := typical[r.Type]; ok {
		return d
	}
	switch {
	case r.Kind != plan.KindResource:
		return 0
	case strings.HasPrefix(r.Type, "kubernetes:"):
		return kubernetesDefault
	}
	return awsDefault
}

// Opaque reports whether a step stands for resources the plan cannot see:
// pulumi-eks creates the EKS cluster, its roles, security groups and OIDC
// provider inside its component, one after another.
func Opaque(r plan.Resource) bool { return r.Type == "eks:index:Cluster" }

// Step is one resource of the critical path.
type Step struct {
	plan.Resource
	// Start and End are when it starts and ends, from the start of the
	// deploy.
	Start, End time.Duration
}

// Path is the critical path of a plan.
type Path struct {
	// Steps are the resources, first to last.
	Steps []Step
	// Total is the path's length: a lower bound on a first deploy.
	Total time.Duration
}

// Of returns the critical path of a plan. A resource starts once every
// resource it depends on, and its provider, exist; a dependency on a
// component is one on everything inside it. Ties go to the resource that
// comes first in the plan, so the path is the same for the same plan.
func Of(doc *plan.Document) Path {
	byURN := map[string]plan.Resource{}
	children := map[string][]string{}
	for _, r := range doc.Resources {
		byURN[r.URN] = r
		children[r.Parent] = append(children[r.Parent], r.URN)
	}
	f := &finder{byURN: byURN, children: children, end: map[string]time.Duration{}, before: map[string]string{}, visiting: map[string]bool{}}
	var best string
	for _, r := range doc.Resources {
		if best == "" || f.finish(r.URN) > f.finish(best) {
			best = r.URN
		}
	}
	var steps []Step
	for urn := best; urn != ""; urn = f.before[urn] {
		r := byURN[urn]
		if Typical(r) > 0 {
			steps = append(steps, Step{Resource: r, Start: f.end[urn] - Typical(r), End: f.end[urn]})
		}
	}
	slices.Reverse(steps)
	return Path{Steps: steps, Total: f.finish(best)}
}

// finder computes when each resource can finish at the earliest.
type finder struct {
	byURN    map[string]plan.Resource
	children map[string][]string
	// end is when a resource finishes.
	end map[string]time.Duration
	// before is the previous step of a resource on its longest chain.
	before map[string]string
	// visiting guards against a cycle, which a plan should not have.
	visiting map[string]bool
}

// finish returns when the resource at urn finishes at the earliest.
func (f *finder) finish(urn string) time.Duration {
	if d, ok := f.end[urn]; ok {
		return d
	}
	if f.visiting[urn] {
		return 0
	}
	f.visiting[urn] = true
	r := f.byURN[urn]
	var start time.Duration
	wait := func(dep string) {
		if end := f.finish(dep); end > start || (end == start && f.before[urn] == "") {
			start, f.before[urn] = end, f.through(dep)
		}
	}
	for _, dep := range r.Dependencies {
		wait(dep)
	}
	if r.Provider != "" {
		wait(r.Provider)
	}
	end := start + Typical(r)
	if r.Kind == plan.KindComponent && !Opaque(r) {
		for _, c := range f.children[urn] {
			if ce := f.finish(c); ce > end {
				end, f.before[urn] = ce, f.through(c)
			}
		}
	}
	f.end[urn] = end
	return end
}

// through returns the step a chain passes through when it waits for urn:
// urn itself, or for a component without a time of its own, the step its
// end waits for.
func (f *finder) through(urn string) string {
	if r := f.byURN[urn]; Typical(r) == 0 && f.before[urn] != "" {
		return f.through(f.before[urn])
	}
	return urn
}

// ProviderProcesses counts, per package, the provider instances of a plan:
// the engine starts one plugin process for each (one per account for aws,
// one per cluster for kubernetes).
func ProviderProcesses(doc *plan.Document) map[string]int {
	count := map[string]int{}
	for _, r := range doc.Resources {
		if r.Kind == plan.KindProvider {
			count[strings.TrimPrefix(r.Type, "pulumi:providers:")]++
		}
	}
	return count
}
