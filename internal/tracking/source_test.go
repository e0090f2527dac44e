package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/store/storetest"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// countingStories is the real store with its window reads (Limit StatusReadLimit) counted and
// an injectable failure.
type countingStories struct {
	*boltstore.Store
	mu    sync.Mutex
	reads int
	last  store.StoryQuery // the last window read
	fail  error
}

func (c *countingStories) RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error) {
	c.mu.Lock()
	if q.Limit == StatusReadLimit {
		c.reads++
		c.last = q
	}
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	return c.Store.RecentStories(ctx, q)
}

func (c *countingStories) windowReads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// cacheEnv is a StatusSource over a real embedded store holding three ceasefire reports.
type cacheEnv struct {
	ts    *StatusSource
	store *countingStories
	clock *storetest.Clock
	n     int
}

func newCacheEnv(t *testing.T) *cacheEnv {
	t.Helper()
	return newCacheEnvAt(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// newCacheEnvAt starts the env's clock at start.
func newCacheEnvAt(t *testing.T, start time.Time) *cacheEnv {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m, err := topic.NewMatcher(cfg.Topics)
	if err != nil {
		t.Fatal(err)
	}
	tc, ok := m.Get("ceasefire")
	if !ok {
		t.Fatal("no ceasefire topic in the embedded configuration")
	}
	as, err := NewAssessor(tc)
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(start)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := &cacheEnv{store: &countingStories{Store: st}, clock: clock}
	env.ts = &StatusSource{stories: env.store, assessors: map[string]*Assessor{"ceasefire": as},
		cache: map[string]*cachedStatus{"ceasefire": {}}, window: 14 * 24 * time.Hour, now: clock.Now,
		logger: slog.New(slog.DiscardHandler)}
	for i := range 3 {
		env.put(t, clock.Now().Add(-time.Duration(3-i)*time.Hour))
	}
	return env
}

// put stores one ceasefire report published at pub.
func (e *cacheEnv) put(t *testing.T, pub time.Time) {
	t.Helper()
	e.n++
	e.store1(t, pub)
}

// putSortingAfter stores one ceasefire report published at pub whose ID sorts below id, so
// that among stories published together the stores return it after id's.
func (e *cacheEnv) putSortingAfter(t *testing.T, pub time.Time, id string) {
	t.Helper()
	for e.n++; reportID(e.n) >= id; e.n++ {
	}
	e.store1(t, pub)
}

func reportID(n int) string { return story.NewID("https://wire.example/rss", fmt.Sprint(n)) }

// store1 stores report e.n, published at pub.
func (e *cacheEnv) store1(t *testing.T, pub time.Time) {
	t.Helper()
	s := story.Story{ID: reportID(e.n), FeedURL: "https://wire.example/rss",
		Source: "Wire", Title: fmt.Sprintf("Mediators press Israel and Hamas as Gaza ceasefire talks resume, round %d", e.n),
		Link: fmt.Sprintf("https://wire.example/%d", e.n), Published: pub, Topics: []string{"ceasefire"}}
	if _, err := e.store.PutStories(context.Background(), []story.Story{s}); err != nil {
		t.Fatal(err)
	}
}

func (e *cacheEnv) reports(t *testing.T) int {
	t.Helper()
	st, err := e.ts.Status(context.Background(), "ceasefire")
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return st.Reports
}

// TestStatusCache checks when /ceasefire-status reuses its last assessment: only while the
// topic's newest story is unchanged and the assessment is younger than statusTTL.
func TestStatusCache(t *testing.T) {
	cases := []struct {
		name        string
		change      func(t *testing.T, e *cacheEnv)
		wantReads   int // window reads after the first status and the one after change
		wantReports int
	}{
		{"nothing new within the TTL is reused", func(t *testing.T, e *cacheEnv) { e.clock.Advance(10 * time.Second) }, 1, 3},
		{"a newer report is seen at once", func(t *testing.T, e *cacheEnv) {
			e.clock.Advance(time.Second)
			e.put(t, e.clock.Now())
		}, 2, 4},
		{"a report published with the newest, sorting after it, is seen at once", func(t *testing.T, e *cacheEnv) {
			e.clock.Advance(time.Second)
			e.putSortingAfter(t, e.clock.Now().Add(-time.Second-time.Hour), reportID(3)) // report 3 is the newest
		}, 2, 4},
		{"a late report older than the newest waits for the TTL", func(t *testing.T, e *cacheEnv) {
			e.put(t, e.clock.Now().Add(-5*time.Hour))
			e.clock.Advance(statusTTL - time.Second)
		}, 1, 3},
		{"after the TTL the window is read again", func(t *testing.T, e *cacheEnv) {
			e.put(t, e.clock.Now().Add(-5*time.Hour))
			e.clock.Advance(statusTTL)
		}, 2, 4},
		{"a clock stepping back is not trusted", func(t *testing.T, e *cacheEnv) { e.clock.Advance(-time.Second) }, 2, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newCacheEnv(t)
			if got := e.reports(t); got != 3 {
				t.Fatalf("first status: %d reports, want 3", got)
			}
			tc.change(t, e)
			got := e.reports(t)
			if got != tc.wantReports || e.store.windowReads() != tc.wantReads {
				t.Errorf("after the change: %d reports from %d window reads, want %d from %d",
					got, e.store.windowReads(), tc.wantReports, tc.wantReads)
			}
		})
	}
}

// TestStatusCacheReadsOnlyNewReports checks the path after a new report: only the stories
// since the newest assessed are read, and the status equals a whole-window assessment.
func TestStatusCacheReadsOnlyNewReports(t *testing.T) {
	e := newCacheEnv(t)
	e.reports(t)
	newest := e.clock.Now().Add(-time.Hour)
	e.clock.Advance(time.Second)
	e.put(t, e.clock.Now())
	e.put(t, newest) // a second report at the newest assessed one's time
	got, err := e.ts.Status(context.Background(), "ceasefire")
	if err != nil {
		t.Fatal(err)
	}
	if n, since := e.store.windowReads(), e.store.last.Since; n != 2 || !since.Equal(newest) {
		t.Errorf("%d window reads, the last since %v; want 2, the last since the newest assessed story (%v)", n, since, newest)
	}
	whole := newCacheEnvAt(t, e.clock.Now())
	whole.ts.stories = e.store // same stories, fresh cache
	want, err := whole.ts.Status(context.Background(), "ceasefire")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" || got.Reports != 5 {
		t.Errorf("status from new reports (%d reports) differs from a whole-window assessment (-whole +got):\n%s", got.Reports, diff)
	}
}

// TestStatusCacheKeepsNoFailure checks a store failure is returned, never cached: the next
// command reads the window again.
func TestStatusCacheKeepsNoFailure(t *testing.T) {
	e := newCacheEnv(t)
	e.store.fail = store.ErrUnavailable
	if _, err := e.ts.Status(context.Background(), "ceasefire"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("status with the store down: %v, want ErrUnavailable", err)
	}
	e.store.mu.Lock()
	e.store.fail = nil
	e.store.mu.Unlock()
	if got := e.reports(t); got != 3 {
		t.Errorf("after the store recovered: %d reports, want 3", got)
	}
}

// TestStatusCacheConcurrent runs commands on a stale topic at once: each gets the full
// status, and the window is read once (-race checks the cache's locking).
func TestStatusCacheConcurrent(t *testing.T) {
	e := newCacheEnv(t)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			st, err := e.ts.Status(context.Background(), "ceasefire")
			if err != nil || st.Reports != 3 {
				errs <- fmt.Sprintf("status: %d reports, %v", st.Reports, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if n := e.store.windowReads(); n != 1 {
		t.Errorf("%d window reads for 8 concurrent commands, want 1", n)
	}
}

// TestStatusWarming checks the background warmer: it assesses at once, re-assesses a status
// older than half the TTL (so commands keep finding a fresh one), and stops with its context.
func TestStatusWarming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newCacheEnvAt(t, time.Now())
		e.ts.now = time.Now // the bubble's clock, which the ticker follows
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); e.ts.Run(ctx) }()
		steps := []struct {
			name      string
			wait      time.Duration
			wantReads int
		}{
			{"assessed at start", 0, 1},
			{"fresh at the first tick", statusWarmEvery, 1},
			{"re-assessed at half the TTL", statusWarmEvery, 2},
			{"fresh again", statusWarmEvery, 2},
		}
		for _, s := range steps {
			time.Sleep(s.wait)
			synctest.Wait()
			if n := e.store.windowReads(); n != s.wantReads {
				t.Errorf("%s: %d window reads, want %d", s.name, n, s.wantReads)
			}
		}
		if got := e.reports(t); got != 3 || e.store.windowReads() != 2 {
			t.Errorf("command after warming: %d reports, %d window reads; want 3 from the warmed status", got, e.store.windowReads())
		}
		cancel()
		<-done
	})
}
