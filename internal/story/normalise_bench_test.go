package story

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// BenchmarkFromFeed normalises a 50-item feed with HTML descriptions of news-article size.
func BenchmarkFromFeed(b *testing.B) {
	para := "<p>Negotiators met in Cairo on <b>Monday</b> &amp; agreed to &ldquo;continue talks&rdquo;. " +
		strings.Repeat("Further details of the proposal were not released. ", 12) + "</p>"
	fd := &gofeed.Feed{Title: "Wire &amp; Co", Link: "https://news.example.com/"}
	for i := range 50 {
		pub := testNow.Add(-time.Duration(i) * time.Hour)
		fd.Items = append(fd.Items, &gofeed.Item{
			GUID: fmt.Sprintf("urn:wire:%d", i), Title: fmt.Sprintf("Talks resume &#8212; day %d", i),
			Link:        fmt.Sprintf("/world/%d?utm_source=rss&id=%d#top", i, i),
			Description: para + "<script>track()</script>", PublishedParsed: &pub,
			Categories: []string{"World", "world ", "Middle East"},
		})
	}
	src := Source{FeedURL: "https://news.example.com/rss"}
	b.ReportAllocs()
	for b.Loop() {
		if len(FromFeed(src, fd, testNow)) != 50 {
			b.Fatal("lost items")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*50), "ns/item")
}
