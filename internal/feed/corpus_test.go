package feed

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/heraldbot/herald/internal/story"
)

// charsetFixed are the corpus files gofeed v1.4.2 alone rejects ("failed to detect feed
// type", "invalid UTF-8") only because of their encoding, and that Parse must accept.
var charsetFixed = []string{
	"feedparser/tests/encoding/bozo_bogus_encoding.xml",
	"feedparser/tests/encoding/bozo_encoding_mismatch_crash.xml",
	"feedparser/tests/encoding/bozo_linenoise.xml",
	"feedparser/tests/encoding/http_text_xml_charset_2.xml",
	"feedparser/tests/encoding/u16.xml",
	"feedparser/tests/encoding/utf-16be-autodetect.xml",
	"feedparser/tests/encoding/utf-16be-bom.xml",
	"feedparser/tests/encoding/utf-16be.xml",
	"feedparser/tests/encoding/utf-16le-autodetect.xml",
	"feedparser/tests/encoding/utf-16le-bom.xml",
	"feedparser/tests/encoding/utf-16le.xml",
	"feedparser/tests/encoding/utf-32be-autodetect.xml",
	"feedparser/tests/encoding/utf-32be-bom.xml",
	"feedparser/tests/encoding/utf-32be.xml",
	"feedparser/tests/encoding/utf-32le-autodetect.xml",
	"feedparser/tests/encoding/utf-32le-bom.xml",
	"feedparser/tests/encoding/utf-32le.xml",
	"feedparser/tests/encoding/utf16.xml",
	"feedparser/tests/encoding/utf_16.xml",
	"feedparser/tests/encoding/utf_32.xml",
	"feedparser/tests/illformed/chardet/big5.xml",
	"feedparser/tests/illformed/chardet/eucjp.xml",
	"feedparser/tests/illformed/chardet/euckr.xml",
	"feedparser/tests/illformed/chardet/gb2312.xml",
	"feedparser/tests/illformed/chardet/koi8r.xml",
	"feedparser/tests/illformed/chardet/shiftjis.xml",
	"feedparser/tests/illformed/chardet/tis620.xml",
	"feedparser/tests/illformed/chardet/windows1255.xml",
	"miniflux/internal/reader/encoding/testdata/invalid-prolog.xml",
	"miniflux/internal/reader/parser/testdata/no_encoding_ISO-8859-1.xml",
	"rss-parser/test/input/uolNoticias.rss",
}

// salvageFixed are corpus files gofeed alone rejects that Parse's salvage step repairs:
// documents cut off after their last item (most are feedparser tests missing the final ">").
var salvageFixed = []string{
	"feedjira/spec/sample_feeds/InvalidDateFormat.xml",
	"feedparser/tests/encoding/bozo_invalid-bytes-with-bom.xml",
	"feedparser/tests/entities/160.xml",
	"feedparser/tests/entities/732.xml",
	"feedparser/tests/entities/8216.xml",
	"feedparser/tests/entities/8217.xml",
	"feedparser/tests/entities/8220.xml",
	"feedparser/tests/entities/8221.xml",
	"feedparser/tests/entities/9830.xml",
	"feedparser/tests/entities/attr_amp.xml",
	"feedparser/tests/entities/hex_entity_x_lowercase.xml",
	"feedparser/tests/entities/hex_entity_x_uppercase.xml",
	"feedparser/tests/entities/query_variable_entry.xml",
	"feedparser/tests/entities/query_variable_feed.xml",
	"feedparser/tests/illformed/aaa_illformed.xml",
	"feedparser/tests/illformed/rdf_channel_empty_textinput.xml",
	"feedparser/tests/illformed/rss_item_link_corrupted_ampersands.xml",
}

// gzipFixed are bodies that are themselves gzip streams, inflated by Parse.
var gzipFixed = []string{
	"node-feedparser/test/feeds/compressed.xml",
	"node-feedparser/test/feeds/invalid-characters-gzipped.xml",
}

// corpusDir finds the shared feed corpus: $HERALD_CORPUS_DIR, else a shared/corpus directory
// found walking up from the working directory. Absent, the test skips (fails when CI=true).
func corpusDir(t testing.TB) string {
	t.Helper()
	isDir := func(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }
	if dir := os.Getenv("HERALD_CORPUS_DIR"); dir != "" && isDir(dir) {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; os.Getenv("HERALD_CORPUS_DIR") == ""; dir = filepath.Dir(dir) {
		if candidate := filepath.Join(dir, "shared", "corpus"); isDir(candidate) {
			return candidate
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("feed corpus not found: set HERALD_CORPUS_DIR or check out shared/corpus next to the repo")
	}
	t.Skip("feed corpus not found: set HERALD_CORPUS_DIR or place shared/corpus next to the repo")
	return ""
}

// corpusFiles lists the corpus data files (relative, slash-separated), skipping licence notes.
func corpusFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".txt", ".upstream", ".md":
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatalf("walk corpus: %v", err)
	}
	return files
}

// headerLine is feedparser's way of declaring the HTTP Content-Type a test feed is served with.
var headerLine = regexp.MustCompile(`(?mi)^Header:\s*Content-type:\s*(.*)$`)

func declaredContentType(body []byte) string {
	if m := headerLine.FindSubmatch(body); m != nil {
		return string(bytes.TrimSpace(m[1]))
	}
	return ""
}

// corpusOutcome is what happened to one corpus file.
type corpusOutcome struct {
	parsed, gofeedParsed bool
	class                ErrorClass
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	if len(files) < 2000 {
		t.Fatalf("found only %d corpus files in %s", len(files), dir)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	outcomes := make(map[string]corpusOutcome, len(files))
	for _, rel := range files {
		body, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		outcomes[rel] = checkCorpusFile(t, rel, body, now)
	}
	var fixed, regressed []string
	classes := map[ErrorClass]int{}
	gofeedRejected := 0
	for _, rel := range files {
		o := outcomes[rel]
		if !o.gofeedParsed {
			gofeedRejected++
		}
		switch {
		case o.parsed && !o.gofeedParsed:
			fixed = append(fixed, rel)
		case !o.parsed && o.gofeedParsed:
			regressed = append(regressed, rel)
		}
		if !o.parsed {
			classes[o.class]++
		}
	}
	rejected := classes[ClassNotFeed] + classes[ClassTooLarge]
	t.Logf("corpus: %d files; gofeed alone rejects %d, Parse rejects %d (%v); Parse accepts %d that gofeed rejects",
		len(files), gofeedRejected, rejected, classes, len(fixed))
	if len(regressed) > 0 {
		t.Errorf("Parse rejects %d files gofeed alone accepts: %v", len(regressed), regressed)
	}
	wantFixed := map[string][]string{"charset": charsetFixed, "salvage": salvageFixed, "gzip": gzipFixed}
	for reason, rels := range wantFixed {
		for _, rel := range rels {
			if o, ok := outcomes[rel]; !ok || !o.parsed || o.gofeedParsed {
				t.Errorf("%s (%s): parsed=%v gofeed-alone=%v, want only Parse to accept it", rel, reason, o.parsed, o.gofeedParsed)
			}
		}
	}
	extra := slices.DeleteFunc(slices.Clone(fixed), func(rel string) bool {
		return slices.Contains(charsetFixed, rel) || slices.Contains(salvageFixed, rel) || slices.Contains(gzipFixed, rel)
	})
	if len(extra) > 0 {
		t.Errorf("Parse newly accepts files no list explains: %q", extra)
	}
}

// checkCorpusFile parses one file with Parse and with gofeed alone, and checks the invariants:
// no panic (not even a recovered one), errors classified, normalised stories usable.
func checkCorpusFile(t *testing.T, rel string, body []byte, now time.Time) corpusOutcome {
	t.Helper()
	var o corpusOutcome
	_, gfErr := gofeed.NewParser().Parse(bytes.NewReader(body))
	o.gofeedParsed = gfErr == nil
	fd, err := Parse(body, declaredContentType(body))
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) || (fe.Class != ClassNotFeed && fe.Class != ClassTooLarge) {
			t.Errorf("%s: unclassified error %v", rel, err)
		} else if strings.Contains(err.Error(), "parser panic") {
			t.Errorf("%s: gofeed panicked: %v", rel, err)
		}
		if fe != nil {
			o.class = fe.Class
		}
		return o
	}
	o.parsed = true
	checkStories(t, rel, story.FromFeed(story.Source{FeedURL: "https://corpus.invalid/" + rel}, fd, now))
	return o
}

// checkStories asserts the normalised items are usable downstream: a well-formed ID, a title.
func checkStories(t *testing.T, rel string, stories []story.Story) {
	t.Helper()
	for i, s := range stories {
		if _, ok := story.ParseID(s.ID); !ok {
			t.Errorf("%s: item %d: malformed ID %q", rel, i, s.ID)
		}
		if strings.TrimSpace(s.Title) == "" {
			t.Errorf("%s: item %d (%s): empty title", rel, i, s.ID)
		}
	}
}

// expectLine matches feedparser expectations that compare a decoded string, which is how the
// encoding tests prove a charset was converted correctly rather than merely accepted.
var expectLine = regexp.MustCompile(`(?m)^Expect:\s+not bozo and (feed\['title'\]|entries\[0\]\['description'\]) == '(.*)'\s*$`)

// doubleEscaped expects feedparser's remapping inside text that is itself an escaped entity
// ("&amp;#146;"): that is HTML sanitising, not decoding, and Herald leaves it alone.
const doubleEscaped = "feedparser/tests/encoding/demoronize-3.xml"

func TestCorpusDecodedText(t *testing.T) {
	dir := corpusDir(t)
	checked := 0
	for _, rel := range corpusFiles(t, dir) {
		if !strings.HasPrefix(rel, "feedparser/tests/encoding/") || rel == doubleEscaped {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := toUTF8(body, "")
		m := expectLine.FindSubmatch(text)
		if m == nil {
			continue
		}
		checked++
		t.Run(rel, func(t *testing.T) {
			fd, err := Parse(body, declaredContentType(body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got string
			if string(m[1]) == "feed['title']" {
				got = fd.Title
			} else if len(fd.Items) > 0 {
				got = fd.Items[0].Description
			}
			if want := pythonString(t, string(m[2])); got != want {
				t.Errorf("%s = %q, want %q", m[1], got, want)
			}
		})
	}
	if checked < 5 {
		t.Fatalf("checked only %d expectations", checked)
	}
}

// pythonString decodes the body of a Python string literal: \xNN and \uNNNN name code points.
func pythonString(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		width := map[byte]int{'x': 2, 'u': 4}[s[i+1]]
		if width == 0 || i+2+width > len(s) {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		v, err := strconv.ParseUint(s[i+2:i+2+width], 16, 32)
		if err != nil {
			t.Fatalf("bad escape in %q: %v", s, err)
		}
		b.WriteRune(rune(v))
		i += 1 + width
	}
	return b.String()
}
