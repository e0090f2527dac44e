package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
)

// subscriptionCases check the channels' standing orders.
func subscriptionCases() []testCase {
	return []testCase{
		{name: "subscriptions/create_assigns_id", run: subCreate},
		{name: "subscriptions/duplicate_target", run: subDuplicate},
		{name: "subscriptions/list_filters_oldest_first", run: subList},
		{name: "subscriptions/update", run: subUpdate},
		{name: "subscriptions/patch_loses_no_concurrent_write", run: subPatchConcurrent},
		{name: "subscriptions/patch_refused_stores_nothing", run: subPatchRefused},
		{name: "subscriptions/delete", run: subDelete},
		{name: "subscriptions/post_style_round_trips", run: subPostStyle},
		{name: "subscriptions/page_of_a_guild", run: subPage},
		{name: "subscriptions/guild_feed_urls", run: subGuildFeedURLs},
		{name: "subscriptions/get_by_guild_and_id", run: subGet},
	}
}

func digestSub(guild, channel, at string, created time.Time) store.Subscription {
	return store.Subscription{
		GuildID: guild, ChannelID: channel, Kind: store.KindDigest, Time: at, TimeZone: "Europe/Paris",
		CreatedBy: "u1", CreatedAt: created,
	}
}

func feedSub(guild, channel, url string, created time.Time) store.Subscription {
	return store.Subscription{
		GuildID: guild, ChannelID: channel, Kind: store.KindFeed, FeedURL: url,
		Include: []string{"gaza", "ceasefire"}, Exclude: []string{"sport"}, CreatedBy: "u2", CreatedAt: created,
	}
}

func create(t *testing.T, e *env, sub store.Subscription) store.Subscription {
	t.Helper()
	got, err := e.store.CreateSubscription(e.ctx, sub)
	noErr(t, "CreateSubscription", err)
	return got
}

func subCreate(t *testing.T, e *env) {
	now := e.clock.Now()
	a := create(t, e, digestSub("g1", "c1", "08:00", now))
	b := create(t, e, digestSub("g1", "c1", "18:00", now.Add(time.Second)))
	if a.ID == "" || b.ID == "" || a.ID == b.ID {
		t.Fatalf("assigned ids %q and %q: want two distinct non-empty ids", a.ID, b.ID)
	}
	want := digestSub("g1", "c1", "08:00", now)
	want.ID = a.ID
	mustDiff(t, "created subscription", want, a)
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{GuildID: "g1"})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "listed after create", []store.Subscription{a, b}, got)
}

func subDuplicate(t *testing.T, e *env) {
	now := e.clock.Now()
	first := create(t, e, feedSub("g1", "c1", "https://a.example", now))
	dup := feedSub("g1", "c1", "https://a.example", now.Add(time.Minute))
	dup.Include = []string{"other"} // filters are not part of the target
	if _, err := e.store.CreateSubscription(e.ctx, dup); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateSubscription of the same target: err = %v, want ErrDuplicate", err)
	}
	create(t, e, feedSub("g1", "c2", "https://a.example", now.Add(time.Second)))   // other channel
	create(t, e, feedSub("g1", "c1", "https://b.example", now.Add(2*time.Second))) // other feed
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{ChannelID: "c1"})
	noErr(t, "ListSubscriptions", err)
	if len(got) != 2 || got[0].ID != first.ID {
		t.Errorf("channel c1 has %d subscriptions (first %+v), want 2 starting with %q", len(got), got, first.ID)
	}
}

func subList(t *testing.T, e *env) {
	now := e.clock.Now()
	// Created out of order: listing sorts by CreatedAt, not insertion.
	d3 := create(t, e, digestSub("g1", "c1", "08:00", now.Add(3*time.Minute)))
	f1 := create(t, e, feedSub("g1", "c2", "https://a.example", now.Add(1*time.Minute)))
	f4 := create(t, e, feedSub("g2", "c9", "https://a.example", now.Add(4*time.Minute)))
	d2 := create(t, e, digestSub("g1", "c2", "09:00", now.Add(2*time.Minute)))
	tp := create(t, e, store.Subscription{GuildID: "g2", ChannelID: "c9", Kind: store.KindTopic, Topic: "gaza", CreatedAt: now})
	cases := []struct {
		name string
		f    store.SubscriptionFilter
		want []store.Subscription
	}{
		{"all", store.SubscriptionFilter{}, []store.Subscription{tp, f1, d2, d3, f4}},
		{"guild", store.SubscriptionFilter{GuildID: "g1"}, []store.Subscription{f1, d2, d3}},
		{"channel", store.SubscriptionFilter{ChannelID: "c2"}, []store.Subscription{f1, d2}},
		{"kind", store.SubscriptionFilter{Kind: store.KindFeed}, []store.Subscription{f1, f4}},
		{"guild and kind", store.SubscriptionFilter{GuildID: "g2", Kind: store.KindTopic}, []store.Subscription{tp}},
		{"no match", store.SubscriptionFilter{GuildID: "g3"}, nil},
	}
	for _, c := range cases {
		got, err := e.store.ListSubscriptions(e.ctx, c.f)
		noErr(t, "ListSubscriptions "+c.name, err)
		mustDiff(t, "ListSubscriptions "+c.name, c.want, got)
	}
}

func subUpdate(t *testing.T, e *env) {
	now := e.clock.Now()
	s := create(t, e, feedSub("g1", "c1", "https://a.example", now))
	other := create(t, e, feedSub("g1", "c1", "https://b.example", now.Add(time.Minute)))
	s.LastRun = now.Add(time.Hour)
	s.Broken = "missing permission: Send Messages"
	s.Paused = true
	s.Include = nil
	noErr(t, "UpdateSubscription", e.store.UpdateSubscription(e.ctx, s))
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{GuildID: "g1"})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "after update", []store.Subscription{s, other}, got)

	missing := s
	missing.ID = "no-such-id"
	if err := e.store.UpdateSubscription(e.ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateSubscription of an unknown id: err = %v, want ErrNotFound", err)
	}
}

// subPatchConcurrent: two writers (a user's edits and a delivery's bookkeeping) patch one
// subscription at once; every change survives, none overwrites another.
func subPatchConcurrent(t *testing.T, e *env) {
	s := create(t, e, feedSub("g1", "c1", "https://a.example", e.clock.Now()))
	const writers, patches = 2, 10
	errs := make(chan error, writers*patches)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range patches {
				word := fmt.Sprintf("w%d-%d", w, i)
				_, err := e.store.PatchSubscription(e.ctx, s.ID, func(cur *store.Subscription) error {
					cur.Exclude = append(cur.Exclude, word)
					return nil
				})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "PatchSubscription", err)
	}
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{ChannelID: "c1"})
	noErr(t, "ListSubscriptions", err)
	if len(got) != 1 || len(got[0].Exclude) != 1+writers*patches {
		t.Fatalf("after %d concurrent patches: %+v; want every appended word kept", writers*patches, got)
	}
}

// subPatchRefused: a change that returns an error stores nothing and its error comes back;
// an unknown id is ErrNotFound.
func subPatchRefused(t *testing.T, e *env) {
	s := create(t, e, feedSub("g1", "c1", "https://a.example", e.clock.Now()))
	refused := errors.New("not for this kind")
	_, err := e.store.PatchSubscription(e.ctx, s.ID, func(cur *store.Subscription) error {
		cur.Paused = true
		return refused
	})
	if !errors.Is(err, refused) {
		t.Errorf("PatchSubscription with a refusing change: err = %v, want %v", err, refused)
	}
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{ChannelID: "c1"})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "after a refused patch", []store.Subscription{s}, got)
	if _, err := e.store.PatchSubscription(e.ctx, "no-such-id", func(*store.Subscription) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PatchSubscription of an unknown id: err = %v, want ErrNotFound", err)
	}
}

func subDelete(t *testing.T, e *env) {
	now := e.clock.Now()
	s := create(t, e, feedSub("g1", "c1", "https://a.example", now))
	keep := create(t, e, feedSub("g1", "c1", "https://b.example", now.Add(time.Minute)))
	if err := e.store.DeleteSubscription(e.ctx, "g2", s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSubscription from another guild: err = %v, want ErrNotFound", err)
	}
	noErr(t, "DeleteSubscription", e.store.DeleteSubscription(e.ctx, "g1", s.ID))
	if err := e.store.DeleteSubscription(e.ctx, "g1", s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSubscription twice: err = %v, want ErrNotFound", err)
	}
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "after delete", []store.Subscription{keep}, got)
	// The target is free again.
	create(t, e, feedSub("g1", "c1", "https://a.example", now.Add(2*time.Minute)))
}

// subPostStyle: the filter, mention and layout a subscriber chose survive create, list and an
// edit in place (the /subscription edit path), and clearing them clears them.
func subPostStyle(t *testing.T, e *env) {
	sub := feedSub("g1", "c1", "https://a.example", e.clock.Now())
	sub.Style = store.PostStyle{
		Filter: `ceasefire NOT title:/^live:/`, MentionRole: "123456789012345678", MentionFilter: "breaking",
		Template: "{title}\n{published_ago}", Color: 0x1F8B4C, Thumbnail: true,
	}
	s := create(t, e, sub)
	got, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{ChannelID: "c1"})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "listed with a style", []store.Subscription{s}, got)

	s.Style = store.PostStyle{MentionUser: "223456789012345678"}
	noErr(t, "UpdateSubscription", e.store.UpdateSubscription(e.ctx, s))
	got, err = e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{ChannelID: "c1"})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "after editing the style", []store.Subscription{s}, got)
}

func subPage(t *testing.T, e *env) {
	now := e.clock.Now()
	// Created out of order, as in subList: a page follows CreatedAt, not insertion.
	var all []store.Subscription
	for i, m := range []int{4, 0, 3, 1, 2} {
		all = append(all, create(t, e, digestSub("g1", fmt.Sprint("c", i), "08:00", now.Add(time.Duration(m)*time.Minute))))
	}
	create(t, e, feedSub("g2", "c9", "https://a.example", now.Add(-time.Minute))) // another guild's
	byTime := []store.Subscription{all[1], all[3], all[4], all[2], all[0]}
	cases := []struct {
		name          string
		guild         string
		offset, limit int
		want          []store.Subscription
		total         int
	}{
		{"first page", "g1", 0, 2, byTime[:2], 5},
		{"middle page", "g1", 2, 2, byTime[2:4], 5},
		{"short last page", "g1", 4, 2, byTime[4:], 5},
		{"past the end", "g1", 5, 2, nil, 5},
		{"whole list", "g1", 0, 100, byTime, 5},
		{"no subscriptions", "g3", 0, 10, nil, 0},
	}
	for _, c := range cases {
		got, total, err := e.store.SubscriptionPage(e.ctx, c.guild, c.offset, c.limit)
		noErr(t, "SubscriptionPage "+c.name, err)
		mustDiff(t, "SubscriptionPage "+c.name, c.want, got)
		if total != c.total {
			t.Errorf("SubscriptionPage %s: total %d, want %d", c.name, total, c.total)
		}
	}
	listed, err := e.store.ListSubscriptions(e.ctx, store.SubscriptionFilter{GuildID: "g1"})
	noErr(t, "ListSubscriptions", err)
	mustDiff(t, "ListSubscriptions' order", listed, byTime)
	subPageAfterChanges(t, e, byTime)
	if _, _, err := e.store.SubscriptionPage(e.ctx, "g1", 0, 0); err == nil {
		t.Error("SubscriptionPage with limit 0: no error, want one")
	}
	if _, _, err := e.store.SubscriptionPage(e.ctx, "g1", -1, 10); err == nil {
		t.Error("SubscriptionPage with offset -1: no error, want one")
	}
}

// subPageAfterChanges: a page follows deletes and a changed CreatedAt at once (a store keeping
// an index for the order must keep it in step). byTime is g1's five subscriptions in order.
func subPageAfterChanges(t *testing.T, e *env, byTime []store.Subscription) {
	t.Helper()
	noErr(t, "DeleteSubscription", e.store.DeleteSubscription(e.ctx, "g1", byTime[1].ID))
	moved := byTime[4]
	moved.CreatedAt = byTime[0].CreatedAt.Add(-time.Hour)
	noErr(t, "UpdateSubscription", e.store.UpdateSubscription(e.ctx, moved))
	want := []store.Subscription{moved, byTime[0], byTime[2], byTime[3]}
	got, total, err := e.store.SubscriptionPage(e.ctx, "g1", 0, 100)
	noErr(t, "SubscriptionPage after changes", err)
	mustDiff(t, "SubscriptionPage after a delete and an earlier CreatedAt", want, got)
	if total != len(want) {
		t.Errorf("SubscriptionPage after a delete: total %d, want %d", total, len(want))
	}
	got, _, err = e.store.SubscriptionPage(e.ctx, "g1", 1, 2)
	noErr(t, "SubscriptionPage after changes", err)
	mustDiff(t, "SubscriptionPage from offset 1 after changes", want[1:3], got)
}

func subGuildFeedURLs(t *testing.T, e *env) {
	now := e.clock.Now()
	create(t, e, feedSub("g1", "c1", "https://b.example/rss", now))
	create(t, e, feedSub("g1", "c2", "https://a.example/rss", now.Add(time.Minute)))
	create(t, e, feedSub("g1", "c3", "https://b.example/rss", now.Add(2*time.Minute))) // same feed, once
	create(t, e, digestSub("g1", "c1", "08:00", now))
	create(t, e, store.Subscription{GuildID: "g1", ChannelID: "c1", Kind: store.KindTopic, Topic: "gaza", CreatedAt: now})
	create(t, e, feedSub("g2", "c9", "https://other.example/rss", now)) // another guild's
	cases := []struct {
		name, guild string
		want        []string
	}{
		{"distinct and sorted", "g1", []string{"https://a.example/rss", "https://b.example/rss"}},
		{"other guild", "g2", []string{"https://other.example/rss"}},
		{"no subscriptions", "g3", nil},
	}
	for _, c := range cases {
		got, err := e.store.GuildFeedURLs(e.ctx, c.guild)
		noErr(t, "GuildFeedURLs "+c.name, err)
		mustDiff(t, "GuildFeedURLs "+c.name, c.want, got)
	}
}

func subGet(t *testing.T, e *env) {
	now := e.clock.Now()
	f := create(t, e, feedSub("g1", "c1", "https://a.example", now))
	other := create(t, e, feedSub("g2", "c9", "https://a.example", now))
	cases := []struct {
		name, guild, id string
		want            store.Subscription
		notFound        bool
	}{
		{"own", "g1", f.ID, f, false},
		{"another guild's", "g1", other.ID, store.Subscription{}, true},
		{"unknown id", "g1", "no-such-id", store.Subscription{}, true},
	}
	for _, c := range cases {
		got, err := e.store.GetSubscription(e.ctx, c.guild, c.id)
		if c.notFound {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetSubscription %s: err = %v, want ErrNotFound", c.name, err)
			}
			continue
		}
		noErr(t, "GetSubscription "+c.name, err)
		mustDiff(t, "GetSubscription "+c.name, c.want, got)
	}
}
