package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

func TestDigestClustersOneEventFromThreeOutlets(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newDigestEnv(t, b)
			at := slot0.Add(-3 * time.Hour)
			event := []struct{ feed, source, title string }{
				{"https://reuters.example/world", "Reuters", "Israel and Hamas agree Gaza ceasefire after Cairo talks"},
				{"https://bbc.example/news", "BBC News", "Gaza ceasefire agreed between Israel and Hamas in Cairo"},
				{"https://aljazeera.example/rss", "Al Jazeera", "Hamas and Israel reach Gaza ceasefire deal in Cairo"},
			}
			for i, ev := range event {
				put(t, e.store, mkStory(ev.feed, ev.source, "ceasefire", ev.title, at.Add(time.Duration(i)*20*time.Minute), at))
			}
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			g := e.digests(t, e.store, e.sender(t), "r1", DigestOptions{})
			if err := g.RunSlot(context.Background(), e.sub.ID, "c1", slot0); err != nil {
				t.Fatal(err)
			}
			texts := e.fake.texts("c1")
			if len(texts) != 1 {
				t.Fatalf("got %d messages, want 1", len(texts))
			}
			all := texts[0]
			n := 0
			for _, ev := range event {
				n += strings.Count(all, ev.title)
			}
			if n != 1 {
				t.Errorf("the ceasefire is listed %d times, want once:\n%s", n, all)
			}
			for _, src := range []string{"[Reuters]", "[BBC News]", "[Al Jazeera]"} {
				if !strings.Contains(all, src) {
					t.Errorf("briefing does not name source %s:\n%s", src, all)
				}
			}
			if !strings.Contains(all, "4 stories from 6 outlets") {
				t.Errorf("header footer wrong (want 4 entries from 6 outlets):\n%s", all)
			}
			if unseen, err := e.store.Unseen(context.Background(), "c1", storyIDs(t, e.store)); err != nil || len(unseen) != 0 {
				t.Errorf("Unseen = %v, %v; want all six stories claimed for the channel", unseen, err)
			}
		})
	}
}

func TestDigestNothingNew(t *testing.T) {
	tests := []struct {
		name  string
		quiet bool
		want  []string
	}{
		{"one short line", false, []string{"Nothing new since the last briefing."}},
		{"nothing when quiet", true, nil},
	}
	for _, b := range backends() {
		for _, tc := range tests {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				e := newDigestEnv(t, b)
				ctx := context.Background()
				// Everything was already seen in the channel (posted live earlier).
				if _, err := e.store.Claim(ctx, "c1", storyIDs(t, e.store), time.Minute); err != nil {
					t.Fatal(err)
				}
				if err := e.store.Confirm(ctx, "c1", storyIDs(t, e.store)); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(slot0.Sub(e.clock.Now()))
				g := e.digests(t, e.store, e.sender(t), "r1", DigestOptions{QuietWhenEmpty: tc.quiet})
				if err := g.RunSlot(ctx, e.sub.ID, "c1", slot0); err != nil {
					t.Fatal(err)
				}
				got := e.fake.texts("c1")
				if strings.Join(got, "|") != strings.Join(tc.want, "|") {
					t.Errorf("messages = %q, want %q", got, tc.want)
				}
				if lr := getSub(t, e.store, e.sub.ID).LastRun; !lr.Equal(slot0) {
					t.Errorf("LastRun = %v, want %v (an empty slot is still done)", lr, slot0)
				}
			})
		}
	}
}

func TestDigestStoreOutageSendsNothingThenRetries(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newDigestEnv(t, b)
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			flaky := &flakyStore{testStore: e.store}
			flaky.down.Store(true)
			g := e.digests(t, flaky, e.sender(t), "r1", DigestOptions{})
			ctx := context.Background()
			if err := g.RunSlot(ctx, e.sub.ID, "c1", slot0); err == nil {
				t.Error("RunSlot during a store outage reported no error")
			}
			g.Sweep(ctx)
			if n := len(e.fake.Requests()); n != 0 {
				t.Fatalf("%d requests reached Discord during the store outage, want 0", n)
			}
			flaky.down.Store(false)
			e.clock.Advance(10 * time.Minute)
			g.Sweep(ctx)
			g.Sweep(ctx)
			texts := e.fake.texts("c1")
			if len(texts) != 1 {
				t.Fatalf("after the outage got %d messages, want 1", len(texts))
			}
			assertEachOnce(t, texts, digestHeadlines)
		})
	}
}

func TestDigestForbiddenChannelMarksBroken(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newDigestEnv(t, b)
			if err := e.fake.SetChannelError("c1", fakediscord.CodeMissingAccess); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			g := e.digests(t, e.store, e.sender(t), "r1", DigestOptions{})
			ctx := context.Background()
			if err := g.RunSlot(ctx, e.sub.ID, "c1", slot0); !IsChannelGone(err) {
				t.Fatalf("RunSlot error = %v, want a channel-gone error", err)
			}
			sub := getSub(t, e.store, e.sub.ID)
			if sub.Broken == "" || !strings.Contains(sub.Broken, "403") {
				t.Errorf("Broken = %q, want the 403 recorded", sub.Broken)
			}
			before := len(e.fake.Requests())
			e.clock.Advance(5 * time.Minute)
			g.Sweep(ctx)
			if after := len(e.fake.Requests()); after != before {
				t.Errorf("a broken subscription was retried: %d more requests", after-before)
			}
			if unseen, _ := e.store.Unseen(ctx, "c1", storyIDs(t, e.store)); len(unseen) != 3 {
				t.Errorf("Unseen = %d stories, want 3 (released, not marked seen)", len(unseen))
			}
		})
	}
}
