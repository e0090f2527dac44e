package feed

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTrimXML(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		max, dropped   int
	}{
		{
			name:    "keeps the newest and everything around the items",
			in:      `<rss><channel><title>T</title><item><title>old</title><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item><x/><item><title>new</title><pubDate>Tue, 03 Jan 2006 15:04:05 +0000</pubDate></item></channel></rss>`,
			want:    `<rss><channel><title>T</title><x/><item><title>new</title><pubDate>Tue, 03 Jan 2006 15:04:05 +0000</pubDate></item></channel></rss>`,
			max:     1,
			dropped: 1,
		},
		{
			name:    "dc:date ranks an RSS 1.0 item",
			in:      `<rdf:RDF xmlns:dc="dc"><item><dc:date>2006-01-03T00:00:00Z</dc:date></item><item><dc:date>2006-01-02T00:00:00Z</dc:date></item><item><dc:date>2006-01-04T00:00:00Z</dc:date></item></rdf:RDF>`,
			want:    `<rdf:RDF xmlns:dc="dc"><item><dc:date>2006-01-03T00:00:00Z</dc:date></item><item><dc:date>2006-01-04T00:00:00Z</dc:date></item></rdf:RDF>`,
			max:     2,
			dropped: 1,
		},
		{
			name:    "an unreadable date ranks as now and is kept",
			in:      `<feed><entry><updated>2006-01-02T00:00:00Z</updated></entry><entry><updated>someday</updated></entry></feed>`,
			want:    `<feed><entry><updated>someday</updated></entry></feed>`,
			max:     1,
			dropped: 1,
		},
		{
			name:    "published wins over updated",
			in:      `<feed><entry><id>1</id><updated>2006-01-09T00:00:00Z</updated><published>2006-01-01T00:00:00Z</published></entry><entry><id>2</id><published>2006-01-05T00:00:00Z</published></entry></feed>`,
			want:    `<feed><entry><id>2</id><published>2006-01-05T00:00:00Z</published></entry></feed>`,
			max:     1,
			dropped: 1,
		},
		{
			name:    "markup inside CDATA is text, not items",
			in:      `<rss><item><description><![CDATA[<item>fake</item><item>x</item>]]></description><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item><item><pubDate>Tue, 03 Jan 2006 15:04:05 GMT</pubDate></item></rss>`,
			want:    `<rss><item><pubDate>Tue, 03 Jan 2006 15:04:05 GMT</pubDate></item></rss>`,
			max:     1,
			dropped: 1,
		},
		{
			name: "a nested item element stays inside its item",
			in:   `<rss><item><item>inner</item><pubDate>Tue, 03 Jan 2006 15:04:05 GMT</pubDate></item><item><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item></rss>`,
			want: `<rss><item><item>inner</item><pubDate>Tue, 03 Jan 2006 15:04:05 GMT</pubDate></item></rss>`,
			max:  1, dropped: 1,
		},
		{
			name: "within the cap: unchanged",
			in:   `<rss><item/><item/></rss>`,
			want: `<rss><item/><item/></rss>`,
			max:  2,
		},
		{
			name: "a token error leaves the document to gofeed",
			in:   `<rss><item></pubDate></item><item/><item/></rss>`,
			want: `<rss><item></pubDate></item><item/><item/></rss>`,
			max:  1,
		},
		{
			name: "an unclosed item leaves the document to gofeed",
			in:   `<rss><item/><item/><item>`,
			want: `<rss><item/><item/><item>`,
			max:  1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := &newestTranslator{max: tc.max, now: testClock}
			got := string(trimXML([]byte(tc.in), tr))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("trimXML (-want +got):\n%s", diff)
			}
			if tr.dropped != tc.dropped {
				t.Errorf("dropped %d, want %d", tr.dropped, tc.dropped)
			}
		})
	}
}

// FuzzTrimXML: whatever the input, trimXML does not panic, never grows the document, leaves
// it unchanged when nothing is dropped, and removes exactly whole items otherwise.
func FuzzTrimXML(f *testing.F) {
	f.Add(`<rss><item><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item><item/><item/></rss>`, 1)
	f.Add(`<feed><entry><updated>2006-01-02T00:00:00Z</updated></entry><entry/></feed>`, 1)
	f.Add(`<rss><item><![CDATA[</item>]]></item><item></rss>`, 1)
	f.Fuzz(func(t *testing.T, in string, max int) {
		max = max%5 + 1
		if max <= 0 {
			max += 5
		}
		tr := &newestTranslator{max: max, now: testClock}
		out := string(trimXML([]byte(in), tr))
		if len(out) > len(in) {
			t.Fatalf("grew the document: %d > %d bytes", len(out), len(in))
		}
		if tr.dropped == 0 && out != in {
			t.Fatalf("changed the document without dropping an item:\n%q\n%q", in, out)
		}
		if tr.dropped > 0 {
			spans, ok := scanItems([]byte(in))
			if !ok || len(spans)-tr.dropped != max {
				t.Fatalf("dropped %d of %d items (scan ok %v), cap %d", tr.dropped, len(spans), ok, max)
			}
			if strings.Count(out, "<") > strings.Count(in, "<") {
				t.Fatal("markup appeared")
			}
		}
	})
}
