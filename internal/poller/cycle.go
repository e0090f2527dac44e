package poller

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
)

// job is one feed to poll with the state it had when the cycle started.
type job struct {
	feed  Feed
	state store.FeedState
}

// PollOnce polls every enabled feed now, within the concurrency limits, and returns what the
// cycle did. progress, when not nil, is called (never concurrently) after each feed. The error
// is non-nil when ctx ended or when no feed state could be read at all (store down). It is
// meant for console mode and tests; calling it while Run is running may poll a feed twice.
func (p *Poller) PollOnce(ctx context.Context, progress func(done, total int)) (Summary, error) {
	start := p.opts.Now()
	jobs, sum, err := p.loadJobs(ctx, p.Feeds())
	if err != nil {
		return sum, err
	}
	total := sum.Feeds + len(jobs)
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	for _, j := range jobs {
		wg.Go(func() {
			defer p.guard()
			out := p.pollLimited(ctx, j.feed, j.state)
			mu.Lock()
			defer mu.Unlock()
			sum.add(out.sum)
			done++
			if progress != nil {
				progress(done, len(jobs))
			}
		})
	}
	wg.Wait()
	if err := p.takePanic(); err != nil {
		return sum, err
	}
	sum.Feeds = total // feeds skipped because ctx ended still count
	sortByFeed(sum.Failures, p.Feeds())
	p.logSummary("poller: poll cycle", sum, p.opts.Now().Sub(start))
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("poller: poll cycle interrupted: %w", err)
	}
	return sum, nil
}

// sortByFeed puts failures in the order of the feed list, so a report reads the same each run.
func sortByFeed(failures []Failure, feeds []Feed) {
	order := make(map[string]int, len(feeds))
	for i, fd := range feeds {
		order[fd.URL] = i
	}
	slices.SortStableFunc(failures, func(a, b Failure) int { return order[a.URL] - order[b.URL] })
}

// loadJobs reads the state of every feed and keeps the enabled ones. Feeds whose state cannot
// be read count as failed; when none can be read the store is down and the cycle fails.
func (p *Poller) loadJobs(ctx context.Context, feeds []Feed) ([]job, Summary, error) {
	var sum Summary
	jobs := make([]job, 0, len(feeds))
	var lastErr error
	for _, fd := range feeds {
		st, ok, err := p.store.GetFeedState(ctx, fd.URL)
		if err != nil {
			sum.Feeds++
			sum.Failed++
			lastErr = err
			f := Failure{URL: fd.URL, Class: ClassStore, Err: err.Error()}
			p.record(fd.URL, &f)
			sum.Failures = append(sum.Failures, f)
			p.opts.Logger.Warn("poller: reading feed state", "feed_url", feed.RedactURL(fd.URL), "error", err)
			continue
		}
		if !ok {
			st = store.FeedState{URL: fd.URL}
		}
		if st.Disabled {
			// Counted and explained: a console run must say why this feed brought nothing.
			sum.Feeds++
			sum.Failed++
			sum.Failures = append(sum.Failures, p.recordDisabled(st))
			continue
		}
		jobs = append(jobs, job{feed: fd, state: st})
	}
	if len(jobs) == 0 && lastErr != nil {
		return nil, sum, fmt.Errorf("poller: reading feed states: %w", lastErr)
	}
	return jobs, sum, nil
}

func (p *Poller) logSummary(msg string, sum Summary, elapsed time.Duration) {
	p.opts.Logger.Info(msg, "feeds", sum.Feeds, "polled", sum.Polled, "not_modified", sum.NotModified,
		"failed", sum.Failed, "new_stories", sum.NewStories, "stories", sum.Stories, "items_dropped", sum.Dropped, "elapsed", elapsed)
}

// Run polls each feed whenever it is due until ctx ends. A feed never polled before is due at
// once, at a deterministic offset within FirstSpread derived from its URL, so a first start
// answers within seconds without every request leaving in the same instant; a feed overdue
// after downtime is spread the same way over OverdueSpread. A summary line is logged once per
// interval. It returns nil when ctx ends, once every poll it started has returned.
//
// With Options.Schedule set, the schedule is shared with the other replicas instead (see
// runShared).
func (p *Poller) Run(ctx context.Context) error {
	if p.opts.Schedule != nil {
		return p.runShared(ctx)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx) // ends the polls still running when Run returns early
	defer cancel()
	r := &runner{p: p, due: map[string]*entry{}, results: make(chan result)}
	p.takePending() // already in the feed list read below
	now := p.opts.Now()
	for _, fd := range p.Feeds() {
		r.schedule(ctx, fd, now)
	}
	r.windowStart = now
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now = p.opts.Now()
		r.launchDue(ctx, &wg, now)
		r.maybeLogWindow(now)
		timer.Reset(r.wait(now))
		select {
		case <-ctx.Done():
			return nil
		case err := <-p.panicked:
			return err
		case res := <-r.results:
			r.finish(res, p.opts.Now())
		case <-p.wake:
			for _, fd := range p.takePending() {
				r.add(fd, p.opts.Now())
			}
		case <-timer.C:
		}
	}
}

// entry is one feed in Run's schedule.
type entry struct {
	feed    Feed
	at      time.Time
	running bool
}

type result struct {
	url string
	out outcome
}

// runner is Run's schedule; only Run's goroutine touches it.
type runner struct {
	p           *Poller
	due         map[string]*entry
	results     chan result
	window      Summary
	windowStart time.Time
}

// schedule places fd at its persisted next poll; a feed never polled, or overdue, gets its
// spread offset from now. Disabled feeds are left out.
func (r *runner) schedule(ctx context.Context, fd Feed, now time.Time) {
	if at, ok := r.p.firstDue(ctx, fd, now); ok {
		r.due[fd.URL] = &entry{feed: fd, at: at}
	}
}

// firstDue is when a feed is first due after start: its persisted next poll; a feed never
// polled, or overdue, gets its spread offset from now. ok is false for a disabled feed.
func (p *Poller) firstDue(ctx context.Context, fd Feed, now time.Time) (time.Time, bool) {
	at := now.Add(spreadOffset(fd.URL, p.opts.FirstSpread))
	st, ok, err := p.store.GetFeedState(ctx, fd.URL)
	switch {
	case err != nil:
		p.opts.Logger.Warn("poller: reading feed state", "feed_url", feed.RedactURL(fd.URL), "error", err)
	case ok && st.Disabled:
		p.recordDisabled(st)
		return time.Time{}, false
	case ok && st.NextPoll.After(now):
		at = st.NextPoll
	case ok && !st.LastPoll.IsZero():
		at = now.Add(spreadOffset(fd.URL, p.opts.OverdueSpread))
	}
	return at, true
}

// add schedules a feed added (or retried) while running, due at once; a feed being polled right
// now keeps its turn.
func (r *runner) add(fd Feed, now time.Time) {
	e, ok := r.due[fd.URL]
	if !ok {
		r.due[fd.URL] = &entry{feed: fd, at: now}
		return
	}
	if !e.running && e.at.After(now) {
		e.at = now
	}
}

// spreadOffset is a stable pseudo-random offset in [0, interval) derived from the feed URL.
func spreadOffset(feedURL string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(feedURL))
	return time.Duration(h.Sum64() % uint64(interval))
}

// launchDue starts a poll for every due feed not already being polled.
func (r *runner) launchDue(ctx context.Context, wg *sync.WaitGroup, now time.Time) {
	for url, e := range r.due {
		if e.running || e.at.After(now) {
			continue
		}
		if !r.p.polled(url) { // removed by RemoveFeed since it was scheduled
			delete(r.due, url)
			continue
		}
		e.running = true
		fd := e.feed
		wg.Go(func() {
			defer r.p.guard()
			out := r.p.pollCurrent(ctx, fd)
			select {
			case r.results <- result{url: url, out: out}:
			case <-ctx.Done():
			}
		})
	}
}

// finish reschedules a polled feed, dropping it when it was disabled.
func (r *runner) finish(res result, now time.Time) {
	counts := res.out.sum
	counts.Failures = nil // the window logs counts; Health keeps each feed's latest failure
	r.window.add(counts)
	e := r.due[res.url]
	if e == nil {
		return
	}
	e.running = false
	switch {
	case res.out.disabled:
		delete(r.due, res.url)
	case res.out.next.IsZero():
		// Not polled: the state was unreadable (store down). That is not the feed's fault, so
		// it is retried within its normal interval, not after a feed-failure backoff.
		e.at = now.Add(min(r.p.opts.BackoffBase, r.p.opts.Interval))
	default:
		e.at = res.out.next
	}
}

// wait is how long until the earliest idle feed is due or the summary window closes.
func (r *runner) wait(now time.Time) time.Duration {
	d := r.windowStart.Add(r.p.opts.Interval).Sub(now)
	for _, e := range r.due {
		if !e.running {
			d = min(d, e.at.Sub(now))
		}
	}
	return max(d, 0)
}

func (r *runner) maybeLogWindow(now time.Time) {
	if now.Sub(r.windowStart) < r.p.opts.Interval {
		return
	}
	if r.window.Feeds > 0 {
		r.p.logSummary("poller: poll summary", r.window, now.Sub(r.windowStart))
	}
	r.window, r.windowStart = Summary{}, now
}

// pollCurrent reads a feed's current state and polls it unless it is disabled.
func (p *Poller) pollCurrent(ctx context.Context, fd Feed) outcome {
	st, ok, err := p.store.GetFeedState(ctx, fd.URL)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			p.opts.Logger.Warn("poller: reading feed state", "feed_url", feed.RedactURL(fd.URL), "error", err)
		}
		return outcome{}
	}
	if !ok {
		st = store.FeedState{URL: fd.URL}
	}
	if st.Disabled {
		return outcome{disabled: true}
	}
	return p.pollLimited(ctx, fd, st)
}
