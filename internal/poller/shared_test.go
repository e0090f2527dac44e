package poller

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/redisstore"
)

// TestSharedScheduleFetchesEachFeedOncePerInterval runs three replicas of the poller on one
// Redis schedule over 60 feeds polled every 2 s. No feed is fetched twice within an interval
// while all three run; then one replica dies (its context ends mid-poll, its leases are left
// to lapse) and the other two take its feeds over within a lease.
func TestSharedScheduleFetchesEachFeedOncePerInterval(t *testing.T) {
	url := redistest.URL(t)
	const feeds, replicas = 60, 3
	const interval, lease = 2 * time.Second, time.Second
	st, err := redisstore.New(t.Context(), url, redisstore.Options{Prefix: redistest.Prefix(t, url), Retention: store.Retention{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h := newHarness(t)
	var mu sync.Mutex
	times := map[string][]time.Time{}
	h.site.onRequest = func(path string) {
		mu.Lock()
		defer mu.Unlock()
		times[path] = append(times[path], time.Now())
	}
	var list []Feed
	for i := range feeds {
		path := fmt.Sprintf("/f%d", i)
		h.site.set(path, siteFeed{etag: `"v1"`, items: itemsN(2, time.Now())})
		list = append(list, Feed{URL: h.site.url(path)})
	}
	ctxs := make([]context.CancelFunc, replicas)
	pollers := make([]*Poller, replicas)
	var wg sync.WaitGroup
	for r := range replicas {
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[r] = cancel
		p := New(list, realFetcher(time.Now), st, nil, Options{Interval: interval, FirstSpread: 300 * time.Millisecond,
			Lease: lease, Schedule: st.PollSchedule(), Logger: discard})
		pollers[r] = p
		wg.Go(func() { p.Run(ctx) })
	}
	defer func() {
		for _, c := range ctxs {
			c()
		}
		wg.Wait()
	}()

	timer := time.NewTimer(5 * time.Second)
	<-timer.C
	killed := time.Now()
	ctxs[0]() // replica 0 dies
	timer.Reset(interval + lease + 2*time.Second)
	<-timer.C
	end := time.Now()
	// Each survivor's Health covers every feed, polled by it or by the others.
	for r, p := range pollers[1:] {
		if h := p.Health(); h.Finished != feeds || h.OK != feeds {
			t.Errorf("replica %d Health: %d of %d feeds finished, %d OK; want all", r+1, h.Finished, feeds, h.OK)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	var gaps []time.Duration
	for i := range feeds {
		path := fmt.Sprintf("/f%d", i)
		ts := times[path]
		if len(ts) == 0 {
			t.Errorf("%s never fetched", path)
			continue
		}
		for k := 1; k < len(ts); k++ {
			if ts[k].Before(killed) {
				gaps = append(gaps, ts[k].Sub(ts[k-1]))
			}
		}
		if last := ts[len(ts)-1]; end.Sub(last) > interval+lease+time.Second {
			t.Errorf("%s last fetched %v before the end: not taken over after the replica died", path, end.Sub(last).Round(time.Millisecond))
		}
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	if len(gaps) == 0 {
		t.Fatal("no feed fetched twice before the kill")
	}
	t.Logf("%d repeat fetches before the kill; shortest gap %v, median %v", len(gaps), gaps[0].Round(time.Millisecond),
		gaps[len(gaps)/2].Round(time.Millisecond))
	if gaps[0] < interval*9/10 {
		t.Errorf("a feed was fetched twice %v apart with three replicas running, want at least %v (once per interval)", gaps[0], interval*9/10)
	}
}
