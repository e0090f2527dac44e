package discord

import (
	"context"
	"time"
)

// The Sender's queue: one FIFO per channel, channels served round-robin, at most one request
// in flight per channel, and a channel held while its own wait runs (a bucket exhausted, a
// retry's backoff, the per-channel burst). What the budget allows is the Limiter's business.

type channelState struct {
	queue    []*sendJob
	inFlight bool
	listed   bool // present in Sender.order
	readyAt  time.Time
	sent     []time.Time // dispatch times within the last window
	gone     *ChannelError
}

func (s *Sender) enqueue(j *sendJob) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSenderClosed
	}
	ch := s.channel(j.channelID)
	if ch.gone != nil {
		s.stats.Failed++
		s.mu.Unlock()
		return ch.gone
	}
	ch.queue = append(ch.queue, j)
	s.list(j.channelID, ch)
	s.depth++
	s.mu.Unlock()
	s.signal()
	return nil
}

// cancel drops a job that has not been sent yet; one in flight is dropped when it settles
// unless it was delivered.
func (s *Sender) cancel(j *sendJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j.cancelled = true
	ch := s.channels[j.channelID]
	if ch == nil {
		return
	}
	for k, q := range ch.queue {
		if q == j {
			ch.queue = append(ch.queue[:k:k], ch.queue[k+1:]...)
			s.finish(j, sendResult{err: context.Canceled})
			return
		}
	}
}

func (s *Sender) channel(id string) *channelState {
	ch, ok := s.channels[id]
	if !ok {
		ch = &channelState{}
		s.channels[id] = ch
	}
	return ch
}

func (s *Sender) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// finish delivers a job's result once; callers hold s.mu.
func (s *Sender) finish(j *sendJob, r sendResult) {
	s.depth--
	j.result <- r
}

// next picks the next job that its channel allows (round-robin over channels), without taking
// it off the queue, or reports how long until one could go; callers hold s.mu.
func (s *Sender) next(now time.Time) (*sendJob, time.Duration) {
	if now.Before(s.pausedUntil) {
		return nil, s.pausedUntil.Sub(now)
	}
	var wait time.Duration
	n := len(s.order)
	for k := 0; k < n; k++ {
		idx := (s.rr + k) % n
		ch := s.channels[s.order[idx]]
		if len(ch.queue) == 0 || ch.inFlight {
			continue
		}
		if w := s.channelWait(ch, now); w > 0 {
			if wait == 0 || w < wait {
				wait = w
			}
			continue
		}
		s.rr = idx + 1
		return ch.queue[0], 0
	}
	s.compactOrder()
	return nil, wait
}

// channelWait is how long the channel is held: its readyAt, else its burst window.
func (s *Sender) channelWait(ch *channelState, now time.Time) time.Duration {
	if now.Before(ch.readyAt) {
		return ch.readyAt.Sub(now)
	}
	cut := now.Add(-s.opts.ChannelWindow)
	for len(ch.sent) > 0 && !ch.sent[0].After(cut) {
		ch.sent = ch.sent[1:]
	}
	if len(ch.sent) >= s.opts.ChannelBurst {
		return ch.sent[0].Add(s.opts.ChannelWindow).Sub(now)
	}
	return 0
}

// take removes j, the head of its channel's queue, to send it; it reports false when j left
// the queue meanwhile (cancelled). Callers hold s.mu.
func (s *Sender) take(j *sendJob, now time.Time) bool {
	ch := s.channels[j.channelID]
	if ch == nil || len(ch.queue) == 0 || ch.queue[0] != j || ch.inFlight {
		return false
	}
	ch.queue = ch.queue[1:]
	ch.inFlight = true
	ch.sent = append(ch.sent, now)
	return true
}

// hold keeps j's channel waiting for d (its bucket is exhausted); callers hold s.mu.
func (s *Sender) hold(j *sendJob, now time.Time, d time.Duration) {
	if ch := s.channels[j.channelID]; ch != nil {
		ch.readyAt = later(ch.readyAt, now.Add(d))
	}
}

// list puts a channel with queued work in the round-robin order; callers hold s.mu.
func (s *Sender) list(id string, ch *channelState) {
	if !ch.listed && len(ch.queue) > 0 {
		ch.listed = true
		s.order = append(s.order, id)
	}
}

// compactOrder forgets channels with nothing queued or in flight.
func (s *Sender) compactOrder() {
	kept := s.order[:0]
	for _, id := range s.order {
		ch := s.channels[id]
		if len(ch.queue) > 0 || ch.inFlight {
			kept = append(kept, id)
			continue
		}
		ch.listed = false
	}
	s.order = kept
	if s.rr >= len(s.order) {
		s.rr = 0
	}
}

// failQueued fails every job queued for a gone channel; callers hold s.mu.
func (s *Sender) failQueued(ch *channelState) {
	for _, q := range ch.queue {
		s.stats.Failed++
		s.finish(q, sendResult{err: ch.gone})
	}
	ch.queue = nil
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
