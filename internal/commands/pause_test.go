package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldbot/herald/internal/store"
)

// TestSetPaused pauses and resumes a subscription through the service the dashboard uses; an
// id from another guild is refused and left alone.
func TestSetPaused(t *testing.T) {
	s, _, _ := newSubs(t)
	ctx := context.Background()
	if _, err := s.Topic(ctx, req("topic", map[string]string{"topic": "ceasefire"})); err != nil {
		t.Fatal(err)
	}
	subs, err := s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
	if err != nil || len(subs) != 1 {
		t.Fatalf("ListSubscriptions = %v, %v", subs, err)
	}
	id := subs[0].ID
	paused := func() bool {
		t.Helper()
		got, err := s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
		if err != nil || len(got) != 1 {
			t.Fatalf("ListSubscriptions = %v, %v", got, err)
		}
		return got[0].Paused
	}
	tests := []struct {
		name       string
		guild      string
		pause      bool
		wantErr    string
		wantPaused bool
	}{
		{name: "pause", guild: "g1", pause: true, wantPaused: true},
		{name: "resume from another guild is refused", guild: "g2", pause: false, wantErr: "No subscription", wantPaused: true},
		{name: "resume", guild: "g1", pause: false, wantPaused: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := s.SetPaused(ctx, Request{GuildID: tc.guild, Options: map[string]string{"subscription": id}}, tc.pause)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("SetPaused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("SetPaused err = %v, want %q", err, tc.wantErr)
			case tc.wantErr == "" && !strings.Contains(m.Content, "Gaza ceasefire"):
				t.Errorf("reply %q does not say which subscription", m.Content)
			}
			if got := paused(); got != tc.wantPaused {
				t.Errorf("Paused = %v, want %v", got, tc.wantPaused)
			}
		})
	}
}

// TestSetFilters edits a feed subscription's keywords as /subscribe feed parses them; topic
// subscriptions and other guilds' ids are refused.
func TestSetFilters(t *testing.T) {
	s, _, _ := newSubs(t)
	ctx := context.Background()
	if _, err := s.Feed(ctx, req("feed", map[string]string{"url": "https://news.example/rss", "include": "gaza"})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Topic(ctx, req("topic", map[string]string{"topic": "ceasefire"})); err != nil {
		t.Fatal(err)
	}
	byKind := map[store.Kind]string{}
	subs, _ := s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
	for _, sub := range subs {
		byKind[sub.Kind] = sub.ID
	}
	tests := []struct {
		name, guild, id, include, exclude string
		wantErr                           string
		wantInclude, wantExclude          []string
	}{
		{name: "replace", guild: "g1", id: byKind[store.KindFeed], include: " Hostages, HOSTAGES ,aid", exclude: "sport",
			wantInclude: []string{"hostages", "aid"}, wantExclude: []string{"sport"}},
		{name: "other guild", guild: "g2", id: byKind[store.KindFeed], include: "x", wantErr: "No subscription",
			wantInclude: []string{"hostages", "aid"}, wantExclude: []string{"sport"}},
		{name: "topic subscription", guild: "g1", id: byKind[store.KindTopic], include: "x", wantErr: "Only feed",
			wantInclude: []string{"hostages", "aid"}, wantExclude: []string{"sport"}},
		{name: "clear", guild: "g1", id: byKind[store.KindFeed]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SetFilters(ctx, Request{GuildID: tc.guild, Options: map[string]string{"subscription": tc.id, "include": tc.include, "exclude": tc.exclude}})
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("SetFilters err = %v, want %q", err, tc.wantErr)
			}
			subs, _ := s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1", Kind: store.KindFeed})
			if d := cmp.Diff(tc.wantInclude, subs[0].Include, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("include (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantExclude, subs[0].Exclude, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("exclude (-want +got):\n%s", d)
			}
		})
	}
}
