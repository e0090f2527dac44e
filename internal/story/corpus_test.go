package story

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// corpusDir finds the shared feed corpus: $HERALD_CORPUS_DIR, else a shared/corpus directory
// found walking up from the working directory. Absent, the test skips (fails when CI=true).
func corpusDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("HERALD_CORPUS_DIR"); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("feed corpus not found: set HERALD_CORPUS_DIR or check out shared/corpus next to the repo")
	}
	t.Skip("feed corpus not found: set HERALD_CORPUS_DIR or check out shared/corpus next to the repo")
	return ""
}

// TestCorpusInvariants normalises every corpus feed gofeed can parse and checks what every
// later stage relies on: IDs are 16 hex digits and unique within a feed, text is plain,
// valid UTF-8 and within its caps, links are absolute http(s).
func TestCorpusInvariants(t *testing.T) {
	root := corpusDir(t)
	parsed, items := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isFeedFile(path) {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fd, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			return nil // charset conversion is the fetcher's job; see internal/feed
		}
		parsed++
		rel, _ := filepath.Rel(root, path)
		ids := map[string]bool{}
		for _, s := range FromFeed(Source{FeedURL: "https://example.com/feed"}, fd, testNow) {
			items++
			for _, p := range storyProblems(s) {
				t.Errorf("%s: %s", rel, p)
			}
			if ids[s.ID] {
				t.Errorf("%s: duplicate ID %s (title %q)", rel, s.ID, s.Title)
			}
			ids[s.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if parsed < 1000 || items < 2000 {
		t.Errorf("only %d feeds / %d items normalised: corpus incomplete?", parsed, items)
	}
	t.Logf("normalised %d items of %d feeds", items, parsed)
}

func isFeedFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xml", ".rss", ".atom", ".rdf", ".json", ".feed":
		return !strings.HasSuffix(filepath.Dir(path), "output")
	}
	return false
}
