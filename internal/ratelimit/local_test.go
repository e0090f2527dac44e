package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/ratelimit"
	"github.com/heraldbot/herald/internal/ratelimit/ratelimittest"
)

func TestLocalLimiter(t *testing.T) {
	ratelimittest.Run(t, func(_ *testing.T, opts ratelimit.Options) ratelimit.Limiter {
		return ratelimit.NewLocalLimiter(opts)
	})
}

// TestLocalLimiterForgetsEndedBuckets: posting to ever more channels does not grow the limiter
// without bound, and a bucket still in its window is kept.
func TestLocalLimiterForgetsEndedBuckets(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	l := ratelimit.NewLocalLimiter(ratelimit.Options{PerSecond: 1e9, Now: func() time.Time { return now }})
	ctx := context.Background()
	held := ratelimit.Observation{HasBucket: true, Limit: 5, Remaining: 0, ResetAfter: time.Hour}
	if err := l.Observe(ctx, "held", held); err != nil {
		t.Fatal(err)
	}
	for i := range 3 * ratelimit.MaxBuckets {
		b := "c" + strconv.Itoa(i)
		if err := l.Observe(ctx, b, ratelimit.Observation{HasBucket: true, Limit: 5, Remaining: 4, ResetAfter: time.Second}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(10 * time.Millisecond)
	}
	if n := l.Buckets(); n > ratelimit.MaxBuckets {
		t.Errorf("%d buckets kept, want at most %d", n, ratelimit.MaxBuckets)
	}
	if wait, _, _ := l.Reserve(ctx, "held"); wait <= 0 {
		t.Errorf("the exhausted bucket was forgotten within its window")
	}
}
