//go:build unix

package boltstore

import (
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// benchStories is the /latest scale the backend must stay fast at (Retention.MaxStories).
const benchStories = 100_000

// openFilled returns a store holding n stories over 200 feeds and 20 topics, published
// 10 s apart (100k span 11.6 days, inside the default retention), inserted in batches of
// 1,000 as the poller would.
func openFilled(b *testing.B, n int) *Store {
	b.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st, err := Open(filepath.Join(b.TempDir(), FileName), Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { st.Close() })
	batch := make([]story.Story, 0, 1000)
	for i := range n {
		feed := fmt.Sprintf("https://feed%d.example/rss", i%200)
		batch = append(batch, story.Story{
			ID: story.NewID(feed, fmt.Sprint(i)), FeedURL: feed, Source: "Feed", Title: fmt.Sprintf("Story %d", i),
			Summary: "A summary long enough to look like a real one, about two lines of text in a briefing.",
			Link:    fmt.Sprintf("%s/%d", feed, i), Published: now.Add(-time.Duration(i) * 10 * time.Second),
			Topics: []string{fmt.Sprintf("topic%d", i%20)},
		})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := st.PutStories(b.Context(), batch); err != nil {
				b.Fatalf("PutStories: %v", err)
			}
			batch = batch[:0]
		}
	}
	return st
}

// BenchmarkRecentStories measures /latest at 100k stored stories and reports the p99 of
// single calls, the latency a user waits on.
func BenchmarkRecentStories(b *testing.B) {
	st := openFilled(b, benchStories)
	queries := []struct {
		name string
		q    store.StoryQuery
	}{
		{"limit5", store.StoryQuery{Limit: 5}},
		{"topic_limit5", store.StoryQuery{Topic: "topic7", Limit: 5}},
		{"feed_limit5", store.StoryQuery{FeedURL: "https://feed13.example/rss", Limit: 5}},
		{"topic_feed_limit5", store.StoryQuery{Topic: "topic7", FeedURL: "https://feed27.example/rss", Limit: 5}},
		{"default_limit100", store.StoryQuery{}},
	}
	for _, bq := range queries {
		b.Run(bq.name, func(b *testing.B) {
			var lat []time.Duration
			cpu0 := cpuTime(b)
			for b.Loop() {
				start := time.Now()
				got, err := st.RecentStories(b.Context(), bq.q)
				lat = append(lat, time.Since(start))
				if err != nil || len(got) == 0 {
					b.Fatalf("RecentStories: %d stories, err %v", len(got), err)
				}
			}
			slices.Sort(lat)
			p99 := lat[min(len(lat)-1, len(lat)*99/100)]
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(len(lat)), "cpu-us/op")
		})
	}
}

// BenchmarkClaim measures one delivery round: claiming a batch of 20 fresh ids.
func BenchmarkClaim(b *testing.B) {
	st, err := Open(filepath.Join(b.TempDir(), FileName), Options{})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { st.Close() })
	i := 0
	for b.Loop() {
		ids := make([]string, 20)
		for j := range ids {
			ids[j] = story.PadHex(uint64(i))
			i++
		}
		if _, err := st.Claim(b.Context(), "c1", ids, time.Minute); err != nil {
			b.Fatalf("Claim: %v", err)
		}
	}
}

// BenchmarkTrimStories measures the periodic trim at the 100k cap with nothing to delete
// (the steady state: counting the index and scanning delivery records dominates).
func BenchmarkTrimStories(b *testing.B) {
	st := openFilled(b, benchStories)
	for b.Loop() {
		if n, err := st.TrimStories(b.Context()); err != nil || n != 0 {
			b.Fatalf("TrimStories = %d, %v; want 0 deleted", n, err)
		}
	}
}

// cpuTime is the process's user+system CPU time. On a shared, overloaded machine wall-clock
// latency mostly measures the scheduler; CPU per call is the load-independent cost.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
