package blueprints

import "github.com/eks-multi-account/eks-multi-account/components/clusteraccount"

// BuiltInVersion is the version of the built-in blueprints: it changes
// whenever one of them does.
const BuiltInVersion = "1.0.0"

// Names of the built-in blueprints.
const (
	GeneralPurpose = "general-purpose"
	Batch          = "batch"
	AIML           = "ai-ml"
)

// GPU taint and label of the ai-ml blueprint's GPU nodes.
const (
	GPUTaintKey   = "nvidia.com/gpu"
	GPULabelKey   = "eks-multi-account/accelerator"
	GPULabelValue = "nvidia"
)

// systemNodeGroup hosts cluster add-ons (CoreDNS, controllers) on
// on-demand capacity, next to workload groups that are tainted.
func systemNodeGroup() clusteraccount.NodeGroup {
	return clusteraccount.NodeGroup{
		Name: "system", InstanceTypes: []string{"m6i.large", "m6a.large"},
		MinSize: 2, MaxSize: 4, DesiredSize: 2,
		Labels: map[string]string{"eks-multi-account/pool": "system"},
	}
}

func builtIn() []Blueprint {
	return []Blueprint{
		{
			Name:        GeneralPurpose,
			Version:     BuiltInVersion,
			Description: "on-demand managed nodes for services",
			NodeGroups: []clusteraccount.NodeGroup{{
				Name: "general", InstanceTypes: []string{"m6i.xlarge", "m6a.xlarge"},
				MinSize: 2, MaxSize: 10, DesiredSize: 3, CapacityType: "ON_DEMAND",
				Labels: map[string]string{"eks-multi-account/pool": "general"},
			}},
		},
		{
			Name:        Batch,
			Version:     BuiltInVersion,
			Description: "spot capacity over several instance types, scaling from zero, tainted for batch jobs",
			NodeGroups: []clusteraccount.NodeGroup{
				systemNodeGroup(),
				{
					Name:          "batch",
					InstanceTypes: []string{"c6i.2xlarge", "c6a.2xlarge", "c5.2xlarge", "m6i.2xlarge", "m6a.2xlarge"},
					MinSize:       0, MaxSize: 50, DesiredSize: 0, CapacityType: "SPOT",
					Labels: map[string]string{"eks-multi-account/pool": "batch"},
					Taints: []clusteraccount.Taint{{Key: "eks-multi-account/pool", Value: "batch", Effect: "NO_SCHEDULE"}},
				},
			},
		},
		{
			Name:        AIML,
			Version:     BuiltInVersion,
			Description: "NVIDIA GPU nodes (tainted) with the device plugin, and a system node group",
			NodeGroups: []clusteraccount.NodeGroup{
				systemNodeGroup(),
				{
					Name:          "gpu",
					InstanceTypes: []string{"g5.xlarge", "g5.2xlarge", "g6.xlarge"},
					MinSize:       0, MaxSize: 8, DesiredSize: 1, CapacityType: "ON_DEMAND",
					AMIType: "AL2023_x86_64_NVIDIA", DiskSizeGiB: 200,
					Labels: map[string]string{GPULabelKey: GPULabelValue},
					Taints: []clusteraccount.Taint{{Key: GPUTaintKey, Value: "true", Effect: "NO_SCHEDULE"}},
				},
			},
			Charts: []Chart{{
				Name: "nvidia-device-plugin", Namespace: "nvidia-device-plugin",
				Chart: "nvidia-device-plugin", Version: "0.17.1", Repository: "https://nvidia.github.io/k8s-device-plugin",
				Values: map[string]any{
					"nodeSelector": map[string]any{GPULabelKey: GPULabelValue},
					"tolerations":  []any{map[string]any{"key": GPUTaintKey, "operator": "Exists", "effect": "NoSchedule"}},
				},
			}},
		},
	}
}
