package delivery

import (
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Reason says whether a live subscription wants a story and, if not, why. It is the one test
// delivery applies (matching) and the dashboard explains, so the two cannot disagree.
type Reason int

// Reasons, in the order Eligibility checks them.
const (
	// Eligible: the subscription wants the story; it is posted unless the channel has it.
	Eligible Reason = iota
	// OtherSource: the story is not from the subscription's feed or not on its topic.
	OtherSource
	// Backfill: the story was already in its feed when Herald first read the feed.
	Backfill
	// BeforeSubscription: the story arrived before the subscription was made.
	BeforeSubscription
	// Filtered: the subscription's include/exclude keywords or its filter refuse the story
	// (WhyFiltered names the rule).
	Filtered
)

// Eligibility tells whether the live subscription sub wants s.
func Eligibility(sub store.Subscription, s story.Story) Reason {
	return eligibility(sub, compileStyle(sub), s)
}

// eligibility is Eligibility with the subscription's style compiled once for many stories.
func eligibility(sub store.Subscription, st style, s story.Story) Reason {
	switch {
	case sub.Kind == store.KindFeed && s.FeedURL != sub.FeedURL,
		sub.Kind == store.KindTopic && !s.HasTopic(sub.Topic),
		sub.Kind != store.KindFeed && sub.Kind != store.KindTopic:
		return OtherSource
	case s.Backfill:
		return Backfill
	case s.FirstSeen.Before(sub.CreatedAt):
		return BeforeSubscription
	case !st.passes(sub, s):
		return Filtered
	}
	return Eligible
}
