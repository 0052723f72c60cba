//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/stackfile"
	"github.com/eks-multi-account/eks-multi-account/stacks/config"
)

// TestStackFilesReadAsThePulumiCLIReadsThem checks the planner's and the
// tests' reading of stack files against the real Pulumi CLI: for every
// shipped stack file, each eks-multi-account key has the value the CLI
// would hand the program.
func TestStackFilesReadAsThePulumiCLIReadsThem(t *testing.T) {
	pulumi := filepath.Join(env(t, "EKS_MA_E2E_PULUMI_ROOT"), "bin", "pulumi")
	files, err := filepath.Glob("../examples/*/Pulumi.*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			ours, err := stackfile.Load(file)
			require.NoError(t, err)

			dir := t.TempDir()
			for _, f := range []string{filepath.Join(filepath.Dir(file), "Pulumi.yaml"), file} {
				data, err := os.ReadFile(f)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644))
			}
			run := func(args ...string) []byte {
				cmd := exec.Command(pulumi, args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "PULUMI_HOME="+filepath.Join(dir, ".pulumi"), "PULUMI_CONFIG_PASSPHRASE=e2e", "PULUMI_SKIP_UPDATE_CHECK=true")
				var stderr strings.Builder
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				require.NoError(t, err, "pulumi %s: %s", strings.Join(args, " "), stderr.String())
				return out
			}
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "state"), 0o755))
			run("login", "file://"+filepath.Join(dir, "state"))
			run("stack", "select", "--create", "--non-interactive", ours.Name)
			var theirs map[string]struct {
				Value string `json:"value"`
			}
			require.NoError(t, json.Unmarshal(run("config", "--json"), &theirs))

			count := 0
			for key, v := range theirs {
				if !strings.HasPrefix(key, config.Namespace+":") {
					continue
				}
				count++
				got, ok := ours.Config[key]
				require.True(t, ok, "%s is missing", key)
				var a, b any
				if json.Unmarshal([]byte(v.Value), &a) == nil && json.Unmarshal([]byte(got), &b) == nil {
					assert.Equal(t, a, b, key)
				} else {
					assert.Equal(t, v.Value, got, key)
				}
			}
			assert.Equal(t, count, len(ours.Config), "the same keys")
			assert.Positive(t, count)
		})
	}
}
