package world

import (
	"fmt"
	"strings"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
)

// Service Quotas and EC2's vCPU limits. Each account has the quotas
// Service Quotas gives a new account (defaultQuotas) until the tier sets
// others (SetQuota, or a seed's Quotas for the accounts it plants); the aws
// plugin answers getServiceQuota from them, and a node group whose nodes
// would take an instance group past its vCPU quota fails as EKS fails it.

// defaultQuotas are a new account's values of the quotas the stand-in
// knows, by code: the dated table of AWS's documented defaults that the
// offline planner answers with too (mockengine.DefaultQuotas, each value
// with its source).
var defaultQuotas = mockengine.DefaultQuotas

// anyRegion keys a quota an account has in every region.
const anyRegion = "*"

// Quota returns an account's value of a quota in a region: what the tier
// set for the region, else for every region, else a new account's.
func (s *State) Quota(account, region, code string) (float64, error) {
	for _, r := range []string{region, anyRegion} {
		if v, ok := s.Quotas[account+"/"+r+"/"+code]; ok {
			return v, nil
		}
	}
	v, ok := defaultQuotas[code]
	if !ok {
		return 0, refuse("GetServiceQuota", "NoSuchResourceException", "The request failed because the specified service quota %s does not exist.", code)
	}
	return v, nil
}

// SetQuota sets an account's quota in a region ("*": every region).
func (s *State) SetQuota(account, region, code string, value float64) error {
	if _, ok := defaultQuotas[code]; !ok {
		return fmt.Errorf("the stand-in does not know quota %s", code)
	}
	if s.Quotas == nil {
		s.Quotas = map[string]float64{}
	}
	s.Quotas[account+"/"+region+"/"+code] = value
	return nil
}

// instanceVCPUs are the default vCPUs of the instance types the tier's
// stacks run (https://aws.amazon.com/ec2/instance-types/).
var instanceVCPUs = map[string]int{
	"t3.large": 2, "t3a.large": 2, "t3.xlarge": 4,
	"m6i.large": 2, "m6a.large": 2, "m6i.xlarge": 4, "m6a.xlarge": 4, "m6i.2xlarge": 8, "m6a.2xlarge": 8,
	"m7g.large": 2, "c6i.2xlarge": 8, "c6a.2xlarge": 8, "c5.2xlarge": 8,
	"c5.xlarge": 4, "c6i.xlarge": 4, "c7i.4xlarge": 16,
	"g5.xlarge": 4, "g5.2xlarge": 8, "g6.xlarge": 4, "g6.2xlarge": 8, "p5.48xlarge": 192,
}

// InstanceVCPUs returns an instance type's default vCPUs, or EC2's error.
func InstanceVCPUs(instanceType string) (int, error) {
	v, ok := instanceVCPUs[instanceType]
	if !ok {
		return 0, refuse("DescribeInstanceTypes", "InvalidInstanceType", "The following supplied instance types do not exist: [%s]", instanceType)
	}
	return v, nil
}

// vCPUQuotaCode is the quota that running an instance type counts against,
// on demand or spot: EC2 groups instance families
// (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).
func vCPUQuotaCode(instanceType string, spot bool) string {
	family := instanceType[:strings.IndexAny(instanceType, "0123456789")]
	switch {
	case family == "g" || family == "vt":
		return pick(spot, "L-3819A6DF", "L-DB2E81BA")
	case family == "p":
		return pick(spot, "L-7212CCBC", "L-417A185B")
	case family == "inf":
		return pick(spot, "L-B5D1601B", "L-1945791B")
	case family == "trn":
		return pick(spot, "L-6B0D517C", "L-2C3B7624")
	}
	return pick(spot, "L-34B43A08", "L-1216C47A")
}

func pick(spot bool, ifSpot, onDemand string) string {
	if spot {
		return ifSpot
	}
	return onDemand
}

// checkNodeVCPUs fails a node group whose desired nodes would take its
// instance group past the account's vCPU quota, with the health issue EKS
// reports for it (node group CREATE_FAILED, AsgInstanceLaunchFailures:
// https://docs.aws.amazon.com/eks/latest/APIReference/API_Issue.html), after
// what the account's other node groups in the region run.
func (s *State) checkNodeVCPUs(c Caller, o *Object) error {
	types := o.Strs("instanceTypes")
	if len(types) == 0 {
		return nil
	}
	spot := o.Str("capacityType") == "SPOT"
	code := vCPUQuotaCode(types[0], spot)
	running := 0
	for _, ng := range s.Select(o.Type, func(x *Object) bool { return x != o && x.Account == c.Account && x.Region == c.Region }) {
		ts := ng.Strs("instanceTypes")
		if len(ts) == 0 || vCPUQuotaCode(ts[0], ng.Str("capacityType") == "SPOT") != code {
			continue
		}
		v, err := InstanceVCPUs(ts[0])
		if err != nil {
			return err
		}
		running += desiredSize(ng) * v
	}
	v, err := InstanceVCPUs(types[0])
	if err != nil {
		return err
	}
	limit, err := s.Quota(c.Account, c.Region, code)
	if err != nil {
		return err
	}
	if float64(running+desiredSize(o)*v) <= limit {
		return nil
	}
	kind := "On-Demand"
	if spot {
		kind = "Spot"
	}
	return refuse("CreateNodegroup", "CREATE_FAILED", "AsgInstanceLaunchFailures: Could not launch %s Instances. VcpuLimitExceeded - You have requested more vCPU capacity than your current vCPU limit of %.0f allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit. Launching EC2 instance failed.", kind, limit)
}

// desiredSize is a node group's scalingConfig.desiredSize.
func desiredSize(o *Object) int {
	cfg, _ := o.Prop("scalingConfig").(map[string]any)
	n, _ := cfg["desiredSize"].(float64)
	return int(n)
}
