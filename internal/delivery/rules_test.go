package delivery

import (
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

func TestWants(t *testing.T) {
	created := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const feedURL = "https://f.example/rss"
	feedSub := store.Subscription{Kind: store.KindFeed, FeedURL: feedURL, Include: []string{"gaza"}, CreatedAt: created}
	topicSub := store.Subscription{Kind: store.KindTopic, Topic: "ceasefire", CreatedAt: created}
	fresh := story.Story{FeedURL: feedURL, Title: "Gaza talks resume", FirstSeen: created.Add(time.Minute), Topics: []string{"ceasefire"}}
	for _, tc := range []struct {
		name string
		sub  store.Subscription
		s    func(story.Story) story.Story
		want bool
	}{
		{name: "feed with its word", sub: feedSub, s: func(s story.Story) story.Story { return s }, want: true},
		{name: "feed without the word", sub: feedSub, s: func(s story.Story) story.Story { s.Title = "Markets"; return s }},
		{name: "another feed", sub: feedSub, s: func(s story.Story) story.Story { s.FeedURL = "https://g.example/rss"; return s }},
		{name: "backfill", sub: topicSub, s: func(s story.Story) story.Story { s.Backfill = true; return s }},
		{name: "before the subscription", sub: topicSub, s: func(s story.Story) story.Story { s.FirstSeen = created.Add(-time.Minute); return s }},
		{name: "topic", sub: topicSub, s: func(s story.Story) story.Story { return s }, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Wants(tc.sub, tc.s(fresh)); got != tc.want {
				t.Errorf("Wants = %t, want %t", got, tc.want)
			}
		})
	}
}
