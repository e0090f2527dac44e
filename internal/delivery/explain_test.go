package delivery

import (
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

func TestEligibility(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	feedSub := store.Subscription{Kind: store.KindFeed, FeedURL: "https://a.example/feed", Exclude: []string{"opinion"}, CreatedAt: created}
	topicSub := store.Subscription{Kind: store.KindTopic, Topic: "ceasefire", CreatedAt: created}
	fresh := story.Story{FeedURL: "https://a.example/feed", Title: "Ceasefire holds", Topics: []string{"ceasefire"}, FirstSeen: created.Add(time.Minute)}
	with := func(f func(*story.Story)) story.Story {
		s := fresh
		f(&s)
		return s
	}
	tests := []struct {
		name string
		sub  store.Subscription
		s    story.Story
		want Reason
	}{
		{"feed: new story", feedSub, fresh, Eligible},
		{"feed: other feed", feedSub, with(func(s *story.Story) { s.FeedURL = "https://b.example/feed" }), OtherSource},
		{"feed: backfill", feedSub, with(func(s *story.Story) { s.Backfill = true }), Backfill},
		{"feed: before subscribing", feedSub, with(func(s *story.Story) { s.FirstSeen = created.Add(-time.Second) }), BeforeSubscription},
		{"feed: excluded keyword", feedSub, with(func(s *story.Story) { s.Title = "Opinion: the ceasefire" }), Filtered},
		{"topic: on topic", topicSub, fresh, Eligible},
		{"topic: off topic", topicSub, with(func(s *story.Story) { s.Topics = nil }), OtherSource},
		{"topic: keywords do not apply", topicSub, with(func(s *story.Story) { s.Title = "Opinion: the ceasefire" }), Eligible},
		{"digest is not live", store.Subscription{Kind: store.KindDigest}, fresh, OtherSource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Eligibility(tc.sub, tc.s); got != tc.want {
				t.Errorf("Eligibility = %d, want %d", got, tc.want)
			}
		})
	}
}
