package story

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestCanonicalURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower-case scheme and host", "HTTPS://News.Example.COM/Path/A", "https://news.example.com/Path/A"},
		{"default https port", "https://example.com:443/a", "https://example.com/a"},
		{"default http port", "http://example.com:80/a", "http://example.com/a"},
		{"non-default port kept", "https://example.com:8443/a", "https://example.com:8443/a"},
		{"http port 443 kept", "http://example.com:443/a", "http://example.com:443/a"},
		{"fragment dropped", "https://example.com/a#comments", "https://example.com/a"},
		{"utm params dropped", "https://example.com/a?utm_source=x&UTM_Medium=y&utm_campaign=z", "https://example.com/a"},
		{"click ids dropped", "https://example.com/a?fbclid=1&gclid=2&mc_eid=3&igshid=4", "https://example.com/a"},
		{"other params keep order", "https://example.com/a?z=1&utm_source=x&a=2&id=%2F", "https://example.com/a?z=1&a=2&id=%2F"},
		{"empty query dropped", "https://example.com/a?", "https://example.com/a"},
		{"empty path becomes slash", "https://example.com", "https://example.com/"},
		{"whitespace trimmed", "  https://example.com/a  ", "https://example.com/a"},
		{"unparseable", "http://[::1", ""},
		{"relative stays relative", "/a/b?utm_term=q&x=1#f", "/a/b?x=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanonicalURL(tc.in); got != tc.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Hello world", "Hello world"},
		{"tags stripped", "<p>Hello <b>bold</b> world</p>", "Hello bold world"},
		{"block elements separate words", "one<br>two<p>three</p>four", "one two three four"},
		{"script and style dropped", "a<script>var x = '<b>';</script>b<style>p{color:red}</style>c", "abc"},
		{"entities decoded", "Tom &amp; Jerry &mdash; &#8220;cats&#8221;", "Tom & Jerry — “cats”"},
		{"double-escaped ampersand", "Tom &amp;amp; Jerry", "Tom & Jerry"},
		{"escaped markup removed", "&lt;p&gt;Hello &lt;i&gt;there&lt;/i&gt;&lt;/p&gt;", "Hello there"},
		{"double-escaped markup removed", "&amp;lt;b&amp;gt;Hi&amp;lt;/b&amp;gt;", "Hi"},
		{"whitespace collapsed", "  a \n\t b\u00a0\u00a0c\u200b d ", "a b c d"},
		{"nbsp entity", "a&nbsp;&nbsp;b", "a b"},
		{"control characters", "a\x00b\x07c", "a b c"},
		{"invalid utf-8 dropped", "caf\xe9 ok", "caf ok"},
		{"less-than in prose kept", "3 < 4 and 5 > 2", "3 < 4 and 5 > 2"},
		{"ampersand in prose kept", "AT&T and R&D", "AT&T and R&D"},
		{"comment dropped", "a<!-- hidden -->b", "ab"},
		{"empty", "", ""},
		{"only tags", "<div><br/></div>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlainText(tc.in); got != tc.want {
				t.Errorf("PlainText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short kept", "hello world", 20, "hello world"},
		{"exact kept", "hello", 5, "hello"},
		{"cut at word boundary", "the quick brown fox jumps", 18, "the quick brown…"},
		{"trailing punctuation trimmed", "one two, three four", 10, "one two…"},
		{"no space hard cut", "abcdefghijklmnop", 6, "abcde…"},
		{"runes not bytes", "ééééééééé", 5, "éééé…"},
		{"cjk hard cut", "日本語のニュース記事です", 6, "日本語のニ…"},
		{"max one", "hello", 1, "…"},
		{"max zero", "hello", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Truncate(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n > tc.max {
				t.Errorf("Truncate(%q, %d) has %d runes", tc.in, tc.max, n)
			}
		})
	}
}

func parseFixture(t *testing.T, name string) *gofeed.Feed {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, err := gofeed.NewParser().Parse(f)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return fd
}

func TestFromFeedFixture(t *testing.T) {
	const feedURL = "https://example.com/feed.xml"
	fd := parseFixture(t, "mixed.rss")
	got := FromFeed(Source{FeedURL: feedURL}, fd, testNow)
	src := "Example & News"
	want := []Story{
		{
			ID: NewID(feedURL, "story-1"), FeedURL: feedURL, Source: src,
			Title:      "Ceasefire holds & talks resume",
			Summary:    "Leaders met on Monday. Next round soon.",
			Link:       "https://example.com/news/ceasefire?id=7",
			Published:  time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC),
			FirstSeen:  testNow,
			Image:      "https://cdn.example.com/thumb.jpg",
			Categories: []string{"World", "Politics"},
		},
		{
			ID: NewID(feedURL, "story-1\x00https://example.com/news/other"), FeedURL: feedURL, Source: src,
			Title:     "Same guid again",
			Link:      "https://example.com/news/other",
			Published: time.Date(2006, 1, 2, 16, 4, 5, 0, time.UTC),
			FirstSeen: testNow,
			Image:     "https://cdn.example.com/pic.png",
		},
		{
			ID: NewID(feedURL, "https://example.com/news/untitled"), FeedURL: feedURL, Source: src,
			Title:     "Only a description here, no title at all.",
			Summary:   "Only a description here, no title at all.",
			Link:      "https://example.com/news/untitled",
			Published: testNow,
			FirstSeen: testNow,
		},
		{
			ID: NewID(feedURL, "(untitled)\x00"), FeedURL: feedURL, Source: src,
			Title:     Untitled,
			Published: testNow,
			FirstSeen: testNow,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromFeed mismatch (-want +got):\n%s", diff)
	}
	again := FromFeed(Source{FeedURL: feedURL}, parseFixture(t, "mixed.rss"), testNow.Add(time.Hour))
	for i := range got {
		if got[i].ID != again[i].ID {
			t.Errorf("item %d: ID changed across polls: %s then %s", i, got[i].ID, again[i].ID)
		}
	}
}

func tp(t time.Time) *time.Time { return &t }

func TestFromFeedItems(t *testing.T) {
	const feedURL = "https://feeds.example.org/rss"
	paris := time.FixedZone("CET", 3600)
	long := strings.Repeat("word ", 100)
	tests := []struct {
		name  string
		src   Source
		feed  gofeed.Feed
		check func(t *testing.T, got []Story)
	}{
		{
			name: "configured name wins", src: Source{FeedURL: feedURL, Name: " Wire "},
			feed: gofeed.Feed{Title: "Feed Title", Items: []*gofeed.Item{{Title: "a"}}},
			check: func(t *testing.T, got []Story) {
				if got[0].Source != "Wire" {
					t.Errorf("Source = %q, want Wire", got[0].Source)
				}
			},
		},
		{
			name: "host when no name or title", src: Source{FeedURL: "https://Feeds.Example.org:8080/rss"},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a"}}},
			check: func(t *testing.T, got []Story) {
				if got[0].Source != "feeds.example.org" {
					t.Errorf("Source = %q, want feeds.example.org", got[0].Source)
				}
			},
		},
		{
			name: "published converted to UTC", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", PublishedParsed: tp(time.Date(2026, 11, 25, 10, 0, 0, 0, paris))}}},
			check: func(t *testing.T, got []Story) {
				want := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
				if !got[0].Published.Equal(want) || got[0].Published.Location() != time.UTC {
					t.Errorf("Published = %v, want %v", got[0].Published, want)
				}
			},
		},
		{
			name: "updated when no published", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", UpdatedParsed: tp(testNow.Add(-time.Hour))}}},
			check: func(t *testing.T, got []Story) {
				if !got[0].Published.Equal(testNow.Add(-time.Hour)) {
					t.Errorf("Published = %v", got[0].Published)
				}
			},
		},
		{
			name: "future clamped, small skew allowed", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{
				{Title: "far", PublishedParsed: tp(testNow.Add(48 * time.Hour))},
				{Title: "near", PublishedParsed: tp(testNow.Add(4 * time.Minute))},
			}},
			check: func(t *testing.T, got []Story) {
				if !got[0].Published.Equal(testNow) {
					t.Errorf("far future Published = %v, want now", got[0].Published)
				}
				if !got[1].Published.Equal(testNow.Add(4 * time.Minute)) {
					t.Errorf("skewed Published = %v, want kept", got[1].Published)
				}
			},
		},
		{
			name: "long fields capped", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: long + long + long, Description: long + long}}},
			check: func(t *testing.T, got []Story) {
				if n := utf8.RuneCountInString(got[0].Title); n > MaxTitleRunes || !strings.HasSuffix(got[0].Title, "word…") {
					t.Errorf("title %d runes: %q", n, got[0].Title)
				}
				if n := utf8.RuneCountInString(got[0].Summary); n > MaxSummaryRunes || !strings.HasSuffix(got[0].Summary, "word…") {
					t.Errorf("summary %d runes: %q", n, got[0].Summary)
				}
			},
		},
		{
			name: "content used when no description", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", Content: "<p>Body</p>"}}},
			check: func(t *testing.T, got []Story) {
				if got[0].Summary != "Body" {
					t.Errorf("Summary = %q", got[0].Summary)
				}
			},
		},
		{
			name: "unsafe link dropped", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", Link: "javascript:alert(1)"}}},
			check: func(t *testing.T, got []Story) {
				if got[0].Link != "" {
					t.Errorf("Link = %q, want empty", got[0].Link)
				}
			},
		},
		{
			name: "relative link resolved against feed URL without site link", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", Link: "story/1"}}},
			check: func(t *testing.T, got []Story) {
				if got[0].Link != "https://feeds.example.org/story/1" {
					t.Errorf("Link = %q", got[0].Link)
				}
			},
		},
		{
			name: "media group thumbnail", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", Extensions: ext.Extensions{"media": {"group": {{
				Children: map[string][]ext.Extension{"thumbnail": {{Attrs: map[string]string{"url": "/t.jpg"}}}},
			}}}}}}},
			check: func(t *testing.T, got []Story) {
				if got[0].Image != "https://feeds.example.org/t.jpg" {
					t.Errorf("Image = %q", got[0].Image)
				}
			},
		},
		{
			name: "categories capped at ten", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "a", Categories: strings.Fields("a b c d e f g h i j k l A")}}},
			check: func(t *testing.T, got []Story) {
				if diff := cmp.Diff(strings.Fields("a b c d e f g h i j"), got[0].Categories); diff != "" {
					t.Errorf("categories (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "key falls back to title and date", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{{Title: "t", Published: "sometime"}}},
			check: func(t *testing.T, got []Story) {
				if want := NewID(feedURL, "t\x00sometime"); got[0].ID != want {
					t.Errorf("ID = %s, want %s", got[0].ID, want)
				}
			},
		},
		{
			name: "triple repeated guid gets distinct ids", src: Source{FeedURL: feedURL},
			feed: gofeed.Feed{Items: []*gofeed.Item{
				{GUID: "g", Title: "x", Link: "https://a/1"}, {GUID: "g", Title: "x", Link: "https://a/1"},
				{GUID: "g", Title: "x", Link: "https://a/1"}, {GUID: "g", Title: "x", Link: "https://a/1"},
				nil,
			}},
			check: func(t *testing.T, got []Story) {
				if len(got) != 4 {
					t.Fatalf("got %d stories, want 4 (nil item skipped)", len(got))
				}
				seen := map[string]bool{}
				for _, s := range got {
					if seen[s.ID] {
						t.Errorf("duplicate ID %s", s.ID)
					}
					seen[s.ID] = true
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FromFeed(tc.src, &tc.feed, testNow)
			if len(got) == 0 {
				t.Fatal("no stories")
			}
			tc.check(t, got)
		})
	}
}

func TestFromFeedNil(t *testing.T) {
	if got := FromFeed(Source{FeedURL: "https://x/"}, nil, testNow); got != nil {
		t.Errorf("FromFeed(nil) = %v, want nil", got)
	}
}

var (
	tagPattern = regexp.MustCompile(`<[a-zA-Z/!?]`)
	idPattern  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

func FuzzNormalise(f *testing.F) {
	f.Add("Ceasefire <b>holds</b>", "<p>Leaders &amp;amp; met</p><script>x</script>", "/a?utm_source=x#f")
	f.Add("&lt;b&gt;x&lt;/b&gt;", "&amp;lt;i&amp;gt;", "javascript:alert(1)")
	f.Add("", "", "")
	f.Add("<title>x<b>y</b></title>", "<textarea><p>z</p></textarea>", "http://[::1")
	f.Add("\xff\xfe", strings.Repeat("long words ", 80), "HTTPS://X.COM:443")
	f.Fuzz(func(t *testing.T, title, summary, link string) {
		fd := &gofeed.Feed{Title: title, Link: link, Items: []*gofeed.Item{
			{Title: title, Description: summary, Link: link, GUID: title, Categories: []string{title, summary}},
			{Title: title, Content: summary, Link: link, GUID: title},
		}}
		for _, s := range FromFeed(Source{FeedURL: "https://example.com/feed"}, fd, testNow) {
			checkStory(t, s)
		}
	})
}

func checkStory(t *testing.T, s Story) {
	t.Helper()
	for _, p := range storyProblems(s) {
		t.Error(p)
	}
}

// storyProblems lists the invariants s breaks.
func storyProblems(s Story) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !idPattern.MatchString(s.ID) {
		bad("ID %q is not 16 hex digits", s.ID)
	}
	for name, v := range map[string]string{"title": s.Title, "summary": s.Summary, "source": s.Source} {
		if !utf8.ValidString(v) {
			bad("%s is not valid UTF-8: %q", name, v)
		}
		if tagPattern.MatchString(v) {
			bad("%s still holds a tag: %q", name, v)
		}
	}
	if s.Title == "" {
		bad("empty title")
	}
	if n := utf8.RuneCountInString(s.Title); n > MaxTitleRunes {
		bad("title has %d runes", n)
	}
	if n := utf8.RuneCountInString(s.Summary); n > MaxSummaryRunes {
		bad("summary has %d runes", n)
	}
	if len(s.Categories) > MaxCategories {
		bad("%d categories", len(s.Categories))
	}
	if s.Link != "" && !strings.HasPrefix(s.Link, "http://") && !strings.HasPrefix(s.Link, "https://") {
		bad("link %q is not http(s)", s.Link)
	}
	if s.Published.After(testNow.Add(clockSkew)) || s.Published.Location() != time.UTC {
		bad("published %v in the future or not UTC", s.Published)
	}
	return out
}
