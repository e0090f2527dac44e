package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/store/redisstore"
	"github.com/heraldbot/herald/internal/subscription"
	"github.com/heraldbot/herald/internal/topic"
	"github.com/heraldbot/herald/internal/tracking"
)

// app holds everything built from the configuration.
type app struct {
	cfg      *config.Config
	logger   *slog.Logger
	now      func() time.Time
	metrics  *metrics
	store    store.Store
	fetcher  feedFetcher
	topics   *topic.Matcher
	poller   *poller.Poller
	tracking *tracking.StatusSource
	sender   delivery.Sender
	live     *delivery.Live
	digests  *delivery.Digests
	subs     *subscription.Service
	// subsCmd is the commands adapter over subs, shared by the router and the dashboard.
	subsCmd commands.Subscriptions
	router  *commands.Router
	// links write command names as clickable mentions in replies and notices once Discord
	// has told the commands' IDs; the console never learns them and keeps plain names.
	links *message.CommandLinks
}

// build wires the parts in dependency order; sender carries posts (the console or Discord).
func build(ctx context.Context, cfg *config.Config, logger *slog.Logger, sender delivery.Sender) (*app, error) {
	a := &app{cfg: cfg, logger: logger, now: time.Now, metrics: newMetrics(), links: commands.Links(commands.Definitions())}
	a.sender = withPlaces(instrumentedSender{inner: sender, m: a.metrics}, sender)
	var err error
	if a.topics, err = topic.NewMatcher(cfg.Topics); err != nil {
		return nil, fmt.Errorf("config: topics: %w", err)
	}
	if a.store, err = openStore(ctx, cfg, logger, a.now); err != nil {
		return nil, err
	}
	if a.tracking, err = tracking.NewStatusSource(a.store, a.topics.Topics(), cfg.Tracking.Window, a.now, logger); err != nil {
		a.close()
		return nil, fmt.Errorf("config: topics: %w", err)
	}
	a.fetcher = newFetcher(cfg, logger)
	a.live = delivery.NewLive(a.store, a.sender, delivery.LiveOptions{Lease: cfg.Delivery.ClaimLease,
		Rule: delivery.LiveRule{MaxAge: cfg.Delivery.LiveMaxAge}, Sources: feedURLs(cfg), Now: a.now, Logger: logger, Commands: a.links,
		Topics: topicLabels{a.tracking}})
	// Digest slots and their stories are leased for the same claim lease as live posts, so a
	// digest cut off by a crash is retried by the next process once it expires, as documented
	// for HERALD_CLAIM_LEASE, rather than after a fixed 5 minutes.
	a.digests = delivery.NewDigests(a.store, a.sender, delivery.DigestOptions{Grace: cfg.Digest.Grace, Lease: cfg.Delivery.ClaimLease,
		MaxEntries: cfg.Digest.MaxEntries, QuietWhenEmpty: cfg.Digest.QuietWhenEmpty, Owner: replicaID(),
		TopicTitles: topicTitles(a.topics), StatusLines: a.tracking.StatusLines, Now: a.now, Logger: logger,
		OnRun: a.metrics.observeDigest, OnStartError: a.metrics.observeDigestStart})
	fetcher := instrumentedFetcher{inner: a.fetcher, m: a.metrics}
	a.poller = poller.New(pollerFeeds(cfg), fetcher, ingestStore{Store: a.store, m: a.metrics}, a.topics.Tags, poller.Options{
		Interval: cfg.Poll.Interval, Concurrency: cfg.Poll.Concurrency, PerHost: cfg.Poll.PerHost,
		DisableAfter: cfg.Poll.DisableAfter, Now: a.now, Logger: logger, OnNew: a.live.OnNew,
		Schedule: sharedSchedule(a.store), Hosts: sharedHosts(a.store), Lease: cfg.Poll.Lease,
	})
	a.subs = subscription.New(a.store, a.poller, a.poller, a.digests, subscription.Options{
		Limit: cfg.Subscriptions.PerGuildLimit, Sources: feedURLs(cfg), Now: a.now, Logger: logger})
	a.subsCmd = subscriptionCommands(cfg, a.subs, a.store, a.sender, a.topics.Topics(), topicLabels{a.tracking}, a.now)
	if a.router, err = newRouter(a.routerDeps()); err != nil {
		a.close()
		return nil, err
	}
	if err := a.subs.PollSubscribed(ctx); err != nil {
		logger.Warn("listing feed subscriptions; their feeds are polled once the store answers", "error", err)
	}
	return a, nil
}

// routerDeps picks what the command handlers need from the built parts.
func (a *app) routerDeps() routerDeps {
	return routerDeps{topics: a.topics.Topics(), subs: a.subsCmd, stories: a.store, status: a.tracking,
		feeds: pollerHealth{a.poller}, briefing: a.digests.OnDemand, observe: a.metrics.observeCommand,
		links: a.links, now: a.now, logger: a.logger}
}

func (a *app) close() {
	if err := a.store.Close(); err != nil {
		a.logger.Warn("closing store", "error", err)
	}
}

// topicLabels gives templates a tracked topic's title and status label ({topic}, {status}),
// from the same cached status /status shows.
type topicLabels struct{ src *tracking.StatusSource }

func (t topicLabels) TopicLabel(ctx context.Context, topicID string) (string, string, bool) {
	st, err := t.src.Status(ctx, topicID)
	if err != nil {
		return "", "", false
	}
	return st.Title, string(st.Label), true
}

// pollerHealth tells commands what the poller knows about the feeds' polls.
type pollerHealth struct{ p *poller.Poller }

func (h pollerHealth) FeedStatus() commands.FeedStatus {
	x := h.p.Health()
	return commands.FeedStatus{Feeds: x.Feeds, Finished: x.Finished, OK: x.OK}
}

// feedFetcher fetches feeds for the poller, /subscribe feed and check-feed.
type feedFetcher interface {
	Fetch(ctx context.Context, url string, v feed.Validators) (*feed.Result, error)
}

// newFetcher applies the private-address switches: HERALD_ALLOW_PRIVATE_FEEDS=true opens
// private addresses to every feed; =configured and HERALD_ALLOW_PRIVATE_HOSTS open them (or
// the listed hosts and ranges) to the configured feeds only, never to a /subscribe URL.
func newFetcher(cfg *config.Config, logger *slog.Logger) feedFetcher {
	opts := feed.Options{Timeout: cfg.Poll.Timeout, MaxBytes: cfg.Poll.MaxBodyBytes, MaxItems: cfg.Poll.MaxItems, UserAgent: feed.UserAgent(version), Logger: logger}
	others := opts
	others.AllowPrivate = cfg.PrivateFeeds == config.PrivateAll
	guarded := feed.NewFetcher(others)
	if others.AllowPrivate || cfg.PrivateFeeds == config.PrivateNone && len(cfg.PrivateHosts) == 0 && len(cfg.PrivateNets) == 0 {
		return guarded
	}
	operator := opts
	operator.AllowPrivate = cfg.PrivateFeeds == config.PrivateConfigured
	operator.AllowHosts, operator.AllowNets = cfg.PrivateHosts, cfg.PrivateNets
	return feed.NewSplit(feed.NewFetcher(operator), guarded, cfg.FeedURLs())
}

func pollerFeeds(cfg *config.Config) []poller.Feed {
	out := make([]poller.Feed, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		out[i] = poller.Feed{URL: f.URL, Name: f.Name}
	}
	return out
}

func topicTitles(m *topic.Matcher) map[string]string {
	out := map[string]string{}
	for _, t := range m.Topics() {
		out[t.ID] = t.Title
	}
	return out
}

// replicaID names this process in leases: host name and pid.
func replicaID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// openStore opens Redis when REDIS_URL is set (retrying with backoff while it is unreachable,
// rather than exiting into a crash loop), else the embedded store under HERALD_DATA_DIR.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, now func() time.Time) (store.Store, error) {
	ret := store.Retention{Seen: cfg.Retention.Seen, Stories: cfg.Retention.Stories, MaxStories: cfg.Retention.MaxStories}
	if cfg.RedisURL == "" {
		path := filepath.Join(cfg.DataDir, "herald.db")
		s, err := boltstore.Open(path, boltstore.Options{Retention: ret, Now: now, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("store: HERALD_DATA_DIR=%s: %w", cfg.DataDir, err)
		}
		return s, nil
	}
	opts := redisstore.Options{Prefix: cfg.RedisPrefix, Retention: ret, Now: now, Logger: logger}
	return redisstore.Connect(ctx, cfg.RedisURL, opts, func(attempt int, err error) {
		logger.Warn("redis unreachable, retrying", "redis_url", config.RedactURL(cfg.RedisURL), "attempt", attempt, "error", err)
	})
}

// sharedSchedule is the poll schedule every replica shares when the store is Redis, so each
// feed is fetched once per interval across the fleet; nil (the embedded store: one process)
// keeps the poller's own schedule.
func sharedSchedule(st store.Store) poller.Schedule {
	if rs, ok := st.(*redisstore.Store); ok {
		return rs.PollSchedule()
	}
	return nil
}

// sharedHosts makes the per-host fetch bound fleet-wide when the store is Redis, so N
// replicas never hit one publisher N times as hard; nil (the embedded store: one process)
// keeps the poller's own bound.
func sharedHosts(st store.Store) poller.HostSlots {
	if rs, ok := st.(*redisstore.Store); ok {
		return rs.HostSlots()
	}
	return nil
}
