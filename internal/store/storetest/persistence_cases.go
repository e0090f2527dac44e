package storetest

import (
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// persistenceCases check that state survives a restart, for stores that can be reopened.
func persistenceCases() []testCase {
	return []testCase{
		{name: "persistence/survives_reopen", run: survivesReopen},
	}
}

func survivesReopen(t *testing.T, e *env) {
	r, ok := e.store.(Reopener)
	if !ok {
		t.Skipf("storetest: %T does not implement storetest.Reopener; persistence not checked", e.store)
	}
	now := e.clock.Now()
	fs := sampleFeedState("https://a.example", now)
	noErr(t, "PutFeedState", e.store.PutFeedState(e.ctx, fs))
	st := []story.Story{newStory("https://a.example", "1", now.Add(-time.Hour), "t"), newStory("https://a.example", "2", now, "t")}
	putAll(t, e, st...)
	id := ids(3)
	noErr(t, "Confirm", e.store.Confirm(e.ctx, "c1", id[:1]))
	claim(t, e, "c1", id[1:2], time.Hour)
	expectAcquire(t, e, "before reopen", "poller", "a", time.Hour, true)
	sub := create(t, e, feedSub("g1", "c1", "https://a.example", now))

	e.store = r.Reopen(t)

	got, ok, err := e.store.GetFeedState(e.ctx, fs.URL)
	noErr(t, "GetFeedState after reopen", err)
	if !ok {
		t.Errorf("feed state lost on reopen")
	}
	mustDiff(t, "feed state after reopen", fs, got)
	recent, err := e.store.RecentStories(e.ctx, store.StoryQuery{Topic: "t"})
	noErr(t, "RecentStories after reopen", err)
	mustDiff(t, "stories after reopen", []story.Story{st[1], st[0]}, recent)
	mustDiff(t, "unseen after reopen (seen and leased kept)", id[2:], unseen(t, e, "c1", id))
	expectAcquire(t, e, "after reopen", "poller", "b", time.Hour, false)
	subs, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{})
	noErr(t, "ListSubscriptions after reopen", err)
	mustDiff(t, "subscriptions after reopen", []store.Subscription{sub}, subs)
}
