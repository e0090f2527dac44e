package poller

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/story"
)

// CheckFeed (/subscribe feed) records the feed's current items as the poll would, but as
// backfill, and marks the feed known: the first poll after it hands only what was published
// since to OnNew. Items come named and tagged as a poll's.
func TestCheckFeedIsTheFirstPollsBaseline(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	url := h.site.url("/a")
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(3, now)})
	tag := func(story.Story) []string { return []string{"ceasefire"} }
	p := New([]Feed{{URL: url, Name: "Outlet A"}}, realFetcher(h.clock.Now), h.store, tag,
		Options{Now: h.clock.Now, Logger: discard, OnNew: h.onNew.OnNew})

	got, err := p.CheckFeed(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range got.Items {
		titles = append(titles, it.Title)
		if it.Source != "Outlet A" || !it.Backfill || !it.HasTopic("ceasefire") {
			t.Errorf("checked item %+v, want named, tagged backfill", it)
		}
	}
	if diff := cmp.Diff([]string{"Story 3", "Story 2", "Story 1"}, titles); diff != "" || got.Title != "Feed /a" {
		t.Errorf("CheckFeed title %q, items newest first (-want +got):\n%s", got.Title, diff)
	}
	if st := h.store.state(t, url); !st.Known || st.ETag != `"v1"` {
		t.Errorf("state after CheckFeed = %+v, want known with the validators", st)
	}

	h.site.set("/a", siteFeed{etag: `"v2"`, items: append([]item{{guid: "g4", title: "Story 4", published: now}}, itemsN(3, now)...)})
	pollOnce(t, p)
	if diff := cmp.Diff([][]string{{"Story 4"}}, h.onNew.get()); diff != "" {
		t.Errorf("OnNew after the check (-want +got):\n%s", diff)
	}
}
