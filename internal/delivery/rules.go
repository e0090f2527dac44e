package delivery

import (
	"time"

	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/story"
)

// DefaultCatchUpAge is how old a story may be and still be live-posted by a sweep (after
// downtime or a failed send); older undelivered stories are left out. check-feed reports
// against the same constant.
const DefaultCatchUpAge = 24 * time.Hour

// Wants reports whether the live subscription sub posts s: the rule OnNew and the sweeps
// apply (its feed with include/exclude words, or its topic; never backfill; nothing that
// arrived before the subscription), exported so check-feed tells the same truth.
func Wants(sub cache.Subscription, s story.Story) bool {
	return len(matching(sub, []story.Story{s})) == 1
}
