package preflight

import (
	"fmt"
	"strings"
)

// Quota is one Service Quotas quota: its service and quota codes and the
// name Service Quotas gives it.
type Quota struct {
	// Service is the Service Quotas service code: ec2, eks or vpc.
	Service string
	// Code is the quota code, L-....
	Code string
	// Name is the quota's name as Service Quotas shows it.
	Name string
	// Unit says what the quota counts, for messages: "vCPUs" or empty.
	Unit string
}

// The quotas the preflight reads, by the codes Service Quotas gives them
// (https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html,
// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html,
// https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).
var (
	Clusters                  = Quota{"eks", "L-1194D53C", "Clusters", ""}
	NodeGroupsPerCluster      = Quota{"eks", "L-6D54EA21", "Managed node groups per cluster", ""}
	FargateProfilesPerCluster = Quota{"eks", "L-33415657", "Fargate profiles per cluster", ""}
	VPCsPerRegion             = Quota{"vpc", "L-F678F1CE", "VPCs per Region", ""}
	NATGatewaysPerZone        = Quota{"vpc", "L-FE5A380F", "NAT gateways per Availability Zone", ""}
	ElasticIPs                = Quota{"ec2", "L-0263D0A3", "EC2-VPC Elastic IPs", ""}
)

// instanceGroup is one of EC2's groups of instance families that share a
// vCPU quota, on demand and on spot: EC2 counts running vCPUs per group,
// not per instance type.
type instanceGroup struct {
	// families are the family prefixes of the group's instance types.
	families []string
	onDemand Quota
	// spot is the group's spot quota; empty Code when spot has none.
	spot Quota
}

func vcpus(service, code, name string) Quota { return Quota{service, code, name, "vCPUs"} }

// instanceGroups are EC2's vCPU quota groups, longest family prefix first
// so that inf2 is Inf and not I.
var instanceGroups = []instanceGroup{
	{[]string{"inf"}, vcpus("ec2", "L-1945791B", "Running On-Demand Inf instances"), vcpus("ec2", "L-B5D1601B", "All Inf Spot Instance Requests")},
	{[]string{"trn"}, vcpus("ec2", "L-2C3B7624", "Running On-Demand Trn instances"), vcpus("ec2", "L-6B0D517C", "All Trn Spot Instance Requests")},
	{[]string{"dl"}, vcpus("ec2", "L-6E869C2A", "Running On-Demand DL instances"), vcpus("ec2", "L-85EED4F7", "All DL Spot Instance Requests")},
	{[]string{"hpc"}, vcpus("ec2", "L-F7808C92", "Running On-Demand HPC instances"), Quota{}},
	{[]string{"u-"}, vcpus("ec2", "L-43DA4232", "Running On-Demand High Memory instances"), Quota{}},
	{[]string{"vt", "g"}, vcpus("ec2", "L-DB2E81BA", "Running On-Demand G and VT instances"), vcpus("ec2", "L-3819A6DF", "All G and VT Spot Instance Requests")},
	{[]string{"p"}, vcpus("ec2", "L-417A185B", "Running On-Demand P instances"), vcpus("ec2", "L-7212CCBC", "All P Spot Instance Requests")},
	{[]string{"f"}, vcpus("ec2", "L-74FC7D96", "Running On-Demand F instances"), vcpus("ec2", "L-88CF9481", "All F Spot Instance Requests")},
	{[]string{"x"}, vcpus("ec2", "L-7295265B", "Running On-Demand X instances"), vcpus("ec2", "L-E3A00192", "All X Spot Instance Requests")},
	{[]string{"a", "c", "d", "h", "i", "m", "r", "t", "z"},
		vcpus("ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances"),
		vcpus("ec2", "L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests")},
}

// vCPUQuota returns the quota that running an instance type counts
// against, on demand or on spot.
func vCPUQuota(instanceType string, spot bool) (Quota, error) {
	for _, g := range instanceGroups {
		for _, f := range g.families {
			if !strings.HasPrefix(instanceType, f) {
				continue
			}
			if !spot {
				return g.onDemand, nil
			}
			if g.spot.Code == "" {
				return Quota{}, fmt.Errorf("instance type %s has no spot capacity", instanceType)
			}
			return g.spot, nil
		}
	}
	return Quota{}, fmt.Errorf("instance type %s is in none of EC2's vCPU quota groups", instanceType)
}
