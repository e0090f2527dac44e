package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/subscription"
	"github.com/heraldbot/herald/internal/topic"
)

// routerDeps is what the command handlers need from the built parts, and nothing else: the
// router cannot reach the store's writes, the poller or the sender except through these.
type routerDeps struct {
	topics []topic.Config
	// subs is the commands adapter over the subscription service (subscriptionCommands).
	subs    commands.Subscriptions
	stories commands.StoryReader
	status  commands.StatusSource
	feeds   commands.PollProgress
	// briefing composes a channel's on-demand briefing (delivery.Digests.OnDemand).
	briefing func(ctx context.Context, channelID, topic string) (message.Message, error)
	// observe counts every command (metrics).
	observe func(name string, d time.Duration, err error)
	// links write command names as mentions (/help).
	links  *message.CommandLinks
	now    func() time.Time
	logger *slog.Logger
}

// newRouter attaches every handler to the command definitions; a route left without a
// handler (or an autocompleted option without a completer) fails start-up.
func newRouter(d routerDeps) (*commands.Router, error) {
	defs := commands.Definitions(commandAliases(d.topics)...)
	r := commands.NewRouter(defs, commands.RouterOptions{Logger: d.logger, OnCompleted: d.observe, Links: d.links})
	topics := topicInfos(d.topics)
	status := commands.Status{Source: d.status, Topics: topics, Feeds: d.feeds}
	r.On("latest", commands.Latest{Stories: d.stories, Topics: topics, Now: d.now, Feeds: d.feeds}.Handle)
	r.On("status", status.Handle)
	for _, t := range d.topics {
		if t.Alias != "" {
			r.On(t.Alias, status.Alias(t.ID))
		}
	}
	r.On("briefing", commands.Briefing{Topics: topics, Build: d.briefing}.Handle)
	routeSubscriptions(r, d.subs)
	r.On("help", commands.Help(defs, d.links))
	for _, route := range []string{"latest topic", "status topic", "briefing topic", "subscribe digest topic", "subscribe topic topic"} {
		r.OnAutocomplete(route, commands.TopicChoices(topics))
	}
	r.OnAutocomplete("subscribe digest timezone", commands.TimeZoneChoices)
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return r, nil
}

// routeSubscriptions attaches the subscription commands and their completers.
func routeSubscriptions(r *commands.Router, subs commands.Subscriptions) {
	r.On("subscribe digest", subs.Digest)
	r.On("subscribe feed", subs.Feed)
	r.On("subscribe topic", subs.Topic)
	r.On("unsubscribe", subs.Unsubscribe)
	r.On("subscription edit", subs.Edit)
	r.On("subscription pause", subs.Pause)
	r.On("subscription resume", subs.Resume)
	r.On("subscription why", subs.Why)
	r.On("subscriptions", subs.List)
	r.On("retry-feed", subs.RetryFeed)
	for _, route := range []string{"unsubscribe subscription", "subscription edit subscription",
		"subscription pause subscription", "subscription resume subscription", "subscription why subscription"} {
		r.OnAutocomplete(route, subs.SubscriptionChoices)
	}
}

// subscriptionCommands is the commands adapter over the one subscription service; the slash
// commands and the dashboard both go through it.
func subscriptionCommands(cfg *config.Config, svc *subscription.Service, st store.Store, sender delivery.Sender,
	topics []topic.Config, labels commands.TopicLabels, now func() time.Time) commands.Subscriptions {
	return commands.Subscriptions{Service: svc, Topics: topicInfos(topics),
		DefaultTime: cfg.Digest.Time, DefaultZone: cfg.Digest.TimeZone,
		NextRun: delivery.NextRun, Now: now, Clock: delivery.CanonicalClock, Health: st, Places: placesOf(sender),
		Stories: st, Verdicts: explainer(cfg, st, now), Labels: labels}
}

// explainer is delivery's one verdict on a story in a channel, for /subscription why and the
// dashboard.
func explainer(cfg *config.Config, st store.Store, now func() time.Time) delivery.Explainer {
	return delivery.Explainer{Store: st, Rule: delivery.LiveRule{MaxAge: cfg.Delivery.LiveMaxAge}, Now: now}
}

// commandAliases are the topics' command aliases (alias: in topics.yaml), such as
// /ceasefire-status.
func commandAliases(topics []topic.Config) []commands.Alias {
	var out []commands.Alias
	for _, t := range topics {
		if t.Alias != "" {
			out = append(out, commands.Alias{Name: t.Alias, Title: t.Title})
		}
	}
	return out
}

func topicInfos(topics []topic.Config) []commands.TopicInfo {
	var out []commands.TopicInfo
	for _, t := range topics {
		out = append(out, commands.TopicInfo{ID: t.ID, Title: t.Title})
	}
	return out
}

// feedURLs are the configured feeds' URLs, which /retry-feed may retry.
func feedURLs(cfg *config.Config) []string {
	out := make([]string, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		out[i] = f.URL
	}
	return out
}

// placesOf is the sender's channel and webhook access when it talks to Discord, else nil.
func placesOf(s delivery.Sender) commands.Places {
	if p, ok := s.(commands.Places); ok {
		return p
	}
	return nil
}
