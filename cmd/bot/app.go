package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/cache/boltstore"
	"github.com/heraldbot/herald/internal/cache/redisstore"
	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/topic"
)

// app holds everything built from the configuration.
type app struct {
	cfg     *config.Config
	logger  *slog.Logger
	now     func() time.Time
	store   cache.Store
	fetcher *feed.Fetcher
	topics  *topic.Matcher
	poller  *poller.Poller
	router  *commands.Router
}

func build(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, logger: logger, now: time.Now}
	var err error
	if a.topics, err = topic.NewMatcher(cfg.Topics); err != nil {
		return nil, fmt.Errorf("config: topics: %w", err)
	}
	if a.store, err = openStore(ctx, cfg, logger, a.now); err != nil {
		return nil, err
	}
	a.fetcher = newFetcher(cfg, logger)
	a.poller = poller.New(pollerFeeds(cfg), a.fetcher, a.store, a.topics.Tags, poller.Options{
		Interval: cfg.Poll.Interval, Concurrency: cfg.Poll.Concurrency, PerHost: cfg.Poll.PerHost,
		DisableAfter: cfg.Poll.DisableAfter, Now: a.now, Logger: logger,
	})
	a.router = newRouter(a)
	return a, nil
}

func (a *app) close() {
	if err := a.store.Close(); err != nil {
		a.logger.Warn("closing store", "error", err)
	}
}

func newFetcher(cfg *config.Config, logger *slog.Logger) *feed.Fetcher {
	opts := feed.Options{Timeout: cfg.Poll.Timeout, MaxBytes: cfg.Poll.MaxBodyBytes,
		UserAgent: feed.UserAgent(version), AllowPrivate: cfg.AllowPrivateFeeds, Logger: logger}
	return feed.NewFetcher(opts)
}

func pollerFeeds(cfg *config.Config) []poller.Feed {
	out := make([]poller.Feed, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		out[i] = poller.Feed{URL: f.URL, Name: f.Name}
	}
	return out
}

// openStore opens Redis when REDIS_URL is set (retrying with backoff while it is unreachable,
// rather than exiting into a crash loop), else the embedded store under HERALD_DATA_DIR.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, now func() time.Time) (cache.Store, error) {
	ret := cache.Retention{Seen: cfg.Retention.Seen, Stories: cfg.Retention.Stories, MaxStories: cfg.Retention.MaxStories}
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
