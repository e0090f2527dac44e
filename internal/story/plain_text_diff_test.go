package story

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

// diffCaps are the caps FromFeed truncates to, plus the edges of truncatedText.
var diffCaps = []int{0, 1, 2, 3, maxCategoryRunes, untitledWords, MaxTitleRunes, MaxSummaryRunes}

// checkAgainstReference compares PlainText and truncatedText with the reference
// implementation on one input.
func checkAgainstReference(t *testing.T, where, in string) {
	t.Helper()
	want := refPlainText(in)
	if got := PlainText(in); got != want {
		i := firstDiff(got, want)
		t.Errorf("%s: PlainText(%.80q) differs from the reference at byte %d: %q vs %q",
			where, in, i, got[i:min(len(got), i+40)], want[i:min(len(want), i+40)])
		return
	}
	for _, max := range diffCaps {
		if got, want := truncatedText(in, max), refTruncate(want, max); got != want {
			t.Errorf("%s: truncatedText(%.80q, %d) = %q, reference %q", where, in, max, got, want)
		}
		// plainText's own contract: whole words of the full text, at least limit runes of it.
		got := plainText(in, max)
		whole := strings.HasPrefix(want, got) && (got == "" || len(got) == len(want) || want[len(got)] == ' ')
		if !whole || (got != want && utf8.RuneCountInString(got) < max) {
			t.Errorf("%s: plainText(%.80q, %d) = %q, not a whole-word prefix of %q with %d runes",
				where, in, max, got, want, max)
		}
	}
}

// firstDiff returns the first byte offset at which a and b differ.
func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func TestPlainTextMatchesReference(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"clean", "Hello world"},
		{"leading and trailing space", "  Hello world \t"},
		{"double space", "Hello  world"},
		{"tab separator", "Hello\tworld"},
		{"newline separator", "Hello\nworld"},
		{"only space", " \n\t\u00a0 "},
		{"unicode spaces", "a\u2003b\u3000c\u0085d\u2028e"},
		{"format characters", "\ufeffa\u200bb\u200b"},
		{"replacement character", "a\ufffdb"},
		{"invalid utf-8", "caf\xe9 \xff\xfe ok"},
		{"controls", "a\x00b\x7fc\u0080d\u009fe"},
		{"long word over the cap", strings.Repeat("x", 700) + " tail"},
		{"long clean text", strings.Repeat("word ", 400) + "end"},
		{"long text with runs of space", strings.Repeat("word  \n ", 400)},
		{"multibyte", strings.Repeat("日本語 ", 300)},
		{"html", "<p>Hello <b>bold</b> world</p>" + strings.Repeat(" more text", 100)},
		{"double escaped", "&amp;lt;b&amp;gt;Hi&amp;lt;/b&amp;gt;"},
		{"adversarial", "&amp;amp;lt;&amp;amp;lt;b&amp;amp;gt;x"},
		{"invalid byte joins words", "ab\xffcd ef"},
		{"invalid byte ends a word", strings.Repeat("w ", 300) + "ab\xff cd"},
		{"invalid byte after the cap", strings.Repeat("word ", 700) + "x\xffy"},
		{"invalid byte right at the cap", strings.Repeat("a ", 300) + "b\xffc" + strings.Repeat(" d", 300)},
		{"invalid byte in markup", "<p>ab\xffcd</p>"},
		{"truncated multibyte rune", "caf\xc3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkAgainstReference(t, tc.name, tc.in)
		})
	}
}

// TestPlainTextCorpusMatchesReference runs every text field of every corpus feed gofeed
// parses through both implementations.
func TestPlainTextCorpusMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus differential test skipped in -short mode")
	}
	root := corpusDir(t)
	fields := 0
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
		rel, _ := filepath.Rel(root, path)
		for _, in := range feedTexts(fd) {
			fields++
			checkAgainstReference(t, rel, in)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fields < 10000 {
		t.Errorf("only %d text fields compared: corpus incomplete?", fields)
	}
	t.Logf("compared %d text fields", fields)
}

// feedTexts lists the fields FromFeed turns into plain text.
func feedTexts(fd *gofeed.Feed) []string {
	out := []string{fd.Title}
	for _, it := range fd.Items {
		if it == nil {
			continue
		}
		out = append(out, it.Title, it.Description, it.Content)
		out = append(out, it.Categories...)
	}
	return out
}

func FuzzPlainTextReference(f *testing.F) {
	f.Add("Ceasefire <b>holds</b>")
	f.Add("<p>Leaders &amp;amp; met</p><script>x</script>")
	f.Add("  a \n\t b\u00a0\u00a0c\u200b d ")
	f.Add("\xff\xfe a\x00b")
	f.Add(strings.Repeat("long words ", 80))
	f.Fuzz(func(t *testing.T, in string) {
		checkAgainstReference(t, "fuzz", in)
	})
}

// TestCollapseSpaceNoCopy pins the fast path: text that is already one clean line comes back
// as is, without an allocation, since that is most titles and categories.
func TestCollapseSpaceNoCopy(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
	}{
		{"clean", "Ceasefire holds in the north", -1},
		{"clean under limit", "Ceasefire holds", 65},
		{"clean multibyte", "Перемирие соблюдается", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			allocs := testing.AllocsPerRun(100, func() { got, _ = collapseSpace(tc.in, tc.limit) })
			if got != tc.in || allocs != 0 {
				t.Errorf("collapseSpace(%q) = %q with %v allocs, want it unchanged with 0", tc.in, got, allocs)
			}
		})
	}
}
