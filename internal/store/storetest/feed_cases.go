package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
)

// feedCases check the per-feed polling state.
func feedCases() []testCase {
	return []testCase{
		{name: "feed_state/round_trip_and_replace", run: feedStateRoundTrip},
		{name: "feed_state/unknown_is_not_ok", run: feedStateUnknown},
		{name: "feed_state/list_all", run: feedStateList},
	}
}

func sampleFeedState(url string, at time.Time) store.FeedState {
	return store.FeedState{
		URL: url, Title: "Example " + url, ETag: `W/"abc"`, LastModified: "Sun, 01 Mar 2026 11:00:00 GMT",
		NextPoll: at.Add(5 * time.Minute), LastPoll: at, LastSuccess: at.Add(-time.Minute),
		Known: true, Failures: 2, LastError: "timeout", ErrorClass: "transient",
	}
}

func feedStateRoundTrip(t *testing.T, e *env) {
	want := sampleFeedState("https://a.example/feed.xml", e.clock.Now())
	noErr(t, "PutFeedState", e.store.PutFeedState(e.ctx, want))
	got, ok, err := e.store.GetFeedState(e.ctx, want.URL)
	noErr(t, "GetFeedState", err)
	if !ok {
		t.Fatalf("GetFeedState(%q): ok = false after Put", want.URL)
	}
	mustDiff(t, "feed state", want, got)

	replaced := store.FeedState{URL: want.URL, Disabled: true, NextPoll: e.clock.Now().Add(time.Hour)}
	noErr(t, "PutFeedState (replace)", e.store.PutFeedState(e.ctx, replaced))
	got, ok, err = e.store.GetFeedState(e.ctx, want.URL)
	noErr(t, "GetFeedState", err)
	if !ok {
		t.Fatalf("GetFeedState(%q): ok = false after replace", want.URL)
	}
	mustDiff(t, "replaced feed state (no field may survive from the first Put)", replaced, got)
}

func feedStateUnknown(t *testing.T, e *env) {
	noErr(t, "PutFeedState", e.store.PutFeedState(e.ctx, sampleFeedState("https://a.example/", e.clock.Now())))
	got, ok, err := e.store.GetFeedState(e.ctx, "https://missing.example/")
	noErr(t, "GetFeedState", err)
	if ok {
		t.Errorf("GetFeedState(unknown): ok = true, state %+v", got)
	}
}

func feedStateList(t *testing.T, e *env) {
	empty, err := e.store.ListFeedStates(e.ctx)
	noErr(t, "ListFeedStates (empty)", err)
	mustDiff(t, "feed states of an empty store", []store.FeedState(nil), empty)

	var want []store.FeedState
	for _, u := range []string{"https://c.example/", "https://a.example/", "https://b.example/"} {
		st := sampleFeedState(u, e.clock.Now())
		want = append(want, st)
		noErr(t, "PutFeedState", e.store.PutFeedState(e.ctx, st))
	}
	// Putting the same URL again must not create a second entry.
	noErr(t, "PutFeedState (again)", e.store.PutFeedState(e.ctx, want[0]))
	got, err := e.store.ListFeedStates(e.ctx)
	noErr(t, "ListFeedStates", err)
	byURL := func(s []store.FeedState) {
		sort.Slice(s, func(i, j int) bool { return s[i].URL < s[j].URL })
	}
	byURL(want)
	byURL(got)
	mustDiff(t, "listed feed states", want, got)
}
