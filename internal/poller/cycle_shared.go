package poller

import (
	"context"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
)

// Schedule is a poll schedule shared by the replicas of the bot: each feed's next poll time,
// and leases on the feeds being polled. Taking a feed moves its due time to the end of the
// lease, so no other replica takes it meanwhile, and a replica that dies hands its feeds on
// when their leases lapse.
type Schedule interface {
	// Add puts feedURL on the schedule due at at, unless it is already there.
	Add(ctx context.Context, feedURL string, at time.Time) error
	// Take leases up to n feeds due at now until now+lease and returns them.
	Take(ctx context.Context, now time.Time, n int, lease time.Duration) ([]string, error)
	// Due sets feedURL's next poll (after a poll, or to poll it now), replacing a lease.
	Due(ctx context.Context, feedURL string, at time.Time) error
	// Remove drops feedURL from the schedule.
	Remove(ctx context.Context, feedURL string) error
	// Earliest is when the next feed comes due; ok is false when the schedule is empty.
	Earliest(ctx context.Context) (at time.Time, ok bool, err error)
}

// healthSyncEvery is how often runShared reads the fleet's feed states into Health while some
// feed has not finished a first poll; afterwards it does so once per interval.
const healthSyncEvery = 5 * time.Second

// sharedIdle bounds how long runShared sleeps: feeds other replicas add, or whose leases
// lapse, come due without this replica being told.
const sharedIdle = time.Second

// sharedRunner is runShared's state; only Run's goroutine touches it.
type sharedRunner struct {
	p       *Poller
	sched   Schedule
	running map[string]bool
	results chan result
	window  Summary
	start   time.Time
	synced  time.Time // last syncHealth
	// unrecorded holds next polls the schedule refused (a store outage): the feed's lease
	// would otherwise hold it for the whole lease, so each turn of the loop tries them again.
	unrecorded map[string]time.Time
}

// runShared is Run over a shared Schedule: it puts this replica's feeds on it (those already
// there keep their time), then repeatedly takes as many due feeds as it has free fetch slots,
// polls them and records their next poll. A feed it takes that it does not know was added by
// another replica (a /subscribe there); it is polled all the same.
func (p *Poller) runShared(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx) // ends the polls still running when it returns early
	defer cancel()
	r := &sharedRunner{p: p, sched: p.opts.Schedule, running: map[string]bool{}, results: make(chan result), start: p.opts.Now(), unrecorded: map[string]time.Time{}}
	p.takePending()
	for _, fd := range p.Feeds() {
		r.add(ctx, fd)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := p.opts.Now()
		r.recordPending(ctx)
		r.launch(ctx, &wg, now)
		r.maybeSyncHealth(ctx, now)
		r.maybeLogWindow(now)
		timer.Reset(r.wait(ctx, now))
		select {
		case <-ctx.Done():
			return nil
		case err := <-p.panicked:
			return err
		case res := <-r.results:
			r.finish(ctx, res)
		case <-p.wake:
			r.applyChanges(ctx)
		case <-timer.C:
		}
	}
}

// add puts a feed on the shared schedule at its first due time; a disabled feed stays off.
func (r *sharedRunner) add(ctx context.Context, fd Feed) {
	at, ok := r.p.firstDue(ctx, fd, r.p.opts.Now())
	if !ok {
		return
	}
	if err := r.sched.Add(ctx, fd.URL, at); err != nil {
		r.p.opts.Logger.Warn("poller: adding feed to the shared schedule", "feed_url", feed.RedactURL(fd.URL), "error", err)
	}
}

// applyChanges makes feeds added, resumed or retried since the last look due now, and drops
// removed ones from the schedule.
func (r *sharedRunner) applyChanges(ctx context.Context) {
	now := r.p.opts.Now()
	for _, fd := range r.p.takePending() {
		if err := r.sched.Due(ctx, fd.URL, now); err != nil {
			r.p.opts.Logger.Warn("poller: scheduling feed", "feed_url", feed.RedactURL(fd.URL), "error", err)
		}
	}
	r.p.mu.Lock()
	removed := r.p.unscheduled
	r.p.unscheduled = nil
	r.p.mu.Unlock()
	for _, u := range removed {
		if err := r.sched.Remove(ctx, u); err != nil {
			r.p.opts.Logger.Warn("poller: removing feed from the shared schedule", "feed_url", feed.RedactURL(u), "error", err)
		}
	}
}

// launch takes due feeds for the free fetch slots and polls each.
func (r *sharedRunner) launch(ctx context.Context, wg *sync.WaitGroup, now time.Time) {
	free := r.p.opts.Concurrency - len(r.running)
	if free <= 0 {
		return
	}
	urls, err := r.sched.Take(ctx, now, free, r.p.opts.Lease)
	if err != nil {
		if ctx.Err() == nil {
			r.p.opts.Logger.Warn("poller: taking due feeds from the shared schedule", "error", err)
		}
		return
	}
	for _, u := range urls {
		if r.running[u] {
			continue // still polling it here after its lease lapsed: leave it to that poll
		}
		r.running[u] = true
		fd := r.p.feedFor(u)
		wg.Go(func() {
			defer r.p.guard()
			out := r.p.pollCurrent(ctx, fd)
			select {
			case r.results <- result{url: fd.URL, out: out}:
			case <-ctx.Done():
			}
		})
	}
}

// feedFor is the configured or added feed with url, else a feed known only by its URL.
func (p *Poller) feedFor(url string) Feed {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.feeds {
		if f.URL == url {
			return f
		}
	}
	return Feed{URL: url}
}

// finish records a polled feed's next poll on the schedule, or drops it when it was disabled.
// When ctx ended the poll did not finish: the lease is left to lapse, and another replica
// takes the feed then.
func (r *sharedRunner) finish(ctx context.Context, res result) {
	delete(r.running, res.url)
	counts := res.out.sum
	counts.Failures = nil
	r.window.add(counts)
	if ctx.Err() != nil {
		return
	}
	if res.out.disabled {
		if err := r.sched.Remove(ctx, res.url); err != nil {
			r.p.opts.Logger.Warn("poller: removing a disabled feed from the shared schedule", "feed_url", feed.RedactURL(res.url), "error", err)
		}
		return
	}
	next := res.out.next
	if next.IsZero() {
		next = r.p.opts.Now().Add(min(r.p.opts.BackoffBase, r.p.opts.Interval))
	}
	if err := r.sched.Due(ctx, res.url, next); err != nil {
		r.unrecorded[res.url] = next
		r.p.opts.Logger.Warn("poller: recording next poll on the shared schedule", "feed_url", feed.RedactURL(res.url), "error", err)
	}
}

// recordPending retries the next polls the schedule refused; the first failure stops the
// round (the store is still out) and the rest wait for the next turn.
func (r *sharedRunner) recordPending(ctx context.Context) {
	for u, at := range r.unrecorded {
		if r.running[u] {
			delete(r.unrecorded, u) // taken again: its poll records afresh
			continue
		}
		if err := r.sched.Due(ctx, u, at); err != nil {
			return
		}
		delete(r.unrecorded, u)
	}
}

// wait is how long until the next feed is due, at most sharedIdle, or 0 when slots are full
// (a result wakes the loop).
func (r *sharedRunner) wait(ctx context.Context, now time.Time) time.Duration {
	d := sharedIdle
	if next, ok, err := r.sched.Earliest(ctx); err == nil && ok {
		d = min(d, max(next.Sub(now), 0))
	}
	if len(r.running) >= r.p.opts.Concurrency {
		d = sharedIdle
	}
	return max(d, time.Millisecond)
}

func (r *sharedRunner) maybeLogWindow(now time.Time) {
	if now.Sub(r.start) < r.p.opts.Interval {
		return
	}
	if r.window.Feeds > 0 {
		r.p.logSummary("poller: poll summary", r.window, now.Sub(r.start))
	}
	r.window, r.start = Summary{}, now
}

// maybeSyncHealth brings Health up to date with the polls other replicas made: every
// healthSyncEvery until each feed has a first result, then once per interval.
func (r *sharedRunner) maybeSyncHealth(ctx context.Context, now time.Time) {
	every := r.p.opts.Interval
	if r.p.Health().Polling() {
		every = min(every, healthSyncEvery)
	}
	if now.Sub(r.synced) < every {
		return
	}
	r.synced = now
	r.p.syncHealth(ctx)
}

// feedStateLister is what syncHealth needs beyond Store: every store implements it.
type feedStateLister interface {
	ListFeedStates(ctx context.Context) ([]store.FeedState, error)
}

// syncHealth records, for each known feed, the latest outcome any replica stored in its feed
// state, so Health (what /latest and /status say about the polls) covers the feeds this
// replica never took from the shared schedule.
func (p *Poller) syncHealth(ctx context.Context) {
	ls, ok := p.store.(feedStateLister)
	if !ok {
		return
	}
	states, err := ls.ListFeedStates(ctx)
	if err != nil {
		p.opts.Logger.Warn("poller: reading feed states for health", "error", err)
		return
	}
	for _, st := range states {
		if !p.polled(st.URL) {
			continue
		}
		switch {
		case st.Disabled:
			p.recordDisabled(st)
		case st.Failures > 0:
			p.record(st.URL, &Failure{URL: st.URL, Class: feed.ErrorClass(st.ErrorClass), Err: st.LastError})
		case !st.LastSuccess.IsZero():
			p.record(st.URL, nil)
		}
	}
}
