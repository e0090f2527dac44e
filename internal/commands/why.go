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

// LiveRules is delivery's rule of what a live subscription posts (delivery.LiveRule):
// WhyNot names the rule that keeps a story out, "" when none does.
type LiveRules interface {
	WhyNot(sub store.Subscription, s story.Story, now time.Time) string
}

// StoryLog is what /subscription why reads: recent stories and what a channel was shown.
type StoryLog interface {
	RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error)
	Unseen(ctx context.Context, channelID string, ids []string) ([]string, error)
}

// Why implements /subscription why subscription story: it finds the story (by link or by
// words of its title) among the subscription's recent ones and names the rule that kept it
// out of the channel, in delivery's own terms: the filter, the age limit, a duplicate, the
// feed failing, a pause.
func (s Subscriptions) Why(ctx context.Context, req Request) (message.Message, error) {
	if s.Stories == nil {
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
	verdict, err := s.verdict(ctx, sub, st)
	if err != nil {
		return message.Message{}, err
	}
	return message.Message{Content: message.Truncate("**"+st.Title+"**\n"+verdict, message.MaxContent), Ephemeral: true}, nil
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

// verdict says what happened to s in sub's channel, naming the rule.
func (s Subscriptions) verdict(ctx context.Context, sub store.Subscription, st story.Story) (string, error) {
	if s.Rules != nil {
		if why := s.Rules.WhyNot(sub, st, s.Now()); why != "" {
			return "Not posted: " + why + ".", nil
		}
	}
	unseen, err := s.Stories.Unseen(ctx, sub.ChannelID, append([]string{st.ID}, st.Aliases()...))
	if err != nil {
		return "", fmt.Errorf("commands: reading what the channel was shown: %w", err)
	}
	switch {
	case !contains(unseen, st.ID):
		return fmt.Sprintf("Posted in <#%s>.", sub.ChannelID), nil
	case len(unseen) < 1+len(st.Aliases()):
		return "Not posted: the channel was already shown the same article (from another subscribed feed, or under an earlier link or id).", nil
	case sub.Broken != "":
		return "Not posted: delivery to this channel stopped (" + sub.Broken + ").", nil
	case sub.Paused:
		return "Not posted: the subscription is paused. `/subscription resume` posts what arrived meanwhile.", nil
	}
	if h := s.healthText(ctx, sub.FeedURL); strings.HasPrefix(h, "⛔") || strings.HasPrefix(h, "⚠️") {
		return "Not posted yet: its feed is " + strings.TrimLeft(h, "⛔⚠️ ") + ".", nil
	}
	return "Not posted yet: it is due at the next delivery (within a minute or two).", nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
