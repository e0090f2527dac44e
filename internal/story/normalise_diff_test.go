package story

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/mmcdole/gofeed"
)

// diffSources are the sources each feed is normalised under: the site link resolves
// against a feed URL with a path, and a configured name skips the feed title.
var diffSources = []Source{
	{FeedURL: "https://example.com/feeds/news.xml"},
	{FeedURL: "http://EXAMPLE.com:80/a/b/../feed?x=1", Name: "Configured"},
	{FeedURL: "not a url"},
}

func checkFromFeedAgainstReference(t *testing.T, where string, fd *gofeed.Feed) {
	t.Helper()
	for _, src := range diffSources {
		got, want := FromFeed(src, fd, testNow), refFromFeed(src, fd, testNow)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (feed URL %q): FromFeed differs from the reference (-reference +got):\n%s", where, src.FeedURL, diff)
		}
	}
}

// TestFromFeedCorpusMatchesReference normalises every corpus feed gofeed parses with both
// implementations: the optimisations must not change a single field.
func TestFromFeedCorpusMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus differential test skipped in -short mode")
	}
	root := corpusDir(t)
	feeds := 0
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
			return nil
		}
		feeds++
		rel, _ := filepath.Rel(root, path)
		checkFromFeedAgainstReference(t, rel, fd)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if feeds < 1000 {
		t.Errorf("only %d feeds compared: corpus incomplete?", feeds)
	}
}

// TestFromFeedLinksMatchReference covers the link shapes the resolution fast path must
// tell apart from the ones it leaves to net/url.
func TestFromFeedLinksMatchReference(t *testing.T) {
	links := []string{
		"https://example.com/a/b", "HTTPS://Example.COM:443/a?utm_source=x&id=1#frag",
		"/relative/path", "relative/path", "../up/one", "./here", "?q=1", "#frag", "",
		"https://example.com/a/./b", "https://example.com/a/../b", "https://example.com/a/..",
		"https://example.com/.", "https://example.com/a/%2E%2E/b", "https://example.com/a%2Fb/c",
		"https://example.com/a b", "https://example.com/caf%C3%A9", "https://example.com/café",
		"//cdn.example.com/x.jpg", "//cdn.example.com/../x.jpg", "https://user:pw@example.com/p",
		"https://example.com", "https://example.com?x", "http://[::1]:80/v6", "http://host:/p",
		"https:opaque", "mailto:a@example.com", "javascript:alert(1)", "ftp://example.com/f",
		"https://example.com/a//b/", "https://example.com/%zz", "https://exa mple.com/",
		"https://example.com/a/.b/..c/...", "https://EXAMPLE.com/A/./B?utm_medium=y",
	}
	for _, link := range links {
		t.Run(link, func(t *testing.T) {
			fd := &gofeed.Feed{Link: "https://site.example.com/news/", Items: []*gofeed.Item{
				{Title: "t", Link: link, GUID: link, Image: &gofeed.Image{URL: link}},
				{Title: "t", Links: []string{link}},
			}}
			checkFromFeedAgainstReference(t, link, fd)
		})
	}
}

// TestFromFeedDuplicateKeysMatchReference repeats GUIDs, links and titles so every branch
// of uniqueKey runs.
func TestFromFeedDuplicateKeysMatchReference(t *testing.T) {
	var items []*gofeed.Item
	for i := range 12 {
		items = append(items, &gofeed.Item{
			GUID:  "same",
			Link:  []string{"https://example.com/a", "https://example.com/b"}[i%2],
			Title: []string{"x", "y", "z"}[i%3],
		}, &gofeed.Item{Title: "same"}, nil)
	}
	checkFromFeedAgainstReference(t, "duplicates", &gofeed.Feed{Items: items})
}

func FuzzFromFeedReference(f *testing.F) {
	f.Add("Ceasefire <b>holds</b>", "<p>Leaders &amp;amp; met</p>", "/a/../b?utm_source=x#f", "g", "World")
	f.Add("&lt;b&gt;x&lt;/b&gt;", "&amp;lt;i&amp;gt;", "javascript:alert(1)", "", "")
	f.Add("", "", "", "", "")
	f.Add("\xff\xfe", strings.Repeat("long words ", 80), "HTTPS://X.COM:443/./a", "g", "W\u200bORLD")
	f.Add("t", "s", "//h/%2E%2E/x", "", "a\x00b")
	f.Fuzz(func(t *testing.T, title, summary, link, guid, category string) {
		item := func() *gofeed.Item {
			return &gofeed.Item{Title: title, Description: summary, Link: link, GUID: guid,
				Categories: []string{category, title, strings.ToUpper(category)}, Image: &gofeed.Image{URL: link}}
		}
		fd := &gofeed.Feed{Title: title, Link: link, Items: []*gofeed.Item{
			item(), item(), {Title: title, Content: summary, Links: []string{link}}, item(),
		}}
		checkFromFeedAgainstReference(t, "fuzz", fd)
	})
}

// TestIsSpaceRuneMatchesDefinition checks the table shortcuts of isSpaceRune against its
// definition for every rune, so a Unicode upgrade that adds a space cannot slip past them.
func TestIsSpaceRuneMatchesDefinition(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' || r == utf8.RuneError
		if got := isSpaceRune(r); got != want {
			t.Errorf("isSpaceRune(%U) = %v, want %v", r, got, want)
		}
	}
}

// TestIsWhiteMatchesIsSpace checks isWhite's shortcut against unicode.IsSpace for every rune.
func TestIsWhiteMatchesIsSpace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := isWhite(r), unicode.IsSpace(r); got != want {
			t.Errorf("isWhite(%U) = %v, want %v", r, got, want)
		}
	}
}

func FuzzTruncateReference(f *testing.F) {
	f.Add("the quick brown fox jumps", 18)
	f.Add("ééééééééé", 5)
	f.Add("a, b", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 1000
		if got, want := Truncate(s, max), refTruncate(s, max); got != want {
			t.Errorf("Truncate(%q, %d) = %q, reference %q", s, max, got, want)
		}
	})
}
