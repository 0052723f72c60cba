// Package blueprints holds the cluster blueprints that de-centralized
// workload accounts are vended from: general-purpose, batch and ai-ml, and
// any a platform team registers from Go. A workload account picks one by
// name and may override its node groups field by field.
package blueprints

import (
	"fmt"
	"maps"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// Blueprint is a kind of cluster.
type Blueprint struct {
	// Name is what workload accounts select it by. Required.
	Name string
	// Version is the blueprint's version: a vended cluster records it, so
	// that a new version of a blueprint rolls out to its clusters. Required.
	Version string
	// KubernetesVersion is the Kubernetes minor version of its clusters
	// unless a request says otherwise; empty for the stack's default.
	KubernetesVersion string
	// Description says what the blueprint is for.
	Description string
	// NodeGroups are the cluster's managed node groups. Required.
	NodeGroups []clusteraccount.NodeGroup
	// Charts are Helm charts installed once the cluster exists, such as
	// the NVIDIA device plugin. Optional.
	Charts []Chart
}

// Chart is a Helm chart a blueprint installs.
type Chart struct {
	// Name is the release name.
	Name string
	// Namespace is created for the release.
	Namespace string
	// Chart, Version and Repository locate the chart.
	Chart, Version, Repository string
	// Values are the chart's values.
	Values map[string]any
}

// Registry is the set of blueprints a stack can vend from.
type Registry struct {
	byName map[string]Blueprint
}

// NewRegistry returns a registry with the built-in blueprints.
func NewRegistry() *Registry {
	r := &Registry{byName: map[string]Blueprint{}}
	for _, b := range builtIn() {
		r.byName[b.Name] = b
	}
	return r
}

// Register adds a blueprint, or replaces one of the same name.
func (r *Registry) Register(b Blueprint) error {
	if !validate.IsDNS1123Label(b.Name) {
		return fmt.Errorf("blueprint name %q is not a DNS-1123 label", b.Name)
	}
	if b.Version == "" {
		return fmt.Errorf("blueprint %q has no version", b.Name)
	}
	if len(b.NodeGroups) == 0 {
		return fmt.Errorf("blueprint %q has no node groups", b.Name)
	}
	r.byName[b.Name] = b
	return nil
}

// Get returns the blueprint called name.
func (r *Registry) Get(name string) (Blueprint, bool) {
	b, ok := r.byName[name]
	return b, ok
}

// Names returns every blueprint's name, sorted.
func (r *Registry) Names() []string {
	return slices.Sorted(maps.Keys(r.byName))
}

// WithOverrides returns the blueprint's node groups with a workload account's
// overrides applied: an override with the name of a blueprint node group
// replaces the fields it sets and keeps the others; an override with a new
// name adds a node group.
func (b Blueprint) WithOverrides(overrides []config.NodeGroupOverride) []clusteraccount.NodeGroup {
	out := make([]clusteraccount.NodeGroup, len(b.NodeGroups))
	for i, ng := range b.NodeGroups {
		out[i] = clone(ng)
	}
	for _, o := range overrides {
		i := slices.IndexFunc(out, func(ng clusteraccount.NodeGroup) bool { return ng.Name == o.Name })
		if i < 0 {
			out = append(out, clusteraccount.NodeGroup{Name: o.Name})
			i = len(out) - 1
		}
		apply(&out[i], o)
	}
	return out
}

// clone copies a node group so overrides never change the blueprint.
func clone(ng clusteraccount.NodeGroup) clusteraccount.NodeGroup {
	ng.InstanceTypes = slices.Clone(ng.InstanceTypes)
	ng.Taints = slices.Clone(ng.Taints)
	labels := make(map[string]string, len(ng.Labels))
	for k, v := range ng.Labels {
		labels[k] = v
	}
	ng.Labels = labels
	return ng
}

// apply sets on ng every field o sets.
func apply(ng *clusteraccount.NodeGroup, o config.NodeGroupOverride) {
	if len(o.InstanceTypes) > 0 {
		ng.InstanceTypes = slices.Clone(o.InstanceTypes)
	}
	setInt(&ng.MinSize, o.MinSize)
	setInt(&ng.MaxSize, o.MaxSize)
	setInt(&ng.DesiredSize, o.DesiredSize)
	setInt(&ng.DiskSizeGiB, o.DiskSizeGiB)
	if o.CapacityType != "" {
		ng.CapacityType = o.CapacityType
	}
	if o.AmiType != "" {
		ng.AMIType = o.AmiType
	}
	for k, v := range o.Labels {
		if ng.Labels == nil {
			ng.Labels = map[string]string{}
		}
		ng.Labels[k] = v
	}
	if o.Taints != nil {
		ng.Taints = slices.Clone(o.Taints)
	}
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}
