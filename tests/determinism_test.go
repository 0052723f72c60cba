package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTwoRunsRegisterTheSameResources runs each stack file twice: the same
// resources, with the same names, inputs and outputs, in the same order of
// names.
func TestTwoRunsRegisterTheSameResources(t *testing.T) {
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			first := runStackFile(t, path, stacksProgram)
			second := runStackFile(t, path, stacksProgram)
			require.Equal(t, len(first.resources), len(second.resources))
			for i := range first.resources {
				a, b := first.resources[i], second.resources[i]
				require.Equal(t, a.URN, b.URN, "resource %d", i)
				assert.Equal(t, a.Inputs, b.Inputs, a.URN)
				assert.Equal(t, a.Outputs, b.Outputs, a.URN)
				assert.Equal(t, a.Placement, b.Placement, a.URN)
			}
		})
	}
}
