package redisstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
