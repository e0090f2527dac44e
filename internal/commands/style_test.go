package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

const role = "112233445566778899"

func onlySub(t *testing.T, s Subscriptions) store.Subscription {
	t.Helper()
	subs, err := s.Service.List(context.Background(), store.SubscriptionFilter{GuildID: "g1"})
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions %+v, %v; want one", subs, err)
	}
	return subs[0]
}

// /subscribe feed with style options validates and stores them, and the preview applies the
// filter and shows the template; the reply names the role without pinging it.
func TestSubscribeFeedWithStyle(t *testing.T) {
	s, fc, _ := newSubs(t)
	fc.items = []story.Story{
		{ID: "0000000000000002", Title: "Opinion: the talks", Source: "Feed", Published: t0},
		{ID: "0000000000000001", Title: "Talks resume in Cairo", Summary: "Negotiators met.", Source: "Feed", Published: t0.Add(-time.Hour)},
	}
	m, err := s.Feed(context.Background(), req("feed", map[string]string{"url": "https://news.example/rss",
		"filter": `NOT title:/^opinion:/`, "mention": role, "mention_filter": "Talks", "template": `{source}\n{summary}`,
		"color": "#1f8b4c", "thumbnail": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	want := store.PostStyle{Filter: "NOT title:/^opinion:/", MentionRole: role, MentionFilter: "talks",
		Template: "{source}\n{summary}", Color: 0x1F8B4C, Thumbnail: true}
	if diff := cmp.Diff(want, onlySub(t, s).Style); diff != "" {
		t.Errorf("stored style (-want +got):\n%s", diff)
	}
	if len(m.Embeds) != 1 || m.Embeds[0].Title != "Talks resume in Cairo" || m.Embeds[0].Description != "Feed\nNegotiators met." ||
		m.Embeds[0].Color != 0x1F8B4C {
		t.Errorf("preview %+v: want the newest story the filter lets through, in the template", m.Embeds)
	}
	if !m.Mention.IsZero() {
		t.Errorf("the reply pings %+v", m.Mention)
	}
	if err := message.Validate(m); err != nil {
		t.Error(err)
	}
}

// labels knows one tracked topic.
type labels struct{}

func (labels) TopicLabel(_ context.Context, id string) (string, string, bool) {
	return "Gaza ceasefire", "Ceasefire in effect", id == "ceasefire"
}

// The /subscribe preview fills {topic} and {status} from the story's tracked topic as the
// posts will, and stays a valid message.
func TestSubscribePreviewShowsStatusLabel(t *testing.T) {
	s, fc, _ := newSubs(t)
	s.Labels = labels{}
	fc.items = []story.Story{{ID: "0000000000000001", Title: "Truce holds", Source: "Feed", Published: t0, Topics: []string{"other", "ceasefire"}}}
	m, err := s.Feed(context.Background(), req("feed", map[string]string{"url": "https://news.example/rss",
		"template": `{title} ({topic}: {status})`}))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Embeds) != 1 || m.Embeds[0].Description != "Truce holds (Gaza ceasefire: Ceasefire in effect)" {
		t.Errorf("preview %+v: want the topic and its status", m.Embeds)
	}
	if err := message.Validate(m); err != nil {
		t.Error(err)
	}
}

func TestSubscribeStyleErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts map[string]string
		want string
	}{
		{"bad filter", map[string]string{"filter": `"unclosed`}, "The filter is not valid: phrase at 1 has no closing"},
		{"bad regex", map[string]string{"filter": `/a(/`}, "The filter is not valid: regex /a(/"},
		{"bad mention filter", map[string]string{"mention_filter": `/(a{1000}){1000}/`}, "The mention_filter is not valid"},
		{"bad template", map[string]string{"template": "{headline}"}, "unknown placeholder {headline}"},
		{"bad colour", map[string]string{"color": "green"}, "six hex digits"},
		{"everyone", map[string]string{"mention": "g1"}, "Pick a role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newSubs(t)
			tc.opts["url"] = "https://news.example/rss"
			_, err := s.Feed(context.Background(), req("feed", tc.opts))
			if err == nil || !strings.Contains(err.Error(), tc.want) || asUserError(err) == nil {
				t.Fatalf("err = %v, want a user error saying %q", err, tc.want)
			}
			if subs, _ := s.Service.List(context.Background(), store.SubscriptionFilter{}); len(subs) != 0 {
				t.Errorf("a subscription was made: %+v", subs)
			}
		})
	}
}

// /subscription edit changes only what it is given; pause and resume flip Paused.
func TestSubscriptionEditPauseResume(t *testing.T) {
	s, _, _ := newSubs(t)
	ctx := context.Background()
	if _, err := s.Topic(ctx, req("topic", map[string]string{"topic": "ceasefire", "mention": role})); err != nil {
		t.Fatal(err)
	}
	id := onlySub(t, s).ID
	edit := func(opts map[string]string) (message.Message, error) {
		opts["subscription"] = id
		r := req("edit", opts)
		r.Name = "subscription"
		return s.Edit(ctx, r)
	}
	m, err := edit(map[string]string{"filter": "truce -opinion"})
	if err != nil || !strings.Contains(m.Content, "filter `truce NOT opinion`; pings <@&"+role+">") {
		t.Fatalf("edit = %q, %v", m.Content, err)
	}
	if got := onlySub(t, s).Style; got.Filter != "truce NOT opinion" || got.MentionRole != role {
		t.Errorf("style after edit %+v: the filter changes, the mention stays", got)
	}
	if _, err := edit(map[string]string{"no_mention": "true", "filter": "none"}); err != nil {
		t.Fatal(err)
	}
	if got := onlySub(t, s).Style; got != (store.PostStyle{}) {
		t.Errorf("style after clearing %+v", got)
	}
	if _, err := edit(map[string]string{}); err == nil || !strings.Contains(err.Error(), "at least one option") {
		t.Errorf("empty edit: %v", err)
	}
	r := req("pause", map[string]string{"subscription": id})
	if _, err := s.Pause(ctx, r); err != nil || !onlySub(t, s).Paused {
		t.Fatalf("pause: %v, paused %v", err, onlySub(t, s).Paused)
	}
	if _, err := s.Resume(ctx, r); err != nil || onlySub(t, s).Paused {
		t.Fatalf("resume: %v, paused %v", err, onlySub(t, s).Paused)
	}
}
