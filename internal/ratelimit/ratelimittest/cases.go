package ratelimittest

import (
	"context"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/ratelimit"
)

// limiterClock is a settable clock for limiter tests.
type limiterClock struct{ t time.Time }

func (c *limiterClock) now() time.Time          { return c.t }
func (c *limiterClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// Build returns a fresh limiter with opts (its clock in opts.Now) and no state shared with any
// other limiter built for another test.
type Build func(t *testing.T, opts ratelimit.Options) ratelimit.Limiter

// reserveStep is one Reserve call at an offset from the previous step, or an Observe.
type reserveStep struct {
	after   time.Duration
	bucket  string
	observe *ratelimit.Observation // when set, Observe instead of Reserve
	wait    time.Duration
	global  bool
}

// Run checks a Limiter implementation against the behaviour of the budget: global pacing,
// buckets, 429s and the invalid-request budget, each case on a clock it steps itself.
func Run(t *testing.T, build Build) {
	t.Helper()
	obs := func(o ratelimit.Observation) *ratelimit.Observation { return &o }
	cases := []struct {
		name  string
		opts  ratelimit.Options
		steps []reserveStep
	}{
		{"global pace with one interval of tolerance", ratelimit.Options{PerSecond: 10}, []reserveStep{
			{bucket: "a"}, {bucket: "b"}, {bucket: "c", wait: 100 * time.Millisecond, global: true},
			{after: 100 * time.Millisecond, bucket: "c"}, {bucket: "c", wait: 100 * time.Millisecond, global: true},
		}},
		{"exhausted bucket holds only its own requests", ratelimit.Options{}, []reserveStep{
			{bucket: "a"},
			{bucket: "a", observe: obs(ratelimit.Observation{HasBucket: true, Limit: 5, Remaining: 0, ResetAfter: 500 * time.Millisecond})},
			{after: time.Second, bucket: "b"},
			{bucket: "a", wait: -1}, // reset passed: the window refilled
		}},
		{"bucket counts reservations until the reset", ratelimit.Options{}, []reserveStep{
			{bucket: "a", observe: obs(ratelimit.Observation{HasBucket: true, Limit: 2, Remaining: 2, ResetAfter: time.Second})},
			{after: 100 * time.Millisecond, bucket: "a"}, {after: 100 * time.Millisecond, bucket: "a"},
			{after: 100 * time.Millisecond, bucket: "a", wait: 700 * time.Millisecond},
			{after: 700 * time.Millisecond, bucket: "a"},
		}},
		{"an older answer does not give back reserved requests", ratelimit.Options{}, []reserveStep{
			{bucket: "a", observe: obs(ratelimit.Observation{HasBucket: true, Limit: 3, Remaining: 1, ResetAfter: time.Second})},
			{after: 100 * time.Millisecond, bucket: "a"},
			{bucket: "a", observe: obs(ratelimit.Observation{HasBucket: true, Limit: 3, Remaining: 1, ResetAfter: 900 * time.Millisecond})},
			{after: 100 * time.Millisecond, bucket: "a", wait: 800 * time.Millisecond},
		}},
		{"a route 429 holds its bucket for retry_after", ratelimit.Options{}, []reserveStep{
			{bucket: "a", observe: obs(ratelimit.Observation{RetryAfter: 300 * time.Millisecond, Invalid: true})},
			{after: 100 * time.Millisecond, bucket: "a", wait: 200 * time.Millisecond},
			{bucket: "b"},
			{after: 200 * time.Millisecond, bucket: "a"},
		}},
		{"a global 429 holds every bucket", ratelimit.Options{}, []reserveStep{
			{bucket: "a", observe: obs(ratelimit.Observation{RetryAfter: time.Second, Global: true, Invalid: true})},
			{after: 400 * time.Millisecond, bucket: "b", wait: 600 * time.Millisecond, global: true},
			{after: 600 * time.Millisecond, bucket: "b"},
		}},
		{"the invalid budget stops everything until the window moves on", ratelimit.Options{InvalidBudget: 3}, []reserveStep{
			{bucket: "a", observe: obs(ratelimit.Observation{Invalid: true})},
			{bucket: "a", observe: obs(ratelimit.Observation{Invalid: true})},
			{bucket: "b"},
			{bucket: "a", observe: obs(ratelimit.Observation{Invalid: true})},
			{after: time.Second, bucket: "b", wait: ratelimit.InvalidWait, global: true},
			// Two windows later the count is gone.
			{after: 2 * ratelimit.InvalidWindow, bucket: "b"},
		}},
		{"the previous window counts in proportion", ratelimit.Options{InvalidBudget: 10}, []reserveStep{
			{bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})}, {bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})},
			{bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})}, {bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})},
			{bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})}, {bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})},
			{bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})}, {bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})},
			{bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})}, {bucket: "x", observe: obs(ratelimit.Observation{Invalid: true})},
			{after: ratelimit.InvalidWindow, bucket: "a", wait: ratelimit.InvalidWait, global: true}, // 10 × 1.0 still counts
			{after: ratelimit.InvalidWindow / 5, bucket: "a"},                                        // 10 × 0.8 = 8 < 10
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Start on a window boundary so the invalid-request windows are predictable.
			clock := &limiterClock{t: time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)}
			tc.opts.Now = clock.now
			l := build(t, tc.opts)
			ctx := context.Background()
			for i, st := range tc.steps {
				clock.advance(st.after)
				if st.observe != nil {
					if err := l.Observe(ctx, st.bucket, *st.observe); err != nil {
						t.Fatal(err)
					}
					continue
				}
				wait, global, err := l.Reserve(ctx, st.bucket)
				if err != nil {
					t.Fatal(err)
				}
				want := st.wait
				if want < 0 {
					want = 0
				}
				if wait != want || global != st.global {
					t.Errorf("step %d: Reserve(%s) = %v global %v, want %v global %v", i, st.bucket, wait, global, want, st.global)
				}
			}
		})
	}
}
