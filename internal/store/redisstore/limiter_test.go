package redisstore

import (
	"testing"

	"github.com/heraldbot/herald/internal/ratelimit"
	"github.com/heraldbot/herald/internal/ratelimit/ratelimittest"
	"github.com/heraldbot/herald/internal/store"
)

// TestLimiterConformance runs the budget's behaviour cases against the shared limiter: it must
// decide exactly as the in-process one.
func TestLimiterConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, opts ratelimit.Options) ratelimit.Limiter {
		return newTestStore(t, opts.Now, store.Retention{}).Limiter(opts)
	})
}
