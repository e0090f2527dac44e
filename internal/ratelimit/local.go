package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Options configure a LocalLimiter; zero values take the defaults.
type Options struct {
	// PerSecond is the global rate (DefaultGlobalPerSecond); a fraction is kept.
	PerSecond float64
	// InvalidBudget is the invalid requests allowed per InvalidWindow (DefaultInvalidBudget).
	InvalidBudget int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// LocalLimiter is the Limiter of a single process: a GCRA pacer for the global limit, the
// buckets Discord announced, and the invalid-request count, all in memory. It does no I/O, so
// its decisions are a function of its clock and what it observed.
type LocalLimiter struct {
	interval time.Duration
	budget   int
	now      func() time.Time

	mu sync.Mutex
	// tat is the theoretical arrival time of the next request (GCRA, one interval of
	// tolerance); pause is set by a global 429.
	tat, pause time.Time
	buckets    map[string]*localBucket
	// invalid counts invalid answers in fixed windows starting at windowStart.
	windowStart   time.Time
	prev, current int64
}

// localBucket is one bucket as Discord last described it, less the requests reserved since.
type localBucket struct {
	known     bool
	limit     int
	remaining int
	resetAt   time.Time
}

// NewLocalLimiter builds a LocalLimiter.
func NewLocalLimiter(opts Options) *LocalLimiter {
	if opts.PerSecond <= 0 {
		opts.PerSecond = DefaultGlobalPerSecond
	}
	if opts.InvalidBudget <= 0 {
		opts.InvalidBudget = DefaultInvalidBudget
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &LocalLimiter{interval: time.Duration(float64(time.Second) / opts.PerSecond), budget: opts.InvalidBudget,
		now: opts.Now, buckets: map[string]*localBucket{}}
}

// Reserve implements Limiter.
func (l *LocalLimiter) Reserve(_ context.Context, bucket string) (time.Duration, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if w := l.globalWait(now); w > 0 {
		return w, true, nil
	}
	b := l.bucket(bucket)
	if !now.Before(b.resetAt) && b.known {
		b.remaining, b.resetAt = max(b.limit, 1), time.Time{}
	}
	if b.known && b.remaining <= 0 {
		return max(b.resetAt.Sub(now), time.Millisecond), false, nil
	}
	if b.known {
		b.remaining--
	}
	l.tat = later(l.tat, now).Add(l.interval)
	return 0, false, nil
}

// globalWait is the wait imposed on every request: a global 429, the invalid budget, GCRA.
func (l *LocalLimiter) globalWait(now time.Time) time.Duration {
	if now.Before(l.pause) {
		return l.pause.Sub(now)
	}
	l.rollWindow(now)
	if SlidingCount(l.prev, l.current, now.Sub(l.windowStart)) >= float64(l.budget) {
		return InvalidWait
	}
	if allowed := l.tat.Add(-l.interval); now.Before(allowed) {
		return allowed.Sub(now)
	}
	return 0
}

// Observe implements Limiter.
func (l *LocalLimiter) Observe(_ context.Context, bucket string, o Observation) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if o.Invalid {
		l.rollWindow(now)
		l.current++
	}
	b := l.bucket(bucket)
	if o.HasBucket {
		resetAt := now.Add(o.ResetAfter)
		// A newer window replaces what was known; the same window keeps the lower count,
		// which includes requests reserved but not yet answered.
		if !b.known || resetAt.After(b.resetAt.Add(time.Second)) || o.Remaining < b.remaining {
			b.remaining = o.Remaining
		}
		b.known, b.limit, b.resetAt = true, o.Limit, later(b.resetAt, resetAt)
	}
	if o.RetryAfter > 0 {
		until := now.Add(o.RetryAfter)
		if o.Global {
			l.pause = later(l.pause, until)
		} else {
			b.known, b.remaining, b.resetAt = true, 0, later(b.resetAt, until)
		}
	}
	return nil
}

// maxBuckets is how many buckets the limiter keeps before it forgets those whose window has
// ended (one per channel posted to; a forgotten bucket is one whose window refilled anyway).
const maxBuckets = 4096

func (l *LocalLimiter) bucket(key string) *localBucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(l.now())
		}
		b = &localBucket{}
		l.buckets[key] = b
	}
	return b
}

// prune forgets the buckets whose window has ended: their next request would find them full.
func (l *LocalLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if !now.Before(b.resetAt) {
			delete(l.buckets, k)
		}
	}
}

// rollWindow moves the invalid-request windows on to the one holding now.
func (l *LocalLimiter) rollWindow(now time.Time) {
	switch d := now.Sub(l.windowStart); {
	case l.windowStart.IsZero() || d >= 2*InvalidWindow:
		l.prev, l.current, l.windowStart = 0, 0, now.Truncate(InvalidWindow)
	case d >= InvalidWindow:
		l.prev, l.current, l.windowStart = l.current, 0, l.windowStart.Add(InvalidWindow)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Interval is the global spacing between requests the limiter paces to.
func (l *LocalLimiter) Interval() time.Duration { return l.interval }
