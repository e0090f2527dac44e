package delivery

import (
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Wants reports whether the live subscription sub posts s: the rule OnNew and the sweeps
// apply (its feed with include/exclude words, or its topic; never backfill; nothing that
// arrived before the subscription), exported so check-feed tells the same truth.
func Wants(sub store.Subscription, s story.Story) bool {
	return len(matching(sub, []story.Story{s})) == 1
}
