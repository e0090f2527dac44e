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

// seenSet is the channels' delivered stories.
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

// LivePosting selects as live delivery does: a paused or broken subscription posts nothing,
// so check-feed must not name its channel.
func TestLivePosting(t *testing.T) {
	t.Parallel()
	const feedURL = "https://f.example/rss"
	subs := []store.Subscription{
		{ChannelID: "feed", Kind: store.KindFeed, FeedURL: feedURL},
		{ChannelID: "topic", Kind: store.KindTopic, Topic: "ceasefire"},
		{ChannelID: "paused", Kind: store.KindFeed, FeedURL: feedURL, Paused: true},
		{ChannelID: "broken", Kind: store.KindTopic, Topic: "ceasefire", Broken: "missing access"},
		{ChannelID: "other", Kind: store.KindFeed, FeedURL: "https://g.example/rss"},
		{ChannelID: "digest", Kind: store.KindDigest},
	}
	var got []string
	for _, s := range LivePosting(subs, feedURL) {
		got = append(got, s.ChannelID)
	}
	if diff := cmp.Diff([]string{"feed", "topic"}, got); diff != "" {
		t.Errorf("LivePosting (-want +got):\n%s", diff)
	}
}

// Forecast gives check-feed's verdicts by delivery's rules, the configured max age included.
func TestForecastVerdict(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const feedURL = "https://f.example/rss"
	live := []store.Subscription{
		{GuildID: "9", ChannelID: "111", Kind: store.KindFeed, FeedURL: feedURL, Include: []string{"gaza"}, CreatedAt: now.Add(-96 * time.Hour)},
		{GuildID: "9", ChannelID: "222", Kind: store.KindTopic, Topic: "ceasefire", CreatedAt: now.Add(-3 * time.Hour)},
	}
	item := func(id string, age time.Duration) story.Story {
		return story.Story{ID: id, FeedURL: feedURL, Title: "Gaza talks resume", Published: now.Add(-age),
			FirstSeen: now.Add(-time.Hour), Topics: []string{"ceasefire"}}
	}
	stored := func(s story.Story, backfill bool) *story.Story { s.Backfill = backfill; return &s }
	f := Forecast{Now: now, Known: true, Live: live, Seen: seenSet{"111": {"posted"}}}
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
			want: "new: the next poll posts it to channel 111 (server 9), channel 222 (server 9)"},
		{name: "new, older than the default 24 h", item: item("a", 48*time.Hour),
			want: "new: the next poll stores it (shown by /latest and digests); older than 24 h: stored and shown by /latest, never live-posted"},
		{name: "new, within a configured 72 h", f: func(f Forecast) Forecast { f.Rule.MaxAge = 72 * time.Hour; return f },
			item: item("a", 48*time.Hour), want: "new: the next poll posts it to channel 111 (server 9), channel 222 (server 9)"},
		{name: "stored backfill", item: item("a", time.Hour), stored: stored(item("a", time.Hour), true),
			want: "stored as backfill (from Herald's first fetch of the feed): never live-posted"},
		{name: "stored, posted in one channel", item: item("posted", time.Hour), stored: stored(item("posted", time.Hour), false),
			want: "stored; posted to channel 111 (server 9); not yet posted to channel 222 (server 9): the next sweep posts it"},
		{name: "stored, too old to post", item: item("stale", 48*time.Hour), stored: stored(item("stale", 48*time.Hour), false),
			want: "stored; never posted to channel 111 (server 9): undelivered and older than 24 h: stored and shown by /latest, never live-posted; " +
				"never posted to channel 222 (server 9): undelivered and older than 24 h: stored and shown by /latest, never live-posted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := f
			if tc.f != nil {
				f = tc.f(f)
			}
			if got := f.Verdict(context.Background(), tc.item, tc.stored); got != tc.want {
				t.Errorf("Verdict:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
