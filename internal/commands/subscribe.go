package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/subscription"
)

// Subscriptions implements /subscribe, /unsubscribe, /subscriptions and /retry-feed as an
// adapter over the subscription service: it reads the options and words the reply; the
// service runs the workflows (store, digest schedule, poll set).
type Subscriptions struct {
	Service     *subscription.Service
	Topics      []TopicInfo
	DefaultTime string
	DefaultZone string
	// NextRun says when a digest runs next (for /subscriptions).
	NextRun func(sub store.Subscription, now time.Time) (time.Time, error)
	Now     func() time.Time
	// Health, when set, shows each feed's state in /subscriptions and lets /retry-feed
	// resume a paused one.
	Health FeedHealth
	// Places, when set (Discord), reads channel types and makes webhooks for placements.
	Places Places
	// Stories and Verdicts answer /subscription why: what reached Herald, and delivery's
	// verdict on one story in a channel.
	Stories  StoryLog
	Verdicts Verdicts
	// Labels, when set, fill the preview's {topic} and {status}.
	Labels TopicLabels
	// Clock checks a digest's time and zone and returns the time as stored, "HH:MM" (24-hour)
	// from any accepted form ("8am", "8:30 pm", "20:30").
	Clock func(clock, zone string) (string, error)
}

// owner is who runs the command, and where.
func owner(req Request) subscription.Owner {
	return subscription.Owner{GuildID: req.GuildID, ChannelID: req.ChannelID, UserID: req.UserID}
}

// refusal turns the service's refusals into user errors worded as the service wrote them.
func refusal(err error) error {
	var r *subscription.Refusal
	if errors.As(err, &r) {
		return Errorf("%s", r.Reason)
	}
	return err
}

// Digest implements /subscribe digest [time] [timezone] [topic].
func (s Subscriptions) Digest(ctx context.Context, req Request) (message.Message, error) {
	zone := orDefault(req.Options["timezone"], s.DefaultZone)
	hhmm, err := s.Clock(orDefault(req.Options["time"], s.DefaultTime), zone)
	if err != nil {
		return message.Message{}, Errorf("%s", userText(err))
	}
	topic, err := topicOption(req, s.Topics, false)
	if err != nil {
		return message.Message{}, err
	}
	sub, err := s.Service.Subscribe(ctx, owner(req), store.Subscription{Kind: store.KindDigest, Time: hhmm, TimeZone: zone, Topic: topic})
	if err != nil {
		return message.Message{}, refusal(err)
	}
	what := "A daily briefing"
	if topic != "" {
		what += " on " + topicTitle(topic, s.Topics)
	}
	next := s.nextRunText(sub)
	return message.Message{Content: fmt.Sprintf("✅ %s will arrive here every day at %s (%s). %s", what, sub.Time, zone, next)}, nil
}

// Feed implements /subscribe feed url [include] [exclude].
func (s Subscriptions) Feed(ctx context.Context, req Request) (message.Message, error) {
	raw := strings.TrimSpace(req.Options["url"])
	style, err := applyStyle(store.PostStyle{}, req)
	if err != nil {
		return message.Message{}, err
	}
	style, hook, err := s.placement(ctx, style, req)
	if err != nil {
		return message.Message{}, err
	}
	sub, items, err := s.Service.SubscribeFeedWith(ctx, owner(req), store.Subscription{Kind: store.KindFeed, FeedURL: raw,
		Include: keywords(req.Options["include"]), Exclude: keywords(req.Options["exclude"]), Style: style})
	var ce *subscription.CheckError
	if errors.As(err, &ce) {
		return message.Message{}, Errorf("Could not subscribe to %s: %s", feed.RedactURL(raw), userText(ce.Err))
	}
	if err != nil {
		return message.Message{}, refusal(err)
	}
	if hook != "" {
		if sub, err = s.attachWebhook(ctx, req, sub, hook); err != nil {
			return message.Message{}, err
		}
	}
	// The confirmation is public: a private feed's password stays hidden.
	content := fmt.Sprintf("✅ New stories from %s will be posted here as they arrive%s%s. Nothing old will be posted.",
		feed.RedactURL(raw), filterText(sub), placeText(sub.Style))
	preview, ok := newestMatching(items, sub)
	switch {
	case ok:
		content += " The newest item these words let through, as a preview:"
	case len(items) > 0:
		content += fmt.Sprintf(" None of the feed's %d current items match these words.", len(items))
	}
	// Long keyword lists could push the confirmation past Discord's limit, and a reply Discord
	// rejects would hide that the subscription was made.
	m := message.Message{Content: message.Truncate(content, message.MaxContent)}
	if ok {
		m.Embeds = []message.Embed{s.previewEmbed(ctx, preview, sub.Style)}
	}
	return m, nil
}

// newestMatching is the preview: the newest item the subscription's include/exclude words let
// through, by the same rule live posts use, so the preview shows what will be posted.
func newestMatching(items []story.Story, sub store.Subscription) (story.Story, bool) {
	for _, it := range items { // newest first
		if passesStyle(it, sub) {
			return it, true
		}
	}
	return story.Story{}, false
}

// Topic implements /subscribe topic topic.
func (s Subscriptions) Topic(ctx context.Context, req Request) (message.Message, error) {
	topic, err := topicOption(req, s.Topics, true)
	if err != nil {
		return message.Message{}, err
	}
	style, err := applyStyle(store.PostStyle{}, req)
	if err != nil {
		return message.Message{}, err
	}
	// Topic posts are edited as outlets add to them, which a webhook's posts cannot be by
	// Herald: /subscribe topic offers no webhook_name, so placement makes none.
	if style, _, err = s.placement(ctx, style, req); err != nil {
		return message.Message{}, err
	}
	sub, err := s.Service.Subscribe(ctx, owner(req), store.Subscription{Kind: store.KindTopic, Topic: topic, Style: style})
	if err != nil {
		return message.Message{}, refusal(err)
	}
	return message.Message{Content: message.Truncate(fmt.Sprintf("✅ New stories on %s from every feed will be posted here as they arrive%s%s.",
		topicTitle(topic, s.Topics), styleText(sub.Style), placeText(sub.Style)), message.MaxContent)}, nil
}

// SetPaused pauses or resumes the subscription named by the "subscription" option (the
// dashboard's pause): a paused subscription posts nothing until it is resumed.
func (s Subscriptions) SetPaused(ctx context.Context, req Request, paused bool) (message.Message, error) {
	sub, err := s.Service.SetPaused(ctx, req.GuildID, req.Options["subscription"], paused)
	if err != nil {
		return message.Message{}, refusal(err)
	}
	verb := "Resumed"
	if paused {
		verb = "Paused"
	}
	return message.Message{Content: "✅ " + verb + ": " + describe(sub, s.Topics) + "."}, nil
}

// SetFilters replaces the keyword filters of the feed subscription named by the "subscription"
// option with the "include" and "exclude" options (comma-separated, as /subscribe feed takes
// them; empty clears a filter).
func (s Subscriptions) SetFilters(ctx context.Context, req Request) (message.Message, error) {
	sub, err := s.Service.SetFilters(ctx, req.GuildID, req.Options["subscription"],
		keywords(req.Options["include"]), keywords(req.Options["exclude"]))
	if err != nil {
		return message.Message{}, refusal(err)
	}
	return message.Message{Content: message.Truncate("✅ Updated: "+describe(sub, s.Topics)+".", message.MaxContent)}, nil
}

// Describe says what sub delivers in the words /subscriptions uses.
func (s Subscriptions) Describe(sub store.Subscription) string { return describe(sub, s.Topics) }

// List implements /subscriptions: this channel's, and the whole server's for members who may
// manage them.
func (s Subscriptions) List(ctx context.Context, req Request) (message.Message, error) {
	f := store.SubscriptionFilter{GuildID: req.GuildID, ChannelID: req.ChannelID}
	manager := req.Permissions&PermManageChannels != 0
	if manager {
		f.ChannelID = ""
	}
	subs, err := s.Service.List(ctx, f)
	if err != nil {
		return message.Message{}, err
	}
	if len(subs) == 0 {
		return message.Message{Content: "No subscriptions yet. Add one with /subscribe.", Ephemeral: true}, nil
	}
	var b strings.Builder
	readsSources := false
	for _, sub := range subs {
		line := fmt.Sprintf("`%s` <#%s> %s", sub.ID, sub.ChannelID, describe(sub, s.Topics))
		switch sub.Kind {
		case store.KindDigest:
			line += " — " + s.nextRunText(sub)
			readsSources = true
		case store.KindFeed:
			if h := s.healthText(ctx, sub.FeedURL); h != "" {
				line += " — " + h
			}
		default:
			readsSources = true
		}
		if sub.Broken != "" {
			line += " — ⚠️ stopped: " + sub.Broken
		}
		if sub.Paused {
			line += " — ⏸ paused"
		}
		b.WriteString(line + "\n")
	}
	if readsSources {
		b.WriteString(s.sourcesText(ctx))
	}
	title := "Subscriptions in this channel"
	if manager {
		title = "Subscriptions in this server"
	}
	return message.Message{Embeds: []message.Embed{{Title: title, Description: message.Truncate(b.String(), message.MaxEmbedDescription)}}, Ephemeral: true}, nil
}

// SubscriptionChoices autocompletes /unsubscribe over the server's subscriptions.
func (s Subscriptions) SubscriptionChoices(ctx context.Context, req Request) []Choice {
	subs, err := s.Service.List(ctx, store.SubscriptionFilter{GuildID: req.GuildID})
	if err != nil {
		return nil
	}
	all := make([]Choice, len(subs))
	for i, sub := range subs {
		all[i] = Choice{Name: message.Truncate(describe(sub, s.Topics), 100), Value: sub.ID}
	}
	return FilterChoices(all, req.Options[req.Focused])
}

func (s Subscriptions) nextRunText(sub store.Subscription) string {
	if s.NextRun == nil {
		return ""
	}
	next, err := s.NextRun(sub, s.Now())
	if err != nil {
		return ""
	}
	loc, err := time.LoadLocation(sub.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return "Next: " + next.In(loc).Format("Mon 2 Jan 15:04 MST") + "."
}

func describe(sub store.Subscription, topics []TopicInfo) string {
	switch sub.Kind {
	case store.KindDigest:
		d := fmt.Sprintf("daily briefing at %s %s", sub.Time, sub.TimeZone)
		if sub.Topic != "" {
			d += " on " + topicTitle(sub.Topic, topics)
		}
		return d
	case store.KindFeed:
		return "live posts from " + feed.RedactURL(sub.FeedURL) + filterText(sub) + styleText(sub.Style)
	default:
		return "live posts on " + topicTitle(sub.Topic, topics) + styleText(sub.Style)
	}
}

func filterText(sub store.Subscription) string {
	var parts []string
	if len(sub.Include) > 0 {
		parts = append(parts, "only with "+strings.Join(sub.Include, ", "))
	}
	if len(sub.Exclude) > 0 {
		parts = append(parts, "without "+strings.Join(sub.Exclude, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// keywords splits a comma-separated keyword list, lower-cased, trimmed, deduplicated.
func keywords(raw string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range strings.Split(raw, ",") {
		k = strings.ToLower(strings.Join(strings.Fields(k), " "))
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

// userText strips package prefixes from an error for a user-facing reply.
func userText(err error) string {
	if ue := asUserError(err); ue != nil {
		return ue.Msg
	}
	var d interface{ UserMessage() string }
	if errors.As(err, &d) {
		return d.UserMessage()
	}
	msg := err.Error()
	for {
		i := strings.Index(msg, ": ")
		if i < 0 || strings.ContainsAny(msg[:i], " /") {
			return msg
		}
		msg = msg[i+2:]
	}
}

// subscribeCommand defines /subscribe and its subcommands.
func subscribeCommand() Command {
	return Command{Name: "subscribe", Description: "Subscribe this channel to briefings or live posts", DefaultMemberPermissions: ptrI(PermManageChannels),
		PostsHere: true, Contexts: serverOnly(), Private: true, Options: []Option{
			{Type: OptionSubCommand, Name: "digest", Description: "A daily briefing in this channel", Options: []Option{
				{Type: OptionString, Name: "time", Description: "Local time such as 08:00, 20:30 or 8:30 pm (default 08:00)"},
				{Type: OptionString, Name: "timezone", Description: "IANA time zone, e.g. Europe/London (default UTC)", Autocomplete: true},
				topicOpt("Only this tracked topic", false),
			}},
			{Type: OptionSubCommand, Name: "feed", Description: "Live posts of new stories from one feed", Options: append([]Option{
				{Type: OptionString, Name: "url", Description: "The feed's URL (RSS, Atom, JSON Feed)", Required: true},
				{Type: OptionString, Name: "include", Description: "Only stories with one of these comma-separated words"},
				{Type: OptionString, Name: "exclude", Description: "Skip stories with any of these comma-separated words"},
			}, append(styleOptions(), placementOptions()...)...)},
			{Type: OptionSubCommand, Name: "topic", Description: "Live posts of new stories on a tracked topic", Options: append(append([]Option{
				topicOpt("The tracked topic", true),
			}, styleOptions()...), threadOptions()...)},
		}}
}

// unsubscribeCommand defines /unsubscribe.
func unsubscribeCommand() Command {
	return Command{Name: "unsubscribe", Description: "Remove one of this server's subscriptions", DefaultMemberPermissions: ptrI(PermManageChannels),
		Contexts: serverOnly(), Private: true, Options: []Option{
			{Type: OptionString, Name: "subscription", Description: "The subscription to remove (leave out to pick from a list)", Autocomplete: true},
		}}
}

// subscriptionsCommand defines /subscriptions.
func subscriptionsCommand() Command {
	return Command{Name: "subscriptions", Description: "This channel's subscriptions, their next runs and their feeds' health", Contexts: serverOnly(), Private: true}
}
