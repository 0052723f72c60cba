package sdkgen_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/plugin/sdkgen"
)

func TestTheCommittedSDKsAreWhatTheSchemaGenerates(t *testing.T) {
	spec, err := os.ReadFile("../../../cmd/pulumi-resource-eks-multi-account/schema.json")
	require.NoError(t, err)
	files, err := sdkgen.Generate(spec)
	require.NoError(t, err)
	for _, lang := range sdkgen.Languages {
		found := false
		for name := range files {
			found = found || len(name) > len(lang) && name[:len(lang)+1] == lang+"/"
		}
		assert.True(t, found, "the %s SDK is generated", lang)
	}
	stale, err := sdkgen.Stale("../../../sdk", files)
	require.NoError(t, err)
	assert.Empty(t, stale, "the SDKs are stale: go generate ./cmd/pulumi-resource-eks-multi-account")
}
