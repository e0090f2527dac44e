package delivery

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// seenSet is the channels' delivered stories; every feed state reads as healthy.
type seenSet map[string][]string

func (s seenSet) Unseen(_ context.Context, channelID string, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if !slices.Contains(s[channelID], id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (seenSet) GetFeedState(context.Context, string) (store.FeedState, bool, error) {
	return store.FeedState{}, false, nil
}

// Following keeps the feed's subscriptions and every topic's, paused or stopped ones too:
// their verdict says why they post nothing.
func TestFollowing(t *testing.T) {
	t.Parallel()
	const feedURL = "https://f.example/rss"
	subs := []store.Subscription{
		{ChannelID: "feed", Kind: store.KindFeed, FeedURL: feedURL},
		{ChannelID: "topic", Kind: store.KindTopic, Topic: "ceasefire"},
		{ChannelID: "paused", Kind: store.KindFeed, FeedURL: feedURL, Paused: true},
		{ChannelID: "other", Kind: store.KindFeed, FeedURL: "https://g.example/rss"},
		{ChannelID: "digest", Kind: store.KindDigest},
	}
	var got []string
	for _, s := range Following(subs, feedURL) {
		got = append(got, s.ChannelID)
	}
	if diff := cmp.Diff([]string{"feed", "topic", "paused"}, got); diff != "" {
		t.Errorf("Following (-want +got):\n%s", diff)
	}
}

// Forecast gives check-feed's verdicts: the feed-level facts first, then each channel's part in
// delivery's one verdict, the configured max age included.
func TestForecastVerdict(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const feedURL = "https://f.example/rss"
	feedSub := store.Subscription{GuildID: "9", ChannelID: "111", Kind: store.KindFeed, FeedURL: feedURL, Include: []string{"gaza"}, CreatedAt: now.Add(-96 * time.Hour)}
	topicSub := store.Subscription{GuildID: "9", ChannelID: "222", Kind: store.KindTopic, Topic: "ceasefire", CreatedAt: now.Add(-3 * time.Hour)}
	paused := feedSub
	paused.ChannelID, paused.Paused = "333", true
	item := func(id string, age time.Duration) story.Story {
		return story.Story{ID: id, FeedURL: feedURL, Title: "Gaza talks resume", Published: now.Add(-age),
			FirstSeen: now.Add(-time.Hour), Topics: []string{"ceasefire"}}
	}
	stored := func(s story.Story, backfill bool) *story.Story { s.Backfill = backfill; return &s }
	const (
		due   = "Not posted yet: it is due at the next delivery (within a minute or two)."
		stale = "Not posted: older than 24 h: stored and shown by /latest, never live-posted."
	)
	base := Forecast{Explainer: Explainer{Store: seenSet{"111": {"posted"}}, Now: func() time.Time { return now }},
		Known: true, Live: []store.Subscription{feedSub, topicSub}}
	for _, tc := range []struct {
		name   string
		f      func(Forecast) Forecast
		item   story.Story
		stored *story.Story
		want   string
	}{
		{name: "disabled feed", f: func(f Forecast) Forecast { f.Disabled = true; return f }, item: item("a", time.Hour),
			want: "not fetched: the feed is paused after repeated failures (/retry-feed tries it again)"},
		{name: "feed never fetched", f: func(f Forecast) Forecast { f.Known = false; return f }, item: item("a", time.Hour),
			want: "new to Herald, but the first fetch of a feed is backfill: it will be stored and posted nowhere"},
		{name: "new and fresh", item: item("a", time.Hour),
			want: "new: the next poll stores it; channel 111 (server 9): " + due + " channel 222 (server 9): " + due},
		{name: "new, older than the default 24 h", item: item("a", 48*time.Hour),
			want: "new: the next poll stores it; channel 111 (server 9): " + stale + " channel 222 (server 9): " + stale},
		{name: "new, within a configured 72 h", f: func(f Forecast) Forecast { f.Explainer.Rule.MaxAge = 72 * time.Hour; return f },
			item: item("a", 48*time.Hour), want: "new: the next poll stores it; channel 111 (server 9): " + due + " channel 222 (server 9): " + due},
		{name: "stored, posted in one channel", item: item("posted", time.Hour), stored: stored(item("posted", time.Hour), false),
			want: "stored; channel 111 (server 9): Posted in this channel. channel 222 (server 9): " + due},
		{name: "paused subscription", f: func(f Forecast) Forecast { f.Live = []store.Subscription{paused}; return f },
			item: item("a", time.Hour), want: "new: the next poll stores it; channel 333 (server 9): Not posted yet: the subscription is paused; /subscription resume posts what arrived meanwhile."},
		{name: "nobody follows it", f: func(f Forecast) Forecast { f.Live = nil; return f }, item: item("a", time.Hour),
			want: "new: the next poll stores it (shown by /latest and digests); no live subscription posts it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := base
			if tc.f != nil {
				f = tc.f(f)
			}
			if got := f.Verdict(context.Background(), tc.item, tc.stored); got != tc.want {
				t.Errorf("Verdict:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
