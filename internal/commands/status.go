package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// StatusSource tells where a tracked topic stands, as one embed, from stored stories.
type StatusSource interface {
	StatusEmbed(ctx context.Context, topicID string) (message.Embed, error)
}

// Status implements /status topic and the per-topic aliases such as /ceasefire-status.
type Status struct {
	Source StatusSource
	Topics []TopicInfo
	// Feeds, when set, lets the answer say that it rests on no fresh data ("No recent news"
	// reads like a fact when in truth no feed could be fetched).
	Feeds PollProgress
}

// Handle implements /status topic.
func (s Status) Handle(ctx context.Context, req Request) (message.Message, error) {
	topic, err := topicOption(req, s.Topics, true)
	if err != nil {
		return message.Message{}, err
	}
	return s.answer(ctx, topic)
}

// Alias answers for one fixed topic (/ceasefire-status → ceasefire).
func (s Status) Alias(topic string) HandlerFunc {
	return func(ctx context.Context, _ Request) (message.Message, error) { return s.answer(ctx, topic) }
}

func (s Status) answer(ctx context.Context, topic string) (message.Message, error) {
	e, err := s.Source.StatusEmbed(ctx, topic)
	if err != nil {
		return message.Message{}, fmt.Errorf("commands: status %s: %w", topic, err)
	}
	return message.Message{Content: staleNote(feedStatus(s.Feeds)), Embeds: []message.Embed{e}}, nil
}

// staleNote warns that a status rests on no (or not yet all) fresh reports.
func staleNote(st FeedStatus) string {
	switch {
	case st.Polling():
		return fmt.Sprintf("Herald is still polling its feeds for the first time (%d of %d done); this may be incomplete.", st.Finished, st.Feeds)
	case st.Unreachable():
		n := noneFetched(st.Feeds)
		return strings.ToUpper(n[:1]) + n[1:] + ": this is only what was stored before, not the news."
	}
	return ""
}

// Briefing implements /briefing [topic].
type Briefing struct {
	Topics []TopicInfo
	// Build composes the channel's briefing without marking anything seen: a member's
	// /briefing must not empty the channel's scheduled digest.
	Build func(ctx context.Context, channelID, topic string) (message.Message, error)
}

// Handle implements /briefing.
func (b Briefing) Handle(ctx context.Context, req Request) (message.Message, error) {
	topic, err := topicOption(req, b.Topics, false)
	if err != nil {
		return message.Message{}, err
	}
	m, err := b.Build(ctx, req.ChannelID, topic)
	if err != nil {
		return message.Message{}, fmt.Errorf("commands: briefing: %w", err)
	}
	return m, nil
}

// statusCommand defines /status.
func statusCommand() Command {
	return Command{Name: "status", Description: "Where a tracked story stands, with evidence", Contexts: anywhere(), Options: []Option{
		topicOpt("The tracked topic", true),
	}}
}

// briefingCommand defines /briefing.
func briefingCommand() Command {
	return Command{Name: "briefing", Description: "A briefing of what this channel has not seen yet", Contexts: anywhere(), Options: []Option{
		topicOpt("Only this tracked topic", false),
	}}
}
