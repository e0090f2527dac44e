// Package poller fetches the configured feeds on a polite schedule (conditional requests,
// bounded concurrency overall and per host, server hints honoured, exponential backoff on
// failure) and records their items as stories. It knows neither Discord nor the store's
// technology: it depends on the small interfaces below.
package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Fetcher downloads one feed conditionally; *feed.Fetcher implements it.
type Fetcher interface {
	Fetch(ctx context.Context, url string, v feed.Validators) (*feed.Result, error)
}

// Store is the part of store.Store the poller uses.
type Store interface {
	GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error)
	PutFeedState(ctx context.Context, st store.FeedState) error
	PutStories(ctx context.Context, stories []story.Story) ([]string, error)
}

// Tagger returns the ids of the topics a story matches; it runs once per story at ingest.
type Tagger func(story.Story) []string

// Feed is one configured feed.
type Feed struct {
	URL string
	// Name is the display name; empty means the feed's own title.
	Name string
}

// Defaults for zero Options fields.
const (
	DefaultInterval     = 10 * time.Minute
	DefaultConcurrency  = 8
	DefaultPerHost      = 2
	DefaultBackoffBase  = time.Minute
	DefaultBackoffMax   = 6 * time.Hour
	DefaultDisableAfter = 10
	// DefaultFirstSpread spreads the first polls of feeds never polled before: a fresh start
	// answers /latest within seconds, while a long feed list still does not hit every server
	// in the same instant.
	DefaultFirstSpread = 3 * time.Second
	// DefaultOverdueSpread spreads feeds whose next poll passed while Herald was down.
	DefaultOverdueSpread = 30 * time.Second
	// DefaultLease is how long a feed taken from a shared Schedule is held: longer than a
	// fetch (30 s by default) plus storing its items.
	DefaultLease = 2 * time.Minute
)

// Options configure a Poller; zero fields get the defaults above.
type Options struct {
	// Interval is how often a healthy feed is polled (a server's own hint may lengthen it).
	Interval time.Duration
	// Concurrency bounds fetches in flight overall; PerHost bounds them per host name, so a
	// config listing twenty feeds of one site never hits it twenty times at once.
	Concurrency int
	PerHost     int
	// BackoffBase doubles per consecutive failure, up to BackoffMax.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// DisableAfter consecutive failures disable a feed (a 410 Gone disables it at once).
	DisableAfter int
	// FirstSpread and OverdueSpread bound Run's start-up offsets (each capped at Interval):
	// feeds never polled are due within FirstSpread, overdue feeds within OverdueSpread.
	FirstSpread   time.Duration
	OverdueSpread time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives poll events (slog.Default when nil).
	Logger *slog.Logger
	// Schedule, when set, is the poll schedule shared by every replica (redisstore's): Run
	// takes due feeds from it under a lease instead of keeping its own, so each feed is
	// fetched once per interval across the fleet. Nil keeps the in-process schedule.
	Schedule Schedule
	// Lease is how long a feed taken from Schedule stays this replica's (DefaultLease): a
	// replica that dies hands its feeds on when their leases lapse. It must outlast a fetch.
	// It also bounds how long a fleet-wide host slot (Hosts) is held.
	Lease time.Duration
	// Hosts, when set, makes PerHost a bound across every replica (redisstore's): a fetch
	// holds one of its host's fleet-wide slots as well as this process's. Nil keeps the
	// bound per process, which is the whole fleet with the embedded store.
	Hosts HostSlots
	// OnNew receives the stories a poll found for the first time, oldest first; stories of a
	// feed's first successful fetch are backfill and never passed on. It may be nil.
	OnNew func(ctx context.Context, stories []story.Story)
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PerHost <= 0 {
		o.PerHost = DefaultPerHost
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = DefaultDisableAfter
	}
	if o.FirstSpread <= 0 {
		o.FirstSpread = DefaultFirstSpread
	}
	if o.OverdueSpread <= 0 {
		o.OverdueSpread = DefaultOverdueSpread
	}
	o.FirstSpread, o.OverdueSpread = min(o.FirstSpread, o.Interval), min(o.OverdueSpread, o.Interval)
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Summary counts what one poll cycle did.
type Summary struct {
	// Feeds is the number of feeds the cycle covered; a disabled feed counts as failed.
	Feeds int
	// Polled counts feeds fetched successfully (200 or 304); NotModified is the 304 share.
	Polled      int
	NotModified int
	// Failed counts feeds whose fetch, parse or store step failed.
	Failed int
	// NewStories counts stories stored for the first time (backfill included).
	NewStories int
	// Stories counts the items of the feeds fetched with a body.
	Stories int
	// Dropped counts the items left out because a feed listed more than the fetcher considers.
	Dropped int
	// Failures says which feeds failed and why: in feed-list order from PollOnce.
	Failures []Failure
}

// Failure is one feed's failed poll, kept so people can be told which feed failed and why
// without reading the logs.
type Failure struct {
	URL   string
	Class feed.ErrorClass
	Err   string
}

func (s *Summary) add(o Summary) {
	s.Feeds += o.Feeds
	s.Polled += o.Polled
	s.NotModified += o.NotModified
	s.Failed += o.Failed
	s.NewStories += o.NewStories
	s.Stories += o.Stories
	s.Dropped += o.Dropped
	s.Failures = append(s.Failures, o.Failures...)
}

// Poller polls a set of feeds. PollOnce and Run may be used together (console mode polls
// once, then runs); AddFeed is safe to call while Run is running.
type Poller struct {
	fetcher Fetcher
	store   Store
	tag     Tagger
	opts    Options
	limit   *limiter
	// started is when this Poller was built: a feed whose last success is older was last
	// fetched before Herald (re)started.
	started time.Time

	mu    sync.Mutex
	feeds []Feed
	known map[string]bool
	// pending holds feeds added (or re-enabled) since Run last looked; wake tells Run to look.
	pending []Feed
	wake    chan struct{}
	// panicked carries the first panic of a poll goroutine outside one feed's poll (the
	// scheduling around it, OnNew): Run returns it, so the part is reported dead instead of the
	// process crashing.
	panicked chan error
	// unscheduled holds feeds removed since Run last looked, to drop from a shared Schedule.
	unscheduled []string
	// last is each feed's latest finished poll in this process (nil Failure: success), for
	// Health; a feed found disabled counts as finished and failed.
	last map[string]*Failure
}

// New builds a Poller over feeds (duplicate URLs are dropped).
func New(feeds []Feed, f Fetcher, s Store, tag Tagger, opts Options) *Poller {
	opts = opts.withDefaults()
	p := &Poller{
		fetcher: f, store: s, tag: tag, opts: opts,
		limit: newLimiter(opts.Concurrency, opts.PerHost), started: opts.Now(),
		known:    make(map[string]bool, len(feeds)),
		wake:     make(chan struct{}, 1),
		panicked: make(chan error, 1),
		last:     map[string]*Failure{},
	}
	if opts.Hosts != nil {
		p.limit.share(opts.Hosts, opts.Lease, opts.Logger)
	}
	for _, fd := range feeds {
		p.addFeed(fd)
	}
	return p
}

// addFeed records fd unless its URL is already known; it reports whether it was added.
func (p *Poller) addFeed(fd Feed) bool {
	fd.URL = strings.TrimSpace(fd.URL)
	p.mu.Lock()
	defer p.mu.Unlock()
	if fd.URL == "" || p.known[fd.URL] {
		return false
	}
	p.known[fd.URL] = true
	p.feeds = append(p.feeds, fd)
	return true
}

// Feeds returns the feeds being polled.
func (p *Poller) Feeds() []Feed {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Feed(nil), p.feeds...)
}

// AddFeed starts polling fd (a /subscribe of a new feed, or a subscribed feed at start-up).
// A feed disabled earlier stays disabled: only Resume, after someone checked that the feed
// works, enables it again; a restart must not quietly retry a dead feed.
func (p *Poller) AddFeed(ctx context.Context, fd Feed) {
	fd.URL = strings.TrimSpace(fd.URL)
	if p.addFeed(fd) {
		p.schedule(fd)
	}
}

// RemoveFeed stops polling feedURL (the last subscription of a feed was removed). A poll in
// progress finishes; the running loop drops the feed the next time it comes due, so it is
// fetched no more than once after this call, within one interval. It reports whether the
// feed was being polled.
func (p *Poller) RemoveFeed(feedURL string) bool {
	feedURL = strings.TrimSpace(feedURL)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.known[feedURL] {
		return false
	}
	delete(p.known, feedURL)
	delete(p.last, feedURL)
	p.unscheduled = append(p.unscheduled, feedURL)
	select {
	case p.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	p.feeds = slices.DeleteFunc(p.feeds, func(f Feed) bool { return f.URL == feedURL })
	p.pending = slices.DeleteFunc(p.pending, func(f Feed) bool { return f.URL == feedURL })
	return true
}

// polled reports whether feedURL is still in the feed list: Run drops a removed feed's entry.
func (p *Poller) polled(feedURL string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.known[feedURL]
}

// Resume enables feedURL again with its failure count reset and polls it at once: the caller
// (/subscribe, /retry-feed) has just fetched it successfully. It reports whether the feed
// was disabled.
func (p *Poller) Resume(ctx context.Context, feedURL string) bool {
	feedURL = strings.TrimSpace(feedURL)
	if !p.reenable(ctx, feedURL) {
		return false
	}
	p.mu.Lock()
	var fd Feed
	for _, f := range p.feeds {
		if f.URL == feedURL {
			fd = f
		}
	}
	p.mu.Unlock()
	if fd.URL == "" {
		fd = Feed{URL: feedURL}
		p.addFeed(fd)
	}
	p.schedule(fd)
	return true
}

// schedule hands fd to the running loop, to be polled now.
func (p *Poller) schedule(fd Feed) {
	p.mu.Lock()
	p.pending = append(p.pending, fd)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// ErrUnknownFeed: Retry was asked for a feed the poller does not poll.
var ErrUnknownFeed = errors.New("poller: not a polled feed")

// Retry polls feedURL at once (the dashboard's retry button), enabling it again if it was
// disabled; a feed backing off is polled now instead of at its next attempt.
func (p *Poller) Retry(ctx context.Context, feedURL string) error {
	var fd Feed
	p.mu.Lock()
	for _, f := range p.feeds {
		if f.URL == feedURL {
			fd = f
		}
	}
	p.mu.Unlock()
	if fd.URL == "" {
		return fmt.Errorf("%w: %s", ErrUnknownFeed, feed.RedactURL(feedURL))
	}
	p.reenable(ctx, feedURL)
	p.mu.Lock()
	p.pending = append(p.pending, fd)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

// takePending returns and clears the feeds added since the last call.
func (p *Poller) takePending() []Feed {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.pending
	p.pending = nil
	return out
}

// reenable clears the disabled flag of feedURL's state; it reports whether it did.
func (p *Poller) reenable(ctx context.Context, feedURL string) bool {
	st, ok, err := p.store.GetFeedState(ctx, feedURL)
	if err != nil || !ok || !st.Disabled {
		return false
	}
	st.Disabled, st.Failures, st.NextPoll = false, 0, p.opts.Now()
	if err := p.store.PutFeedState(ctx, st); err != nil {
		p.opts.Logger.Warn("poller: re-enabling feed", "feed_url", feed.RedactURL(feedURL), "error", err)
		return false
	}
	return true
}

// hostOf is the politeness key of a feed URL: its lower-case host name.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Health is what this process has learnt about its feeds since it started.
type Health struct {
	// Feeds is the number of feeds polled; Finished how many have had a poll finish (or were
	// found disabled); OK how many of those last succeeded.
	Feeds, Finished, OK int
	// Failures are the latest failures, in feed order.
	Failures []Failure
}

// Polling reports whether some feed has not finished its first poll yet.
func (h Health) Polling() bool { return h.Finished < h.Feeds }

// Health returns a snapshot of the feeds' latest polls.
func (p *Poller) Health() Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := Health{Feeds: len(p.feeds)}
	for _, fd := range p.feeds {
		f, done := p.last[fd.URL]
		switch {
		case !done:
		case f == nil:
			h.Finished++
			h.OK++
		default:
			h.Finished++
			h.Failures = append(h.Failures, *f)
		}
	}
	return h
}

// Fetched records that feedURL was just fetched successfully outside the poller (the
// /subscribe feed check), so Health does not count its first poll as still under way.
func (p *Poller) Fetched(feedURL string) { p.record(strings.TrimSpace(feedURL), nil) }

// record keeps a feed's latest outcome for Health; f is nil for a success.
func (p *Poller) record(url string, f *Failure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last[url] = f
}

// recordDisabled marks a feed found disabled as finished and failed, and returns why.
func (p *Poller) recordDisabled(st store.FeedState) Failure {
	f := Failure{URL: st.URL, Class: ClassDisabled, Err: st.LastError}
	p.record(st.URL, &f)
	return f
}

// guard is the boundary of a poll goroutine: a panic there (Herald's bug, not a feed's: one
// feed's poll has safePoll) is logged and handed to Run, which ends the part with it.
func (p *Poller) guard() {
	v := recover()
	if v == nil {
		return
	}
	err := fmt.Errorf("poller: panic in a poll goroutine: %v", v)
	p.opts.Logger.Error("poller: panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	select {
	case p.panicked <- err:
	default: // one is enough to end the part
	}
}

// takePanic returns a poll goroutine's panic, if there was one.
func (p *Poller) takePanic() error {
	select {
	case err := <-p.panicked:
		return err
	default:
		return nil
	}
}
