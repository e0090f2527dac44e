package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// whyWindow is how far back /subscription why looks for the story.
const whyWindow = 7 * 24 * time.Hour

// Verdicts is delivery's one verdict on a story in a subscription's channel
// (delivery.Explainer, which the dashboard shows too): the sentence naming what happened and
// the rule that decided it, with channel written as given.
type Verdicts interface {
	Sentence(ctx context.Context, sub store.Subscription, s story.Story, channel string) (string, error)
}

// StoryLog is what /subscription why searches: the recent stories.
type StoryLog interface {
	RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error)
}

// Why implements /subscription why subscription story: it finds the story (by link or by
// words of its title) among the subscription's recent ones and gives delivery's verdict on it:
// where it was posted, or the rule that kept it out (the filter, the age limit, a duplicate,
// the feed failing, a pause). The story's title, feed text, is the embed's: the reply's
// content is Herald's own words, whose command names become mentions.
func (s Subscriptions) Why(ctx context.Context, req Request) (message.Message, error) {
	if s.Stories == nil || s.Verdicts == nil {
		return message.Message{}, Errorf("Herald cannot read its stories here.")
	}
	sub, err := s.Service.Find(ctx, req.GuildID, req.Options["subscription"])
	if err != nil {
		return message.Message{}, refusal(err)
	}
	if sub.Kind == store.KindDigest {
		return message.Message{}, Errorf("Daily briefings carry the day's top stories, not every story: ask about a live subscription.")
	}
	q := strings.TrimSpace(req.Options["story"])
	recent, err := s.Stories.RecentStories(ctx, store.StoryQuery{FeedURL: sub.FeedURL, Topic: sub.Topic, Since: s.Now().Add(-whyWindow), Limit: 500})
	if err != nil {
		return message.Message{}, fmt.Errorf("commands: reading recent stories: %w", err)
	}
	st, ok := findStory(recent, q)
	if !ok {
		return message.Message{Content: fmt.Sprintf("No story matching %q reached Herald from %s in the last 7 days: it may come from another feed, be older, or not be in the feed.",
			message.Truncate(q, 200), describe(sub, s.Topics)), Ephemeral: true}, nil
	}
	verdict, err := s.Verdicts.Sentence(ctx, sub, st, "<#"+sub.ChannelID+">")
	if err != nil {
		return message.Message{}, fmt.Errorf("commands: %w", err)
	}
	return message.Message{Content: message.Truncate(verdict, message.MaxContent), Ephemeral: true,
		Embeds: []message.Embed{{Title: message.Truncate(st.Title, message.MaxEmbedTitle), URL: safeLink(st.Link)}}}, nil
}

// safeLink keeps http(s) links only: an embed's URL is a feed's untrusted text.
func safeLink(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// findStory picks the story whose canonical link is q, else the newest whose title has every
// word of q.
func findStory(stories []story.Story, q string) (story.Story, bool) {
	if q == "" {
		return story.Story{}, false
	}
	canon := story.CanonicalURL(q)
	for _, s := range stories {
		if s.Link == q || (canon != "" && s.Link == canon) {
			return s, true
		}
	}
	want := story.Words(q)
	for _, s := range stories { // newest first
		title := " " + strings.Join(story.Words(s.Title), " ") + " "
		all := len(want) > 0
		for _, w := range want {
			all = all && strings.Contains(title, " "+w+" ")
		}
		if all {
			return s, true
		}
	}
	return story.Story{}, false
}
