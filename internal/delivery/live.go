package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// DefaultLiveMaxAge is LiveRule's MaxAge unless configured (HERALD_LIVE_MAX_AGE).
const DefaultLiveMaxAge = 24 * time.Hour

// LiveRule is the one rule of what a live post is for: news. A story published more than
// MaxAge ago is never live-posted, whether it first appears in a poll, after downtime or on a
// retry; it is still stored, shown by /latest and eligible for digests. check-feed tells users
// the same rule through Explain.
type LiveRule struct {
	// MaxAge is the oldest a live-posted story may be (DefaultLiveMaxAge when ≤ 0).
	MaxAge time.Duration
}

// Fresh reports whether a story published at published may be live-posted at now.
func (r LiveRule) Fresh(published, now time.Time) bool {
	return now.Sub(published) <= r.maxAge()
}

// Explain says, for a user, what happens to a story the rule keeps out of live posts.
func (r LiveRule) Explain() string {
	return fmt.Sprintf("older than %s: stored and shown by /latest, never live-posted", fmtAge(r.maxAge()))
}

func (r LiveRule) maxAge() time.Duration {
	if r.MaxAge <= 0 {
		return DefaultLiveMaxAge
	}
	return r.MaxAge
}

// fmtAge writes a duration the way users say it: "24 h", "90 min", "36 h".
func fmtAge(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}

// LiveOptions tunes live posts.
type LiveOptions struct {
	// Lease is how long claimed stories stay reserved while being sent (default 2 min).
	Lease time.Duration
	// Rule keeps old stories out of every live post.
	Rule LiveRule
	// CatchUpMax bounds what is posted per subscription after downtime (default 20).
	CatchUpMax int
	// LiveMax bounds the stories one poll posts to one subscription (default 100, ten
	// messages): a feed that suddenly lists thousands of new items, hostile or re-keyed, gets
	// an "and N more" line instead of flooding the channel for hours.
	LiveMax int
	// Concurrency is how many channels are posted to at once (default 8): one channel waiting
	// out its rate limit must not hold up the others. A channel's own posts stay in order.
	Concurrency int
	Now         func() time.Time
	Logger      *slog.Logger
	// Sources are the configured feeds' URLs: topic and digest channels read them, and are
	// told once when one is disabled.
	Sources []string
	// OnBroken is told when a subscription stops because its channel is gone.
	OnBroken func(sub store.Subscription, err error)
	// Topics name tracked topics and where they stand, for templates' {topic} and {status};
	// nil leaves {status} empty and {topic} the topic's id.
	Topics TopicLabels
	// Commands write the command names in notices ("run /retry-feed") as clickable mentions
	// once Discord has told their IDs; nil keeps them plain.
	Commands *message.CommandLinks
}

// Live posts new stories to feed and topic subscriptions.
type Live struct {
	d    deliverer
	opts LiveOptions
}

// NewLive builds the live poster.
func NewLive(st Store, sender Sender, opts LiveOptions) *Live {
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.CatchUpMax <= 0 {
		opts.CatchUpMax = 20
	}
	if opts.LiveMax <= 0 {
		opts.LiveMax = 100
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
	return &Live{d: deliverer{store: st, sender: sender, lease: opts.Lease, logger: opts.Logger}, opts: opts}
}

// OnNew posts freshly polled stories to every live subscription they match. It is the
// poller's OnNew hook. Stories older than the Rule's MaxAge are left out;
// those the poller marked AfterDowntime (they may have appeared while Herald was away) are
// bounded like CatchUp's, CatchUpMax per subscription with one "and N more" line; the rest by
// LiveMax.
func (l *Live) OnNew(ctx context.Context, stories []story.Story) {
	subs, err := l.liveSubscriptions(ctx)
	if err != nil {
		l.opts.Logger.Warn("delivery: listing subscriptions", "error", err)
		return
	}
	now := l.opts.Now()
	l.perChannel(subs, func(sub store.Subscription) {
		away, live := l.split(matching(sub, stories), now)
		l.deliverNewest(ctx, sub, away, l.opts.CatchUpMax, "while Herald was away")
		l.deliverNewest(ctx, sub, live, l.opts.LiveMax, "in this update")
	})
}

// split drops the stories the Rule keeps out and divides the rest into those that appeared
// while Herald was away and the others.
func (l *Live) split(stories []story.Story, now time.Time) (away, live []story.Story) {
	for _, s := range stories {
		switch {
		case !l.opts.Rule.Fresh(s.Published, now):
		case s.AfterDowntime:
			away = append(away, s)
		default:
			live = append(live, s)
		}
	}
	return away, live
}

// perChannel runs fn for every subscription: channels concurrently (at most Concurrency at a
// time), the subscriptions of one channel in order. It returns when all are done.
func (l *Live) perChannel(subs []store.Subscription, fn func(store.Subscription)) {
	var order []string
	byChannel := map[string][]store.Subscription{}
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
			defer l.recoverChannel(ch)
			for _, s := range byChannel[ch] {
				fn(s)
			}
		})
	}
	wg.Wait()
}

// CatchUp posts, for each live subscription, the stories that arrived while Herald was down or
// whose earlier delivery failed: at most CatchUpMax per subscription, none the Rule calls too
// old, then one "and N more" line.
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
	subs, err := l.liveSubscriptions(ctx)
	if err != nil {
		l.opts.Logger.Warn("delivery: listing subscriptions", "error", err)
		return
	}
	l.perChannel(subs, func(sub store.Subscription) { l.catchUpOne(ctx, sub, limit, why) })
}

func (l *Live) catchUpOne(ctx context.Context, sub store.Subscription, limit int, why string) {
	since := l.opts.Now().Add(-l.opts.Rule.maxAge())
	q := store.StoryQuery{Since: since, Limit: 500, FeedURL: sub.FeedURL, Topic: sub.Topic}
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
func (l *Live) deliverNewest(ctx context.Context, sub store.Subscription, cands []story.Story, limit int, why string) {
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
// disabled/recovered notices are posted by CheckFeeds. It returns nil when ctx ends.
func (l *Live) Run(ctx context.Context) error {
	t := time.NewTicker(l.opts.Lease)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			l.retry(ctx)
			l.CheckFeeds(ctx)
		}
	}
}

// deliver claims, renders and sends stories for one subscription, oldest first.
func (l *Live) deliver(ctx context.Context, sub store.Subscription, stories []story.Story, more int, why string) {
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
	if sub.Kind == store.KindTopic {
		l.deliverDevelopments(ctx, sub, stories, more, why)
		return
	}
	stories, aliasesOf := l.withoutRepeats(ctx, sub.ChannelID, stories)
	if len(stories) == 0 {
		return
	}
	posts := livePosts(stories, l.styleOf(ctx, sub), more, why)
	for i := range posts {
		for _, id := range posts[i].ids {
			posts[i].ids = append(posts[i].ids, aliasesOf[id]...)
		}
	}
	if _, err := l.d.send(ctx, sub.ChannelID, posts, "live"); err != nil {
		if isWebhookGone(err) {
			l.replaceWebhook(ctx, sub, err)
			return
		}
		l.failed(ctx, sub, err)
		return
	}
	l.advance(ctx, sub, stories[len(stories)-1].Published)
}

// withoutRepeats drops claimed stories the channel was already shown under another ID (a
// changed GUID, the same article in a second subscribed feed: see story.Aliases), recording
// them as seen, and returns the aliases of the stories kept, to be confirmed with them.
// Aliases are never leased, only confirmed: a lease left by a crashed delivery would
// otherwise make its stories look like repeats and lose them.
func (l *Live) withoutRepeats(ctx context.Context, channelID string, stories []story.Story) ([]story.Story, map[string][]string) {
	var all []string
	for _, s := range stories {
		all = append(all, s.Aliases()...)
	}
	unseen, err := l.d.store.Unseen(ctx, channelID, all)
	if err != nil {
		l.opts.Logger.Warn("delivery: reading story aliases; posting without the repeat check", "channel_id", channelID, "error", err)
		return stories, nil
	}
	fresh := map[string]bool{}
	for _, a := range unseen {
		fresh[a] = true
	}
	var out []story.Story
	var repeats []string
	aliasesOf := map[string][]string{}
	for _, s := range stories {
		ok := true
		for _, a := range s.Aliases() {
			ok = ok && fresh[a]
		}
		if !ok {
			repeats = append(repeats, s.ID)
			continue
		}
		for _, a := range s.Aliases() {
			delete(fresh, a) // a second story with the same alias in this batch is a repeat
		}
		out = append(out, s)
		aliasesOf[s.ID] = s.Aliases()
	}
	if len(repeats) > 0 {
		// Nothing new to show: seen, so no later sweep retries them.
		if err := l.d.store.Confirm(ctx, channelID, repeats); err != nil {
			l.opts.Logger.Warn("delivery: recording repeated stories", "channel_id", channelID, "error", err)
		}
	}
	return out, aliasesOf
}

// livePosts batches stories ≤ 10 embeds per message in the subscription's layout; "and N
// more" rides on the last message. A batch with a story passing the mention condition pings
// the subscription's role or user once, in its first message.
func livePosts(stories []story.Story, st style, more int, why string) []post {
	var posts []post
	size := message.MaxEmbeds
	if st.place.onePerStory() {
		size = 1
	}
	for start := 0; start < len(stories); start += size {
		end := min(start+size, len(stories))
		batch := ids(stories[start:end])
		msgs := st.tmpl.Live(stories[start:end], st.about)
		for i, m := range msgs {
			if i == 0 {
				m = st.withMention(m, stories[start:end])
			}
			p := post{msg: m, key: fmt.Sprint(batch, i), place: st.place}
			p.place.name = stories[start].Title
			if i == len(msgs)-1 {
				p.ids = batch
			}
			posts = append(posts, p)
		}
	}
	if more > 0 {
		last := &posts[len(posts)-1].msg
		last.Content = strings.TrimSpace(last.Content + "\n" + fmt.Sprintf("…and %d more older stories %s.", more, why))
	}
	return posts
}

func (l *Live) failed(ctx context.Context, sub store.Subscription, err error) {
	l.opts.Logger.Warn("delivery: live post failed", "subscription_id", sub.ID, "channel_id", sub.ChannelID, "error", err)
	if !IsChannelGone(err) {
		return
	}
	sub.Broken = err.Error()
	if _, uerr := l.d.patchSub(ctx, sub, func(s *store.Subscription) { s.Broken = sub.Broken }); uerr != nil {
		l.opts.Logger.Warn("delivery: marking subscription broken", "subscription_id", sub.ID, "error", uerr)
	}
	if l.opts.OnBroken != nil {
		l.opts.OnBroken(sub, err)
	}
}

func (l *Live) advance(ctx context.Context, sub store.Subscription, newest time.Time) {
	if !newest.After(sub.LastRun) {
		return
	}
	_, err := l.d.patchSub(ctx, sub, func(s *store.Subscription) {
		if newest.After(s.LastRun) {
			s.LastRun = newest
		}
	})
	if err != nil {
		l.opts.Logger.Debug("delivery: recording last run", "subscription_id", sub.ID, "error", err)
	}
}

func (l *Live) liveSubscriptions(ctx context.Context) ([]store.Subscription, error) {
	var out []store.Subscription
	for _, k := range []store.Kind{store.KindFeed, store.KindTopic} {
		subs, err := l.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: k})
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			if postsLive(s) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// postsLive reports whether a subscription posts stories as they arrive: a healthy, unpaused
// feed or topic subscription.
func postsLive(s store.Subscription) bool {
	return (s.Kind == store.KindFeed || s.Kind == store.KindTopic) && s.Broken == "" && !s.Paused
}

// matching keeps the stories a live subscription wants: its feed (with keyword filters) or its
// topic, never backfill, and nothing that arrived before the subscription was made.
func matching(sub store.Subscription, stories []story.Story) []story.Story {
	var out []story.Story
	st := compileStyle(sub)
	for _, s := range stories {
		if eligibility(sub, st, s) == Eligible {
			out = append(out, s)
		}
	}
	return out
}

// recoverChannel is the boundary of one channel's delivery job: a panic is logged, the
// stories' claims expire and Run's sweep retries them; other channels go on. The code around
// the jobs does not recover: a panic there is Herald's bug and ends the part.
func (l *Live) recoverChannel(channelID string) {
	if p := recover(); p != nil {
		l.opts.Logger.Error("delivery: channel delivery panicked", "channel_id", channelID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}
