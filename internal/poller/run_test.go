package poller

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/mmcdole/gofeed"
)

// fetchLog records, per URL, when (relative to the bubble's start) each fetch began.
type fetchLog struct {
	mu    sync.Mutex
	start time.Time
	at    map[string][]time.Duration
}

func newFetchLog() *fetchLog {
	return &fetchLog{start: time.Now(), at: map[string][]time.Duration{}}
}

func (l *fetchLog) add(url string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.at[url] = append(l.at[url], time.Since(l.start))
	return len(l.at[url])
}

func (l *fetchLog) times(url string) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.at[url]...)
}

// okResult is a one-item feed whose item GUID is given.
func okResult(url, guid string) *feed.Result {
	return &feed.Result{URL: url, Status: 200, Feed: &gofeed.Feed{Title: "T", Items: []*gofeed.Item{{GUID: guid, Title: guid}}}}
}

// runFor runs p.Run for d of bubble time, then stops it and waits for it to return.
func runFor(t *testing.T, p *Poller, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	time.Sleep(d)
	synctest.Wait()
	cancel()
	<-done
}

func TestRunSpreadsFirstPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := newFetchLog()
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			log.add(url)
			return okResult(url, "same"), nil
		})
		var feeds []Feed
		for i := range 40 {
			feeds = append(feeds, Feed{URL: fmt.Sprintf("https://host%d.example.org/feed", i)})
		}
		p := New(feeds, f, newMemStore(), nil, Options{Logger: discard})
		runFor(t, p, 2*DefaultInterval-time.Second)

		perMinute := map[time.Duration]int{}
		for _, fd := range feeds {
			off := spreadOffset(fd.URL, DefaultInterval)
			want := []time.Duration{off, off + DefaultInterval}
			if off+DefaultInterval >= 2*DefaultInterval-time.Second {
				want = want[:1]
			}
			if diff := cmp.Diff(want, log.times(fd.URL)); diff != "" {
				t.Errorf("%s fetch times (-want +got):\n%s", fd.URL, diff)
			}
			perMinute[off.Truncate(time.Minute)]++
		}
		if len(perMinute) < 8 {
			t.Errorf("first polls fall in %d distinct minutes of 10: %v", len(perMinute), perMinute)
		}
		for m, n := range perMinute {
			if n > 10 {
				t.Errorf("%d of 40 first polls in minute %v", n, m)
			}
		}
	})
}

func TestSpreadOffsetDeterministic(t *testing.T) {
	a := spreadOffset("https://example.org/feed", DefaultInterval)
	if b := spreadOffset("https://example.org/feed", DefaultInterval); a != b {
		t.Errorf("offset not deterministic: %v then %v", a, b)
	}
	if a < 0 || a >= DefaultInterval {
		t.Errorf("offset %v outside [0, %v)", a, DefaultInterval)
	}
	if c := spreadOffset("https://example.org/other", DefaultInterval); c == a {
		t.Errorf("two URLs share offset %v", a)
	}
}

func TestRunSchedulesBackoffGoneAndNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			failing = "https://a.example/failing"
			gone    = "https://b.example/gone"
			healthy = "https://c.example/healthy"
			boom    = "https://d.example/boom"
			added   = "https://e.example/added"
		)
		log := newFetchLog()
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			n := log.add(url)
			switch url {
			case failing:
				return nil, &feed.Error{Class: feed.ClassTimeout, URL: url}
			case gone:
				return nil, &feed.Error{Class: feed.ClassGone, URL: url, Status: 410}
			case boom:
				panic("boom")
			}
			return okResult(url, fmt.Sprintf("item-%d", n)), nil
		})
		store := newMemStore()
		start := time.Now()
		// Every feed but the added one resumes from a persisted NextPoll, so times are exact.
		for _, u := range []string{failing, gone, healthy, boom} {
			store.states[u] = cache.FeedState{URL: u, NextPoll: start.Add(time.Minute)}
		}
		rec := &onNewRecorder{}
		p := New([]Feed{{URL: failing}, {URL: gone}, {URL: healthy}, {URL: boom}}, f, store, nil,
			Options{Logger: discard, OnNew: rec.OnNew, BackoffBase: time.Minute, BackoffMax: 4 * time.Minute, DisableAfter: 100})

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.Run(ctx)
		}()
		time.Sleep(5 * time.Minute)
		p.AddFeed(ctx, Feed{URL: added})
		p.AddFeed(ctx, Feed{URL: healthy}) // already scheduled: no extra poll
		p.AddFeed(ctx, Feed{URL: gone})    // disabled: adding it again leaves it disabled
		p.Resume(ctx, gone)                // a user's retry that fetched it enables it
		time.Sleep(25*time.Minute - time.Second)
		synctest.Wait()
		cancel()
		<-done

		m := time.Minute
		want := map[string][]time.Duration{
			failing: {1 * m, 2 * m, 4 * m, 8 * m, 12 * m, 16 * m, 20 * m, 24 * m, 28 * m},
			boom:    {1 * m, 2 * m, 4 * m, 8 * m, 12 * m, 16 * m, 20 * m, 24 * m, 28 * m},
			gone:    {1 * m, 5 * m},
			healthy: {1 * m, 11 * m, 21 * m},
			added:   {5 * m, 15 * m, 25 * m},
		}
		for url, w := range want {
			if diff := cmp.Diff(w, log.times(url)); diff != "" {
				t.Errorf("%s fetch times (-want +got):\n%s", url, diff)
			}
		}
		if st := store.states[gone]; !st.Disabled {
			t.Errorf("gone feed state %+v, want disabled", st)
		}
		if st := store.states[boom]; st.ErrorClass != string(ClassPanic) || st.Failures != 9 {
			t.Errorf("panicking feed state %+v", st)
		}
		wantNew := [][]string{{"item-2"}, {"item-2"}, {"item-3"}, {"item-3"}}
		if diff := cmp.Diff(wantNew, rec.get()); diff != "" {
			t.Errorf("OnNew calls (-want +got):\n%s", diff)
		}
	})
}

func TestPerHostAndGlobalLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu                sync.Mutex
			active            = map[string]int{}
			maxHost           = map[string]int{}
			global, maxGlobal int
		)
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			host := hostOf(url)
			mu.Lock()
			active[host]++
			global++
			maxHost[host] = max(maxHost[host], active[host])
			maxGlobal = max(maxGlobal, global)
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			active[host]--
			global--
			mu.Unlock()
			return okResult(url, "x"), nil
		})
		var feeds []Feed
		for h := range 3 {
			for i := range 6 {
				feeds = append(feeds, Feed{URL: fmt.Sprintf("https://HOST%d.example/feed%d", h, i)})
			}
		}
		p := New(feeds, f, newMemStore(), nil, Options{Logger: discard, Concurrency: 5, PerHost: 2})
		start := time.Now()
		sum, err := p.PollOnce(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Polled != 18 {
			t.Errorf("summary %+v", sum)
		}
		want := map[string]int{"host0.example": 2, "host1.example": 2, "host2.example": 2}
		if diff := cmp.Diff(want, maxHost); diff != "" {
			t.Errorf("max concurrent fetches per host (-want +got):\n%s", diff)
		}
		if maxGlobal != 5 {
			t.Errorf("max concurrent fetches %d, want 5", maxGlobal)
		}
		// 18 one-second fetches, at most 5 (really 2 per host × 3 hosts capped at 5) at once.
		if el := time.Since(start); el < 4*time.Second || el > 6*time.Second {
			t.Errorf("cycle took %v of bubble time, want 4-6s", el)
		}
	})
}

func TestPanickingStoreDoesNotStopOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bad, good = "https://a.example/bad", "https://b.example/good"
		log := newFetchLog()
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			log.add(url)
			return okResult(url, "x"), nil
		})
		store := newMemStore()
		store.panicURL = bad
		p := New([]Feed{{URL: bad}, {URL: good}}, f, store, nil, Options{Logger: discard})

		sum, err := p.PollOnce(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(Summary{Feeds: 2, Polled: 1, Failed: 1, NewStories: 1, Stories: 1}, sum); diff != "" {
			t.Errorf("PollOnce summary (-want +got):\n%s", diff)
		}
		runFor(t, p, 3*DefaultInterval)
		if n := len(log.times(good)); n < 3 {
			t.Errorf("healthy feed fetched %d times, want ≥3 (1 by PollOnce, 2+ by Run)", n)
		}
		if n := len(log.times(bad)); n != 0 {
			t.Errorf("feed with unreadable state fetched %d times", n)
		}
	})
}
