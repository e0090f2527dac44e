package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/store/redisstore"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// checkFeed is `bot check-feed URL`: it fetches and parses a feed exactly as the poller would
// (same fetcher, same private-address rules) and says, item by item, whether Herald would post
// it and in which channels, by delivery's own rules (delivery.Wants, delivery.LiveRule).
// It only reads the store: the embedded store of a running Herald is read from a consistent
// copy, never opened for writing.
func checkFeed(ctx context.Context, cfg *config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: bot check-feed URL")
	}
	url := args[0]
	matcher, err := topic.NewMatcher(cfg.Topics)
	if err != nil {
		return fmt.Errorf("config: topics: %w", err)
	}
	db, how, storeErr := openStoreReadOnly(ctx, cfg, logger)
	if db != nil {
		defer db.Close()
	}
	res, err := newFetcher(cfg, logger).Fetch(ctx, url, feed.Validators{})
	if err != nil {
		var fe *feed.Error
		if errors.As(err, &fe) {
			fmt.Fprintf(out, "fetch failed: class=%s status=%d retry_after=%s\n", fe.Class, fe.Status, fe.RetryAfter)
		}
		return fmt.Errorf("check-feed: %w", err)
	}
	fmt.Fprintf(out, "url: %s\nfinal url: %s\nstatus: %d\netag: %q\nlast-modified: %q\nserver freshness hint: %s\nbytes: %d\n",
		url, res.URL, res.Status, res.Validators.ETag, res.Validators.LastModified, res.NextPollAfter, res.Bytes)
	c := checker{store: db, now: time.Now(), url: url, rule: delivery.LiveRule{MaxAge: cfg.Delivery.LiveMaxAge}}
	if db == nil {
		fmt.Fprintf(out, "store: not readable (%v); verdicts ignore what Herald has stored and posted\n", storeErr)
	} else {
		fmt.Fprintf(out, "store: %s\n", how)
		c.load(ctx, out)
	}
	items := story.FromFeed(story.Source{FeedURL: url}, res.Feed, c.now)
	fmt.Fprintf(out, "feed title: %q, %d items\n\n", res.Feed.Title, len(items))
	for _, it := range items {
		it.Topics = matcher.Tags(it)
		fmt.Fprintf(out, "%s  %s  %s\n    topics=%v  verdict: %s\n", it.ID, it.Published.Format(time.RFC3339), it.Title,
			it.Topics, c.verdict(ctx, it))
	}
	return nil
}

// openStoreReadOnly opens the configured store for reading and says how it was reached.
func openStoreReadOnly(ctx context.Context, cfg *config.Config, logger *slog.Logger) (store.Store, string, error) {
	ret := store.Retention{Seen: cfg.Retention.Seen, Stories: cfg.Retention.Stories, MaxStories: cfg.Retention.MaxStories}
	if cfg.RedisURL != "" {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		s, err := redisstore.New(ctx, cfg.RedisURL, redisstore.Options{Prefix: cfg.RedisPrefix, Retention: ret, Logger: logger})
		if err != nil {
			return nil, "", err
		}
		return s, "Redis " + config.RedactURL(cfg.RedisURL) + " (read only)", nil
	}
	path := filepath.Join(cfg.DataDir, boltstore.FileName)
	s, how, err := boltstore.OpenReadOnly(path, boltstore.Options{Retention: ret, Logger: logger})
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, "", fmt.Errorf("no embedded store at %s yet: Herald has not run with HERALD_DATA_DIR=%s", path, cfg.DataDir)
	case err != nil:
		return nil, "", err
	case how == boltstore.Snapshot:
		return s, "embedded " + path + " is in use by a running Herald: reading a consistent copy taken now", nil
	}
	return s, "embedded " + path + " (read only)", nil
}

// checker judges items against what the store says about the feed and its subscriptions.
type checker struct {
	store store.Store
	now   time.Time
	url   string
	rule  delivery.LiveRule
	state store.FeedState
	known bool
	// live are the healthy feed and topic subscriptions, which post stories as they arrive.
	live []store.Subscription
}

// load reads the feed's state and the live subscriptions, and lists those that can post it.
func (c *checker) load(ctx context.Context, out io.Writer) {
	st, ok, err := c.store.GetFeedState(ctx, c.url)
	switch {
	case err != nil:
		fmt.Fprintf(out, "feed state: unreadable (%v)\n", err)
	case !ok:
		fmt.Fprintln(out, "feed state: none stored (Herald has not fetched this feed)")
	default:
		c.state, c.known = st, st.Known
		fmt.Fprintf(out, "feed state: last poll %s, last success %s, next poll %s, failures %d, disabled %t, last error %q\n",
			fmtTime(st.LastPoll), fmtTime(st.LastSuccess), fmtTime(st.NextPoll), st.Failures, st.Disabled, st.LastError)
	}
	for _, k := range []store.Kind{store.KindFeed, store.KindTopic} {
		subs, err := c.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: k})
		if err != nil {
			fmt.Fprintf(out, "subscriptions: unreadable (%v)\n", err)
			return
		}
		for _, s := range subs {
			if s.Broken == "" && (s.Kind == store.KindTopic || s.FeedURL == c.url) {
				c.live = append(c.live, s)
			}
		}
	}
	fmt.Fprintf(out, "live subscriptions that may post its stories: %d\n", len(c.live))
	for _, s := range c.live {
		fmt.Fprintf(out, "    %s\n", describeSub(s))
	}
}

// verdict says what Herald does with an item, and why, by delivery's rules.
func (c *checker) verdict(ctx context.Context, it story.Story) string {
	if c.store == nil {
		return "unknown: the store could not be read"
	}
	if c.state.Disabled {
		return "not fetched: the feed is paused after repeated failures (/retry-feed tries it again)"
	}
	if got, err := c.store.GetStories(ctx, []string{it.ID}); err == nil && len(got) == 1 {
		return c.storedVerdict(ctx, got[0])
	}
	if !c.known {
		return "new to Herald, but the first fetch of a feed is backfill: it will be stored and posted nowhere"
	}
	it.FirstSeen = c.now // as the next poll will store it
	if !c.rule.Fresh(it.Published, c.now) {
		return "new: the next poll stores it (shown by /latest and digests); " + c.rule.Explain()
	}
	var chans []string
	for _, s := range c.live {
		if delivery.Wants(s, it) {
			chans = append(chans, channelOf(s))
		}
	}
	if len(chans) == 0 {
		return "new: the next poll stores it (shown by /latest and digests); no live subscription posts it"
	}
	return "new: the next poll posts it to " + strings.Join(chans, ", ")
}

// storedVerdict reports, per subscription that wants a stored story, whether it was posted.
func (c *checker) storedVerdict(ctx context.Context, s story.Story) string {
	if s.Backfill {
		return "stored as backfill (from Herald's first fetch of the feed): never live-posted"
	}
	var parts []string
	for _, sub := range c.live {
		if !delivery.Wants(sub, s) {
			continue
		}
		unseen, err := c.store.Unseen(ctx, sub.ChannelID, []string{s.ID})
		switch {
		case err != nil:
			parts = append(parts, channelOf(sub)+": unknown ("+err.Error()+")")
		case len(unseen) == 0:
			parts = append(parts, "posted to "+channelOf(sub))
		case c.rule.Fresh(s.Published, c.now):
			parts = append(parts, "not yet posted to "+channelOf(sub)+": the next sweep posts it")
		default:
			parts = append(parts, fmt.Sprintf("never posted to %s: undelivered and %s", channelOf(sub), c.rule.Explain()))
		}
	}
	if len(parts) == 0 {
		return "stored (shown by /latest and digests); no live subscription posts it"
	}
	return "stored; " + strings.Join(parts, "; ")
}

func channelOf(s store.Subscription) string {
	return fmt.Sprintf("channel %s (server %s)", s.ChannelID, s.GuildID)
}

func describeSub(s store.Subscription) string {
	what := "topic " + s.Topic
	if s.Kind == store.KindFeed {
		what = "this feed"
		if len(s.Include) > 0 {
			what += ", include " + strings.Join(s.Include, ",")
		}
		if len(s.Exclude) > 0 {
			what += ", exclude " + strings.Join(s.Exclude, ",")
		}
	}
	return fmt.Sprintf("%s: %s in %s", s.ID, what, channelOf(s))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
