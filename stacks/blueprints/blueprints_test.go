package blueprints

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/clusteraccount"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

func intp(n int) *int { return &n }

func TestOverridesChangeOnlyWhatTheySet(t *testing.T) {
	bp, ok := NewRegistry().Get(AIML)
	require.True(t, ok)
	got := bp.WithOverrides([]config.NodeGroupOverride{
		{Name: "gpu", MaxSize: intp(16), InstanceTypes: []string{"p5.48xlarge"}, Labels: map[string]string{"team": "ml"}},
		{Name: "cpu", InstanceTypes: []string{"c7i.4xlarge"}, MinSize: intp(0), MaxSize: intp(4), DesiredSize: intp(1)},
	})
	require.Len(t, got, 3)
	gpu := got[1]
	assert.Equal(t, "gpu", gpu.Name)
	assert.Equal(t, 16, gpu.MaxSize)
	assert.Equal(t, []string{"p5.48xlarge"}, gpu.InstanceTypes)
	assert.Equal(t, "AL2023_x86_64_NVIDIA", gpu.AMIType, "kept from the blueprint")
	assert.Equal(t, 0, gpu.MinSize, "kept from the blueprint")
	assert.Equal(t, []clusteraccount.Taint{{Key: GPUTaintKey, Value: "true", Effect: "NO_SCHEDULE"}}, gpu.Taints)
	assert.Equal(t, map[string]string{GPULabelKey: GPULabelValue, "team": "ml"}, gpu.Labels)
	assert.Equal(t, clusteraccount.NodeGroup{Name: "cpu", InstanceTypes: []string{"c7i.4xlarge"}, MaxSize: 4, DesiredSize: 1}, got[2])

	again, _ := NewRegistry().Get(AIML)
	assert.Equal(t, 8, again.NodeGroups[1].MaxSize, "overrides never change the blueprint")
	assert.Equal(t, map[string]string{GPULabelKey: GPULabelValue}, bp.NodeGroups[1].Labels)
}

func TestBuiltInBlueprintsMatchTheirSpecification(t *testing.T) {
	r := NewRegistry()
	assert.Equal(t, []string{AIML, Batch, GeneralPurpose}, r.Names())

	gp, _ := r.Get(GeneralPurpose)
	for _, ng := range gp.NodeGroups {
		assert.Equal(t, "ON_DEMAND", ng.CapacityType)
		assert.Empty(t, ng.Taints)
	}
	batch, _ := r.Get(Batch)
	spot := batch.NodeGroups[1]
	assert.Equal(t, "SPOT", spot.CapacityType)
	assert.GreaterOrEqual(t, len(spot.InstanceTypes), 3)
	assert.Equal(t, 0, spot.MinSize)
	assert.Equal(t, "NO_SCHEDULE", spot.Taints[0].Effect)
	aiml, _ := r.Get(AIML)
	assert.Equal(t, "system", aiml.NodeGroups[0].Name)
	assert.Equal(t, "AL2023_x86_64_NVIDIA", aiml.NodeGroups[1].AMIType)
	require.Len(t, aiml.Charts, 1)
	assert.Equal(t, "nvidia-device-plugin", aiml.Charts[0].Chart)
}

func TestRegisterValidatesAndExtends(t *testing.T) {
	r := NewRegistry()
	assert.EqualError(t, r.Register(Blueprint{Name: "Quantum"}), `blueprint name "Quantum" is not a DNS-1123 label`)
	assert.EqualError(t, r.Register(Blueprint{Name: "quantum"}), `blueprint "quantum" has no version`)
	assert.EqualError(t, r.Register(Blueprint{Name: "quantum", Version: "1"}), `blueprint "quantum" has no node groups`)
	require.NoError(t, r.Register(Blueprint{Name: "arm", Version: "1.0.0", NodeGroups: []clusteraccount.NodeGroup{{Name: "graviton", AMIType: "AL2023_ARM_64_STANDARD"}}}))
	_, ok := r.Get("arm")
	assert.True(t, ok)
}
