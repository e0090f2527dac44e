package subscription

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/store"
)

// SubscribeFeedWith keeps the caller's style; Edit stores a change and stores nothing when the
// change refuses, and never reaches another guild's subscription.
func TestStyleAndEdit(t *testing.T) {
	f := newFixture(t, checker{}, Options{Limit: 5})
	ctx := context.Background()
	style := store.PostStyle{Filter: "ceasefire", MentionRole: "112233445566778899"}
	sub, _, err := f.svc.SubscribeFeedWith(ctx, ownerC1, store.Subscription{FeedURL: " https://a.example/rss ", Style: style})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Kind != store.KindFeed || sub.FeedURL != "https://a.example/rss" || !cmp.Equal(sub.Style, style) {
		t.Errorf("subscribed %+v", sub)
	}
	edited, err := f.svc.Edit(ctx, "g1", sub.ID, func(s *store.Subscription) error { s.Style.Filter = "truce"; return nil })
	if err != nil || edited.Style.Filter != "truce" {
		t.Fatalf("Edit = %+v, %v", edited.Style, err)
	}
	refused := errors.New("no")
	if _, err := f.svc.Edit(ctx, "g1", sub.ID, func(s *store.Subscription) error { s.Style.Filter = "x"; return refused }); !errors.Is(err, refused) {
		t.Errorf("a refused change: %v", err)
	}
	if _, err := f.svc.Edit(ctx, "g2", sub.ID, func(*store.Subscription) error { return nil }); err == nil {
		t.Error("another guild edited the subscription")
	}
	subs, _ := f.svc.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
	if len(subs) != 1 || subs[0].Style.Filter != "truce" {
		t.Errorf("stored %+v, want the accepted edit only", subs)
	}
}
