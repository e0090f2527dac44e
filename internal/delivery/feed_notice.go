package delivery

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// CheckFeeds tells each feed subscription's channel, once, that its feed was disabled after
// repeated failures (and why), and once more when it recovers. It reads the poller's feed
// states rather than hooking the poller, so a notice due while Herald was down, or whose post
// failed, is sent by the next sweep. Exactly once across replicas: each notice is a pseudo-story
// claimed in the channel's seen set, and the subscription's FeedDown remembers the outage.
func (l *Live) CheckFeeds(ctx context.Context) {
	subs, err := l.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: store.KindFeed})
	if err != nil {
		l.opts.Logger.Warn("delivery: feed notices: listing subscriptions", "error", err)
		return
	}
	for _, sub := range subs {
		if sub.Broken != "" || sub.Paused || sub.FeedURL == "" {
			continue
		}
		st, ok, err := l.d.store.GetFeedState(ctx, sub.FeedURL)
		if err != nil {
			l.opts.Logger.Warn("delivery: feed notices: reading feed state", "feed_url", sub.FeedURL, "error", err)
			return
		}
		if ok {
			l.feedNotice(ctx, sub, st)
		}
	}
	l.checkSources(ctx)
}

// checkSources tells each topic and digest channel, once per outage, which configured feeds
// were disabled: their stories are missing from its posts. One message per channel and sweep
// lists the feeds it was not told about yet (claims in the channel's seen set, as above).
func (l *Live) checkSources(ctx context.Context) {
	var down []store.FeedState
	for _, url := range l.opts.Sources {
		st, ok, err := l.d.store.GetFeedState(ctx, url)
		if err != nil {
			l.opts.Logger.Warn("delivery: source notices: reading feed state", "feed_url", feed.RedactURL(url), "error", err)
			return
		}
		if ok && st.Disabled {
			down = append(down, st)
		}
	}
	if len(down) == 0 {
		return
	}
	for _, sub := range l.readerChannels(ctx) {
		l.sourceNotice(ctx, sub, down)
	}
}

// readerChannels is one healthy topic or digest subscription per channel.
func (l *Live) readerChannels(ctx context.Context) []store.Subscription {
	var out []store.Subscription
	seen := map[string]bool{}
	for _, k := range []store.Kind{store.KindTopic, store.KindDigest} {
		subs, err := l.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: k})
		if err != nil {
			l.opts.Logger.Warn("delivery: source notices: listing subscriptions", "error", err)
			return nil
		}
		for _, s := range subs {
			if s.Broken == "" && !seen[s.ChannelID] {
				seen[s.ChannelID] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func (l *Live) sourceNotice(ctx context.Context, sub store.Subscription, down []store.FeedState) {
	ids := make([]string, len(down))
	byID := map[string]store.FeedState{}
	for i, st := range down {
		ids[i] = "source-down:" + st.URL + "@" + strconv.FormatInt(st.LastSuccess.Unix(), 10)
		byID[ids[i]] = st
	}
	claimed, err := l.d.store.Claim(ctx, sub.ChannelID, ids, l.opts.Lease)
	if err != nil || len(claimed) == 0 {
		return
	}
	lines := []string{"⚠️ Herald stopped polling a feed this channel's topic or digest posts read from:"}
	for _, id := range claimed {
		st := byID[id]
		lines = append(lines, fmt.Sprintf("• %s: %s", feedName(st), message.Truncate(strings.TrimSpace(st.LastError), 300)))
	}
	lines = append(lines, "Its stories are missing until someone with Manage Channels runs "+l.opts.Commands.Mention("retry-feed")+
		" with its URL once it works again; "+l.opts.Commands.Mention("subscriptions")+" shows every feed's health.")
	m := message.Message{Content: message.Truncate(strings.Join(lines, "\n"), message.MaxContent)}
	if _, err := l.d.send(ctx, sub.ChannelID, []post{{msg: m, ids: claimed, key: strings.Join(claimed, ",")}}, "notice"); err != nil {
		l.failed(ctx, sub, err)
	}
}

// feedNotice posts the notice sub's channel is owed for st, if any.
func (l *Live) feedNotice(ctx context.Context, sub store.Subscription, st store.FeedState) {
	switch {
	case st.Disabled && sub.FeedDown == "":
		// An outage is keyed by the last success before it, which stays put while it lasts.
		key := strconv.FormatInt(st.LastSuccess.Unix(), 10)
		if l.notify(ctx, sub, "feed-down:"+sub.FeedURL+"@"+key, downNotice(st, l.opts.Now(), l.opts.Commands)) {
			sub.FeedDown = key
			l.saveFeedDown(ctx, sub)
		}
	case !st.Disabled && sub.FeedDown != "" && strconv.FormatInt(st.LastSuccess.Unix(), 10) != sub.FeedDown && st.Failures == 0:
		if l.notify(ctx, sub, "feed-up:"+sub.FeedURL+"@"+sub.FeedDown, upNotice(st)) {
			sub.FeedDown = ""
			l.saveFeedDown(ctx, sub)
		}
	}
}

// notify claims the notice id in the channel, posts m and confirms it; false when the notice
// was not posted by this call (already sent, claimed by another replica, or failed).
func (l *Live) notify(ctx context.Context, sub store.Subscription, id string, m message.Message) bool {
	claimed, err := l.d.store.Claim(ctx, sub.ChannelID, []string{id}, l.opts.Lease)
	if err != nil || len(claimed) == 0 {
		if err != nil {
			l.opts.Logger.Warn("delivery: feed notice claim failed", "channel_id", sub.ChannelID, "error", err)
		}
		return false
	}
	if _, err := l.d.send(ctx, sub.ChannelID, []post{{msg: m, ids: claimed, key: id}}, "notice"); err != nil {
		l.failed(ctx, sub, err)
		return false
	}
	return true
}

// saveFeedDown records the notice state on the stored subscription.
func (l *Live) saveFeedDown(ctx context.Context, sub store.Subscription) {
	if _, err := l.d.patchSub(ctx, sub, func(s *store.Subscription) { s.FeedDown = sub.FeedDown }); err != nil {
		l.opts.Logger.Warn("delivery: recording feed notice", "subscription_id", sub.ID, "error", err)
	}
}

// feedName names a feed in a notice; the URL's password, if any, is hidden: the notice is
// posted for every member of the channel to read.
func feedName(st store.FeedState) string {
	u := message.Truncate(feed.RedactURL(st.URL), 300)
	if t := strings.TrimSpace(st.Title); t != "" {
		return message.Truncate(t, 100) + " (" + u + ")"
	}
	return u
}

// downNotice tells the channel its feed was disabled, with a "Retry now" button that runs
// /retry-feed for it, checked like the command. The button carries the URL, which any member's
// client can read: a URL with a password gets no button, nor one too long for a button. The
// command is named as a clickable mention (links), written in Herald's part of the text only:
// the feed's title and error are never scanned for command names.
func downNotice(st store.FeedState, now time.Time, links *message.CommandLinks) message.Message {
	why := strings.TrimSpace(st.LastError)
	if why == "" {
		why = "no reason recorded"
	}
	// "Re-subscribe" was the advice, which answered "already has that subscription".
	text := fmt.Sprintf("⚠️ Herald stopped polling %s after %d failed %s: %s. It stays paused until someone with Manage Channels runs %s with its URL once it works again.",
		feedName(st), st.Failures, plural(st.Failures, "attempt", "attempts"), message.Truncate(why, 500), links.Mention("retry-feed"))
	m := message.Message{Content: message.Truncate(text, message.MaxContent)}
	id := message.ComponentID("retry-feed", map[string]string{"url": st.URL}, now)
	if _, _, opts, _, ok := message.ParseComponentID(id); ok && opts["url"] == st.URL && feed.RedactURL(st.URL) == st.URL {
		m.Buttons = []message.Button{{Label: "Retry now", ID: id}}
	}
	return m
}

func upNotice(st store.FeedState) message.Message {
	text := fmt.Sprintf("✅ %s is working again (last fetched %s); new stories will be posted here.",
		feedName(st), st.LastSuccess.UTC().Format(time.RFC1123))
	return message.Message{Content: message.Truncate(text, message.MaxContent)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
