package discord

import (
	"fmt"
	"time"

	"github.com/heraldbot/herald/internal/ratelimit"
)

// The Sender's retry policy: a 429 is retried after its wait (the Limiter holds the bucket or
// every request), up to Max429 times; a 5xx or transport failure after a doubling backoff, up
// to MaxRetries times. Both put the job back at the head of its channel's queue.

// rateLimited decides what a 429 means for the job; callers hold s.mu.
func (s *Sender) rateLimited(j *sendJob, o ratelimit.Observation) (sendResult, bool) {
	j.limited++
	s.stats.RateLimited++
	s.opts.Logger.Warn("discord: rate limited", "channel_id", j.channelID, "global", o.Global,
		"retry_after_ms", o.RetryAfter.Milliseconds(), "counts_as_invalid", o.Invalid)
	if j.limited > s.opts.Max429 {
		return sendResult{err: fmt.Errorf("discord: send to %s: rate limited %d times, giving up", j.channelID, j.limited)}, true
	}
	return sendResult{}, false
}

// retryLater backs the channel off after a 5xx or transport failure; callers hold s.mu.
func (s *Sender) retryLater(j *sendJob, ch *channelState, now time.Time, err error) (sendResult, bool) {
	j.attempts++
	if j.attempts > s.opts.MaxRetries {
		return sendResult{err: fmt.Errorf("discord: send to %s: giving up after %d attempts: %w", j.channelID, j.attempts, err)}, true
	}
	s.stats.Retried++
	d := s.backoff(j.attempts)
	s.opts.Logger.Warn("discord: send failed, retrying", "channel_id", j.channelID, "attempt", j.attempts, "backoff_ms", d.Milliseconds(), "error", err)
	ch.readyAt = later(ch.readyAt, now.Add(d))
	return sendResult{}, false
}

// backoff is BaseBackoff doubled per attempt after the first, capped at MaxBackoff.
func (s *Sender) backoff(attempts int) time.Duration {
	d := s.opts.BaseBackoff << (attempts - 1)
	if d > s.opts.MaxBackoff || d <= 0 {
		d = s.opts.MaxBackoff
	}
	return d
}
