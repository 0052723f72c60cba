package tests

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docPages is every page of the documentation: the README, docs/ and the
// examples' READMEs, as paths from the repository's root.
func docPages(t *testing.T) []string {
	t.Helper()
	pages := []string{"README.md"}
	for _, pattern := range []string{"docs/*.md", "examples/*/README.md"} {
		found, err := filepath.Glob(filepath.Join("..", pattern))
		require.NoError(t, err)
		for _, f := range found {
			pages = append(pages, strings.TrimPrefix(filepath.ToSlash(f), "../"))
		}
	}
	return pages
}

// readPage reads a page by its path from the repository's root.
func readPage(t *testing.T, page string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(page)))
	require.NoError(t, err)
	return string(text)
}

var (
	fencedBlock  = regexp.MustCompile("(?ms)^```.*?^```")
	inlineCode   = regexp.MustCompile("`[^`\n]*`")
	markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading      = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	notInSlug    = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// anchors are the fragments of a page's headings as GitHub renders them:
// lower case, punctuation dropped, each space a hyphen, a repeated heading
// suffixed -1, -2 and so on.
func anchors(text string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(fencedBlock.ReplaceAllString(text, ""), -1) {
		slug := strings.ReplaceAll(notInSlug.ReplaceAllString(strings.ToLower(strings.TrimSpace(m[1])), ""), " ", "-")
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// relativeLinks are the link targets of a page's prose (code blocks and
// inline code left out) that are not absolute URLs.
func relativeLinks(text string) []string {
	var out []string
	for _, m := range markdownLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(fencedBlock.ReplaceAllString(text, ""), ""), -1) {
		if target := m[1]; !strings.Contains(target, "://") && !strings.HasPrefix(target, "mailto:") {
			out = append(out, target)
		}
	}
	return out
}

// TestDocsLinksResolve holds that every relative link of the documentation
// names a file or folder of the repository and, with a fragment, a heading
// of that page.
func TestDocsLinksResolve(t *testing.T) {
	checked := 0
	for _, page := range docPages(t) {
		for _, link := range relativeLinks(readPage(t, page)) {
			checked++
			file, fragment, _ := strings.Cut(link, "#")
			target := page
			if file != "" {
				target = path.Join(path.Dir(page), file)
				if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(target))); err != nil {
					t.Errorf("%s: link %q: %s does not exist", page, link, target)
					continue
				}
			}
			if fragment != "" && !anchors(readPage(t, target))[fragment] {
				t.Errorf("%s: link %q: %s has no heading #%s", page, link, target, fragment)
			}
		}
	}
	assert.Greater(t, checked, 20, "the documentation's relative links")
}

// Links and anchors are read as GitHub renders them: a link written in
// code is no link, and a repeated heading gets a numbered anchor.
func TestDocsLinksAndAnchorsAreReadAsGitHubRendersThem(t *testing.T) {
	text := "# The stacks: `pulumi up` here\n## Checks\n## Checks\nsee [a](docs/plan.md#checks) and `[b](nowhere.md)`\n```\n[c](fenced.md)\n```\n"
	assert.Equal(t, []string{"docs/plan.md#checks"}, relativeLinks(text))
	assert.Equal(t, map[string]bool{"the-stacks-pulumi-up-here": true, "checks": true, "checks-1": true}, anchors(text))
}
