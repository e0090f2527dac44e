package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/briefing"
	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

// LiveOptions tunes live posts.
type LiveOptions struct {
	// Lease is how long claimed stories stay reserved while being sent (default 2 min).
	Lease time.Duration
	// CatchUpMax and CatchUpAge bound what is posted after downtime (defaults 20 and 24 h).
	CatchUpMax int
	CatchUpAge time.Duration
	// LiveMax bounds the stories one poll posts to one subscription (default 100, ten
	// messages): a feed that suddenly lists thousands of new items, hostile or re-keyed, gets
	// an "and N more" line instead of flooding the channel for hours.
	LiveMax int
	// Concurrency is how many channels are posted to at once (default 8): one channel waiting
	// out its rate limit must not hold up the others. A channel's own posts stay in order.
	Concurrency int
	Now         func() time.Time
	Logger      *slog.Logger
	// OnBroken is told when a subscription stops because its channel is gone.
	OnBroken func(sub cache.Subscription, err error)
}

// Live posts new stories to feed and topic subscriptions.
type Live struct {
	d    deliverer
	opts LiveOptions
}

// NewLive builds the live poster.
func NewLive(store Store, sender Sender, opts LiveOptions) *Live {
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.CatchUpMax <= 0 {
		opts.CatchUpMax = 20
	}
	if opts.LiveMax <= 0 {
		opts.LiveMax = 100
	}
	if opts.CatchUpAge <= 0 {
		opts.CatchUpAge = 24 * time.Hour
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Live{d: deliverer{store: store, sender: sender, lease: opts.Lease, logger: opts.Logger}, opts: opts}
}

// OnNew posts freshly polled stories to every live subscription they match. It is the
// poller's OnNew hook; it never panics.
func (l *Live) OnNew(ctx context.Context, stories []story.Story) {
	defer l.recover("on_new")
	subs, err := l.liveSubscriptions(ctx)
	if err != nil {
		l.opts.Logger.Warn("delivery: listing subscriptions", "error", err)
		return
	}
	l.perChannel(subs, func(sub cache.Subscription) {
		l.deliverNewest(ctx, sub, matching(sub, stories), l.opts.LiveMax, "in this update")
	})
}

// perChannel runs fn for every subscription: channels concurrently (at most Concurrency at a
// time), the subscriptions of one channel in order. It returns when all are done.
func (l *Live) perChannel(subs []cache.Subscription, fn func(cache.Subscription)) {
	var order []string
	byChannel := map[string][]cache.Subscription{}
	for _, s := range subs {
		if _, ok := byChannel[s.ChannelID]; !ok {
			order = append(order, s.ChannelID)
		}
		byChannel[s.ChannelID] = append(byChannel[s.ChannelID], s)
	}
	sem := make(chan struct{}, l.opts.Concurrency)
	var wg sync.WaitGroup
	for _, ch := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			defer l.recover("channel " + ch)
			for _, s := range byChannel[ch] {
				fn(s)
			}
		})
	}
	wg.Wait()
}

// CatchUp posts, for each live subscription, the stories that arrived while Herald was down or
// whose earlier delivery failed: at most CatchUpMax per subscription, at most CatchUpAge old,
// then one "and N more" line.
func (l *Live) CatchUp(ctx context.Context) {
	l.sweep(ctx, l.opts.CatchUpMax, "while Herald was away")
}

// retry is Run's periodic sweep: stories whose delivery failed or was cut off (their leases
// expired) are posted now. They arrived while Herald ran, so only the LiveMax flood guard
// applies, not the downtime bound: a crash mid-delivery does not turn them into "and N more".
func (l *Live) retry(ctx context.Context) {
	l.sweep(ctx, l.opts.LiveMax, "that could not be posted earlier")
}

func (l *Live) sweep(ctx context.Context, limit int, why string) {
	defer l.recover("catch_up")
	subs, err := l.liveSubscriptions(ctx)
	if err != nil {
		l.opts.Logger.Warn("delivery: listing subscriptions", "error", err)
		return
	}
	l.perChannel(subs, func(sub cache.Subscription) { l.catchUpOne(ctx, sub, limit, why) })
}

func (l *Live) catchUpOne(ctx context.Context, sub cache.Subscription, limit int, why string) {
	since := l.opts.Now().Add(-l.opts.CatchUpAge)
	q := cache.StoryQuery{Since: since, Limit: 500, FeedURL: sub.FeedURL, Topic: sub.Topic}
	stories, err := l.d.store.RecentStories(ctx, q)
	if err != nil {
		l.opts.Logger.Warn("delivery: catch-up read", "subscription_id", sub.ID, "error", err)
		return
	}
	cands := matching(sub, stories)
	unseen, err := l.d.store.Unseen(ctx, sub.ChannelID, ids(cands))
	if err != nil {
		l.opts.Logger.Warn("delivery: catch-up unseen", "subscription_id", sub.ID, "error", err)
		return
	}
	l.deliverNewest(ctx, sub, keep(cands, unseen), limit, why)
}

// deliverNewest posts the newest limit stories; the older ones are summarised in one line
// ("…and N more older stories " + why) and recorded as seen, so no later sweep posts or
// summarises them again.
func (l *Live) deliverNewest(ctx context.Context, sub cache.Subscription, cands []story.Story, limit int, why string) {
	oldestFirst(cands)
	more := 0
	if len(cands) > limit {
		more = len(cands) - limit
		if !l.skip(ctx, sub.ChannelID, cands[:more]) {
			return
		}
		cands = cands[more:]
	}
	l.deliver(ctx, sub, cands, more, why)
}

// skip records stories as seen without posting them; false when the store refused.
func (l *Live) skip(ctx context.Context, channelID string, stories []story.Story) bool {
	claimed, err := l.d.store.Claim(ctx, channelID, ids(stories), l.opts.Lease)
	if err == nil {
		err = l.d.store.Confirm(ctx, channelID, claimed)
	}
	if err != nil {
		l.opts.Logger.Warn("delivery: recording skipped stories", "channel_id", channelID, "error", err)
		return false
	}
	return true
}

// Run sweeps every Lease until ctx is done: stories whose delivery failed (a Discord outage, a
// store outage, a crash that left leases to expire) are retried by CatchUp, and feed
// disabled/recovered notices are posted by CheckFeeds.
func (l *Live) Run(ctx context.Context) {
	t := time.NewTicker(l.opts.Lease)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.retry(ctx)
			l.CheckFeeds(ctx)
		}
	}
}

// deliver claims, renders and sends stories for one subscription, oldest first.
func (l *Live) deliver(ctx context.Context, sub cache.Subscription, stories []story.Story, more int, why string) {
	if len(stories) == 0 {
		return
	}
	claimed, err := l.d.store.Claim(ctx, sub.ChannelID, ids(stories), l.opts.Lease)
	if err != nil {
		l.opts.Logger.Warn("delivery: claim failed; nothing sent", "channel_id", sub.ChannelID, "error", err)
		return
	}
	stories = keep(stories, claimed)
	if len(stories) == 0 {
		return
	}
	oldestFirst(stories)
	posts := livePosts(stories, l.opts.Now(), more, why)
	if _, err := l.d.send(ctx, sub.ChannelID, posts, "live"); err != nil {
		l.failed(ctx, sub, err)
		return
	}
	l.advance(ctx, sub, stories[len(stories)-1].Published)
}

// livePosts batches stories ≤ 10 embeds per message; "and N more" rides on the last message.
func livePosts(stories []story.Story, now time.Time, more int, why string) []post {
	var posts []post
	for start := 0; start < len(stories); start += message.MaxEmbeds {
		end := min(start+message.MaxEmbeds, len(stories))
		batch := ids(stories[start:end])
		msgs := briefing.RenderLive(stories[start:end], now)
		for i, m := range msgs {
			p := post{msg: m, key: fmt.Sprint(batch, i)}
			if i == len(msgs)-1 {
				p.ids = batch
			}
			posts = append(posts, p)
		}
	}
	if more > 0 {
		posts[len(posts)-1].msg.Content = fmt.Sprintf("…and %d more older stories %s.", more, why)
	}
	return posts
}

func (l *Live) failed(ctx context.Context, sub cache.Subscription, err error) {
	l.opts.Logger.Warn("delivery: live post failed", "subscription_id", sub.ID, "channel_id", sub.ChannelID, "error", err)
	if !IsChannelGone(err) {
		return
	}
	sub.Broken = err.Error()
	if _, uerr := l.d.patchSub(ctx, sub, func(s *cache.Subscription) { s.Broken = sub.Broken }); uerr != nil {
		l.opts.Logger.Warn("delivery: marking subscription broken", "subscription_id", sub.ID, "error", uerr)
	}
	if l.opts.OnBroken != nil {
		l.opts.OnBroken(sub, err)
	}
}

func (l *Live) advance(ctx context.Context, sub cache.Subscription, newest time.Time) {
	if !newest.After(sub.LastRun) {
		return
	}
	_, err := l.d.patchSub(ctx, sub, func(s *cache.Subscription) {
		if newest.After(s.LastRun) {
			s.LastRun = newest
		}
	})
	if err != nil {
		l.opts.Logger.Debug("delivery: recording last run", "subscription_id", sub.ID, "error", err)
	}
}

func (l *Live) liveSubscriptions(ctx context.Context) ([]cache.Subscription, error) {
	var out []cache.Subscription
	for _, k := range []cache.Kind{cache.KindFeed, cache.KindTopic} {
		subs, err := l.d.store.ListSubscriptions(ctx, cache.SubscriptionFilter{Kind: k})
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			if s.Broken == "" && !s.Paused {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// matching keeps the stories a live subscription wants: its feed (with keyword filters) or its
// topic, never backfill, and nothing that arrived before the subscription was made.
func matching(sub cache.Subscription, stories []story.Story) []story.Story {
	var out []story.Story
	for _, s := range stories {
		if Eligibility(sub, s) == Eligible {
			out = append(out, s)
		}
	}
	return out
}

func (l *Live) recover(where string) {
	if p := recover(); p != nil {
		l.opts.Logger.Error("delivery: panic", "where", where, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}
