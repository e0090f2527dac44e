package poller

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/story"
)

// harness wires a Poller to a test site, the real fetcher, a memStore and a fake clock.
type harness struct {
	site  *site
	store *memStore
	clock *fakeClock
	onNew *onNewRecorder
}

func newHarness(t *testing.T) *harness {
	return &harness{site: newSite(t), store: newMemStore(), clock: newFakeClock(), onNew: &onNewRecorder{}}
}

func (h *harness) poller(feeds []Feed, opts Options) *Poller {
	opts.Now, opts.Logger, opts.OnNew = h.clock.Now, discard, h.onNew.OnNew
	return New(feeds, realFetcher(h.clock.Now), h.store, nil, opts)
}

func pollOnce(t *testing.T, p *Poller) Summary {
	t.Helper()
	sum, err := p.PollOnce(context.Background(), nil)
	if err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	return sum
}

func TestFirstFetchIsBackfillThenOnlyNewGoToOnNew(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(3, now)})
	p := h.poller([]Feed{{URL: h.site.url("/a"), Name: "A"}}, Options{})

	sum := pollOnce(t, p)
	if diff := cmp.Diff(Summary{Feeds: 1, Polled: 1, NewStories: 3, Stories: 3}, sum); diff != "" {
		t.Errorf("first summary (-want +got):\n%s", diff)
	}
	wantStored := []string{"Story 1 backfill=true", "Story 2 backfill=true", "Story 3 backfill=true"}
	if diff := cmp.Diff(wantStored, h.store.storedTitles()); diff != "" {
		t.Errorf("stored after first fetch (-want +got):\n%s", diff)
	}
	if calls := h.onNew.get(); len(calls) != 0 {
		t.Errorf("OnNew called for backfill: %v", calls)
	}
	st := h.store.state(t, h.site.url("/a"))
	if !st.Known || st.ETag != `"v1"` || st.Title != "Feed /a" || !st.LastSuccess.Equal(now) ||
		!st.NextPoll.Equal(now.Add(DefaultInterval)) {
		t.Errorf("state after first fetch = %+v", st)
	}

	// Two new items, listed newest first in the document: OnNew must get them oldest first.
	items := itemsN(3, now)
	items = append([]item{
		{guid: "g5", title: "Story 5", published: now.Add(2 * time.Minute)},
		{guid: "g4", title: "Story 4", published: now.Add(time.Minute)},
	}, items...)
	h.site.set("/a", siteFeed{etag: `"v2"`, items: items})
	h.clock.Advance(10 * time.Minute)

	sum = pollOnce(t, p)
	if diff := cmp.Diff(Summary{Feeds: 1, Polled: 1, NewStories: 2, Stories: 5}, sum); diff != "" {
		t.Errorf("second summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"Story 4", "Story 5"}}, h.onNew.get()); diff != "" {
		t.Errorf("OnNew calls (-want +got):\n%s", diff)
	}
	wantStored = append(wantStored, "Story 4 backfill=false", "Story 5 backfill=false")
	if diff := cmp.Diff(wantStored, h.store.storedTitles()); diff != "" {
		t.Errorf("stored after second fetch (-want +got):\n%s", diff)
	}
	if got := h.site.inm["/a"]; !cmp.Equal(got, []string{"", `"v1"`}) {
		t.Errorf("If-None-Match sent = %q, want none then \"v1\"", got)
	}
}

func TestNotModifiedKeepsStories(t *testing.T) {
	h := newHarness(t)
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(4, h.clock.Now())})
	p := h.poller([]Feed{{URL: h.site.url("/a")}}, Options{})
	pollOnce(t, p)
	before := h.store.storedTitles()
	h.clock.Advance(10 * time.Minute)

	sum := pollOnce(t, p)
	if diff := cmp.Diff(Summary{Feeds: 1, Polled: 1, NotModified: 1}, sum); diff != "" {
		t.Errorf("304 summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, h.store.storedTitles()); diff != "" {
		t.Errorf("stories changed on 304 (-want +got):\n%s", diff)
	}
	st := h.store.state(t, h.site.url("/a"))
	now := h.clock.Now()
	if st.ETag != `"v1"` || !st.Known || !st.LastSuccess.Equal(now) || !st.NextPoll.Equal(now.Add(DefaultInterval)) {
		t.Errorf("state after 304 = %+v", st)
	}
	if len(h.onNew.get()) != 0 {
		t.Error("OnNew called on 304")
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	h := newHarness(t)
	h.site.set("/a", siteFeed{status: http.StatusInternalServerError})
	url := h.site.url("/a")
	p := h.poller([]Feed{{URL: url}}, Options{BackoffBase: time.Minute, BackoffMax: 5 * time.Minute, DisableAfter: 100})

	want := []time.Duration{1, 2, 4, 5, 5, 5}
	for i, w := range want {
		sum := pollOnce(t, p)
		if sum.Failed != 1 {
			t.Fatalf("poll %d: summary %+v, want one failure", i+1, sum)
		}
		st := h.store.state(t, url)
		if got := st.NextPoll.Sub(h.clock.Now()); got != w*time.Minute {
			t.Errorf("poll %d: next poll in %v, want %v", i+1, got, w*time.Minute)
		}
		if st.Failures != i+1 || st.ErrorClass != string(feed.ClassHTTP) || st.Disabled || st.LastError == "" {
			t.Errorf("poll %d: state %+v", i+1, st)
		}
		h.clock.Advance(st.NextPoll.Sub(h.clock.Now()))
	}

	h.site.set("/a", siteFeed{items: itemsN(1, h.clock.Now())})
	pollOnce(t, p)
	st := h.store.state(t, url)
	if st.Failures != 0 || st.LastError != "" || st.ErrorClass != "" || !st.NextPoll.Equal(h.clock.Now().Add(DefaultInterval)) {
		t.Errorf("state after recovery = %+v", st)
	}
}

func TestServerHintsSetNextPoll(t *testing.T) {
	tests := []struct {
		name      string
		feed      siteFeed
		wantNext  time.Duration
		wantClass string
	}{
		{"cache hint longer than interval", siteFeed{headers: map[string]string{"Cache-Control": "max-age=7200"}}, 2 * time.Hour, ""},
		{"cache hint shorter than interval", siteFeed{headers: map[string]string{"Cache-Control": "max-age=60"}}, DefaultInterval, ""},
		{"retry-after on 429", siteFeed{status: http.StatusTooManyRequests, headers: map[string]string{"Retry-After": "3600"}}, time.Hour, string(feed.ClassRateLimit)},
		{"retry-after on 503", siteFeed{status: http.StatusServiceUnavailable, headers: map[string]string{"Retry-After": "1800"}}, 30 * time.Minute, string(feed.ClassHTTP)},
		{"short retry-after loses to backoff", siteFeed{status: http.StatusTooManyRequests, headers: map[string]string{"Retry-After": "5"}}, DefaultBackoffBase, string(feed.ClassRateLimit)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.feed.items = itemsN(1, h.clock.Now())
			h.site.set("/a", tc.feed)
			p := h.poller([]Feed{{URL: h.site.url("/a")}}, Options{})
			pollOnce(t, p)
			st := h.store.state(t, h.site.url("/a"))
			if got := st.NextPoll.Sub(h.clock.Now()); got != tc.wantNext {
				t.Errorf("next poll in %v, want %v", got, tc.wantNext)
			}
			if st.ErrorClass != tc.wantClass {
				t.Errorf("error class %q, want %q", st.ErrorClass, tc.wantClass)
			}
		})
	}
}

func TestGoneDisablesAtOnce(t *testing.T) {
	h := newHarness(t)
	h.site.set("/gone", siteFeed{status: http.StatusGone})
	h.site.set("/ok", siteFeed{items: itemsN(2, h.clock.Now())})
	p := h.poller([]Feed{{URL: h.site.url("/gone")}, {URL: h.site.url("/ok")}}, Options{})

	sum := pollOnce(t, p)
	gone := Failure{URL: h.site.url("/gone"), Class: feed.ClassGone, Err: "the feed's server says the feed is gone for good (HTTP 410)"}
	if diff := cmp.Diff(Summary{Feeds: 2, Polled: 1, Failed: 1, NewStories: 2, Stories: 2, Failures: []Failure{gone}}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	st := h.store.state(t, h.site.url("/gone"))
	if !st.Disabled || st.ErrorClass != string(feed.ClassGone) || st.Failures != 1 {
		t.Errorf("state after 410 = %+v", st)
	}
	h.clock.Advance(time.Hour)
	sum = pollOnce(t, p)
	disabled := Failure{URL: gone.URL, Class: ClassDisabled, Err: gone.Err}
	if diff := cmp.Diff(Summary{Feeds: 2, Polled: 1, Failed: 1, Stories: 2, Failures: []Failure{disabled}}, sum); diff != "" || h.site.count("/gone") != 1 {
		t.Errorf("disabled feed polled again (%d requests) or not reported as disabled (-want +got):\n%s", h.site.count("/gone"), diff)
	}

	// Adding it again (a restart re-adds subscribed feeds) leaves it disabled (issue 11 item 5);
	// Resume, after someone checked it works, enables it.
	p.AddFeed(context.Background(), Feed{URL: h.site.url("/gone")})
	if st := h.store.state(t, h.site.url("/gone")); !st.Disabled {
		t.Errorf("state after AddFeed = %+v, want still disabled", st)
	}
	if !p.Resume(context.Background(), h.site.url("/gone")) {
		t.Error("Resume of a disabled feed reported nothing to resume")
	}
	if st := h.store.state(t, h.site.url("/gone")); st.Disabled || st.Failures != 0 {
		t.Errorf("state after Resume = %+v", st)
	}
}

func TestDisableAfterConsecutiveFailures(t *testing.T) {
	h := newHarness(t)
	h.site.set("/a", siteFeed{status: http.StatusBadGateway})
	url := h.site.url("/a")
	p := h.poller([]Feed{{URL: url}}, Options{DisableAfter: 3})
	for i := 1; i <= 4; i++ {
		pollOnce(t, p)
		st := h.store.state(t, url)
		wantDisabled := i >= 3
		if st.Disabled != wantDisabled {
			t.Errorf("after poll %d: disabled=%v, want %v", i, st.Disabled, wantDisabled)
		}
		h.clock.Advance(time.Hour)
	}
	if got := h.site.count("/a"); got != 3 {
		t.Errorf("%d requests, want 3 (none once disabled)", got)
	}
}

func TestPanickingFetcherRecovered(t *testing.T) {
	h := newHarness(t)
	h.site.set("/ok", siteFeed{items: itemsN(2, h.clock.Now())})
	real := realFetcher(h.clock.Now)
	boom := h.site.url("/boom")
	f := fetcherFunc(func(ctx context.Context, url string, v feed.Validators) (*feed.Result, error) {
		if url == boom {
			panic("parser exploded")
		}
		return real.Fetch(ctx, url, v)
	})
	p := New([]Feed{{URL: boom}, {URL: h.site.url("/ok")}}, f, h.store, nil, Options{Now: h.clock.Now, Logger: discard})
	sum, err := p.PollOnce(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Feeds: 2, Polled: 1, Failed: 1, NewStories: 2, Stories: 2,
		Failures: []Failure{{URL: boom, Class: ClassPanic, Err: "poller: panic: parser exploded"}}}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	st := h.store.state(t, boom)
	if st.ErrorClass != string(ClassPanic) || st.Failures != 1 || !strings.Contains(st.LastError, "parser exploded") {
		t.Errorf("panicking feed state = %+v", st)
	}
}

func TestStoreFailureRetriesWholeFeed(t *testing.T) {
	h := newHarness(t)
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(2, h.clock.Now())})
	url := h.site.url("/a")
	p := h.poller([]Feed{{URL: url}}, Options{})
	h.store.putErr = errStoreDown
	sum := pollOnce(t, p)
	if sum.Failed != 1 {
		t.Errorf("summary %+v, want a failure", sum)
	}
	st := h.store.state(t, url)
	if st.Known || st.ETag != "" || st.ErrorClass != string(ClassStore) {
		t.Errorf("state after store failure = %+v (validators must not advance)", st)
	}
	h.store.putErr = nil
	h.clock.Advance(time.Minute)
	if sum := pollOnce(t, p); sum.NewStories != 2 || sum.NotModified != 0 {
		t.Errorf("retry summary %+v, want the 2 stories stored", sum)
	}
	if len(h.onNew.get()) != 0 {
		t.Error("stories of a first successful store were live-posted")
	}
}

func TestStateStoreDown(t *testing.T) {
	h := newHarness(t)
	h.store.stateErr = errStoreDown
	p := h.poller([]Feed{{URL: h.site.url("/a")}}, Options{})
	if _, err := p.PollOnce(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "memstore: down") {
		t.Errorf("PollOnce error = %v, want the store's", err)
	}
}

func TestTaggerAndProgress(t *testing.T) {
	h := newHarness(t)
	var feeds []Feed
	for _, path := range []string{"/a", "/b", "/c"} {
		h.site.set(path, siteFeed{items: itemsN(2, h.clock.Now())})
		feeds = append(feeds, Feed{URL: h.site.url(path), Name: "Wire"})
	}
	tag := func(s story.Story) []string {
		if strings.HasSuffix(s.Title, "1") {
			return []string{"first"}
		}
		return nil
	}
	p := New(feeds, realFetcher(h.clock.Now), h.store, tag, Options{Now: h.clock.Now, Logger: discard})
	var seen []int
	sum, err := p.PollOnce(context.Background(), func(done, total int) {
		if total != 3 {
			t.Errorf("total = %d, want 3", total)
		}
		seen = append(seen, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if sum.Stories != 6 {
		t.Errorf("summary %+v", sum)
	}
	tagged := 0
	for _, s := range h.store.stories {
		if s.Source != "Wire" {
			t.Errorf("source %q, want Wire", s.Source)
		}
		if s.HasTopic("first") {
			tagged++
		}
	}
	if tagged != 3 {
		t.Errorf("%d stories tagged, want 3", tagged)
	}
}

// TestWithBoltStore runs the backfill-then-new sequence against the real embedded store, whose
// PutStories semantics (first version wins, new IDs returned) the poller depends on.
func TestWithBoltStore(t *testing.T) {
	h := newHarness(t)
	bs, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{Now: h.clock.Now, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bs.Close() })
	now := h.clock.Now()
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(3, now)})
	url := h.site.url("/a")
	p := New([]Feed{{URL: url}}, realFetcher(h.clock.Now), bs, nil, Options{Now: h.clock.Now, Logger: discard, OnNew: h.onNew.OnNew})

	steps := []struct {
		name    string
		feed    siteFeed
		want    Summary
		wantNew [][]string
	}{
		{"first fetch is backfill", siteFeed{etag: `"v1"`, items: itemsN(3, now)}, Summary{Feeds: 1, Polled: 1, NewStories: 3, Stories: 3}, nil},
		{"unchanged answers 304", siteFeed{etag: `"v1"`, items: itemsN(3, now)}, Summary{Feeds: 1, Polled: 1, NotModified: 1}, nil},
		{"one new item", siteFeed{etag: `"v2"`, items: append(itemsN(3, now), item{guid: "n1", title: "New", published: now})},
			Summary{Feeds: 1, Polled: 1, NewStories: 1, Stories: 4}, [][]string{{"New"}}},
	}
	for _, s := range steps {
		h.site.set("/a", s.feed)
		if diff := cmp.Diff(s.want, pollOnce(t, p)); diff != "" {
			t.Errorf("%s: summary (-want +got):\n%s", s.name, diff)
		}
		if diff := cmp.Diff(s.wantNew, h.onNew.get()); diff != "" {
			t.Errorf("%s: OnNew (-want +got):\n%s", s.name, diff)
		}
		h.clock.Advance(DefaultInterval)
	}
	stored, err := bs.RecentStories(context.Background(), store.StoryQuery{FeedURL: url})
	if err != nil {
		t.Fatal(err)
	}
	backfill := 0
	for _, s := range stored {
		if s.Backfill {
			backfill++
		}
	}
	if len(stored) != 4 || backfill != 3 {
		t.Errorf("bolt holds %d stories (%d backfill), want 4 (3 backfill)", len(stored), backfill)
	}
	st, ok, err := bs.GetFeedState(context.Background(), url)
	if err != nil || !ok || !st.Known || st.ETag != `"v2"` {
		t.Errorf("bolt feed state %+v ok=%v err=%v", st, ok, err)
	}
}

func TestPollOnceCancelledIsNotAFeedFailure(t *testing.T) {
	h := newHarness(t)
	h.site.set("/a", siteFeed{items: itemsN(1, h.clock.Now())})
	h.site.set("/b", siteFeed{items: itemsN(1, h.clock.Now())})
	p := h.poller([]Feed{{URL: h.site.url("/a")}, {URL: h.site.url("/b")}}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err := p.PollOnce(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(Summary{Feeds: 2}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if h.store.putStates != 0 {
		t.Errorf("%d feed states written by a cancelled cycle, want 0", h.store.putStates)
	}
}

// TestNewStoriesAfterDowntimeAreMarked is issue 11 item 4: the first poll after a restart of a
// feed polled before it brings what appeared while Herald was down, which delivery bounds and
// summarises; later polls bring ordinary news.
func TestNewStoriesAfterDowntimeAreMarked(t *testing.T) {
	h := newHarness(t)
	url := h.site.url("/a")
	h.store.states[url] = store.FeedState{URL: url, Known: true, LastSuccess: h.clock.Now().Add(-10 * time.Hour)}
	var mu sync.Mutex
	var got []bool
	p := New([]Feed{{URL: url}}, realFetcher(h.clock.Now), h.store, nil, Options{Now: h.clock.Now, Logger: discard,
		OnNew: func(_ context.Context, stories []story.Story) {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range stories {
				got = append(got, s.AfterDowntime)
			}
		}})
	h.site.set("/a", siteFeed{items: itemsN(2, h.clock.Now())})
	pollOnce(t, p)
	h.clock.Advance(time.Hour)
	h.site.set("/a", siteFeed{items: itemsN(3, h.clock.Now())})
	pollOnce(t, p)
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]bool{true, true, false}, got); diff != "" {
		t.Errorf("AfterDowntime of the stories handed to OnNew (-want +got):\n%s", diff)
	}
}
