package vend

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"runtime/debug"
	"slices"

	"github.com/eks-multi-account/eks-multi-account/stacks"
	"github.com/eks-multi-account/eks-multi-account/stacks/vending"
)

// Version is vend's own version: a digest covers it, so that changing
// what vend renders rolls out. Bump it with any such change; the build's
// module version and VCS revision, when the binary carries them, are
// covered too, so that a library change rolls out. (3: the cluster's ARN
// is recorded with the digest.)
const Version = "3"

// Tag keys of what vend keeps on a vended stack. Pulumi stack tag names
// are at most 40 characters of letters, digits, '-', '_', '.' and ':'.
const (
	tagDigest            = "vend:digest"
	tagVpcCIDR           = "vend:vpcCidr"
	tagAccount           = "vend:account"
	tagRegion            = "vend:region"
	tagNetworking        = "vend:networking"
	tagTeam              = "vend:team"
	tagEnvironment       = "vend:environment"
	tagBlueprint         = "vend:blueprint"
	tagBlueprintVersion  = "vend:blueprintVersion"
	tagKubernetesVersion = "vend:kubernetesVersion"
	// tagClusterArn is the cluster's ARN, from the stack's outputs after
	// its last successful update (the outputs hold it in a secret map,
	// with the kubeconfig, that reading them would decrypt).
	tagClusterArn = "vend:clusterArn"
)

// recordOf describes a stack as its request renders it, its defaults
// applied; the digest and allocation are set apart.
func recordOf(set *vending.Set, st vending.Stack) (map[string]string, error) {
	r := st.Request
	w, err := set.Workload(r)
	if err != nil {
		return nil, err
	}
	bp, _ := set.Blueprints.Get(r.Blueprint)
	return map[string]string{
		tagAccount: r.AccountID, tagRegion: w.Region, tagNetworking: w.Networking, tagTeam: r.Team,
		tagEnvironment: r.Environment, tagBlueprint: w.Blueprint, tagBlueprintVersion: bp.Version,
		tagKubernetesVersion: w.KubernetesVersion,
	}, nil
}

// networkView is what a vended stack reads of the network stack's output:
// the VPC, its subnets, the transit gateway, and whether its own account
// is shared and routed yet (not the others', so that another request
// joining leaves its digest alone).
type networkView struct {
	VpcID            string   `json:"vpcId,omitempty"`
	PrivateSubnetIDs []string `json:"privateSubnetIds,omitempty"`
	Shared           bool     `json:"shared"`
	TransitGatewayID string   `json:"transitGatewayId,omitempty"`
	Routed           bool     `json:"routed"`
}

// viewFor is what a vended stack reads of the network stack's output:
// nothing unless its request is on shared networking or routed through the
// network account's transit gateway (and nothing without a network stack).
func viewFor(set *vending.Set, st vending.Stack, network stacks.Network) networkView {
	account := st.Request.AccountID
	if !st.Request.Shared() && !set.Routed(st.Request) {
		return networkView{}
	}
	return networkView{VpcID: network.VpcID, PrivateSubnetIDs: network.PrivateSubnetIDs, Shared: slices.Contains(network.SharedWith, account),
		TransitGatewayID: network.TransitGatewayID, Routed: slices.Contains(network.RoutedWith, account)}
}

// vendedDigest covers everything that changes what a vended stack
// deploys: its rendered configuration, its blueprint and the blueprint's
// version, vend's version and the build's, and what it reads of the
// network stack.
func vendedDigest(set *vending.Set, st vending.Stack, network networkView) string {
	bp, _ := set.Blueprints.Get(st.Request.Blueprint)
	return digestOf(st.Config, [2]string{bp.Name, bp.Version}, network)
}

// digestOf is the digest of a stack's configuration, blueprint and view of
// the network, with vend's and the build's version.
func digestOf(cfg map[string]string, blueprint [2]string, network networkView) string {
	config := make([][2]string, 0, len(cfg))
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		config = append(config, [2]string{k, cfg[k]})
	}
	text, err := json.Marshal(struct {
		Config    [][2]string
		Blueprint [2]string
		Vend      []string
		Network   networkView
	}{config, blueprint, buildVersion(), network})
	if err != nil {
		panic(err) // plain strings and slices
	}
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:16])
}

// buildVersion is vend's version with the module version and VCS revision
// the binary was built from, when it carries them.
func buildVersion() []string {
	out := []string{Version}
	if info, ok := debug.ReadBuildInfo(); ok {
		out = append(out, info.Main.Version)
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				out = append(out, s.Value)
			}
		}
	}
	return out
}
