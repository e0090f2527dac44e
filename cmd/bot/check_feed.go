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
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/store/redisstore"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// checkFeed is `bot check-feed URL`: it fetches a feed with the poller's fetcher (same
// private-address rules), turns its items into stories as a poll does (poller.Items) and says,
// item by item, whether Herald would post it and in which channels (delivery.Forecast, by
// delivery's own rules and HERALD_LIVE_MAX_AGE). It only reads the store: the embedded store of
// a running Herald is read from a consistent copy, never opened for writing.
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
	now := time.Now()
	f := delivery.Forecast{}
	if db == nil {
		fmt.Fprintf(out, "store: not readable (%v); verdicts ignore what Herald has stored and posted\n", storeErr)
	} else {
		fmt.Fprintf(out, "store: %s\n", how)
		f = loadForecast(ctx, db, url, explainer(cfg, db, func() time.Time { return now }), out)
	}
	items := poller.Items(configuredFeed(cfg, url), res.Feed, matcher.Tags, now)
	fmt.Fprintf(out, "feed title: %q, %d items\n\n", res.Feed.Title, len(items))
	for _, it := range items {
		fmt.Fprintf(out, "%s  %s  %s\n    topics=%v  verdict: %s\n", it.ID, it.Published.Format(time.RFC3339), it.Title,
			it.Topics, verdict(ctx, db, f, it))
	}
	return nil
}

// configuredFeed is the feed as configured (its display name), else one known by URL only.
func configuredFeed(cfg *config.Config, url string) poller.Feed {
	for _, fd := range pollerFeeds(cfg) {
		if fd.URL == url {
			return fd
		}
	}
	return poller.Feed{URL: url}
}

// verdict is delivery's forecast for an item, given what the store holds of it.
func verdict(ctx context.Context, db store.Store, f delivery.Forecast, it story.Story) string {
	if db == nil {
		return "unknown: the store could not be read"
	}
	if got, err := db.GetStories(ctx, []string{it.ID}); err == nil && len(got) == 1 {
		return f.Verdict(ctx, it, &got[0])
	}
	return f.Verdict(ctx, it, nil)
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

// loadForecast reads the feed's state and the subscriptions that may post it into f, and
// prints them.
func loadForecast(ctx context.Context, db store.Store, url string, e delivery.Explainer, out io.Writer) delivery.Forecast {
	f := delivery.Forecast{Explainer: e}
	st, ok, err := db.GetFeedState(ctx, url)
	switch {
	case err != nil:
		fmt.Fprintf(out, "feed state: unreadable (%v)\n", err)
	case !ok:
		fmt.Fprintln(out, "feed state: none stored (Herald has not fetched this feed)")
	default:
		f.Known, f.Disabled = st.Known, st.Disabled
		fmt.Fprintf(out, "feed state: last poll %s, last success %s, next poll %s, failures %d, disabled %t, last error %q\n",
			fmtTime(st.LastPoll), fmtTime(st.LastSuccess), fmtTime(st.NextPoll), st.Failures, st.Disabled, st.LastError)
	}
	var subs []store.Subscription
	for _, k := range []store.Kind{store.KindFeed, store.KindTopic} {
		got, err := db.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: k})
		if err != nil {
			fmt.Fprintf(out, "subscriptions: unreadable (%v)\n", err)
			return f
		}
		subs = append(subs, got...)
	}
	f.Live = delivery.Following(subs, url)
	fmt.Fprintf(out, "live subscriptions that may post its stories: %d\n", len(f.Live))
	for _, s := range f.Live {
		fmt.Fprintf(out, "    %s\n", describeSub(s))
	}
	return f
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

func channelOf(s store.Subscription) string {
	return fmt.Sprintf("channel %s (server %s)", s.ChannelID, s.GuildID)
}
