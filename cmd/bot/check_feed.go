package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// checkFeed is `bot check-feed URL`: it fetches and parses a feed exactly as the poller would
// and says, item by item, whether Herald would post it and why not. It reads the store when it
// can (the embedded store is locked while the bot runs; Redis is always readable).
func checkFeed(ctx context.Context, cfg *config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: bot check-feed URL")
	}
	url := args[0]
	matcher, err := topic.NewMatcher(cfg.Topics)
	if err != nil {
		return fmt.Errorf("config: topics: %w", err)
	}
	store, storeErr := openStoreQuick(ctx, cfg, logger)
	if store != nil {
		defer store.Close()
	}
	now := time.Now()
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
	st, known := feedState(ctx, store, url, out, storeErr)
	items := story.FromFeed(story.Source{FeedURL: url}, res.Feed, now)
	fmt.Fprintf(out, "feed title: %q, %d items\n\n", res.Feed.Title, len(items))
	subs := feedSubscriptions(ctx, store, url)
	for _, it := range items {
		it.Topics = matcher.Tags(it)
		fmt.Fprintf(out, "%s  %s  %s\n    topics=%v  verdict: %s\n", it.ID, it.Published.Format(time.RFC3339), it.Title,
			it.Topics, verdict(ctx, store, it, st, known, subs, now))
	}
	return nil
}

func openStoreQuick(ctx context.Context, cfg *config.Config, logger *slog.Logger) (cache.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return openStore(ctx, cfg, logger, time.Now)
}

func feedState(ctx context.Context, store cache.Store, url string, out io.Writer, storeErr error) (cache.FeedState, bool) {
	if store == nil {
		fmt.Fprintf(out, "store: not readable (%v); verdicts ignore what Herald has seen\n", storeErr)
		return cache.FeedState{}, false
	}
	st, ok, err := store.GetFeedState(ctx, url)
	if err != nil || !ok {
		fmt.Fprintln(out, "feed state: none stored (Herald has not polled this feed)")
		return st, false
	}
	fmt.Fprintf(out, "feed state: last poll %s, last success %s, next poll %s, failures %d, disabled %t, last error %q\n",
		fmtTime(st.LastPoll), fmtTime(st.LastSuccess), fmtTime(st.NextPoll), st.Failures, st.Disabled, st.LastError)
	return st, true
}

func feedSubscriptions(ctx context.Context, store cache.Store, url string) []cache.Subscription {
	if store == nil {
		return nil
	}
	subs, err := store.ListSubscriptions(ctx, cache.SubscriptionFilter{Kind: cache.KindFeed})
	if err != nil {
		return nil
	}
	var out []cache.Subscription
	for _, s := range subs {
		if s.FeedURL == url {
			out = append(out, s)
		}
	}
	return out
}

// verdict says what Herald would do with an item, and why.
func verdict(ctx context.Context, store cache.Store, it story.Story, st cache.FeedState, known bool, subs []cache.Subscription, now time.Time) string {
	if store != nil {
		if got, err := store.GetStories(ctx, []string{it.ID}); err == nil && len(got) == 1 {
			if got[0].Backfill {
				return "already stored as backfill (first fetch of the feed): never posted"
			}
			return "already stored: posted to subscribed channels when it arrived (or seen there)"
		}
	}
	if !known || !st.Known {
		return "would be recorded as backfill: the first fetch of a feed posts nothing"
	}
	if now.Sub(it.Published) > 24*time.Hour {
		return "new but older than 24 h: stored, shown by /latest, not live-posted after downtime"
	}
	if len(subs) == 0 {
		return "new: stored; no /subscribe feed subscription for this URL (topic subscriptions may still post it)"
	}
	return fmt.Sprintf("new: would be posted to %d subscribed channel(s), subject to their include/exclude words", len(subs))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
