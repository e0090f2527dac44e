package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// storyCases check story storage, lookup, the /latest query and trimming.
func storyCases() []testCase {
	return []testCase{
		{name: "stories/put_returns_only_new_ids", run: putReturnsNew},
		{name: "stories/put_keeps_first_version", run: putKeepsFirst},
		{name: "stories/put_repeated_id_in_one_batch", run: putRepeatedInBatch},
		{name: "stories/get_in_input_order_skipping_unknown", run: getInInputOrder},
		{name: "stories/recent_queries", run: recentQueries},
		{name: "stories/count", run: countStories},
		{name: "stories/recent_default_limit_100", run: recentDefaultLimit},
		{name: "stories/trim_by_age", ret: store.Retention{Seen: time.Hour, Stories: 24 * time.Hour, MaxStories: 1000}, run: trimByAge},
		{name: "stories/trim_by_max_stories", ret: store.Retention{Seen: time.Hour, Stories: 30 * 24 * time.Hour, MaxStories: 5}, run: trimByCount},
		{name: "stories/trim_by_age_and_count", ret: store.Retention{Seen: time.Hour, Stories: 24 * time.Hour, MaxStories: 3}, run: trimByAgeAndCount},
	}
}

// newStory builds a fully populated story so every field's round trip is checked.
func newStory(feedURL, key string, published time.Time, topics ...string) story.Story {
	return story.Story{
		ID:         story.NewID(feedURL, key),
		FeedURL:    feedURL,
		Source:     "Source of " + feedURL,
		Title:      "Title " + key,
		Summary:    "Summary of " + key + " — with ünïcode",
		Link:       feedURL + "/" + key,
		Published:  published,
		FirstSeen:  published.Add(time.Minute),
		Image:      feedURL + "/" + key + ".jpg",
		Categories: []string{"world", key},
		Topics:     topics,
	}
}

// storyIDs lists the ids of stories in order.
func storyIDs(stories []story.Story) []string {
	ids := make([]string, 0, len(stories))
	for _, s := range stories {
		ids = append(ids, s.ID)
	}
	return ids
}

// putAll stores stories and fails the case unless all were new.
func putAll(t *testing.T, e *env, stories ...story.Story) {
	t.Helper()
	got, err := e.store.PutStories(e.ctx, stories)
	noErr(t, "PutStories", err)
	mustDiff(t, "new ids from PutStories", storyIDs(stories), got)
}

func putReturnsNew(t *testing.T, e *env) {
	now := e.clock.Now()
	a := newStory("https://a.example", "1", now.Add(-3*time.Hour))
	b := newStory("https://a.example", "2", now.Add(-2*time.Hour))
	c := newStory("https://b.example", "1", now.Add(-1*time.Hour))
	putAll(t, e, a, b)

	got, err := e.store.PutStories(e.ctx, []story.Story{b, c, a})
	noErr(t, "PutStories (second)", err)
	mustDiff(t, "new ids of a batch with two known stories", []string{c.ID}, got)

	got, err = e.store.PutStories(e.ctx, []story.Story{a, b, c})
	noErr(t, "PutStories (third)", err)
	mustDiff(t, "new ids of an all-known batch", []string(nil), got)
}

func putKeepsFirst(t *testing.T, e *env) {
	now := e.clock.Now()
	first := newStory("https://a.example", "1", now.Add(-time.Hour))
	first.Backfill = true
	putAll(t, e, first)

	again := first
	again.Title = "Edited title"
	again.FirstSeen = now.Add(time.Hour)
	again.Backfill = false
	e.clock.Advance(time.Hour)
	_, err := e.store.PutStories(e.ctx, []story.Story{again})
	noErr(t, "PutStories (again)", err)

	got, err := e.store.GetStories(e.ctx, []string{first.ID})
	noErr(t, "GetStories", err)
	mustDiff(t, "stored story after a repeated Put", []story.Story{first}, got)
}

// putRepeatedInBatch: feeds do repeat an item (same GUID) within one document; the second
// copy is not new, so it must neither be reported twice nor replace the first.
func putRepeatedInBatch(t *testing.T, e *env) {
	now := e.clock.Now()
	a := newStory("https://a.example", "1", now.Add(-time.Hour))
	b := newStory("https://a.example", "2", now.Add(-2*time.Hour))
	copyA := a
	copyA.Title = "Second copy"
	got, err := e.store.PutStories(e.ctx, []story.Story{a, b, copyA})
	noErr(t, "PutStories", err)
	mustDiff(t, "new ids of a batch repeating an id", []string{a.ID, b.ID}, got)
	stored, err := e.store.GetStories(e.ctx, []string{a.ID})
	noErr(t, "GetStories", err)
	mustDiff(t, "stored copy of a repeated id (the first)", []story.Story{a}, stored)
}

func getInInputOrder(t *testing.T, e *env) {
	now := e.clock.Now()
	var stories []story.Story
	for i := range 5 {
		stories = append(stories, newStory("https://a.example", fmt.Sprint(i), now.Add(-time.Duration(i)*time.Minute), "t"))
	}
	putAll(t, e, stories...)
	ids := []string{stories[3].ID, "ffffffffffffffff", stories[0].ID, stories[4].ID, "not-an-id", stories[1].ID}
	got, err := e.store.GetStories(e.ctx, ids)
	noErr(t, "GetStories", err)
	mustDiff(t, "GetStories result", []story.Story{stories[3], stories[0], stories[4], stories[1]}, got)
}

// recentFixture is a small newsroom: two feeds, two topics, published an hour apart.
func recentFixture(t *testing.T, e *env) []story.Story {
	t.Helper()
	now := e.clock.Now()
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	stories := []story.Story{
		newStory("https://a.example", "a3", at(3), "gaza", "un"),
		newStory("https://b.example", "b1", at(1), "gaza"),
		newStory("https://a.example", "a5", at(5)),
		newStory("https://b.example", "b4", at(4), "un"),
		newStory("https://a.example", "a2", at(2), "gaza"),
		newStory("https://b.example", "b6", at(6), "gaza", "un"),
	}
	putAll(t, e, stories...)
	return stories
}

func recentQueries(t *testing.T, e *env) {
	s := recentFixture(t, e)
	a3, b1, a5, b4, a2, b6 := s[0], s[1], s[2], s[3], s[4], s[5]
	now := e.clock.Now()
	cases := []struct {
		name string
		q    store.StoryQuery
		want []story.Story
	}{
		{"all newest first", store.StoryQuery{}, []story.Story{b1, a2, a3, b4, a5, b6}},
		{"limit", store.StoryQuery{Limit: 2}, []story.Story{b1, a2}},
		{"topic", store.StoryQuery{Topic: "un"}, []story.Story{a3, b4, b6}},
		{"topic limit", store.StoryQuery{Topic: "gaza", Limit: 3}, []story.Story{b1, a2, a3}},
		{"unknown topic", store.StoryQuery{Topic: "mars"}, nil},
		{"unknown feed", store.StoryQuery{FeedURL: "https://c.example"}, nil},
		{"topic of another feed", store.StoryQuery{FeedURL: "https://a.example", Topic: "un", Since: a3.Published.Add(time.Second)}, nil},
		{"feed", store.StoryQuery{FeedURL: "https://a.example"}, []story.Story{a2, a3, a5}},
		{"feed and topic", store.StoryQuery{FeedURL: "https://b.example", Topic: "un"}, []story.Story{b4, b6}},
		{"since inclusive", store.StoryQuery{Since: a3.Published}, []story.Story{b1, a2, a3}},
		{"until exclusive", store.StoryQuery{Until: a3.Published}, []story.Story{b4, a5, b6}},
		{"since and until", store.StoryQuery{Since: b4.Published, Until: a2.Published}, []story.Story{a3, b4}},
		{"window and topic and limit", store.StoryQuery{Topic: "gaza", Since: now.Add(-10 * time.Hour), Until: b1.Published, Limit: 2}, []story.Story{a2, a3}},
		{"empty window", store.StoryQuery{Since: now}, nil},
	}
	for _, c := range cases {
		got, err := e.store.RecentStories(e.ctx, c.q)
		noErr(t, "RecentStories "+c.name, err)
		mustDiff(t, "RecentStories "+c.name+" ids", storyIDs(c.want), storyIDs(got))
		mustDiff(t, "RecentStories "+c.name+" stories", c.want, got)
	}
}

func recentDefaultLimit(t *testing.T, e *env) {
	now := e.clock.Now()
	var stories []story.Story
	for i := range 120 {
		stories = append(stories, newStory("https://a.example", fmt.Sprint(i), now.Add(-time.Duration(i)*time.Minute)))
	}
	putAll(t, e, stories...)
	got, err := e.store.RecentStories(e.ctx, store.StoryQuery{})
	noErr(t, "RecentStories", err)
	mustDiff(t, "RecentStories with Limit 0 (default 100, newest first)", storyIDs(stories[:100]), storyIDs(got))
}

// trimFixture stores stories published the given hours ago and returns them.
func trimFixture(t *testing.T, e *env, hoursAgo ...int) []story.Story {
	t.Helper()
	now := e.clock.Now()
	var stories []story.Story
	for _, h := range hoursAgo {
		stories = append(stories, newStory("https://a.example", fmt.Sprint("h", h), now.Add(-time.Duration(h)*time.Hour), "t"))
	}
	putAll(t, e, stories...)
	return stories
}

// checkRemaining asserts exactly keep remain among all, by id and through the topic query.
func checkRemaining(t *testing.T, e *env, all, keep []story.Story) {
	t.Helper()
	got, err := e.store.GetStories(e.ctx, storyIDs(all))
	noErr(t, "GetStories after trim", err)
	mustDiff(t, "stories left after trim", storyIDs(keep), storyIDs(got))
	recent, err := e.store.RecentStories(e.ctx, store.StoryQuery{Topic: "t", Limit: 1000})
	noErr(t, "RecentStories after trim", err)
	wantRecent := slices.Clone(keep)
	slices.SortFunc(wantRecent, func(a, b story.Story) int { return b.Published.Compare(a.Published) })
	mustDiff(t, "topic query after trim", storyIDs(wantRecent), storyIDs(recent))
}

func trimByAge(t *testing.T, e *env) {
	all := trimFixture(t, e, 1, 30, 23, 50, 2)
	n, err := e.store.TrimStories(e.ctx)
	noErr(t, "TrimStories", err)
	if n != 2 {
		t.Errorf("TrimStories deleted %d, want 2 (published 30h and 50h ago, retention 24h)", n)
	}
	checkRemaining(t, e, all, []story.Story{all[0], all[2], all[4]})

	// Time passing ages the rest out too.
	e.clock.Advance(22*time.Hour + 30*time.Minute)
	n, err = e.store.TrimStories(e.ctx)
	noErr(t, "TrimStories (later)", err)
	if n != 2 {
		t.Errorf("TrimStories 22.5h later deleted %d, want 2 (those published 2h and 23h before the start)", n)
	}
	checkRemaining(t, e, all, []story.Story{all[0]})
}

func trimByCount(t *testing.T, e *env) {
	all := trimFixture(t, e, 7, 1, 5, 3, 8, 2, 6, 4)
	n, err := e.store.TrimStories(e.ctx)
	noErr(t, "TrimStories", err)
	if n != 3 {
		t.Errorf("TrimStories deleted %d, want 3 (8 stories, MaxStories 5)", n)
	}
	checkRemaining(t, e, all, []story.Story{all[1], all[2], all[3], all[5], all[7]})

	n, err = e.store.TrimStories(e.ctx)
	noErr(t, "TrimStories (again)", err)
	if n != 0 {
		t.Errorf("second TrimStories deleted %d, want 0", n)
	}
}

func trimByAgeAndCount(t *testing.T, e *env) {
	all := trimFixture(t, e, 25, 1, 2, 3, 4, 48)
	n, err := e.store.TrimStories(e.ctx)
	noErr(t, "TrimStories", err)
	if n != 3 {
		t.Errorf("TrimStories deleted %d, want 3 (two too old, then one over MaxStories 3)", n)
	}
	checkRemaining(t, e, all, []story.Story{all[1], all[2], all[3]})
}

// queryAll asks for every stored story up to the default limit.
func queryAll() store.StoryQuery { return store.StoryQuery{} }

// countStories: every stored story counts once, repeats and trimmed ones do not.
func countStories(t *testing.T, e *env) {
	n, err := e.store.CountStories(e.ctx)
	noErr(t, "CountStories", err)
	mustDiff(t, "count of an empty store", 0, n)
	now := e.clock.Now()
	a, b := newStory("https://a.example/feed", "1", now), newStory("https://a.example/feed", "2", now)
	putAll(t, e, a, b)
	_, err = e.store.PutStories(e.ctx, []story.Story{a, newStory("https://b.example/feed", "3", now)})
	noErr(t, "PutStories", err)
	n, err = e.store.CountStories(e.ctx)
	noErr(t, "CountStories", err)
	mustDiff(t, "count after storing three distinct stories", 3, n)
}
