package redisstore

import (
	"strconv"
	"testing"
	"time"

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

// BenchmarkLimiter is the shared budget's cost per Discord request: one Reserve and one
// Observe (two script calls) with the pace set high enough that every Reserve is granted.
func BenchmarkLimiter(b *testing.B) {
	l := newTestStore(b, nil, store.Retention{}).Limiter(ratelimit.Options{PerSecond: 1e9})
	ctx := b.Context()
	o := ratelimit.Observation{HasBucket: true, Limit: 1 << 30, Remaining: 1 << 30, ResetAfter: time.Hour}
	for i := 0; b.Loop(); i++ {
		bucket := "POST /channels/{channel}/messages:" + strconv.Itoa(i%1000)
		if wait, _, err := l.Reserve(ctx, bucket); err != nil || wait != 0 {
			b.Fatalf("Reserve = %v, %v", wait, err)
		}
		if err := l.Observe(ctx, bucket, o); err != nil {
			b.Fatal(err)
		}
	}
}
