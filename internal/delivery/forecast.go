package delivery

import (
	"context"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Following keeps the live subscriptions among subs that may post stories of feedURL: its
// feed's and every topic's, paused or stopped ones included (their verdict says so).
func Following(subs []store.Subscription, feedURL string) []store.Subscription {
	var out []store.Subscription
	for _, s := range subs {
		if s.Kind == store.KindTopic || s.Kind == store.KindFeed && s.FeedURL == feedURL {
			out = append(out, s)
		}
	}
	return out
}

// Forecast says what live delivery does, or did, with one feed's items, for an operator: the
// check-feed command's verdicts. Each channel's part is the one verdict (Explainer, as
// /subscription why and the dashboard show it); Forecast adds only what precedes delivery:
// whether the feed is fetched at all, and how a poll would store an item.
type Forecast struct {
	Explainer Explainer
	// Known is whether Herald has fetched the feed: the first fetch is backfill.
	Known bool
	// Disabled is whether the poller stopped fetching the feed after repeated failures.
	Disabled bool
	// Live are the subscriptions that may post the feed's stories (Following).
	Live []store.Subscription
}

// Verdict says what happens to item, an item of the feed as a poll would store it; stored is
// the story as the store holds it, nil when the store has not seen it.
func (f Forecast) Verdict(ctx context.Context, item story.Story, stored *story.Story) string {
	prefix := "stored"
	switch {
	case f.Disabled:
		return "not fetched: the feed is paused after repeated failures (/retry-feed tries it again)"
	case stored != nil:
		item = *stored
	case !f.Known:
		return "new to Herald, but the first fetch of a feed is backfill: it will be stored and posted nowhere"
	default:
		prefix, item.FirstSeen = "new: the next poll stores it", f.now() // as the next poll will store it
	}
	var parts []string
	for _, sub := range f.Live {
		v, err := f.Explainer.Explain(ctx, sub, []story.Story{item})
		switch {
		case err != nil:
			parts = append(parts, channelOf(sub)+": unknown ("+err.Error()+")")
		case v[0].Outcome != NotFor:
			parts = append(parts, channelOf(sub)+": "+v[0].Text("this channel"))
		}
	}
	if len(parts) == 0 {
		return prefix + " (shown by /latest and digests); no live subscription posts it"
	}
	return prefix + "; " + strings.Join(parts, " ")
}

func (f Forecast) now() time.Time {
	if f.Explainer.Now == nil {
		return time.Now()
	}
	return f.Explainer.Now()
}

func channelOf(s store.Subscription) string {
	return "channel " + s.ChannelID + " (server " + s.GuildID + ")"
}
