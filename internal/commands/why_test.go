package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/subscription"
)

// /subscription why names the rule that kept each story out: filter, age, duplicate, pause,
// backfill; or says where it was posted.
func TestSubscriptionWhy(t *testing.T) {
	f := newSubsWith(t, subscription.Options{Limit: 5})
	f.s.Stories = f.db
	f.s.Verdicts = delivery.Explainer{Store: f.db, Rule: delivery.LiveRule{MaxAge: 24 * time.Hour}, Now: f.s.Now}
	ctx := context.Background()
	const url = "https://news.example/rss"
	if _, err := f.s.Feed(ctx, req("feed", map[string]string{"url": url, "filter": "NOT opinion"})); err != nil {
		t.Fatal(err)
	}
	subs, _ := f.s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
	sub := subs[0]
	mk := func(key, title string, age time.Duration) story.Story {
		return story.Story{ID: story.NewID(url, key), FeedURL: url, Source: "News", Title: title, Link: "https://news.example/" + key,
			Published: t0.Add(-age), FirstSeen: t0}
	}
	posted, opinion, old := mk("p", "Truce agreed in Cairo", time.Hour), mk("o", "Opinion: the truce will fail", time.Hour), mk("x", "Talks began last week", 48*time.Hour)
	due, backfill := mk("d", "Aid convoy arrives", time.Minute), mk("b", "Earlier report", time.Hour)
	backfill.Backfill = true
	dup := mk("dup", "Truce agreed in Cairo", 30*time.Minute)
	dup.Link = posted.Link + "-updated" // the same headline from the same outlet under a new link
	// Posted while fresh, older than the age limit now: still "posted", not "too old".
	oldPosted := mk("op", "Envoys landed yesterday", 30*time.Hour)
	if _, err := f.db.PutStories(ctx, []story.Story{posted, opinion, old, due, backfill, dup, oldPosted}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []story.Story{posted, oldPosted} {
		claimed, _ := f.db.Claim(ctx, "c1", append([]string{p.ID}, p.Aliases()...), time.Minute)
		if err := f.db.Confirm(ctx, "c1", claimed); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(q string) string {
		r := req("why", map[string]string{"subscription": sub.ID, "story": q})
		r.Name = "subscription"
		m, err := f.s.Why(ctx, r)
		if err != nil {
			t.Fatalf("why %q: %v", q, err)
		}
		return m.Content
	}
	for _, tc := range []struct{ name, q, want string }{
		{"posted, by link", posted.Link, "Posted in <#c1>."},
		{"posted, since grown old", "envoys landed", "Posted in <#c1>."},
		{"filter names the rule", "truce will fail", "dropped by the filter: excluded by NOT opinion"},
		{"too old", "talks began", "older than 24 h"},
		{"backfill", "earlier report", "already in the feed when Herald first read it"},
		{"due", "aid convoy", "due at the next delivery"},
		{"nothing like it", "weather in Oslo", "No story matching"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ask(tc.q); !strings.Contains(got, tc.want) {
				t.Errorf("why %q = %q, want %q", tc.q, got, tc.want)
			}
		})
	}
	// The duplicate: search by its id-distinct copy (the newest matching title is the dup).
	if got := ask("truce agreed"); !strings.Contains(got, "already shown the same article") {
		t.Errorf("duplicate: %q", got)
	}
	if _, err := f.s.Pause(ctx, req("pause", map[string]string{"subscription": sub.ID})); err != nil {
		t.Fatal(err)
	}
	if got := ask("aid convoy"); !strings.Contains(got, "paused") {
		t.Errorf("paused: %q", got)
	}
}
