package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// The one verdict names the rule, in delivery's order: a story posted while fresh stays
// posted once old, a duplicate is named as such, the age limit comes before the
// subscription's and the feed's state.
func TestVerdict(t *testing.T) {
	t.Parallel()
	rule := LiveRule{MaxAge: 24 * time.Hour}
	sub := store.Subscription{ID: "s1", ChannelID: "c1", Kind: store.KindFeed, FeedURL: feedA, CreatedAt: t0.Add(-time.Hour),
		Style: store.PostStyle{Filter: "NOT opinion"}}
	fresh := mkStory(feedA, "A", "f", "Truce holds", t0.Add(-time.Minute), t0)
	old := mkStory(feedA, "A", "o", "Talks began", t0.Add(-30*time.Hour), t0)
	opinion := mkStory(feedA, "A", "x", "Opinion: the truce", t0.Add(-time.Minute), t0)
	backfill := fresh
	backfill.Backfill = true
	paused, broken := sub, sub
	paused.Paused, broken.Broken = true, "the channel is gone"
	failing := store.FeedState{URL: feedA, Failures: 3, LastError: "timeout"}
	disabled := store.FeedState{URL: feedA, Failures: 10, Disabled: true, LastError: "404"}
	tests := []struct {
		name  string
		sub   store.Subscription
		s     story.Story
		shown Shown
		feed  store.FeedState
		known bool
		want  Verdict
	}{
		{name: "posted", sub: sub, s: fresh, shown: ShownHere, want: Verdict{Outcome: Posted}},
		{name: "posted, since grown old", sub: sub, s: old, shown: ShownHere, want: Verdict{Outcome: Posted}},
		{name: "other feed", sub: sub, s: mkStory("https://b.example/rss", "B", "b", "x", t0, t0),
			want: Verdict{Outcome: NotFor, Reason: "it is not from this subscription's feed or topic"}},
		{name: "backfill", sub: sub, s: backfill,
			want: Verdict{Outcome: Dropped, Reason: "it was already in the feed when Herald first read it; only newer stories are posted"}},
		{name: "filter", sub: sub, s: opinion, want: Verdict{Outcome: Dropped, Reason: "dropped by the filter: excluded by NOT opinion"}},
		{name: "duplicate", sub: sub, s: fresh, shown: ShownAsDuplicate,
			want: Verdict{Outcome: Dropped, Reason: "the channel was already shown the same article (from another subscribed feed, or under an earlier link or id)"}},
		{name: "too old", sub: paused, s: old, want: Verdict{Outcome: Dropped, Reason: rule.Explain()}},
		{name: "stopped", sub: broken, s: fresh, want: Verdict{Outcome: Stopped, Reason: "delivery to this channel stopped (the channel is gone)"}},
		{name: "paused", sub: paused, s: fresh,
			want: Verdict{Outcome: Held, Reason: "the subscription is paused; /subscription resume posts what arrived meanwhile"}},
		{name: "feed failing", sub: sub, s: fresh, feed: failing, known: true,
			want: Verdict{Outcome: Held, Reason: "its feed is failing, 3 attempts so far (timeout)"}},
		{name: "feed paused", sub: sub, s: fresh, feed: disabled, known: true,
			want: Verdict{Outcome: Held, Reason: "its feed is paused after 10 failed attempts (404); /retry-feed tries it again"}},
		{name: "due", sub: sub, s: fresh, feed: store.FeedState{URL: feedA}, known: true, want: Verdict{Outcome: Due}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := rule.Verdict(tt.sub, tt.s, tt.shown, tt.feed, tt.known, t0)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verdict (-want +got):\n%s", diff)
			}
		})
	}
}

// Explain reads the channel's record for every story (ids and aliases) once: the same article
// under a new link is a duplicate, the story itself posted.
func TestExplainerReadsTheChannelsRecord(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			posted := mkStory(feedA, "A", "p", "Truce agreed in Cairo", t0.Add(-time.Minute), t0)
			dup := mkStory(feedA, "A", "d", "Truce agreed in Cairo", t0, t0)
			due := mkStory(feedA, "A", "n", "Aid convoy arrives", t0, t0)
			put(t, e.store, posted, dup, due)
			claimed, err := e.store.Claim(ctx, "c1", ShownIDs(posted), time.Minute)
			if err != nil || e.store.Confirm(ctx, "c1", claimed) != nil {
				t.Fatalf("claim: %v", err)
			}
			x := Explainer{Store: e.store, Rule: LiveRule{}, Now: e.clock.Now}
			got, err := x.Explain(ctx, e.feedSub, []story.Story{posted, dup, due})
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, v := range got {
				texts = append(texts, v.Text("#news"))
			}
			want := []string{"Posted in #news.",
				"Not posted: the channel was already shown the same article (from another subscribed feed, or under an earlier link or id).",
				"Not posted yet: it is due at the next delivery (within a minute or two)."}
			if diff := cmp.Diff(want, texts); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
}
