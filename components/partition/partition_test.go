package partition

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPartitionsAndSuffixes(t *testing.T) {
	for region, want := range map[string][2]string{
		"us-east-1":      {"aws", "amazonaws.com"},
		"eu-central-1":   {"aws", "amazonaws.com"},
		"cn-north-1":     {"aws-cn", "amazonaws.com.cn"},
		"us-gov-west-1":  {"aws-us-gov", "amazonaws.com"},
		"us-iso-east-1":  {"aws-iso", "c2s.ic.gov"},
		"us-isob-east-1": {"aws-iso-b", "sc2s.sgov.gov"},
	} {
		assert.Equal(t, want[0], Of(region), region)
		assert.Equal(t, want[1], DNSSuffix(region), region)
	}
}
