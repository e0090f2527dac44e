package main

import (
	"fmt"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/topic"
)

// newRouter attaches every handler to the command definitions; a route left without a
// handler (or an autocompleted option without a completer) fails start-up.
func newRouter(a *app) (*commands.Router, error) {
	defs := commands.Definitions(commandAliases(a.topics.Topics())...)
	r := commands.NewRouter(defs, commands.RouterOptions{Logger: a.logger, OnCompleted: a.metrics.observeCommand, Links: a.links})
	topics := topicInfos(a)
	health := pollerHealth{a.poller}
	status := commands.Status{Source: a.tracking, Topics: topics, Feeds: health}
	subs := a.subscriptions()
	r.On("latest", commands.Latest{Stories: a.store, Topics: topics, Now: a.now, Feeds: health}.Handle)
	r.On("status", status.Handle)
	for _, t := range a.topics.Topics() {
		if t.Alias != "" {
			r.On(t.Alias, status.Alias(t.ID))
		}
	}
	r.On("briefing", commands.Briefing{Topics: topics, Build: a.digests.OnDemand}.Handle)
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
	r.On("help", commands.Help(defs, a.links))
	for _, route := range []string{"latest topic", "status topic", "briefing topic", "subscribe digest topic", "subscribe topic topic"} {
		r.OnAutocomplete(route, commands.TopicChoices(topics))
	}
	r.OnAutocomplete("subscribe digest timezone", commands.TimeZoneChoices)
	for _, route := range []string{"unsubscribe subscription", "subscription edit subscription",
		"subscription pause subscription", "subscription resume subscription", "subscription why subscription"} {
		r.OnAutocomplete(route, subs.SubscriptionChoices)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return r, nil
}

// subscriptions is the commands adapter over the one subscription service (a.subs); the
// slash commands and the dashboard both go through it.
func (a *app) subscriptions() commands.Subscriptions {
	return commands.Subscriptions{Service: a.subs, Topics: topicInfos(a),
		DefaultTime: a.cfg.Digest.Time, DefaultZone: a.cfg.Digest.TimeZone,
		NextRun: delivery.NextRun, Now: a.now, Clock: delivery.CanonicalClock, Health: a.store, Places: placesOf(a.sender),
		Stories: a.store, Verdicts: a.explainer(), Labels: topicLabels{a.tracking}}
}

// explainer is delivery's one verdict on a story in a channel, for /subscription why and the
// dashboard.
func (a *app) explainer() delivery.Explainer {
	return delivery.Explainer{Store: a.store, Rule: delivery.LiveRule{MaxAge: a.cfg.Delivery.LiveMaxAge}, Now: a.now}
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

func topicInfos(a *app) []commands.TopicInfo {
	var out []commands.TopicInfo
	for _, t := range a.topics.Topics() {
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
