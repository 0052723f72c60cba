package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/internal/testinfra/testkit"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// TestPreviewOfEveryStackFile runs each stack as `pulumi preview` would,
// with everything AWS computes unknown: nothing may fail on an unknown.
func TestPreviewOfEveryStackFile(t *testing.T) {
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			t.Setenv("PULUMI_DRY_RUN", "true")
			s, err := stackfile.Load(path)
			require.NoError(t, err)
			cfg, err := config.Load(config.FromMap(s.Config))
			require.NoError(t, err)
			e := testkit.Established(mockengine.NewPreview(s.Project, s.Name))
			guardEveryAccount(e, cfg)
			require.NoError(t, e.Run(stacksProgram, s.Config))
			full := runStackFile(t, path, stacksProgram)
			assert.Len(t, e.Resources(), len(full.resources), "a preview registers every resource an update does")
		})
	}
}
