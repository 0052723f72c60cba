package tests

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/internal/check"
	"github.com/eks-multi-account/eks-multi-account/internal/plan"
	"github.com/eks-multi-account/eks-multi-account/internal/render"
)

// The golden plans: the plan JSON of every shipped stack file and of the
// generated estates, committed under testdata/golden. A change to what the
// stacks register, to any name, input, dependency or finding, shows as a
// difference; an optimisation must leave them byte for byte as they are.
//
//	go test ./tests/ -run Golden -update   # after a change that means to alter the plans

var update = flag.Bool("update", false, "rewrite the golden plans")

// goldenDay is the date the golden plans' findings are judged by.
var goldenDay = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// goldenPlans returns every plan the golden files hold, by file name.
func goldenPlans(t *testing.T) map[string]*plan.Document {
	t.Helper()
	docs := map[string]*plan.Document{}
	for _, path := range stackFiles(t) {
		name := strings.TrimPrefix(filepath.ToSlash(path), "../examples/")
		docs[strings.ReplaceAll(strings.TrimSuffix(name, ".yaml"), "/", "-")+".json"] = planStackFile(t, path)
	}
	docs["generated-centralized-3x60.json"] = planOf(t, "eks-multi-account", "large", largeCentralized(3, 60, true))
	docs["generated-decentralized-20.json"] = planOf(t, "eks-multi-account", "large", largeDecentralized(20))
	docs["generated-organization.json"] = planOf(t, "eks-multi-account", "org", largeOrganization())
	return docs
}

func TestGoldenPlans(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	docs := goldenPlans(t)
	if *update {
		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			doc.Findings = check.Run(doc, goldenDay)
			var got bytes.Buffer
			require.NoError(t, render.JSON(&got, doc))
			path := filepath.Join(dir, name)
			if *update {
				require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "no golden plan: run go test ./tests/ -run Golden -update")
			if !bytes.Equal(want, got.Bytes()) {
				t.Errorf("the plan differs from %s (%d bytes, now %d): %s", path, len(want), got.Len(), firstDifference(want, got.Bytes()))
			}
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, len(docs), "a golden plan for every plan, and no other")
}

// firstDifference shows the line where two texts first differ.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) && i < len(g); i++ {
		if w[i] != g[i] {
			return fmt.Sprintf("line %d: want %s, got %s", i+1, strings.TrimSpace(w[i]), strings.TrimSpace(g[i]))
		}
	}
	return "one is a prefix of the other"
}
