package plugin

import (
	"cmp"
	"context"
	"encoding/json"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/clusterref"
	"github.com/eks-multi-account/eks-multi-account/components/crossaccountrole"
	"github.com/eks-multi-account/eks-multi-account/components/network"
	"github.com/eks-multi-account/eks-multi-account/components/sharedsubnets"
	"github.com/eks-multi-account/eks-multi-account/components/tenancy"
	"github.com/eks-multi-account/eks-multi-account/components/validate"
	"github.com/eks-multi-account/eks-multi-account/components/workloadaccount"
)

// The five components' wiring: each turns its decoded inputs and the wires
// into the Go constructor's Args.

func clusterAccountComponent() Component {
	return serve[ClusterAccountInputs](clusteraccount.Type, clusteraccount.NewClusterAccount, reflect.TypeFor[ClusterAccountOutputs]())
}

func (in *ClusterAccountInputs) accounts() []accountInput {
	return []accountInput{{"account", in.Account}}
}

func (in *ClusterAccountInputs) args(w wires) *clusteraccount.Args {
	a := &clusteraccount.Args{
		Spec:               in.Spec,
		Account:            w.account("account"),
		EKSProvider:        w.eks,
		DeployRoleARN:      in.Account.DeployRoleARN(),
		SharedChainingRole: in.SharedChainingRole,
		Tags:               in.Tags,
	}
	if in.ExistingVpcID != nil || in.ExistingPrivateSubnetIDs != nil || in.ExistingPublicSubnetIDs != nil {
		a.ExistingNetwork = &clusteraccount.ExistingNetwork{
			VpcID:            in.ExistingVpcID,
			PrivateSubnetIDs: in.ExistingPrivateSubnetIDs,
			PublicSubnetIDs:  in.ExistingPublicSubnetIDs,
		}
	}
	return a
}

func (in *ClusterAccountInputs) paths() map[string]string {
	return map[string]string{
		"existingNetwork.vpcId":            "existingVpcId",
		"existingNetwork.privateSubnetIds": "existingPrivateSubnetIds",
		// The deploy role is the account's, so it is right when the
		// account's settings are.
		"deployRoleArn": "account.deployRoleName",
	}
}

func (in *ClusterAccountInputs) kubeconfig() pulumi.StringInput { return nil }
func (in *ClusterAccountInputs) needsEKS() bool                 { return true }

func (in *ClusterAccountInputs) outputs(component pulumi.ComponentResource) (pulumi.Map, error) {
	ref := component.(*clusteraccount.ClusterAccount).Ref()
	facts := Cluster{Name: ref.Name, Account: in.Account, FargateNamespaces: ref.FargateNamespaces, SharedChainingRole: ref.SharedChainingRole != nil}
	for _, e := range ref.AccessEntries {
		facts.AccessEntries = append(facts.AccessEntries, AccessEntry{PrincipalArn: e.PrincipalARN, Holder: e.Holder})
	}
	cluster, err := plainValue(facts)
	if err != nil {
		return nil, err
	}
	out := pulumi.Map{"cluster": cluster, "sharedChainingRoleName": pulumi.String(""), "sharedChainingRoleUniqueId": pulumi.String("")}
	if r := ref.SharedChainingRole; r != nil {
		out["sharedChainingRoleName"], out["sharedChainingRoleUniqueId"] = r.Name, r.UniqueID
	}
	return out, nil
}

// plainValue is v as the map its JSON is, for an output.
func plainValue(v any) (pulumi.Input, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return pulumi.Any(m), nil
}

// The cluster's inputs of a component placed on it, mapped to the paths
// of the Go clusterref.Cluster's checks.
var clusterPaths = map[string]string{
	"cluster.clusterName":        "clusterName",
	"cluster.kubernetesProvider": "kubeconfig",
	"cluster.oidcIssuerUrl":      "oidcIssuerUrl",
	"cluster.oidcProviderArn":    "clusterOidcProviderArn",
	"cluster.sharedChainingRole": "sharedChainingRoleArn",
}

// ref describes the cluster to the Go components. The cluster's shared
// chaining role is handed on when its outputs are given, or when the
// component starts from it (useChainingRole), whose checks then report
// the outputs missing.
func (c *ClusterConnection) ref(w wires, useChainingRole bool) clusterref.Cluster {
	r := clusterref.Cluster{
		Name:               c.Cluster.Name,
		ClusterName:        c.ClusterName,
		Account:            w.account("cluster.account"),
		KubernetesProvider: w.kubernetes,
		OIDCIssuerURL:      c.OIDCIssuerURL,
		OIDCProviderARN:    c.ClusterOIDCProviderArn,
		FargateNamespaces:  c.Cluster.FargateNamespaces,
	}
	if c.Cluster.SharedChainingRole && (useChainingRole || c.givesChainingRole()) {
		r.SharedChainingRole = &clusterref.ChainingRole{Name: c.SharedChainingRoleName, ARN: c.SharedChainingRoleArn, UniqueID: c.SharedChainingRoleUniqueID}
	}
	for _, e := range c.Cluster.AccessEntries {
		r.AccessEntries = append(r.AccessEntries, clusterref.AccessEntry{PrincipalARN: e.PrincipalArn, Holder: cmp.Or(e.Holder, "an access entry the cluster has")})
	}
	return r
}

// givesChainingRole reports whether any of the shared chaining role's
// outputs is given: a component that does not start from the role need not
// take them.
func (c *ClusterConnection) givesChainingRole() bool {
	return c.SharedChainingRoleName != nil || c.SharedChainingRoleArn != nil || c.SharedChainingRoleUniqueID != nil
}

func (c *ClusterConnection) kubeconfig() pulumi.StringInput { return c.Kubeconfig }
func (c *ClusterConnection) needsEKS() bool                 { return false }
func (c *ClusterConnection) paths() map[string]string       { return clusterPaths }

func workloadAccountComponent() Component {
	return serve[WorkloadAccountInputs](workloadaccount.Type, workloadaccount.NewWorkloadAccount)
}

func (in *WorkloadAccountInputs) accounts() []accountInput {
	return []accountInput{{"cluster.account", in.Cluster.Account}, {"account", in.Account}}
}

func (in *WorkloadAccountInputs) args(w wires) *workloadaccount.Args {
	return &workloadaccount.Args{
		Spec:                  in.Spec,
		Cluster:               in.ref(w, in.UseSharedChainingRole),
		Account:               w.account("account"),
		UseSharedChainingRole: in.UseSharedChainingRole,
		Limits:                in.Limits,
		IPv6:                  in.IPv6,
		Tags:                  in.Tags,
	}
}

func crossAccountRoleComponent() Component {
	return serve[CrossAccountRoleInputs](crossaccountrole.Type, crossaccountrole.NewCrossAccountRole)
}

func (in *CrossAccountRoleInputs) accounts() []accountInput {
	return []accountInput{{"cluster.account", in.Cluster.Account}, {"workloadAccount", in.WorkloadAccount}}
}

func (in *CrossAccountRoleInputs) args(w wires) *crossaccountrole.Args {
	return &crossaccountrole.Args{
		Spec:                  in.Spec,
		Cluster:               in.ref(w, in.UseSharedChainingRole),
		WorkloadAccount:       w.account("workloadAccount"),
		Namespace:             in.Namespace,
		OIDCProviderARN:       in.OIDCProviderArn,
		UseSharedChainingRole: in.UseSharedChainingRole,
		Tags:                  in.Tags,
	}
}

func sharedSubnetsComponent() Component {
	return serve[SharedSubnetsInputs](sharedsubnets.Type, sharedsubnets.NewSharedSubnets)
}

func (in *SharedSubnetsInputs) accounts() []accountInput {
	return []accountInput{{"owner", in.Owner}}
}

func (in *SharedSubnetsInputs) args(w wires) *sharedsubnets.Args {
	a := &sharedsubnets.Args{Owner: w.account("owner"), Principals: in.Principals, ShareName: in.ShareName, Tags: in.Tags}
	for i := range in.SubnetCount {
		var s network.Subnet
		if in.SubnetIDs != nil {
			s.ID = in.SubnetIDs.ToStringArrayOutput().Index(pulumi.Int(i))
		}
		if in.SubnetArns != nil {
			s.ARN = in.SubnetArns.ToStringArrayOutput().Index(pulumi.Int(i))
		}
		a.Subnets = append(a.Subnets, s)
	}
	return a
}

func (in *SharedSubnetsInputs) checkMore(ps *validate.Problems) {
	for _, list := range []struct {
		key   string
		input pulumi.StringArrayInput
	}{{"subnetIds", in.SubnetIDs}, {"subnetArns", in.SubnetArns}} {
		if n, known := knownLength(list.input); known && n != in.SubnetCount {
			ps.Addf(list.key, n, "subnets are given, and subnetCount is %d", in.SubnetCount)
		}
	}
}

// knownLength is the length of a list input whose value is known now.
func knownLength(list pulumi.StringArrayInput) (int, bool) {
	if list == nil {
		return 0, false
	}
	r, err := internals.UnsafeAwaitOutput(context.Background(), list.ToStringArrayOutput())
	if err != nil || !r.Known {
		return 0, false
	}
	return len(r.Value.([]string)), true
}

func (in *SharedSubnetsInputs) paths() map[string]string {
	return map[string]string{"subnets": "subnetArns"}
}

func (in *SharedSubnetsInputs) kubeconfig() pulumi.StringInput { return nil }
func (in *SharedSubnetsInputs) needsEKS() bool                 { return false }

func tenancyComponent() Component {
	return serve[TenancyInputs](tenancy.Type, tenancy.NewTenancy)
}

func (in *TenancyInputs) accounts() []accountInput { return nil }

func (in *TenancyInputs) args(w wires) *tenancy.Args {
	return &tenancy.Args{KubernetesProvider: w.kubernetes, Namespace: in.Namespace, ServiceAccounts: in.ServiceAccounts, GitOps: in.GitOps}
}

func (in *TenancyInputs) paths() map[string]string {
	return map[string]string{"kubernetesProvider": "kubeconfig"}
}

func (in *TenancyInputs) kubeconfig() pulumi.StringInput { return in.Kubeconfig }
func (in *TenancyInputs) needsEKS() bool                 { return false }
