package commands

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// SubscriptionStore is what the subscription commands need from the store.
type SubscriptionStore interface {
	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	UpdateSubscription(ctx context.Context, sub store.Subscription) error
	DeleteSubscription(ctx context.Context, guildID, id string) error
	ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error)
}

// FeedChecker fetches and parses a feed the way the poller will, records its current items as
// already known (so subscribing posts nothing old) and returns them, newest first.
type FeedChecker interface {
	CheckFeed(ctx context.Context, url string) ([]story.Story, error)
}

// Scheduler is told about digest subscriptions as they come and go, so no restart is needed.
type Scheduler interface {
	Add(sub store.Subscription) error
	Remove(id string)
}

// Subscriptions implements /subscribe, /unsubscribe and /subscriptions.
type Subscriptions struct {
	Store     SubscriptionStore
	Feeds     FeedChecker
	Scheduler Scheduler
	Topics    []TopicInfo
	// Limit is the most subscriptions one guild may have (default 50).
	Limit       int
	DefaultTime string
	DefaultZone string
	// NextRun says when a digest runs next (for /subscriptions).
	NextRun func(sub store.Subscription, now time.Time) (time.Time, error)
	Now     func() time.Time
	// Health, when set, shows each feed's state in /subscriptions and lets /retry-feed
	// resume a paused one.
	Health FeedHealth
	// Sources are the configured feeds' URLs (what topic and digest subscriptions read).
	Sources []string
	// Places, when set (Discord), reads channel types and makes webhooks for placements.
	Places Places
	// Clock checks a digest's time and zone and returns the time as stored, "HH:MM" (24-hour)
	// from any accepted form ("8am", "8:30 pm", "20:30").
	Clock func(clock, zone string) (string, error)
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
	sub, err := s.create(ctx, req, store.Subscription{Kind: store.KindDigest, Time: hhmm, TimeZone: zone, Topic: topic})
	if err != nil {
		return message.Message{}, err
	}
	if err := s.Scheduler.Add(sub); err != nil {
		return message.Message{}, fmt.Errorf("commands: scheduling digest: %w", err)
	}
	what := "A daily briefing"
	if topic != "" {
		what += " on " + topicTitle(topic, s.Topics)
	}
	next := s.nextRunText(sub)
	return message.Message{Content: fmt.Sprintf("✅ %s will arrive here every day at %s (%s). %s", what, sub.Time, zone, next)}, nil
}

// maxFeedURL bounds a feed URL: Discord lets a string option carry 6000 characters, which
// would make every message quoting the URL too long to post. Real feed URLs are far shorter.
const maxFeedURL = 1000

// Feed implements /subscribe feed url [include] [exclude].
func (s Subscriptions) Feed(ctx context.Context, req Request) (message.Message, error) {
	raw := strings.TrimSpace(req.Options["url"])
	if n := utf8.RuneCountInString(raw); n > maxFeedURL {
		return message.Message{}, Errorf("That URL is %d characters long; feed URLs may have at most %d.", n, maxFeedURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return message.Message{}, Errorf("That is not a feed URL: it must start with http:// or https://.")
	}
	if err := s.precheck(ctx, req, store.Subscription{Kind: store.KindFeed, FeedURL: raw, ChannelID: req.ChannelID}); err != nil {
		return message.Message{}, err
	}
	style, err := applyStyle(store.PostStyle{}, req)
	if err != nil {
		return message.Message{}, err
	}
	items, err := s.Feeds.CheckFeed(ctx, raw)
	if err != nil {
		return message.Message{}, Errorf("Could not subscribe to %s: %s", feed.RedactURL(raw), userText(err))
	}
	if style, err = s.applyPlacement(ctx, style, req); err != nil {
		return message.Message{}, err
	}
	sub, err := s.create(ctx, req, store.Subscription{Kind: store.KindFeed, FeedURL: raw,
		Include: keywords(req.Options["include"]), Exclude: keywords(req.Options["exclude"]), Style: style})
	if err != nil {
		return message.Message{}, err
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
		m.Embeds = []message.Embed{previewEmbed(preview, sub.Style)}
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
	sub, err := s.create(ctx, req, store.Subscription{Kind: store.KindTopic, Topic: topic, Style: style})
	if err != nil {
		return message.Message{}, err
	}
	return message.Message{Content: message.Truncate(fmt.Sprintf("✅ New stories on %s from every feed will be posted here as they arrive%s.",
		topicTitle(topic, s.Topics), styleText(sub.Style)), message.MaxContent)}, nil
}

// precheck refuses early (before fetching a feed) what create would refuse: DMs, the guild's
// limit, a duplicate in the channel. create re-checks duplicates atomically in the store.
func (s Subscriptions) precheck(ctx context.Context, req Request, sub store.Subscription) error {
	if req.GuildID == "" {
		return Errorf("Subscriptions work in server channels, not in direct messages.")
	}
	existing, err := s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{GuildID: req.GuildID})
	if err != nil {
		return fmt.Errorf("commands: listing subscriptions: %w", err)
	}
	if limit := s.limit(); len(existing) >= limit {
		return Errorf("This server already has %d subscriptions, the most allowed. Remove one with /unsubscribe first.", limit)
	}
	for _, e := range existing {
		if e.SameTarget(sub) && sub.Kind == store.KindFeed {
			return Errorf("This channel already has that subscription. /subscriptions shows its feed's health; /retry-feed tries a paused feed again.")
		}
		if e.SameTarget(sub) {
			return Errorf("This channel already has that subscription.")
		}
	}
	return nil
}

func (s Subscriptions) create(ctx context.Context, req Request, sub store.Subscription) (store.Subscription, error) {
	sub.ChannelID = req.ChannelID
	if err := s.precheck(ctx, req, sub); err != nil {
		return sub, err
	}
	sub.GuildID, sub.ChannelID, sub.CreatedBy, sub.CreatedAt = req.GuildID, req.ChannelID, req.UserID, s.Now()
	created, err := s.Store.CreateSubscription(ctx, sub)
	if errors.Is(err, store.ErrDuplicate) {
		return sub, Errorf("This channel already has that subscription.")
	}
	if err != nil {
		return sub, fmt.Errorf("commands: creating subscription: %w", err)
	}
	return created, nil
}

func (s Subscriptions) limit() int {
	if s.Limit <= 0 {
		return 50
	}
	return s.Limit
}

// Unsubscribe implements /unsubscribe subscription.
func (s Subscriptions) Unsubscribe(ctx context.Context, req Request) (message.Message, error) {
	sub, err := s.find(ctx, req)
	if err != nil {
		return message.Message{}, err
	}
	if err := s.Store.DeleteSubscription(ctx, req.GuildID, sub.ID); err != nil {
		return message.Message{}, fmt.Errorf("commands: deleting subscription: %w", err)
	}
	if sub.Kind == store.KindDigest {
		s.Scheduler.Remove(sub.ID)
	}
	return message.Message{Content: "✅ Removed: " + describe(sub, s.Topics) + "."}, nil
}

// SetPaused pauses or resumes the subscription named by the "subscription" option (the
// dashboard's pause): a paused subscription posts nothing until it is resumed.
func (s Subscriptions) SetPaused(ctx context.Context, req Request, paused bool) (message.Message, error) {
	sub, err := s.find(ctx, req)
	if err != nil {
		return message.Message{}, err
	}
	sub.Paused = paused
	if err := s.Store.UpdateSubscription(ctx, sub); err != nil {
		return message.Message{}, fmt.Errorf("commands: updating subscription: %w", err)
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
	sub, err := s.find(ctx, req)
	if err != nil {
		return message.Message{}, err
	}
	if sub.Kind != store.KindFeed {
		return message.Message{}, Errorf("Only feed subscriptions have keyword filters.")
	}
	sub.Include, sub.Exclude = keywords(req.Options["include"]), keywords(req.Options["exclude"])
	if err := s.Store.UpdateSubscription(ctx, sub); err != nil {
		return message.Message{}, fmt.Errorf("commands: updating subscription: %w", err)
	}
	return message.Message{Content: message.Truncate("✅ Updated: "+describe(sub, s.Topics)+".", message.MaxContent)}, nil
}

// find returns the subscription named by the "subscription" option among the request's
// guild's: an id of another guild is not found.
func (s Subscriptions) find(ctx context.Context, req Request) (store.Subscription, error) {
	id := strings.TrimSpace(req.Options["subscription"])
	subs, err := s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{GuildID: req.GuildID})
	if err != nil {
		return store.Subscription{}, fmt.Errorf("commands: listing subscriptions: %w", err)
	}
	for _, sub := range subs {
		if sub.ID == id {
			return sub, nil
		}
	}
	return store.Subscription{}, Errorf("No subscription %q in this server. /subscriptions lists them.", id)
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
	subs, err := s.Store.ListSubscriptions(ctx, f)
	if err != nil {
		return message.Message{}, fmt.Errorf("commands: listing subscriptions: %w", err)
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
	subs, err := s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{GuildID: req.GuildID})
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
