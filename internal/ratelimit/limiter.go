// Package ratelimit is the request budget of the Discord bot: Discord's global limit per bot
// token, the per-route buckets Discord announces, and Cloudflare's ban threshold for invalid
// requests. It defines the Limiter the sender takes each request from and LocalLimiter, the
// in-process implementation; redisstore's shares one budget between replicas.
package ratelimit

import (
	"context"
	"time"
)

// Limiter is the request budget every message the sender posts is taken from: Discord's global
// limit per bot token, the per-route buckets Discord announces in X-RateLimit-* headers, and
// Cloudflare's ban threshold for invalid requests. The in-process LocalLimiter serves one
// process; a shared implementation (redisstore's) makes every replica of the bot draw from
// one budget, since Discord counts per token, not per process.
type Limiter interface {
	// Reserve takes one request from the global budget and from bucket's when both allow it
	// now, and returns 0. Otherwise it takes nothing and returns how long to wait, and whether
	// the wait holds for every request (global) or only for bucket.
	Reserve(ctx context.Context, bucket string) (wait time.Duration, global bool, err error)
	// Observe applies Discord's answer to a request made on bucket.
	Observe(ctx context.Context, bucket string, o Observation) error
}

// Observation is what a Discord answer says about the budget.
type Observation struct {
	// HasBucket is set when the answer carried X-RateLimit-Remaining and Reset-After: the
	// bucket has Remaining requests left in a window that resets after ResetAfter, and allows
	// Limit per window (0 when X-RateLimit-Limit was missing: one request is then tried after
	// the reset, and its answer tells the rest).
	HasBucket  bool
	Limit      int
	Remaining  int
	ResetAfter time.Duration
	// RetryAfter is a 429's wait; Global says it holds for every request of the bot.
	RetryAfter time.Duration
	Global     bool
	// Invalid marks an answer Cloudflare counts towards its ban (401, 403, and 429 unless
	// Discord says the limit was a shared resource's).
	Invalid bool
}

// Defaults of the budget.
const (
	// DefaultGlobalPerSecond stays under Discord's 50 requests per second per bot.
	DefaultGlobalPerSecond = 45
	// DefaultInvalidBudget is how many invalid requests (401, 403, 429) the bot allows itself
	// per InvalidWindow before it stops sending until the window moves on: a quarter of
	// Cloudflare's 10,000 per 10 minutes, so even a fleet that overshoots by a few in flight
	// stays far from the ban.
	DefaultInvalidBudget = 2500
	// InvalidWindow is Cloudflare's counting window.
	InvalidWindow = 10 * time.Minute
)

// InvalidWait is how long Reserve holds requests while the invalid budget is spent: the
// estimate of the sliding window falls as the window moves, so the limiter looks again soon.
const InvalidWait = 5 * time.Second

// SlidingCount estimates the invalid requests of the last InvalidWindow from two fixed
// windows: all of the current one plus the part of the previous one still inside the sliding
// window. Both limiters use it, so they agree.
func SlidingCount(prev, cur int64, intoWindow time.Duration) float64 {
	rest := 1 - float64(intoWindow)/float64(InvalidWindow)
	return float64(prev)*max(rest, 0) + float64(cur)
}
