package poller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/lifecycle"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
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

// A first start polls every feed within FirstSpread (seconds, not the interval), at distinct
// offsets, and then once per interval.
func TestRunFirstPollsWithinSeconds(t *testing.T) {
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
		runFor(t, p, DefaultInterval+DefaultFirstSpread)

		perTenth := map[time.Duration]int{}
		for _, fd := range feeds {
			got := log.times(fd.URL)
			if len(got) != 2 {
				t.Fatalf("%s fetched at %v, want twice", fd.URL, got)
			}
			if got[0] >= DefaultFirstSpread {
				t.Errorf("%s first fetched after %v, want within %v", fd.URL, got[0], DefaultFirstSpread)
			}
			if got[1] != got[0]+DefaultInterval {
				t.Errorf("%s second fetch at %v, want one interval after %v", fd.URL, got[1], got[0])
			}
			perTenth[got[0].Truncate(100*time.Millisecond)]++
		}
		if len(perTenth) < 15 {
			t.Errorf("40 first polls fall in only %d distinct tenths of a second: %v", len(perTenth), perTenth)
		}
	})
}

// Feeds overdue after downtime are spread over OverdueSpread, not polled at one instant;
// feeds not yet due keep their persisted time.
func TestRunSpreadsOverdueFeeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := newFetchLog()
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			log.add(url)
			return okResult(url, "same"), nil
		})
		db := newMemStore()
		start := time.Now()
		var feeds []Feed
		for i := range 40 {
			u := fmt.Sprintf("https://host%d.example.org/feed", i)
			feeds = append(feeds, Feed{URL: u})
			db.states[u] = store.FeedState{URL: u, Known: true, LastPoll: start.Add(-3 * time.Hour), NextPoll: start.Add(-2 * time.Hour)}
		}
		const later = "https://later.example/feed"
		feeds = append(feeds, Feed{URL: later})
		db.states[later] = store.FeedState{URL: later, Known: true, LastPoll: start.Add(-time.Minute), NextPoll: start.Add(2 * time.Minute)}
		p := New(feeds, f, db, nil, Options{Logger: discard})
		runFor(t, p, 3*time.Minute)

		perSecond := map[time.Duration]int{}
		for _, fd := range feeds[:40] {
			got := log.times(fd.URL)
			if len(got) != 1 || got[0] >= DefaultOverdueSpread {
				t.Errorf("%s fetched at %v, want once within %v", fd.URL, got, DefaultOverdueSpread)
				continue
			}
			perSecond[got[0].Truncate(time.Second)]++
		}
		if len(perSecond) < 15 {
			t.Errorf("40 overdue polls fall in only %d distinct seconds: %v", len(perSecond), perSecond)
		}
		if diff := cmp.Diff([]time.Duration{2 * time.Minute}, log.times(later)); diff != "" {
			t.Errorf("feed not yet due (-want +got):\n%s", diff)
		}
	})
}

// Health tells /latest and the console whether the first polls are still running and which
// feeds failed, in words-ready form.
func TestHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const ok, bad, slow, off = "https://a.example/ok", "https://b.example/bad", "https://c.example/slow", "https://d.example/off"
		release := make(chan struct{})
		f := fetcherFunc(func(ctx context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			switch url {
			case bad:
				return nil, &feed.Error{Class: feed.ClassBlocked, URL: url, Err: errors.New("feed: destination address is not public: 127.0.0.1")}
			case slow:
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return okResult(url, url), nil
		})
		db := newMemStore()
		db.states[off] = store.FeedState{URL: off, Disabled: true, LastError: "gone", ErrorClass: string(feed.ClassGone)}
		p := New([]Feed{{URL: ok}, {URL: bad}, {URL: slow}, {URL: off}}, f, db, nil, Options{Logger: discard})
		if h := p.Health(); !h.Polling() || h.Finished != 0 {
			t.Fatalf("before Run: %+v", h)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); p.Run(ctx) }()
		time.Sleep(DefaultFirstSpread)
		synctest.Wait()
		want := Health{Feeds: 4, Finished: 3, OK: 1, Failures: []Failure{
			{URL: bad, Class: feed.ClassBlocked, Err: "the feed is on a private network address, which Herald does not fetch"},
			{URL: off, Class: ClassDisabled, Err: "gone"},
		}}
		h := p.Health()
		if diff := cmp.Diff(want, h); diff != "" || !h.Polling() {
			t.Errorf("while one feed is still being fetched (-want +got):\n%s", diff)
		}
		close(release)
		synctest.Wait()
		if h := p.Health(); h.Polling() || h.OK != 2 {
			t.Errorf("after every first poll: %+v", h)
		}
		cancel()
		<-done
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
		db := newMemStore()
		start := time.Now()
		// Every feed but the added one resumes from a persisted NextPoll, so times are exact.
		for _, u := range []string{failing, gone, healthy, boom} {
			db.states[u] = store.FeedState{URL: u, NextPoll: start.Add(time.Minute)}
		}
		rec := &onNewRecorder{}
		p := New([]Feed{{URL: failing}, {URL: gone}, {URL: healthy}, {URL: boom}}, f, db, nil,
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
		if st := db.states[gone]; !st.Disabled {
			t.Errorf("gone feed state %+v, want disabled", st)
		}
		if st := db.states[boom]; st.ErrorClass != string(ClassPanic) || st.Failures != 9 {
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

// A store that panics is Herald's bug, not a feed's failure: the poller does not recover it,
// so PollOnce panics in its caller and Run panics in its part, which the lifecycle runner
// reports dead (and so /readyz fails) instead of the poller polling on with a broken store.
func TestPanickingStoreEndsThePoller(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const bad, good = "https://a.example/bad", "https://b.example/good"
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			return okResult(url, "x"), nil
		})
		db := newMemStore()
		db.panicURL = bad
		p := New([]Feed{{URL: good}, {URL: bad}}, f, db, nil, Options{Logger: discard})
		if v := panicOf(func() { _, _ = p.PollOnce(t.Context(), nil) }); v != "memstore: corrupt record" {
			t.Errorf("PollOnce panicked with %v, want the store's panic", v)
		}
		runner := lifecycle.New(lifecycle.Options{}, lifecycle.Part{Name: "poller", Run: p.Run})
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error, 1)
		go func() { ran <- runner.Run(ctx) }()
		synctest.Wait()
		err := runner.Healthy()
		if err == nil || !strings.Contains(err.Error(), "poller panicked: memstore: corrupt record") {
			t.Errorf("Healthy = %v, want the poller reported dead by its panic", err)
		}
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
}

// panicOf runs fn and returns what it panicked with, nil when it returned.
func panicOf(fn func()) (v any) {
	defer func() { v = recover() }()
	fn()
	return nil
}

// PollOnce lists failures in feed-list order, whatever order the fetches finish in.
func TestPollOnceFailuresInFeedOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		urls := []string{"https://a.example/f", "https://b.example/f", "https://c.example/f"}
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			for i, u := range urls {
				if u == url {
					time.Sleep(time.Duration(len(urls)-i) * time.Second) // the last feed fails first
				}
			}
			return nil, &feed.Error{Class: feed.ClassTimeout, URL: url}
		})
		p := New([]Feed{{URL: urls[0]}, {URL: urls[1]}, {URL: urls[2]}}, f, newMemStore(), nil, Options{Logger: discard})
		sum, err := p.PollOnce(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fl := range sum.Failures {
			got = append(got, fl.URL)
		}
		if diff := cmp.Diff(urls, got); diff != "" {
			t.Errorf("failure order (-want +got):\n%s", diff)
		}
	})
}

// A feed fetched by the /subscribe check counts as polled for Health.
func TestHealthCountsFetchedFeeds(t *testing.T) {
	const u = "https://a.example/f"
	p := New(nil, fetcherFunc(func(context.Context, string, feed.Validators) (*feed.Result, error) { return nil, nil }),
		newMemStore(), nil, Options{Logger: discard})
	p.AddFeed(t.Context(), Feed{URL: u})
	if !p.Health().Polling() {
		t.Fatal("a feed just added, never fetched, must count as pending")
	}
	p.Fetched(u)
	if h := p.Health(); h.Polling() || h.OK != 1 {
		t.Errorf("after Fetched: %+v", h)
	}
}

// A panic in a poll goroutine outside one feed's poll (here OnNew, which hands stories to
// delivery) ends the poller part, reported dead, instead of crashing the process; PollOnce
// returns it as an error.
func TestPanickingOnNewEndsThePoller(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const url = "https://a.example/f"
		item := "x"
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			return okResult(url, item), nil
		})
		onNew := func(context.Context, []story.Story) { panic("delivery bug") }
		db := newMemStore()
		once := New([]Feed{{URL: url}}, f, db, nil, Options{Logger: discard, OnNew: onNew})
		if _, err := once.PollOnce(t.Context(), nil); err != nil {
			t.Fatalf("first PollOnce (backfill, no OnNew): %v", err)
		}
		item = "y"
		if _, err := once.PollOnce(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "delivery bug") {
			t.Errorf("PollOnce with a panicking OnNew = %v, want the panic as an error", err)
		}

		item = "z"
		p := New([]Feed{{URL: url}}, f, db, nil, Options{Logger: discard, OnNew: onNew})
		runner := lifecycle.New(lifecycle.Options{}, lifecycle.Part{Name: "poller", Run: p.Run})
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error, 1)
		go func() { ran <- runner.Run(ctx) }()
		time.Sleep(24 * time.Hour) // past the feed's next poll
		synctest.Wait()
		if err := runner.Healthy(); err == nil || !strings.Contains(err.Error(), "delivery bug") {
			t.Errorf("Healthy = %v, want the poller reported dead by OnNew's panic", err)
		}
		cancel()
		<-ran
	})
}
