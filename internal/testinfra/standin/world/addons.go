package world

import (
	"fmt"
	"slices"
)

// EKS add-on versions. Each add-on version supports a range of Kubernetes
// minors (`aws eks describe-addon-versions` lists, per version, the
// clusterVersion of each compatibility), and EKS refuses a version outside
// the cluster's: "Addon version specified is not supported"
// (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAddon.html).
// Without a version EKS installs the default one for the cluster's minor
// and leaves it there (https://docs.aws.amazon.com/eks/latest/userguide/updating-an-add-on.html).
//
// The versions below are stand-in data in AWS's format: each is the
// default of one minor and supports that minor, the two before it and the
// one after, the shape of EKS's compatibility tables, so that an add-on left
// at its creation default falls out of support two upgrades later.

// addonVersion is one version of an add-on.
type addonVersion struct {
	version  string
	from, to int // the minors it supports, inclusive
	// defaultFor is the minor whose default it is.
	defaultFor int
}

var addonVersions = map[string][]addonVersion{
	"vpc-cni": {
		{"v1.19.6-eksbuild.1", 31, 34, 33},
		{"v1.20.4-eksbuild.2", 32, 35, 34},
		{"v1.21.1-eksbuild.1", 33, 36, 35},
		{"v1.22.0-eksbuild.1", 34, 37, 36},
	},
	"eks-pod-identity-agent": {
		{"v1.3.7-eksbuild.2", 31, 34, 33},
		{"v1.3.8-eksbuild.1", 32, 35, 34},
		{"v1.3.9-eksbuild.3", 33, 36, 35},
		{"v1.3.10-eksbuild.1", 34, 37, 36},
	},
}

// AddonVersion returns the version of an add-on that EKS offers for a
// cluster's minor: the newest (mostRecent) or the default.
func AddonVersion(addon, kubernetes string, mostRecent bool) (string, error) {
	minor := minorOf(kubernetes)
	var best string
	for _, v := range addonVersions[addon] {
		if minor < v.from || minor > v.to {
			continue
		}
		if mostRecent || v.defaultFor == minor {
			best = v.version
		}
	}
	if best == "" {
		return "", refuse("DescribeAddonVersions", "ResourceNotFoundException", "No versions of add-on %s support Kubernetes %s", addon, kubernetes)
	}
	return best, nil
}

// AddonSupports reports whether an add-on version supports a Kubernetes
// version, as EKS's compatibility tables say.
func AddonSupports(addon, version, kubernetes string) bool {
	return addonSupports(addon, version, minorOf(kubernetes))
}

// addonSupports reports whether an add-on version supports a minor.
func addonSupports(addon, version string, minor int) bool {
	return slices.ContainsFunc(addonVersions[addon], func(v addonVersion) bool {
		return v.version == version && minor >= v.from && minor <= v.to
	})
}

// checkAddonVersion refuses an add-on version the cluster's Kubernetes
// version does not support, as CreateAddon and UpdateAddon do.
func checkAddonVersion(action string, cluster *Object, addon, version string) error {
	if !addonSupports(addon, version, minorOf(cluster.Str("version"))) {
		return refuse(action, "InvalidParameterException", "Addon version specified is not supported: %s %s on Kubernetes %s", addon, version, cluster.Str("version"))
	}
	return nil
}

// upgradeBlockers are the reasons EKS refuses to move a cluster from its
// version to the next: "the Kubernetes minor version of the managed nodes
// ... in your cluster must be the same as your control plane's version"
// before the control plane moves
// (https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html),
// and the upgrade-blocking readiness checks of cluster insights, of which
// add-on version compatibility is one: every add-on must support the new
// version, or UpdateClusterVersion is refused unless forced
// (https://docs.aws.amazon.com/eks/latest/userguide/cluster-insights.html,
// API_UpdateClusterVersion.html: force).
func (s *State) upgradeBlockers(cluster *Object, to int) []string {
	var out []string
	for _, ng := range s.Select("aws:eks/nodeGroup:NodeGroup", func(x *Object) bool { return onCluster(x, cluster) }) {
		if ng.Str("version") != cluster.Str("version") {
			out = append(out, fmt.Sprintf("node group %s is at Kubernetes %s, not the control plane's %s", ng.Str("nodeGroupName"), ng.Str("version"), cluster.Str("version")))
		}
	}
	for _, a := range s.Select("aws:eks/addon:Addon", func(x *Object) bool { return onCluster(x, cluster) }) {
		if !addonSupports(a.Str("addonName"), a.Str("addonVersion"), to) {
			out = append(out, fmt.Sprintf("add-on %s %s does not support Kubernetes 1.%d", a.Str("addonName"), a.Str("addonVersion"), to))
		}
	}
	return out
}
