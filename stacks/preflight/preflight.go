// Package preflight reads, before a stack registers anything, what AWS
// would refuse part way through a deploy: the Service Quotas of each
// account the stack deploys into (EC2's vCPUs per instance group, on demand
// and on spot; EKS clusters, node groups and Fargate profiles; VPCs, NAT
// gateways and Elastic IPs) against what the stack asks for, and, for the
// organization stack, the Organizations prerequisites of its guardrails.
// Every lookup goes through the provider of the account it is about.
//
// It compares a quota with what this stack adds; what other stacks use in
// the same account is not counted, so passing is necessary, not
// sufficient. The stacks skip it with defaults.preflight: false.
package preflight

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/servicequotas"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/components/providers"
)

// Demand is what a stack asks of one account in one region.
type Demand struct {
	// Account is the account and region, and the provider to read their
	// quotas through.
	Account providers.Account
	// Name is the configured name of the account, for messages.
	Name string
	// Clusters are the EKS clusters the stack creates there.
	Clusters []Cluster
	// VPCs are the VPCs the stack creates there.
	VPCs []VPC
}

// Cluster is one EKS cluster and its compute.
type Cluster struct {
	// Name is the cluster's EKS name.
	Name string
	// NodeGroups are its managed node groups.
	NodeGroups []clusteraccount.NodeGroup
	// FargateProfiles is how many Fargate profiles it has.
	FargateProfiles int
}

// VPC is one VPC the library lays out: a NAT gateway (and its Elastic IP)
// in each of its zones, or in its first zone only.
type VPC struct {
	// Zones is how many availability zones it spreads over.
	Zones int
	// SingleNATGateway puts one NAT gateway in the first zone only.
	SingleNATGateway bool
}

// Shortfall is one quota that is below what the stack needs.
type Shortfall struct {
	// Account, AccountName and Region say where.
	Account, AccountName, Region string
	// Quota is the quota.
	Quota Quota
	// Value is the quota's value in the account and region.
	Value float64
	// Need is what the stack needs of it.
	Need float64
	// Because says what needs it.
	Because string
}

// String is the shortfall as the preview prints it: where, which quota,
// its value, the need and how to raise it.
func (s Shortfall) String() string {
	unit := ""
	if s.Quota.Unit != "" {
		unit = " " + s.Quota.Unit
	}
	return fmt.Sprintf("account %s (%s), %s: %s (%s %s) is %s%s; this stack needs %s (%s); request an increase: aws service-quotas request-service-quota-increase --region %s --service-code %s --quota-code %s --desired-value %s",
		s.Account, s.AccountName, s.Region, s.Quota.Name, s.Quota.Service, s.Quota.Code, number(s.Value), unit, number(s.Need), s.Because,
		s.Region, s.Quota.Service, s.Quota.Code, number(s.Need))
}

// Error is the error of a failed preflight: every problem found, nothing
// registered.
type Error struct {
	// Shortfalls are the quotas below what the stack needs.
	Shortfalls []Shortfall
	// Problems are the Organizations prerequisites that are not met.
	Problems []string
}

func (e *Error) Error() string {
	lines := []string{"preflight: AWS would refuse this stack part way through its deploy; nothing was created:"}
	for _, s := range e.Shortfalls {
		lines = append(lines, s.String())
	}
	lines = append(lines, e.Problems...)
	lines = append(lines, "(defaults.preflight: false skips these checks)")
	return strings.Join(lines, "\n")
}

func number(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%g", v)
}

// need adds up what one account and region asks of each quota.
type need struct {
	amount  float64
	reasons []string
}

func (n *need) add(amount float64, reason string) {
	n.amount += amount
	n.reasons = append(n.reasons, reason)
}

// reader reads quotas and instance types through one account's provider,
// each once.
type reader struct {
	ctx     *pulumi.Context
	account providers.Account
	parent  pulumi.Resource
	quotas  map[string]float64
	vcpus   map[string]int
}

func (r *reader) opts() []pulumi.InvokeOption {
	opts := []pulumi.InvokeOption{pulumi.Provider(r.account.Provider)}
	if r.parent != nil {
		opts = append(opts, pulumi.Parent(r.parent))
	}
	return opts
}

func (r *reader) quota(q Quota) (float64, error) {
	if v, ok := r.quotas[q.Code]; ok {
		return v, nil
	}
	got, err := servicequotas.LookupServiceQuota(r.ctx, &servicequotas.LookupServiceQuotaArgs{ServiceCode: q.Service, QuotaCode: pulumi.StringRef(q.Code)}, r.opts()...)
	if err != nil {
		return 0, fmt.Errorf("reading quota %s (%s %s) of account %s in %s: %w", q.Name, q.Service, q.Code, r.account.ID, r.account.Region, err)
	}
	r.quotas[q.Code] = got.Value
	return got.Value, nil
}

func (r *reader) instanceVCPUs(instanceType string) (int, error) {
	if v, ok := r.vcpus[instanceType]; ok {
		return v, nil
	}
	got, err := ec2.GetInstanceType(r.ctx, &ec2.GetInstanceTypeArgs{InstanceType: instanceType}, r.opts()...)
	if err != nil {
		return 0, fmt.Errorf("reading instance type %s in %s: %w", instanceType, r.account.Region, err)
	}
	r.vcpus[instanceType] = got.DefaultVcpus
	return got.DefaultVcpus, nil
}

// Check reads the quotas of every account and region the demands name,
// through its own provider, and returns an *Error listing every quota below
// what the stack needs, or nil. Demands of one account and region are
// added up. parent, when set, is the parent of the lookups.
func Check(ctx *pulumi.Context, demands []Demand, parent pulumi.Resource) error {
	var order []string
	merged := map[string]*Demand{}
	for _, d := range demands {
		key := d.Account.ID + "/" + d.Account.Region
		m, ok := merged[key]
		if !ok {
			m = &Demand{Account: d.Account, Name: d.Name}
			merged[key] = m
			order = append(order, key)
		}
		m.Clusters = append(m.Clusters, d.Clusters...)
		m.VPCs = append(m.VPCs, d.VPCs...)
	}
	slices.Sort(order)
	failed := &Error{}
	for _, key := range order {
		shortfalls, err := checkAccount(ctx, merged[key], parent)
		if err != nil {
			return err
		}
		failed.Shortfalls = append(failed.Shortfalls, shortfalls...)
	}
	if len(failed.Shortfalls) > 0 {
		return failed
	}
	return nil
}

// checkAccount checks one account and region.
func checkAccount(ctx *pulumi.Context, d *Demand, parent pulumi.Resource) ([]Shortfall, error) {
	r := &reader{ctx: ctx, account: d.Account, parent: parent, quotas: map[string]float64{}, vcpus: map[string]int{}}
	needs := map[Quota]*need{}
	var quotaOrder []Quota
	want := func(q Quota, amount float64, reason string) {
		n, ok := needs[q]
		if !ok {
			n = &need{}
			needs[q] = n
			quotaOrder = append(quotaOrder, q)
		}
		n.add(amount, reason)
	}
	var shortfalls []Shortfall
	// perCluster checks a quota that holds per cluster.
	perCluster := func(q Quota, amount int, cluster string) error {
		if amount == 0 {
			return nil
		}
		value, err := r.quota(q)
		if err != nil {
			return err
		}
		if float64(amount) > value {
			shortfalls = append(shortfalls, Shortfall{Account: d.Account.ID, AccountName: d.Name, Region: d.Account.Region, Quota: q, Value: value, Need: float64(amount), Because: "cluster " + cluster})
		}
		return nil
	}
	for _, c := range d.Clusters {
		want(Clusters, 1, "cluster "+c.Name)
		if err := perCluster(NodeGroupsPerCluster, len(c.NodeGroups), c.Name); err != nil {
			return nil, err
		}
		if err := perCluster(FargateProfilesPerCluster, c.FargateProfiles, c.Name); err != nil {
			return nil, err
		}
		for _, ng := range c.NodeGroups {
			if err := r.wantVCPUs(ng, c.Name, want); err != nil {
				return nil, err
			}
		}
	}
	natsPerZone := map[int]int{}
	for _, v := range d.VPCs {
		want(VPCsPerRegion, 1, "a VPC")
		nats := v.Zones
		if v.SingleNATGateway {
			nats = 1
		}
		for z := range nats {
			natsPerZone[z]++
		}
		want(ElasticIPs, float64(nats), fmt.Sprintf("%d NAT gateway address(es)", nats))
	}
	if busiest := maxValue(natsPerZone); busiest > 0 {
		want(NATGatewaysPerZone, float64(busiest), "NAT gateways of the stack's VPCs in one zone")
	}
	for _, q := range quotaOrder {
		n := needs[q]
		value, err := r.quota(q)
		if err != nil {
			return nil, err
		}
		if n.amount > value {
			shortfalls = append(shortfalls, Shortfall{Account: d.Account.ID, AccountName: d.Name, Region: d.Account.Region, Quota: q, Value: value, Need: n.amount, Because: strings.Join(n.reasons, ", ")})
		}
	}
	return shortfalls, nil
}

// wantVCPUs adds what a node group may run at its largest, maxSize of its
// largest instance type, to the vCPU quota of each instance group its
// types are in.
func (r *reader) wantVCPUs(ng clusteraccount.NodeGroup, cluster string, want func(Quota, float64, string)) error {
	spot := ng.CapacityType == "SPOT"
	largest := map[Quota]int{}
	var order []Quota
	for _, t := range ng.InstanceTypes {
		q, err := vCPUQuota(t, spot)
		if err != nil {
			return fmt.Errorf("node group %s of cluster %s: %w", ng.Name, cluster, err)
		}
		v, err := r.instanceVCPUs(t)
		if err != nil {
			return err
		}
		if _, seen := largest[q]; !seen {
			order = append(order, q)
		}
		largest[q] = max(largest[q], v)
	}
	for _, q := range order {
		want(q, float64(ng.MaxSize*largest[q]), fmt.Sprintf("node group %s of cluster %s: %d × %d vCPUs", ng.Name, cluster, ng.MaxSize, largest[q]))
	}
	return nil
}

func maxValue(m map[int]int) int {
	best := 0
	for _, v := range m {
		best = max(best, v)
	}
	return best
}
