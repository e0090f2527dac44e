package delivery

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// postsLive reports whether a subscription posts stories as they arrive: a healthy, unpaused
// feed or topic subscription. Live delivery and Forecast both select by it.
func postsLive(s store.Subscription) bool {
	return (s.Kind == store.KindFeed || s.Kind == store.KindTopic) && s.Broken == "" && !s.Paused
}

// LivePosting keeps the subscriptions among subs that may live-post stories of feedURL: those
// live delivery posts through (healthy, not paused) that follow the feed or a topic.
func LivePosting(subs []store.Subscription, feedURL string) []store.Subscription {
	var out []store.Subscription
	for _, s := range subs {
		if postsLive(s) && (s.Kind == store.KindTopic || s.FeedURL == feedURL) {
			out = append(out, s)
		}
	}
	return out
}

// Forecast says what live delivery does, or did, with one feed's items, in words for an
// operator: the check-feed command's verdicts. It applies delivery's own rules (Eligibility,
// LiveRule, the subscriptions LivePosting selects), so the forecast cannot drift from what
// delivery does.
type Forecast struct {
	Rule LiveRule
	Now  time.Time
	// Known is whether Herald has fetched the feed: the first fetch is backfill.
	Known bool
	// Disabled is whether the poller stopped fetching the feed after repeated failures.
	Disabled bool
	// Live are the subscriptions that may post the feed's stories (LivePosting).
	Live []store.Subscription
	// Seen tells which stories a channel has not had (the store's Unseen).
	Seen interface {
		Unseen(ctx context.Context, channelID string, ids []string) ([]string, error)
	}
}

// Verdict says what happens to item, an item of the feed as a poll would store it; stored is
// the story as the store holds it, nil when the store has not seen it.
func (f Forecast) Verdict(ctx context.Context, item story.Story, stored *story.Story) string {
	switch {
	case f.Disabled:
		return "not fetched: the feed is paused after repeated failures (/retry-feed tries it again)"
	case stored != nil:
		return f.storedVerdict(ctx, *stored)
	case !f.Known:
		return "new to Herald, but the first fetch of a feed is backfill: it will be stored and posted nowhere"
	}
	item.FirstSeen = f.Now // as the next poll will store it
	if !f.Rule.Fresh(item.Published, f.Now) {
		return "new: the next poll stores it (shown by /latest and digests); " + f.Rule.Explain()
	}
	var chans []string
	for _, s := range f.Live {
		if Eligibility(s, item) == Eligible {
			chans = append(chans, channelOf(s))
		}
	}
	if len(chans) == 0 {
		return "new: the next poll stores it (shown by /latest and digests); no live subscription posts it"
	}
	return "new: the next poll posts it to " + strings.Join(chans, ", ")
}

// storedVerdict reports, per subscription that wants a stored story, whether it was posted.
func (f Forecast) storedVerdict(ctx context.Context, s story.Story) string {
	if s.Backfill {
		return "stored as backfill (from Herald's first fetch of the feed): never live-posted"
	}
	var parts []string
	for _, sub := range f.Live {
		if Eligibility(sub, s) == Eligible {
			parts = append(parts, f.postedTo(ctx, sub, s))
		}
	}
	if len(parts) == 0 {
		return "stored (shown by /latest and digests); no live subscription posts it"
	}
	return "stored; " + strings.Join(parts, "; ")
}

// postedTo says whether sub's channel has had s, and if not, whether it still will.
func (f Forecast) postedTo(ctx context.Context, sub store.Subscription, s story.Story) string {
	unseen, err := f.Seen.Unseen(ctx, sub.ChannelID, []string{s.ID})
	switch {
	case err != nil:
		return channelOf(sub) + ": unknown (" + err.Error() + ")"
	case len(unseen) == 0:
		return "posted to " + channelOf(sub)
	case f.Rule.Fresh(s.Published, f.Now):
		return "not yet posted to " + channelOf(sub) + ": the next sweep posts it"
	}
	return fmt.Sprintf("never posted to %s: undelivered and %s", channelOf(sub), f.Rule.Explain())
}

func channelOf(s store.Subscription) string {
	return fmt.Sprintf("channel %s (server %s)", s.ChannelID, s.GuildID)
}
