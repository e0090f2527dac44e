package poller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
)

const (
	benchFeeds   = 1000
	benchChanged = 20 // every 20th feed changes each cycle (5%); the rest answer 304
	benchItems   = 10
)

// benchSite serves /feed/N: feeds with N%benchChanged==0 gain one item per request (new
// ETag, 200); the others keep their ETag and answer 304 to a matching If-None-Match.
type benchSite struct {
	static map[int][]byte
	hits   sync.Map // N → *atomic.Int64
}

func newBenchSite() *benchSite {
	s := &benchSite{static: map[int][]byte{}}
	base := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for n := range benchFeeds {
		s.static[n] = []byte(benchBody(n, 0, base))
	}
	return s
}

func benchBody(n, gen int, base time.Time) string {
	var items []item
	for i := range benchItems {
		g := gen + i
		items = append(items, item{guid: fmt.Sprintf("f%d-i%d", n, g), title: fmt.Sprintf("Feed %d story %d", n, g),
			published: base.Add(time.Duration(g) * time.Minute)})
	}
	return string(rssBody("/feed/"+strconv.Itoa(n), items))
}

func (s *benchSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
	if err != nil || n < 0 || n >= benchFeeds {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	if n%benchChanged != 0 {
		etag := `"s` + strconv.Itoa(n) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(s.static[n])
		return
	}
	c, _ := s.hits.LoadOrStore(n, new(atomic.Int64))
	gen := int(c.(*atomic.Int64).Add(1))
	w.Header().Set("ETag", `"c`+strconv.Itoa(n)+"-"+strconv.Itoa(gen)+`"`)
	_, _ = w.Write([]byte(benchBody(n, gen, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))))
}

// peakHeap samples HeapInuse until stop is closed and returns the highest value seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// BenchmarkPollCycle is the issue figure: one poll cycle over 1,000 feeds served by one local
// server, 95% of them answering 304 to the conditional request, through the real fetcher.
func BenchmarkPollCycle(b *testing.B) {
	for _, perHost := range []int{DefaultPerHost, 8} {
		b.Run(fmt.Sprintf("feeds=%d/per_host=%d", benchFeeds, perHost), func(b *testing.B) {
			benchCycle(b, perHost)
		})
	}
}

func benchCycle(b *testing.B, perHost int) {
	srv := httptest.NewServer(newBenchSite())
	defer srv.Close()
	feeds := make([]Feed, benchFeeds)
	for n := range feeds {
		feeds[n] = Feed{URL: srv.URL + "/feed/" + strconv.Itoa(n)}
	}
	var newStories atomic.Int64
	p := New(feeds, realFetcher(time.Now), newMemStore(), nil, Options{
		PerHost: perHost, Logger: discard,
		OnNew: func(_ context.Context, s []story.Story) { newStories.Add(int64(len(s))) },
	})
	ctx := context.Background()
	if sum, err := p.PollOnce(ctx, nil); err != nil || sum.Polled != benchFeeds {
		b.Fatalf("warm-up cycle: %+v, %v", sum, err)
	}
	runtime.GC()
	stop := make(chan struct{})
	peak := peakHeap(stop)
	b.ResetTimer()
	cycles := 0
	for b.Loop() {
		sum, err := p.PollOnce(ctx, nil)
		if err != nil || sum.Polled != benchFeeds || sum.NotModified != benchFeeds-benchFeeds/benchChanged {
			b.Fatalf("cycle: %+v, %v", sum, err)
		}
		cycles++
	}
	elapsed := b.Elapsed()
	close(stop)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(cycles*benchFeeds)/elapsed.Seconds(), "feeds/s")
	b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-inuse-MB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MB")
	b.ReportMetric(float64(newStories.Load())/float64(max(cycles, 1)), "onnew-stories/cycle")
}
