package testinfra

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/eks-multi-account/eks-multi-account"

// shipped are the roots of everything a user runs: the root program, every
// command (the provider binary included, once it exists), the components,
// the stacks and the examples.
var shipped = []string{".", "./cmd/...", "./components/...", "./stacks/...", "./examples/..."}

// goList runs go list at the module's root and returns its output's fields.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, exit.Stderr)
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// testInfraImports maps each package under internal/testinfra that the
// packages the patterns name load (themselves or through what they import,
// tests excluded, as a build of them sees it) to a package that imports it.
func testInfraImports(t *testing.T, patterns ...string) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, line := range goList(t, append([]string{"-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}, patterns...)...) {
		fields := strings.Fields(line)
		for _, imported := range fields[1:] {
			if imported == module+"/internal/testinfra" || strings.HasPrefix(imported, module+"/internal/testinfra/") {
				found[imported] = fields[0]
			}
		}
	}
	return found
}

func TestNothingShippedLoadsTestInfrastructure(t *testing.T) {
	roots := goList(t, shipped...)
	for _, want := range []string{module, module + "/cmd/plan", module + "/cmd/vend", module + "/components/clusteraccount", module + "/stacks", module + "/examples/centralized"} {
		require.Contains(t, roots, want, "a root the rule covers")
	}
	for _, pkg := range roots {
		require.False(t, strings.HasPrefix(pkg, module+"/internal/testinfra"), "%s is test infrastructure among the shipped roots", pkg)
	}
	for imported, by := range testInfraImports(t, shipped...) {
		t.Errorf("%s imports %s: nothing a user runs may load test infrastructure", by, imported)
	}
}

// The detector finds what it looks for: the stand-in world's driver loads
// the world.
func TestTheGuardSeesAnImportOfTestInfrastructure(t *testing.T) {
	found := testInfraImports(t, "./internal/testinfra/standin/cmd/drive")
	assert.Contains(t, found, module+"/internal/testinfra/standin/world")
	assert.Equal(t, module+"/internal/testinfra/standin/cmd/drive", found[module+"/internal/testinfra/standin/drive"])
}
