package redisstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/store"
)

// TestScheduleTakeLeasesEachFeedOnce: replicas taking due feeds at the same moment get
// disjoint sets, a taken feed is due again when its lease ends, and Due and Remove replace
// it.
func TestScheduleTakeLeasesEachFeedOnce(t *testing.T) {
	s := newTestStore(t, nil, store.Retention{})
	sc := s.PollSchedule()
	ctx := t.Context()
	t0 := time.UnixMilli(1_800_000_000_000)
	const feeds = 500
	for i := range feeds {
		if err := sc.Add(ctx, fmt.Sprintf("https://f%d.example/rss", i), t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Add(ctx, "https://f0.example/rss", t0.Add(time.Hour)); err != nil { // already there: kept
		t.Fatal(err)
	}
	var mu sync.Mutex
	taken := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				urls, err := sc.Take(ctx, t0.Add(feeds*time.Millisecond), 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(urls) == 0 {
					return
				}
				mu.Lock()
				for _, u := range urls {
					taken[u]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(taken) != feeds {
		t.Errorf("%d feeds taken, want %d", len(taken), feeds)
	}
	for u, n := range taken {
		if n != 1 {
			t.Errorf("%s taken %d times", u, n)
		}
	}
	next, ok, err := sc.Earliest(ctx)
	if err != nil || !ok || !next.Equal(t0.Add(feeds*time.Millisecond+time.Minute)) {
		t.Errorf("Earliest = %v %v %v, want the end of the leases", next, ok, err)
	}
	if err := sc.Due(ctx, "https://f1.example/rss", t0); err != nil {
		t.Fatal(err)
	}
	if err := sc.Remove(ctx, "https://f2.example/rss"); err != nil {
		t.Fatal(err)
	}
	got, err := sc.Take(ctx, t0.Add(time.Minute), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"https://f1.example/rss"}, got); diff != "" {
		t.Errorf("due before the leases end (-want +got):\n%s", diff)
	}
	got, err = sc.Take(ctx, t0.Add(feeds*time.Millisecond+time.Minute), feeds, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != feeds-2 {
		t.Errorf("%d feeds due when the leases lapsed, want %d (one re-leased, one removed)", len(got), feeds-2)
	}
}

// BenchmarkSchedule fills the shared poll schedule with 1,000,000 feeds (URLs of 40–50 bytes)
// and measures taking due feeds as a replica does (8 at a time, the default concurrency, each
// then rescheduled), reporting the schedule's memory per feed (MEMORY USAGE of the key).
func BenchmarkSchedule(b *testing.B) {
	s := newTestStore(b, nil, store.Retention{})
	sc := s.PollSchedule()
	ctx := b.Context()
	const feeds = 1_000_000
	t0 := time.UnixMilli(1_800_000_000_000)
	pipe := s.rdb.Pipeline()
	for i := range feeds {
		pipe.ZAdd(ctx, s.keys.pollDue(), redis.Z{Score: float64(t0.Add(time.Duration(i) * time.Millisecond).UnixMilli()),
			Member: fmt.Sprintf("https://news%d.example.com/feeds/rss.xml", i)})
		if i%10_000 == 9_999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	bytes, err := s.rdb.MemoryUsage(ctx, s.keys.pollDue(), 0).Result()
	if err != nil {
		b.Fatal(err)
	}
	now := t0.Add(feeds * time.Millisecond) // every feed due
	taken := 0
	for b.Loop() {
		urls, err := sc.Take(ctx, now, 8, time.Minute)
		if err != nil || len(urls) != 8 {
			b.Fatalf("Take = %d feeds, %v", len(urls), err)
		}
		for _, u := range urls {
			if err := sc.Due(ctx, u, now.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
		taken += len(urls)
	}
	b.ReportMetric(float64(bytes)/feeds, "bytes/feed")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(taken), "ns/feed-taken")
}
