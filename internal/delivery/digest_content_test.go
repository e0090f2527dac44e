package delivery

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/tracking"
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
			g := e.digests(t, e.store, e.mem, "r1", DigestOptions{})
			if err := g.RunSlot(context.Background(), e.sub.ID, "c1", slot0); err != nil {
				t.Fatal(err)
			}
			texts := e.mem.texts("c1")
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
			if !strings.Contains(all, "4 stories, reported by 6 outlets") {
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
				g := e.digests(t, e.store, e.mem, "r1", DigestOptions{QuietWhenEmpty: tc.quiet})
				if err := g.RunSlot(ctx, e.sub.ID, "c1", slot0); err != nil {
					t.Fatal(err)
				}
				got := e.mem.texts("c1")
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
			g := e.digests(t, flaky, e.mem, "r1", DigestOptions{})
			ctx := context.Background()
			if err := g.RunSlot(ctx, e.sub.ID, "c1", slot0); err == nil {
				t.Error("RunSlot during a store outage reported no error")
			}
			g.Sweep(ctx)
			if n := e.mem.sent(); n != 0 {
				t.Fatalf("%d messages were sent during the store outage, want 0", n)
			}
			flaky.down.Store(false)
			e.clock.Advance(10 * time.Minute)
			g.Sweep(ctx)
			g.Sweep(ctx)
			texts := e.mem.texts("c1")
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

func TestDigestTopicAndLimits(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name+"/topic digest keeps its topic", func(t *testing.T) {
			e := newDigestEnv(t, b)
			put(t, e.store, mkStory("https://d.example/feed", "Outlet D", "t1", "Truce talks resume in Doha",
				slot0.Add(-time.Hour), slot0.Add(-time.Hour), "mideast"))
			sub := subscribe(t, e.store, store.Subscription{ChannelID: "c9", Kind: store.KindDigest, Time: "08:00",
				TimeZone: "Europe/London", Topic: "mideast", CreatedAt: e.sub.CreatedAt, LastRun: e.sub.LastRun})
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			g := e.digests(t, e.store, e.sender(t), "r1", DigestOptions{TopicTitles: map[string]string{"mideast": "Middle East"}})
			if err := g.RunSlot(context.Background(), sub.ID, "c9", slot0); err != nil {
				t.Fatal(err)
			}
			texts := e.fake.texts("c9")
			if len(texts) != 1 || !strings.Contains(texts[0], "Truce talks resume in Doha") || !strings.Contains(texts[0], "Your briefing: Middle East") {
				t.Fatalf("topic digest = %q", texts)
			}
			for _, h := range digestHeadlines {
				if strings.Contains(texts[0], h) {
					t.Errorf("topic digest lists off-topic %q", h)
				}
			}
		})
		t.Run(b.name+"/large briefing fits Discord", func(t *testing.T) {
			e := newDigestEnv(t, b)
			long := strings.Repeat("word ", 120)
			var big []string
			for i := range 40 {
				s := mkStory(fmt.Sprintf("https://o%d.example/feed", i), strings.Repeat("Outlet", 10)+fmt.Sprint(i), "big",
					fmt.Sprintf("Distinct event %d %s", i, strings.Repeat(fmt.Sprintf("k%dx ", i), 60)),
					slot0.Add(-time.Duration(i)*time.Minute), slot0.Add(-time.Hour))
				s.Summary = long
				big = append(big, s.ID)
				put(t, e.store, s)
			}
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			g := e.digests(t, e.store, e.sender(t), "r1", DigestOptions{MaxEntries: 40})
			if err := g.RunSlot(context.Background(), e.sub.ID, "c1", slot0); err != nil {
				t.Fatalf("RunSlot: %v (Discord refused a message?)", err)
			}
			msgs := e.fake.Messages("c1")
			if len(msgs) < 2 {
				t.Errorf("40 long entries went out in %d message(s); expected a split", len(msgs))
			}
			for _, r := range e.fake.Requests() {
				if r.Status >= 400 {
					t.Errorf("Discord answered %d to %s", r.Status, r.Path)
				}
			}
			// The 40 fresh entries outrank the three older stories, which MaxEntries leaves out.
			if unseen, _ := e.store.Unseen(context.Background(), "c1", big); len(unseen) != 0 {
				t.Errorf("%d listed stories left unseen after a multi-message briefing", len(unseen))
			}
		})
	}
}

// TestBriefingLeavesTheDigestIntact is issue 11 item 1: a member's /briefing answered with
// the channel's news, and the 08:00 digest then said "Nothing new since the last briefing".
func TestBriefingLeavesTheDigestIntact(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newDigestEnv(t, b)
			e.clock.Advance(slot0.Add(-time.Hour).Sub(e.clock.Now()))
			g := e.digests(t, e.store, e.mem, "r1", DigestOptions{})
			ctx := context.Background()
			for i := range 2 {
				m, err := g.OnDemand(ctx, "c1", "")
				if err != nil {
					t.Fatal(err)
				}
				text := plainText(m)
				for _, h := range digestHeadlines {
					if !strings.Contains(text, h) {
						t.Errorf("/briefing #%d lacks %q:\n%s", i+1, h, text)
					}
				}
			}
			if unseen, err := e.store.Unseen(ctx, "c1", storyIDs(t, e.store)); err != nil || len(unseen) != 3 {
				t.Errorf("after /briefing Unseen = %v, %v; want all three stories still unseen", unseen, err)
			}
			e.clock.Advance(time.Hour)
			if err := g.RunSlot(ctx, e.sub.ID, "c1", slot0); err != nil {
				t.Fatal(err)
			}
			texts := e.mem.texts("c1")
			assertEachOnce(t, texts, digestHeadlines)
			if strings.Contains(strings.Join(texts, "\n"), "Nothing new") {
				t.Errorf("the digest after a /briefing says nothing new:\n%s", strings.Join(texts, "\n"))
			}
		})
	}
}

// plainText is a message's content and embed titles and descriptions.
func plainText(m message.Message) string {
	s := m.Content
	for _, e := range m.Embeds {
		s += "\n" + e.Title + "\n" + e.Description
	}
	return s
}

// TestDigestStatusLineBold is issue 11 item 2: the header showed "\*\*Talks ongoing\*\*"
// because the status line, already Markdown, was escaped a second time.
func TestDigestStatusLineBold(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newDigestEnv(t, b)
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			st := tracking.Status{Label: tracking.LabelTalks, Sentence: "Envoys meet in Cairo; a *deal* is not yet [agreed]."}
			g := e.digests(t, e.store, e.mem, "r1", DigestOptions{
				StatusLines: func(context.Context, string) []string { return []string{tracking.StatusLine(st)} }})
			if err := g.RunSlot(context.Background(), e.sub.ID, "c1", slot0); err != nil {
				t.Fatal(err)
			}
			msgs := e.mem.messages("c1")
			if len(msgs) != 1 || len(msgs[0].Embeds) == 0 {
				t.Fatalf("got %d messages, want one digest", len(msgs))
			}
			got := msgs[0].Embeds[0].Description
			want := `• **Talks ongoing**: Envoys meet in Cairo; a \*deal\* is not yet (agreed).`
			if got != want {
				t.Errorf("header description = %q, want %q", got, want)
			}
		})
	}
}
