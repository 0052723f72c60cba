package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
	"github.com/eks-multi-account/eks-multi-account/stacks/guardrails"
	"github.com/eks-multi-account/eks-multi-account/stacks/preflight"
)

// What each model asks of AWS before it registers anything but the account
// providers it reads through (package preflight).

// clusterDemand is what a cluster of a spec asks of its account.
func clusterDemand(spec clusteraccount.Spec) preflight.Cluster {
	return preflight.Cluster{Name: spec.ClusterName, NodeGroups: spec.NodeGroups, FargateProfiles: len(spec.FargateProfiles)}
}

// vpcDemand is what a VPC the stacks lay out asks of its account.
func vpcDemand(zones int, singleNAT bool) preflight.VPC {
	return preflight.VPC{Zones: zones, SingleNATGateway: singleNAT}
}

// preflight reads the quotas of each cluster account.
func (m *centralized) preflight(ctx *pulumi.Context, acc *accounts) error {
	var demands []preflight.Demand
	for _, ca := range m.cfg.ClusterAccounts {
		account, err := acc.get(ca.AccountID, ca.Region, "")
		if err != nil {
			return err
		}
		demands = append(demands, preflight.Demand{Account: account, Name: ca.Name,
			Clusters: []preflight.Cluster{clusterDemand(ca.Spec)}, VPCs: []preflight.VPC{vpcDemand(ca.AvailabilityZones, ca.SingleNatGateway)}})
	}
	return preflight.Check(ctx, demands, nil)
}

// preflight reads the quotas of each workload account, and of the network
// account when this stack creates its VPC.
func (m *decentralized) preflight(ctx *pulumi.Context, acc *accounts) error {
	var demands []preflight.Demand
	for i, w := range m.cfg.WorkloadAccounts {
		account, err := acc.get(w.AccountID, w.Region, "")
		if err != nil {
			return err
		}
		d := preflight.Demand{Account: account, Name: w.Name, Clusters: []preflight.Cluster{clusterDemand(m.clusterSpec(i))}}
		if w.Networking == config.Dedicated {
			d.VPCs = []preflight.VPC{vpcDemand(w.AvailabilityZones, false)}
		}
		demands = append(demands, d)
	}
	if n := m.cfg.NetworkAccount; n != nil && m.cfg.NetworkStack == "" {
		d, err := networkDemand(acc, n)
		if err != nil {
			return err
		}
		demands = append(demands, d)
	}
	return preflight.Check(ctx, demands, nil)
}

// preflight reads the network account's quotas.
func (m *networkModel) preflight(ctx *pulumi.Context, acc *accounts) error {
	d, err := networkDemand(acc, m.cfg.NetworkAccount)
	if err != nil {
		return err
	}
	return preflight.Check(ctx, []preflight.Demand{d}, nil)
}

// networkDemand is what the network account's VPC asks of it.
func networkDemand(acc *accounts, n *config.NetworkAccount) (preflight.Demand, error) {
	account, err := acc.get(n.AccountID, n.Region, "")
	if err != nil {
		return preflight.Demand{}, err
	}
	return preflight.Demand{Account: account, Name: n.Name, VPCs: []preflight.VPC{vpcDemand(n.AvailabilityZones, false)}}, nil
}

// preflight reads the organization's prerequisites of the guardrails: the
// policy types enabled on its root, and the room on each target.
func (m *organization) preflight(ctx *pulumi.Context, acc *accounts) error {
	o := m.cfg.Organization
	if o.TagGuard == nil || len(o.TagGuard.TargetIDs) == 0 {
		return nil
	}
	management, err := acc.get(o.ManagementAccountID, m.cfg.Defaults.Region, o.ManagementRoleArn)
	if err != nil {
		return err
	}
	return preflight.Organization(ctx, management, guardrails.Policies(), o.TagGuard.TargetIDs, nil)
}
