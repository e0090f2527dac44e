package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dated is one served item: its id and its date (zero: no date element).
type dated struct {
	id string
	at time.Time
}

func rssWith(items []dated) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>`)
	for _, it := range items {
		b.WriteString(`<item><guid>` + it.id + `</guid><title>` + it.id + `</title>`)
		if !it.at.IsZero() {
			b.WriteString(`<pubDate>` + it.at.Format(time.RFC1123Z) + `</pubDate>`)
		}
		b.WriteString(`</item>`)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func atomWith(items []dated) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>`)
	for _, it := range items {
		b.WriteString(`<entry><id>` + it.id + `</id><title>` + it.id + `</title>`)
		if !it.at.IsZero() {
			b.WriteString(`<updated>` + it.at.Format(time.RFC3339) + `</updated>`)
		}
		b.WriteString(`</entry>`)
	}
	b.WriteString(`</feed>`)
	return b.String()
}

func jsonWith(items []dated) string {
	var parts []string
	for _, it := range items {
		date := ""
		if !it.at.IsZero() {
			date = `,"date_published":"` + it.at.Format(time.RFC3339) + `"`
		}
		parts = append(parts, `{"id":"`+it.id+`","title":"`+it.id+`"`+date+`}`)
	}
	return `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[` + strings.Join(parts, ",") + `]}`
}

// hoursAgo dates an item n hours before the test clock.
func hoursAgo(id string, n int) dated {
	return dated{id: id, at: testClock.Add(-time.Duration(n) * time.Hour)}
}

func TestFetchKeepsNewestItems(t *testing.T) {
	t.Parallel()
	newestFirst := []dated{hoursAgo("a", 1), hoursAgo("b", 2), hoursAgo("c", 3), hoursAgo("d", 4), hoursAgo("e", 5)}
	oldestFirst := []dated{hoursAgo("e", 5), hoursAgo("d", 4), hoursAgo("c", 3), hoursAgo("b", 2), hoursAgo("a", 1)}
	cases := []struct {
		name    string
		items   []dated
		max     int
		want    []string
		dropped int
	}{
		{"under the cap keeps all", newestFirst, 5, []string{"a", "b", "c", "d", "e"}, 0},
		{"newest first", newestFirst, 2, []string{"a", "b"}, 3},
		{"oldest first keeps the newest, in document order", oldestFirst, 2, []string{"b", "a"}, 3},
		{"shuffled", []dated{hoursAgo("c", 3), hoursAgo("a", 1), hoursAgo("e", 5), hoursAgo("b", 2), hoursAgo("d", 4)},
			3, []string{"c", "a", "b"}, 2},
		{"undated counts as published now", []dated{hoursAgo("old", 9), {id: "undated"}, hoursAgo("new", 1)},
			2, []string{"undated", "new"}, 1},
		{"future date counts as now, ties keep the earlier item",
			[]dated{hoursAgo("x", 1), {id: "future", at: testClock.Add(48 * time.Hour)}, {id: "undated"}},
			1, []string{"future"}, 2},
		{"equal dates keep document order", []dated{hoursAgo("p", 2), hoursAgo("q", 2), hoursAgo("r", 2)},
			2, []string{"p", "q"}, 1},
	}
	formats := []struct {
		name, contentType string
		body              func([]dated) string
	}{
		{"rss", "application/rss+xml", rssWith},
		{"atom", "application/atom+xml", atomWith},
		{"json", "application/feed+json", jsonWith},
	}
	for _, f := range formats {
		for _, tc := range cases {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				body := f.body(tc.items)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", f.contentType)
					_, _ = w.Write([]byte(body))
				}))
				defer srv.Close()
				res, err := newTestFetcher(Options{MaxItems: tc.max}).Fetch(context.Background(), srv.URL, Validators{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, it := range res.Feed.Items {
					got = append(got, it.Title)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("kept items (-want +got):\n%s", diff)
				}
				if res.Dropped != tc.dropped {
					t.Errorf("Dropped = %d, want %d", res.Dropped, tc.dropped)
				}
			})
		}
	}
}

// TestParseKeepsEveryItem: Parse (check-feed, tests) has no cap; only the fetcher applies one.
func TestParseKeepsEveryItem(t *testing.T) {
	t.Parallel()
	items := make([]dated, DefaultMaxItems+10)
	for i := range items {
		items[i] = hoursAgo(fmt.Sprint("i", i), i)
	}
	fd, err := Parse([]byte(rssWith(items)), "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(fd.Items) != len(items) {
		t.Errorf("Parse kept %d items, want %d", len(fd.Items), len(items))
	}
}

// TestFetchDefaultCap: a fetcher built without MaxItems keeps DefaultMaxItems.
func TestFetchDefaultCap(t *testing.T) {
	t.Parallel()
	items := make([]dated, DefaultMaxItems+7)
	for i := range items {
		items[i] = hoursAgo(fmt.Sprint("i", i), i)
	}
	body := rssWith(items)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) }))
	defer srv.Close()
	res, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Feed.Items) != DefaultMaxItems || res.Dropped != 7 {
		t.Errorf("kept %d, dropped %d; want %d and 7", len(res.Feed.Items), res.Dropped, DefaultMaxItems)
	}
	if got := res.Feed.Items[0].Title; got != "i0" {
		t.Errorf("first kept item %q, want the newest, i0", got)
	}
}

// TestTranslatorKeepsNewest covers the translator's own cut for RSS and Atom, which trimXML
// normally makes unnecessary (it is what still applies when the token scan gives up).
func TestTranslatorKeepsNewest(t *testing.T) {
	t.Parallel()
	items := []dated{hoursAgo("c", 3), hoursAgo("a", 1), {id: "undated"}, hoursAgo("b", 2)}
	cases := []struct {
		name, body string
	}{
		{"rss", rssWith(items)},
		{"atom", atomWith(items)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := &newestTranslator{max: 2, now: testClock}
			fd, err := newParser(tr).Parse(strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range fd.Items {
				got = append(got, it.Title)
			}
			if diff := cmp.Diff([]string{"a", "undated"}, got); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if tr.dropped != 2 {
				t.Errorf("dropped %d, want 2", tr.dropped)
			}
		})
	}
}
