package poller

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Error classes the poller adds to feed.ErrorClass for failures that are not the fetcher's.
const (
	ClassPanic    feed.ErrorClass = "panic"
	ClassStore    feed.ErrorClass = "store"
	ClassInternal feed.ErrorClass = "internal"
	// ClassDisabled marks a feed skipped because earlier failures disabled it.
	ClassDisabled feed.ErrorClass = "disabled"
)

const (
	// maxErrorLen keeps a hostile server's error text from bloating the feed state.
	maxErrorLen = 500
	// saveTimeout bounds persisting a feed's state after a poll, which is done even when the
	// poll's context was cancelled meanwhile, so a fetched result is never forgotten.
	saveTimeout = 10 * time.Second
)

// outcome is what polling one feed did.
type outcome struct {
	sum Summary
	// next is when the feed is due again; zero when it is disabled or was not polled.
	next time.Time
	// disabled is set when the feed is (now) disabled.
	disabled bool
	// fresh are the stories stored for the first time, oldest first, for OnNew.
	fresh []story.Story
}

// pollLimited waits for the feed's host and global slots, polls the feed with its state st,
// and hands new stories to OnNew once the slots are free again: posting to Discord can be
// slow and must not hold up fetching.
func (p *Poller) pollLimited(ctx context.Context, fd Feed, st store.FeedState) outcome {
	release, err := p.limit.acquire(ctx, hostOf(fd.URL))
	if err != nil {
		if ctx.Err() == nil {
			p.opts.Logger.Info("poller: the feed's host stayed busy for half its lease; polling it later",
				"feed_url", feed.RedactURL(fd.URL), "waited", p.opts.Lease/2)
		}
		return outcome{}
	}
	out := func() outcome {
		defer release()
		return p.safePoll(ctx, fd, st)
	}()
	if out.sum.Feeds > 0 {
		p.record(fd.URL, failureOf(out.sum))
	}
	if p.opts.OnNew != nil && len(out.fresh) > 0 {
		p.opts.OnNew(ctx, out.fresh)
	}
	return out
}

// safePoll polls one feed and turns a panic anywhere in it (fetcher, parser, tagger, store)
// into a recorded failure of that feed, so one broken feed never stops the others. It is the
// boundary of the poller's job, one feed's poll of untrusted content; the scheduling around it
// does not recover: a panic there is Herald's bug and ends the poller (reported by /readyz)
// or, in a poll's goroutine, the process.
func (p *Poller) safePoll(ctx context.Context, fd Feed, st store.FeedState) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			p.opts.Logger.Error("poller: panic while polling feed", "feed_url", feed.RedactURL(fd.URL),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out = p.fail(ctx, st, p.opts.Now(), ClassPanic, fmt.Errorf("poller: panic: %v", r), 0)
		}
	}()
	return p.pollFeed(ctx, fd, st)
}

// pollFeed fetches fd conditionally, stores its stories and persists its new state.
func (p *Poller) pollFeed(ctx context.Context, fd Feed, st store.FeedState) outcome {
	now := p.opts.Now()
	st.URL, st.LastPoll = fd.URL, now
	var v feed.Validators
	if st.Known {
		v = feed.Validators{ETag: st.ETag, LastModified: st.LastModified}
	}
	res, err := p.fetcher.Fetch(ctx, fd.URL, v)
	if err != nil && ctx.Err() != nil {
		return outcome{} // shutting down: not the feed's fault
	}
	if err != nil {
		return p.failFetch(ctx, st, now, err)
	}
	if res == nil {
		return p.fail(ctx, st, now, ClassInternal, errors.New("poller: fetcher returned no result"), 0)
	}
	if res.NotModified || res.Feed == nil {
		return p.succeed(ctx, st, now, res, Summary{Feeds: 1, Polled: 1, NotModified: 1})
	}
	return p.ingest(ctx, fd, st, now, res)
}

// ingest normalises, tags and stores the items of a fetched feed. The first successful fetch
// (state not Known) is backfill: recorded, never handed to OnNew.
func (p *Poller) ingest(ctx context.Context, fd Feed, st store.FeedState, now time.Time, res *feed.Result) outcome {
	backfill := !st.Known && !p.knownNow(ctx, fd.URL)
	afterDowntime := st.Known && st.LastSuccess.Before(p.started)
	// FirstSeen is when the items came back, not when the fetch started: a subscription made
	// while the fetch was in flight must count them as new.
	stories := Items(fd, res.Feed, p.tag, p.opts.Now())
	for i := range stories {
		stories[i].Backfill, stories[i].AfterDowntime = backfill, afterDowntime
	}
	p.logDropped(fd.URL, len(stories), res.Dropped)
	newIDs, err := p.storeStories(ctx, stories)
	if err != nil {
		// Validators are not advanced: the next poll must fetch these items again. Batches
		// stored before the failure are not new next time, so they are handed on now.
		out := p.fail(ctx, st, now, ClassStore, fmt.Errorf("poller: storing stories: %w", err), 0)
		if !backfill {
			out.fresh = freshStories(stories, newIDs)
		}
		return out
	}
	st.Known = true
	if t := story.PlainText(res.Feed.Title); t != "" {
		st.Title = story.Truncate(t, story.MaxTitleRunes)
	}
	out := p.succeed(ctx, st, now, res, Summary{Feeds: 1, Polled: 1, NewStories: len(newIDs), Stories: len(stories),
		Dropped: res.Dropped})
	if !backfill {
		out.fresh = freshStories(stories, newIDs)
	}
	return out
}

// storeBatch bounds the stories written by one store call, so one big feed holds the embedded
// store's single write transaction (or one Redis script) for a bounded time.
const storeBatch = 100

// storeStories stores stories in batches of storeBatch and returns the IDs that were new,
// including those of the batches stored before an error.
func (p *Poller) storeStories(ctx context.Context, stories []story.Story) ([]string, error) {
	var newIDs []string
	for batch := range slices.Chunk(stories, storeBatch) {
		ids, err := p.store.PutStories(ctx, batch)
		newIDs = append(newIDs, ids...)
		if err != nil {
			return newIDs, err
		}
	}
	return newIDs, nil
}

// logDropped says when a feed listed more items than the fetcher considers (feed.Options
// MaxItems): the oldest were left out, which an operator reading a short archive should know.
func (p *Poller) logDropped(feedURL string, kept, dropped int) {
	if dropped > 0 {
		p.opts.Logger.Info("poller: feed lists more items than are considered, oldest left out",
			"feed_url", feed.RedactURL(feedURL), "items_kept", kept, "items_dropped", dropped)
	}
}

// knownNow re-reads whether feedURL is known: /subscribe feed records the feed (its current
// items as backfill) and may do so while this first fetch is in flight; what the fetch brought
// back is then new, not backfill.
func (p *Poller) knownNow(ctx context.Context, feedURL string) bool {
	st, ok, err := p.store.GetFeedState(ctx, feedURL)
	return err == nil && ok && st.Known
}

// succeed records a successful fetch: validators kept, failures cleared, next poll after the
// interval or the server's own freshness hint, whichever is later.
func (p *Poller) succeed(ctx context.Context, st store.FeedState, now time.Time, res *feed.Result, sum Summary) outcome {
	st.ETag, st.LastModified = res.Validators.ETag, res.Validators.LastModified
	st.LastSuccess = now
	st.Failures, st.LastError, st.ErrorClass = 0, "", ""
	st.NextPoll = now.Add(max(p.opts.Interval, res.NextPollAfter))
	p.saveState(ctx, st)
	return outcome{sum: sum, next: st.NextPoll}
}

// failFetch records a fetch error, honouring its class (410 disables) and Retry-After.
func (p *Poller) failFetch(ctx context.Context, st store.FeedState, now time.Time, err error) outcome {
	class, retryAfter := ClassInternal, time.Duration(0)
	var fe *feed.Error
	if errors.As(err, &fe) {
		class, retryAfter = fe.Class, fe.RetryAfter
	}
	return p.fail(ctx, st, now, class, err, retryAfter)
}

// fail counts a consecutive failure and schedules the retry with capped exponential backoff
// (or the server's Retry-After when longer); a 410 or too many failures disable the feed.
func (p *Poller) fail(ctx context.Context, st store.FeedState, now time.Time, class feed.ErrorClass, err error, retryAfter time.Duration) outcome {
	st.Failures++
	st.LastError = truncateError(userWords(err))
	st.ErrorClass = string(class)
	st.NextPoll = now.Add(max(p.backoff(st.Failures), retryAfter))
	if class == feed.ClassGone || st.Failures >= p.opts.DisableAfter {
		st.Disabled = true
	}
	p.saveState(ctx, st)
	log := p.opts.Logger.With("feed_url", feed.RedactURL(st.URL), "error_class", st.ErrorClass, "failures", st.Failures, "error", err)
	sum := Summary{Feeds: 1, Failed: 1, Failures: []Failure{{URL: st.URL, Class: class, Err: st.LastError}}}
	if st.Disabled {
		log.Warn("poller: feed disabled")
		return outcome{sum: sum, disabled: true}
	}
	log.Info("poller: feed poll failed", "next_poll", st.NextPoll)
	return outcome{sum: sum, next: st.NextPoll}
}

// backoff is BackoffBase doubled per consecutive failure after the first, capped at BackoffMax.
func (p *Poller) backoff(failures int) time.Duration {
	d := p.opts.BackoffBase
	for i := 1; i < failures && d < p.opts.BackoffMax; i++ {
		d *= 2
	}
	return min(d, p.opts.BackoffMax)
}

// truncateError bounds an error text to maxErrorLen runes, ending a cut with "…". Truncate
// reads no further than the limit, so a huge error costs no more than a short one; slicing the
// bytes first would split a UTF-8 rune and, fitting already, never get the ellipsis.
// userWords is a failure as stored in the feed state, which channel notices and
// /subscriptions show: a fetch error's own user text, without the resolver address, socket
// details and URL its Error() carries (the log line keeps those).
func userWords(err error) string {
	var u interface{ UserMessage() string }
	if errors.As(err, &u) {
		return u.UserMessage()
	}
	return err.Error()
}

func truncateError(s string) string {
	return story.Truncate(s, maxErrorLen)
}

// saveState persists st even if ctx was cancelled after the fetch completed.
func (p *Poller) saveState(ctx context.Context, st store.FeedState) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err := p.store.PutFeedState(ctx, st); err != nil {
		p.opts.Logger.Warn("poller: saving feed state", "feed_url", feed.RedactURL(st.URL), "error", err)
	}
}

// freshStories picks the stories whose IDs are in newIDs, oldest first.
func freshStories(stories []story.Story, newIDs []string) []story.Story {
	if len(newIDs) == 0 {
		return nil
	}
	isNew := make(map[string]bool, len(newIDs))
	for _, id := range newIDs {
		isNew[id] = true
	}
	fresh := make([]story.Story, 0, len(newIDs))
	for _, s := range stories {
		if isNew[s.ID] {
			fresh = append(fresh, s)
		}
	}
	slices.SortStableFunc(fresh, func(a, b story.Story) int { return a.Published.Compare(b.Published) })
	return fresh
}

// failureOf is a one-feed summary's failure, nil when the poll succeeded.
func failureOf(sum Summary) *Failure {
	if len(sum.Failures) == 0 {
		return nil
	}
	f := sum.Failures[0]
	return &f
}
