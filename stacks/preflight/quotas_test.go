package preflight

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each instance type counts against its EC2 group's vCPU quota, on demand
// or on spot.
func TestAnInstanceTypeCountsAgainstItsGroupsQuota(t *testing.T) {
	for instanceType, codes := range map[string][2]string{
		"m6i.large":    {"L-1216C47A", "L-34B43A08"},
		"c6a.2xlarge":  {"L-1216C47A", "L-34B43A08"},
		"im4gn.large":  {"L-1216C47A", "L-34B43A08"},
		"g5.2xlarge":   {"L-DB2E81BA", "L-3819A6DF"},
		"vt1.3xlarge":  {"L-DB2E81BA", "L-3819A6DF"},
		"p5.48xlarge":  {"L-417A185B", "L-7212CCBC"},
		"inf2.xlarge":  {"L-1945791B", "L-B5D1601B"},
		"trn1.2xlarge": {"L-2C3B7624", "L-6B0D517C"},
		"dl1.24xlarge": {"L-6E869C2A", "L-85EED4F7"},
		"f1.2xlarge":   {"L-74FC7D96", "L-88CF9481"},
		"x2iedn.large": {"L-7295265B", "L-E3A00192"},
	} {
		onDemand, err := vCPUQuota(instanceType, false)
		require.NoError(t, err, instanceType)
		spot, err := vCPUQuota(instanceType, true)
		require.NoError(t, err, instanceType)
		assert.Equal(t, codes, [2]string{onDemand.Code, spot.Code}, instanceType)
		assert.Equal(t, "vCPUs", onDemand.Unit)
	}
	q, err := vCPUQuota("u-6tb1.metal", false)
	require.NoError(t, err)
	assert.Equal(t, "L-43DA4232", q.Code)
	_, err = vCPUQuota("hpc7g.4xlarge", true)
	assert.ErrorContains(t, err, "has no spot capacity")
	_, err = vCPUQuota("9x.large", false)
	assert.ErrorContains(t, err, "is in none of EC2's vCPU quota groups")
}
