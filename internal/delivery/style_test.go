package delivery

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

const (
	breakingRole = "112233445566778899"
	foreignRole  = "998877665544332211"
	foreignUser  = "123456789012345678"
)

// restyle replaces a subscription's style in the store.
func restyle(t *testing.T, s testStore, sub store.Subscription, st store.PostStyle) store.Subscription {
	t.Helper()
	sub.Style = st
	if err := s.UpdateSubscription(context.Background(), sub); err != nil {
		t.Fatalf("UpdateSubscription: %v", err)
	}
	return sub
}

// hostile makes every story's text try to ping: @everyone, @here, a foreign role and user.
func hostile(stories []story.Story) []story.Story {
	for i := range stories {
		stories[i].Title = "@everyone <@&" + foreignRole + "> " + stories[i].Title
		stories[i].Summary = "@here <@" + foreignUser + "> <@!" + foreignUser + "> <@&" + breakingRole + "> " + stories[i].Summary
	}
	return stories
}

// The mention test of issue 12: feed text with @everyone, <@&id> and <@id> pings no one, and
// the configured role is pinged exactly once per post, through the real Sender and the fake
// Discord, which computes pings from content and allowed_mentions as Discord does.
func TestMentionPingsOnlyTheConfiguredRoleOncePerPost(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			restyle(t, e.store, e.feedSub, store.PostStyle{MentionRole: breakingRole})
			stories := hostile(e.fresh(t, 12, "m"))
			put(t, e.store, stories...)
			e.live(t, e.store, e.sender(t), LiveOptions{}).OnNew(context.Background(), stories)
			msgs := e.fake.Messages("c1")
			if len(msgs) != 2 {
				t.Fatalf("%d messages, want 2 (10 + 2 stories)", len(msgs))
			}
			for i, m := range msgs {
				want := fakediscord.Pings{Roles: []string{breakingRole}}
				if diff := cmp.Diff(want, m.Pings()); diff != "" {
					t.Errorf("message %d pings (-want +got):\n%s", i, diff)
				}
				if n := strings.Count(m.Content, "<@&"+breakingRole+">"); n != 1 {
					t.Errorf("message %d content %q mentions the role %d times, want 1", i, m.Content, n)
				}
				// Feed text stays in embeds, which never ping; the allowed_mentions sent would
				// protect the content too, were feed text ever to reach it.
				probe := m
				probe.Content += " " + stories[0].Title + " " + stories[0].Summary
				if diff := cmp.Diff(want, probe.Pings()); diff != "" {
					t.Errorf("message %d with feed text in its content would ping (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// Without a configured mention, the same hostile text pings nobody, topic posts included.
func TestHostileFeedTextPingsNobody(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stories := hostile(e.fresh(t, 4, "h"))
			put(t, e.store, stories...)
			e.live(t, e.store, e.sender(t), LiveOptions{}).OnNew(context.Background(), stories)
			for _, ch := range []string{"c1", "c2"} {
				msgs := e.fake.Messages(ch)
				if len(msgs) == 0 {
					t.Fatalf("nothing posted in %s", ch)
				}
				for i, m := range msgs {
					if p := m.Pings(); !p.None() {
						t.Errorf("%s message %d pings %+v", ch, i, p)
					}
				}
			}
		})
	}
}

// "Ping @Breaking only for stories with ceasefire": a post without such a story pings nobody,
// on feed and topic subscriptions alike.
func TestMentionOnlyWhenItsFilterMatches(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			style := store.PostStyle{MentionRole: breakingRole, MentionFilter: "ceasefire"}
			restyle(t, e.store, e.feedSub, style)
			restyle(t, e.store, e.topic, style)
			live := e.live(t, e.store, e.sender(t), LiveOptions{})
			quiet := e.fresh(t, 1, "q")
			live.OnNew(context.Background(), quiet)
			e.clock.Advance(time.Minute)
			loud := e.fresh(t, 1, "l")
			loud[0].Title += " ceasefire agreed"
			put(t, e.store, loud...)
			live.OnNew(context.Background(), loud)
			for _, ch := range []string{"c1", "c2"} {
				var got []bool
				for _, m := range e.fake.Messages(ch) {
					got = append(got, !m.Pings().None())
				}
				if diff := cmp.Diff([]bool{false, true}, got); diff != "" {
					t.Errorf("%s: which posts ping (-want +got):\n%s", ch, diff)
				}
			}
		})
	}
}

// A filter keeps stories out of live posts, and WhyFiltered names the rule that did.
func TestFilterAndWhyFiltered(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			sub := restyle(t, e.store, e.feedSub, store.PostStyle{Filter: `NOT title:/^opinion:/`})
			stories := e.fresh(t, 2, "f")
			stories[0].Title = "Opinion: " + stories[0].Title
			put(t, e.store, stories...)
			e.live(t, e.store, e.sender(t), LiveOptions{}).OnNew(context.Background(), stories)
			if diff := cmp.Diff([]string{stories[1].Title}, e.embedTitles("c1")); diff != "" {
				t.Errorf("posted (-want +got):\n%s", diff)
			}
			if r := Eligibility(sub, stories[0]); r != Filtered {
				t.Errorf("Eligibility = %v, want Filtered", r)
			}
			if got, want := WhyFiltered(sub, stories[0]), "the filter: excluded by NOT title:/^opinion:/"; got != want {
				t.Errorf("WhyFiltered = %q, want %q", got, want)
			}
			if got := WhyFiltered(sub, stories[1]); got != "" {
				t.Errorf("WhyFiltered of a posted story = %q", got)
			}
		})
	}
}

// A template shapes the live post; colour and thumbnail reach Discord.
func TestTemplateShapesLivePosts(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			restyle(t, e.store, e.feedSub, store.PostStyle{Template: "{source}: {summary} ({published_ago})", Color: 0xE74C3C, Thumbnail: true})
			stories := e.fresh(t, 1, "t")
			stories[0].Image = "https://a.example/i.jpg"
			put(t, e.store, stories...)
			e.live(t, e.store, e.sender(t), LiveOptions{}).OnNew(context.Background(), stories)
			msgs := e.fake.Messages("c1")
			if len(msgs) != 1 || len(msgs[0].Embeds) != 1 {
				t.Fatalf("messages %+v, want one with one embed", msgs)
			}
			em := msgs[0].Embeds[0]
			want := "Outlet A: More details, item t-0. (<t:" + strconv.FormatInt(stories[0].Published.Unix(), 10) + ":R>)"
			if em.Description != want || em.Color != 0xE74C3C || em.Thumbnail == nil || em.Thumbnail.URL != stories[0].Image || em.Image != nil {
				t.Errorf("embed %+v; want description %q, colour and thumbnail", em, want)
			}
		})
	}
}

// fixedLabels knows one tracked topic and counts its lookups (channels are delivered to
// concurrently).
type fixedLabels struct{ calls *atomic.Int64 }

func (f fixedLabels) TopicLabel(_ context.Context, id string) (string, string, bool) {
	f.calls.Add(1)
	if id != "mideast" {
		return "", "", false
	}
	return "Middle East ceasefire", "Ceasefire in effect", true
}

// A template's {topic} and {status} show the tracked topic's title and where it stands: a
// topic subscription's own topic, a feed subscription's story's first tracked topic (nothing
// for an untagged story); each topic is looked up once per delivery.
func TestTemplateStatusLabel(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			style := store.PostStyle{Template: "{topic} · {status}"}
			restyle(t, e.store, e.feedSub, style)
			restyle(t, e.store, e.topic, style)
			var calls atomic.Int64
			stories := e.fresh(t, 2, "s") // the first tagged mideast, the second not
			e.live(t, e.store, e.sender(t), LiveOptions{Topics: fixedLabels{&calls}}).OnNew(context.Background(), stories)
			var feed []string
			for _, m := range e.fake.Messages("c1") {
				for _, em := range m.Embeds {
					feed = append(feed, em.Description)
				}
			}
			if diff := cmp.Diff([]string{"Middle East ceasefire · Ceasefire in effect", "·"}, feed); diff != "" {
				t.Errorf("feed posts (-want +got):\n%s", diff)
			}
			topic := e.fake.Messages("c2")
			if len(topic) != 1 || topic[0].Embeds[0].Description != "Middle East ceasefire · Ceasefire in effect" {
				t.Errorf("topic post: %+v", topic)
			}
			if n := calls.Load(); n != 2 { // one per subscription and delivery
				t.Errorf("%d lookups, want 2", n)
			}
		})
	}
}
