package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
)

// TestChartsComeFromWhereTheStackFileSays: with charts sources, every Helm
// release of a de-centralized stack installs its chart from the local path
// or mirror given, unawaited when asked; without, from the public
// repositories, awaited.
func TestChartsComeFromWhereTheStackFileSays(t *testing.T) {
	base := decentralizedBase
	r, err := runYAML(t, base)
	require.NoError(t, err)
	releases := r.ofType("kubernetes:helm.sh/v3:Release")
	require.Len(t, releases, 2, "flux on ml's cluster and its ai-ml blueprint's device plugin")
	for _, rel := range releases {
		assert.Contains(t, testkit.Input(rel, "repositoryOpts", "repo"), "https://", rel.Name)
		assert.False(t, rel.Inputs.HasValue("skipAwait"), rel.Name)
	}

	r, err = runYAML(t, base+`  eks-multi-account:charts:
    sources:
      flux2: {path: /srv/charts/flux2}
      nvidia-device-plugin: {repository: oci://registry.example.com/charts}
    skipAwait: true
`)
	require.NoError(t, err)
	got := map[string]string{}
	for _, rel := range r.ofType("kubernetes:helm.sh/v3:Release") {
		got[rel.Name] = testkit.Input(rel, "chart")
		assert.False(t, rel.Inputs.HasValue("repositoryOpts"), rel.Name)
		assert.Equal(t, true, testkit.Value(rel, "skipAwait"), rel.Name)
	}
	assert.Equal(t, map[string]string{
		"ml-flux":                 "/srv/charts/flux2",
		"ml-nvidia-device-plugin": "oci://registry.example.com/charts/nvidia-device-plugin",
	}, got)
}
