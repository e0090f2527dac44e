package poller

import (
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/feed"
)

// cappedFetcher is the production fetcher keeping the newest maxItems items of a fetch.
func cappedFetcher(now func() time.Time, maxItems int) *feed.Fetcher {
	return feed.NewFetcher(feed.Options{
		AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Now:       now, Logger: discard, Timeout: 10 * time.Second, MaxItems: maxItems,
	})
}

// TestBigFeedKeepsNewestInBatches: a feed listing more items than the fetcher considers
// stores only the newest, in store calls of at most storeBatch stories, and says how many it
// left out in the summary and the log.
func TestBigFeedKeepsNewestInBatches(t *testing.T) {
	h := newHarness(t)
	h.site.set("/big", siteFeed{items: itemsN(250, h.clock.Now())}) // g1 oldest … g250 newest
	rh := newRecordHandler()
	p := New([]Feed{{URL: h.site.url("/big")}}, cappedFetcher(h.clock.Now, 120), h.store, nil,
		Options{Now: h.clock.Now, Logger: slog.New(rh)})

	sum := pollOnce(t, p)
	if diff := cmp.Diff(Summary{Feeds: 1, Polled: 1, NewStories: 120, Stories: 120, Dropped: 130}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	var want []string
	for i := 131; i <= 250; i++ {
		want = append(want, "Story "+strconv.Itoa(i)+" backfill=true")
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, h.store.storedTitles()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{100, 20}, h.store.putSizes); diff != "" {
		t.Errorf("PutStories batch sizes (-want +got):\n%s", diff)
	}
	logged := rh.withMsg("poller: feed lists more items than are considered, oldest left out")
	wantLog := []map[string]any{{"msg": "poller: feed lists more items than are considered, oldest left out",
		"feed_url": h.site.url("/big"), "items_kept": int64(120), "items_dropped": int64(130)}}
	if diff := cmp.Diff(wantLog, logged); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestStoreFailureMidFeedHandsOnStoredBatches: when a later batch fails, the stories of the
// batches already stored are handed to OnNew at once (they will not be new on the retry), and
// the retry hands on the rest: every new story exactly once.
func TestStoreFailureMidFeedHandsOnStoredBatches(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(1, now)})
	p := h.poller([]Feed{{URL: h.site.url("/a")}}, Options{})
	pollOnce(t, p) // backfill

	h.site.set("/a", siteFeed{etag: `"v2"`, items: itemsN(251, now)})
	h.store.mu.Lock()
	h.store.failFrom = len(h.store.putSizes) + 2 // the second batch of this poll fails
	h.store.mu.Unlock()
	if sum := pollOnce(t, p); sum.Failed != 1 || sum.NewStories != 0 {
		t.Fatalf("failing poll summary %+v, want one failure", sum)
	}
	h.store.mu.Lock()
	h.store.failFrom = 0
	h.store.mu.Unlock()
	h.clock.Advance(time.Hour)
	// The first batch (g1…g100) held g1, known from the backfill: 99 were stored and handed on.
	if sum := pollOnce(t, p); sum.NewStories != 151 {
		t.Fatalf("retry stored %d new stories, want 151", sum.NewStories)
	}
	seen := map[string]int{}
	for _, call := range h.onNew.get() {
		for _, title := range call {
			seen[title]++
		}
	}
	if len(seen) != 250 {
		t.Errorf("OnNew saw %d distinct stories, want 250", len(seen))
	}
	for title, n := range seen {
		if n != 1 {
			t.Errorf("%s handed on %d times", title, n)
		}
	}
}
