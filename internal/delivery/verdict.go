package delivery

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Shown is what a channel's record says about one story.
type Shown int

// What a channel was shown.
const (
	// NotShown: neither the story nor the same article under another id.
	NotShown Shown = iota
	// ShownHere: the story itself was posted.
	ShownHere
	// ShownAsDuplicate: the channel was shown the same article (an earlier link or id, or
	// another subscribed feed), so the story is never posted.
	ShownAsDuplicate
)

// ShownIDs are the ids whose seen record tells what a channel was shown of s: its id, then its
// aliases. Ask the store which of them the channel has not seen, then read the answer with
// ShownOf.
func ShownIDs(s story.Story) []string { return append([]string{s.ID}, s.Aliases()...) }

// ShownOf reads the store's answer for ShownIDs(s) (or a superset): the ids the channel has not
// seen.
func ShownOf(s story.Story, unseen []string) Shown {
	not := map[string]bool{}
	for _, id := range unseen {
		not[id] = true
	}
	if !not[s.ID] {
		return ShownHere
	}
	for _, a := range s.Aliases() {
		if !not[a] {
			return ShownAsDuplicate
		}
	}
	return NotShown
}

// Outcome classes a verdict, for how a page shows it.
type Outcome int

// Outcomes.
const (
	// Posted: the channel has the story.
	Posted Outcome = iota
	// NotFor: the story is not from the subscription's feed or on its topic.
	NotFor
	// Dropped: a rule keeps the story out for good (backfill, age, filter, duplicate).
	Dropped
	// Stopped: delivery to the channel stopped (the channel or webhook is gone).
	Stopped
	// Held: the subscription is paused or its feed is failing; the story may still come.
	Held
	// Due: nothing keeps it out; the next delivery posts it.
	Due
)

// Verdict is what happened to one story in one live subscription's channel, and the rule that
// decided it: the one answer to "why was this story not posted here?", which /subscription why
// and the dashboard both show.
type Verdict struct {
	Outcome Outcome
	// Reason names the rule in words ("dropped by the filter: …"); "" when posted or due.
	Reason string
}

// Text is the verdict as one sentence; channel names the channel as the reader sees it
// ("<#id>" in Discord, "#news" on the web).
func (v Verdict) Text(channel string) string {
	switch v.Outcome {
	case Posted:
		return "Posted in " + channel + "."
	case NotFor:
		return "Not for this subscription: " + v.Reason + "."
	case Due:
		return "Not posted yet: it is due at the next delivery (within a minute or two)."
	case Held:
		return "Not posted yet: " + v.Reason + "."
	}
	return "Not posted: " + v.Reason + "."
}

// Verdict decides what happened to s in sub's channel at now, naming the rule, in delivery's
// own order: the subscription's eligibility test (source, backfill, creation, filter), then
// what the channel was shown (a story posted while fresh stays "posted" once it is old), then
// the age limit, then the subscription's state and its feed's (feed: its poller state; ok
// false when unknown or for a topic).
func (r LiveRule) Verdict(sub store.Subscription, s story.Story, shown Shown, feed store.FeedState, feedKnown bool, now time.Time) Verdict {
	switch Eligibility(sub, s) {
	case OtherSource:
		return Verdict{Outcome: NotFor, Reason: "it is not from this subscription's feed or topic"}
	case Backfill:
		return Verdict{Outcome: Dropped, Reason: "it was already in the feed when Herald first read it; only newer stories are posted"}
	case BeforeSubscription:
		return Verdict{Outcome: Dropped, Reason: "it arrived before this subscription was made"}
	case Filtered:
		return Verdict{Outcome: Dropped, Reason: "dropped by " + WhyFiltered(sub, s)}
	}
	switch shown {
	case ShownHere:
		return Verdict{Outcome: Posted}
	case ShownAsDuplicate:
		return Verdict{Outcome: Dropped, Reason: "the channel was already shown the same article (from another subscribed feed, or under an earlier link or id)"}
	}
	if !s.Published.IsZero() && !r.Fresh(s.Published, now) {
		return Verdict{Outcome: Dropped, Reason: r.Explain()}
	}
	switch {
	case sub.Broken != "":
		return Verdict{Outcome: Stopped, Reason: "delivery to this channel stopped (" + sub.Broken + ")"}
	case sub.Paused:
		return Verdict{Outcome: Held, Reason: "the subscription is paused; /subscription resume posts what arrived meanwhile"}
	}
	if why := feedTrouble(feed, feedKnown && sub.Kind == store.KindFeed); why != "" {
		return Verdict{Outcome: Held, Reason: why}
	}
	return Verdict{Outcome: Due}
}

// feedTrouble says why a failing feed holds its stories back, "" when it works.
func feedTrouble(st store.FeedState, known bool) string {
	if !known || (!st.Disabled && st.Failures == 0) {
		return ""
	}
	why := message.Truncate(strings.TrimSpace(st.LastError), 200)
	if why == "" {
		why = "no reason recorded"
	}
	attempts := "attempts"
	if st.Failures == 1 {
		attempts = "attempt"
	}
	if st.Disabled {
		return fmt.Sprintf("its feed is paused after %d failed %s (%s); /retry-feed tries it again", st.Failures, attempts, why)
	}
	return fmt.Sprintf("its feed is failing, %d %s so far (%s)", st.Failures, attempts, why)
}

// ShownReader is what a verdict reads: which stories a channel was not shown, and the feeds'
// poller state.
type ShownReader interface {
	Unseen(ctx context.Context, channelID string, ids []string) ([]string, error)
	GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error)
}

// Explainer gives verdicts from the store's records: the one owner of "why was this story not
// posted here?" for /subscription why and the dashboard.
type Explainer struct {
	Store ShownReader
	Rule  LiveRule
	Now   func() time.Time
}

// Explain gives the verdict on each of stories in sub's channel, reading the channel's record
// once for them all and the feed's state once.
func (e Explainer) Explain(ctx context.Context, sub store.Subscription, stories []story.Story) ([]Verdict, error) {
	var ids []string
	for _, s := range stories {
		ids = append(ids, ShownIDs(s)...)
	}
	unseen, err := e.Store.Unseen(ctx, sub.ChannelID, ids)
	if err != nil {
		return nil, fmt.Errorf("delivery: reading what the channel was shown: %w", err)
	}
	var st store.FeedState
	known := false
	if sub.Kind == store.KindFeed && sub.FeedURL != "" {
		if st, known, err = e.Store.GetFeedState(ctx, sub.FeedURL); err != nil {
			return nil, fmt.Errorf("delivery: reading the feed's state: %w", err)
		}
	}
	now := e.Now()
	out := make([]Verdict, len(stories))
	for i, s := range stories {
		out[i] = e.Rule.Verdict(sub, s, ShownOf(s, unseen), st, known, now)
	}
	return out, nil
}

// Sentence is Explain for one story, as the sentence Text writes with channel.
func (e Explainer) Sentence(ctx context.Context, sub store.Subscription, s story.Story, channel string) (string, error) {
	v, err := e.Explain(ctx, sub, []story.Story{s})
	if err != nil {
		return "", err
	}
	return v[0].Text(channel), nil
}
