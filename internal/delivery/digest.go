package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/heraldbot/herald/internal/briefing"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// DigestOptions tunes daily briefings.
type DigestOptions struct {
	// Grace is how late a missed digest may still be delivered after start-up (default 2 h).
	Grace time.Duration
	// Lease is how long claimed stories stay reserved while being sent (default 5 min).
	Lease time.Duration
	// Window is how far back the first briefing of a channel looks (default 24 h).
	Window         time.Duration
	MaxEntries     int
	QuietWhenEmpty bool
	// Concurrency bounds the digests composed and sent at once (default 8): a thousand
	// channels at 08:00 would otherwise hit the store with a thousand concurrent reads (Redis's
	// pool times out) while the sender can post only ~45 messages a second anyway.
	Concurrency int
	// Owner names this replica in slot leases.
	Owner       string
	TopicTitles map[string]string
	// StatusLines gives the tracked topics' status lines for the top of a briefing.
	StatusLines func(ctx context.Context, topic string) []string
	Now         func() time.Time
	Logger      *slog.Logger
	// OnRun observes every digest run (metrics).
	OnRun func(sub store.Subscription, err error)
	// OnStartError observes every failed start of the schedule in Run (metrics); Run retries.
	OnStartError func(err error)
	// RetryStart is Run's first wait after a failed start, doubled up to a minute (default 5 s).
	RetryStart time.Duration
	// StopTimeout bounds how long Run's stop waits for running digests (default 3 s).
	StopTimeout time.Duration
}

// Digests schedules every digest subscription in its own time zone and delivers each slot once
// across replicas.
type Digests struct {
	d       deliverer
	opts    DigestOptions
	cron    *cron.Cron
	mu      sync.Mutex
	entries map[string]cron.EntryID
	// running holds the slot leases being delivered by this process: a replica re-acquires its
	// own lease, so the cron job and the sweep must not both run one slot.
	running map[string]bool
	// jobs carries the cron clock's firings to the goroutine Start launched, which holds the
	// context the digests are delivered under; done closes when that goroutine has returned.
	jobs         chan slotJob
	dispatchDone chan struct{}
	// scheduled is true once a start succeeded.
	scheduled atomic.Bool
	// sem holds one token per digest being delivered (Concurrency).
	sem chan struct{}
	// stopSweep ends the retry sweep Start launched (without cancelling a digest it is
	// delivering); sweepDone closes when it has returned.
	stopSweep chan struct{}
	sweepDone chan struct{}
	stopping  atomic.Bool
	stopOnce  sync.Once
	// background tracks the missed slots Start delivers without delaying start-up.
	background sync.WaitGroup
}

// NewDigests builds the scheduler; Start loads the subscriptions.
func NewDigests(st Store, sender Sender, opts DigestOptions) *Digests {
	opts = digestDefaults(opts)
	g := &Digests{d: deliverer{store: st, sender: sender, lease: opts.Lease, logger: opts.Logger},
		opts: opts, entries: map[string]cron.EntryID{}, running: map[string]bool{}, jobs: make(chan slotJob),
		sem: make(chan struct{}, opts.Concurrency)}
	logger := cronLogger{opts.Logger}
	g.cron = cron.New(cron.WithLogger(logger), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	return g
}

func digestDefaults(o DigestOptions) DigestOptions {
	if o.Grace <= 0 {
		o.Grace = 2 * time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Window <= 0 {
		o.Window = 24 * time.Hour
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Owner == "" {
		o.Owner = "herald"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.RetryStart <= 0 {
		o.RetryStart = 5 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 3 * time.Second
	}
	return o
}

// slotJob is one firing of a digest's cron entry; done closes once it was delivered (or not).
type slotJob struct {
	sub  store.Subscription
	slot time.Time
	done chan struct{}
}

// Run schedules the digests until ctx ends, then stops, waiting up to StopTimeout for running
// digests (under a context of their own, so a briefing half sent at SIGTERM may still finish).
// A failed start (the store unreachable) is reported through the log and OnStartError and
// retried with backoff: a digest /subscribe confirmed is scheduled as soon as the store
// answers, not at the next restart.
func (g *Digests) Run(ctx context.Context) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	if !g.startRetrying(ctx, work) {
		return nil
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(work, g.opts.StopTimeout)
	defer cancel()
	g.Stop(stopCtx)
	return nil
}

// startRetrying starts the schedule, retrying until it succeeds or ctx ends (false).
func (g *Digests) startRetrying(ctx, work context.Context) bool {
	wait := g.opts.RetryStart
	for attempt := 1; ; attempt++ {
		err := g.start(ctx, work)
		if err == nil {
			return true
		}
		g.opts.Logger.Warn("delivery: digests not scheduled; retrying", "attempt", attempt, "retry_in", wait, "error", err)
		if g.opts.OnStartError != nil {
			g.opts.OnStartError(err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, time.Minute)
	}
}

// Scheduled reports whether the schedule started: until then no digest is delivered, and
// readiness says so.
func (g *Digests) Scheduled() bool { return g.scheduled.Load() }

// Start schedules every stored digest subscription, starts delivering (in the background,
// at most Concurrency at a time) the ones missed by less than the grace period, and starts the
// clock and the retry sweep. Stop waits for all of it.
func (g *Digests) Start(ctx context.Context) error { return g.start(ctx, ctx) }

// start loads the subscriptions under ctx and delivers under work.
func (g *Digests) start(ctx, work context.Context) error {
	subs, err := g.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: store.KindDigest})
	if err != nil {
		return fmt.Errorf("delivery: loading digests: %w", err)
	}
	for _, sub := range subs {
		if err := g.Add(sub); err != nil {
			g.opts.Logger.Warn("delivery: bad digest subscription", "subscription_id", sub.ID, "error", err)
			continue
		}
		g.background.Go(func() { g.runMissed(work, sub) })
	}
	g.stopSweep, g.sweepDone, g.dispatchDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	go g.sweepEvery(work, g.opts.Lease)
	go g.dispatch(work)
	g.cron.Start()
	g.scheduled.Store(true)
	return nil
}

// Stop stops scheduling, then waits, until ctx is done, for running digests and the retry
// sweep to finish: the order keeps a digest from starting after Stop returned.
func (g *Digests) Stop(ctx context.Context) {
	g.stopping.Store(true)
	select {
	case <-g.cron.Stop().Done():
	case <-ctx.Done():
	}
	if g.stopSweep == nil {
		return
	}
	missed := make(chan struct{})
	go func() { g.background.Wait(); close(missed) }()
	select {
	case <-missed:
	case <-ctx.Done():
	}
	g.stopOnce.Do(func() { close(g.stopSweep) })
	for _, done := range []chan struct{}{g.sweepDone, g.dispatchDone} {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
}

// sweepEvery retries pending slots every interval: a run that failed (Discord or store
// outage, a replica that died mid-way and left its lease to expire) is delivered late rather
// than lost, as long as it is within the grace period.
func (g *Digests) sweepEvery(ctx context.Context, interval time.Duration) {
	defer close(g.sweepDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.stopSweep:
			return
		case <-t.C:
			g.safeSweep(ctx)
		}
	}
}

// dispatch delivers the cron clock's firings under ctx, each in its own goroutine (as the
// clock itself used to run them), until Stop or ctx ends it.
func (g *Digests) dispatch(ctx context.Context) {
	defer close(g.dispatchDone)
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.stopSweep:
			return
		case job := <-g.jobs:
			g.background.Go(func() {
				defer close(job.done)
				defer g.recoverDigest(job.sub)
				g.report(job.sub, g.RunSlot(ctx, job.sub.ID, job.sub.ChannelID, job.slot))
			})
		}
	}
}

// recoverDigest is the boundary of one digest delivery: a panic is logged, the slot's lease
// is left to expire and the sweep retries it.
func (g *Digests) recoverDigest(sub store.Subscription) {
	if p := recover(); p != nil {
		g.opts.Logger.Error("delivery: digest panicked", "subscription_id", sub.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

// safeSweep is the boundary of the periodic sweep, a job of its own like a cron firing.
func (g *Digests) safeSweep(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			g.opts.Logger.Error("delivery: digest sweep panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	g.Sweep(ctx)
}

// Sweep delivers every digest slot that is due, not yet delivered and less than Grace late.
// Slots already delivered (LastRun) or held by another replica's lease are left alone, so
// calling it any number of times, on any number of replicas, posts each slot once.
func (g *Digests) Sweep(ctx context.Context) {
	subs, err := g.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: store.KindDigest})
	if err != nil {
		g.opts.Logger.Warn("delivery: digest sweep: listing subscriptions", "error", err)
		return
	}
	now := g.opts.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, sub := range subs {
		sched, err := DigestSchedule(sub.Time, sub.TimeZone)
		if err != nil || sub.Broken != "" || sub.Paused {
			continue
		}
		slot, ok := MissedSlot(sched, sub.LastRun, sub.CreatedAt, now, g.opts.Grace)
		if !ok {
			continue
		}
		// Concurrently, as many as RunSlot's Concurrency admits: after an outage at 08:00
		// every channel is due at once.
		wg.Go(func() {
			defer g.recoverDigest(sub)
			g.report(sub, g.RunSlot(ctx, sub.ID, sub.ChannelID, slot))
		})
	}
}

// Add schedules sub (replacing an earlier schedule of the same subscription).
func (g *Digests) Add(sub store.Subscription) error {
	sched, err := DigestSchedule(sub.Time, sub.TimeZone)
	if err != nil {
		return err
	}
	g.Remove(sub.ID)
	id := g.cron.Schedule(sched, cron.FuncJob(func() {
		job := slotJob{sub: sub, slot: PreviousSlot(sched, g.opts.Now()), done: make(chan struct{})}
		select {
		case g.jobs <- job:
			<-job.done
		case <-g.dispatchDone: // stopped: the sweep delivers the slot after a restart, within Grace
		}
	}))
	g.mu.Lock()
	g.entries[sub.ID] = id
	g.mu.Unlock()
	return nil
}

// Remove unschedules a subscription.
func (g *Digests) Remove(subID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if id, ok := g.entries[subID]; ok {
		g.cron.Remove(id)
		delete(g.entries, subID)
	}
}

// NextRun is when sub's digest runs next.
func NextRun(sub store.Subscription, now time.Time) (time.Time, error) {
	sched, err := DigestSchedule(sub.Time, sub.TimeZone)
	if err != nil {
		return time.Time{}, err
	}
	return sched.Next(now), nil
}

func (g *Digests) runMissed(ctx context.Context, sub store.Subscription) {
	defer g.recoverDigest(sub)
	if g.stopping.Load() {
		return
	}
	sched, err := DigestSchedule(sub.Time, sub.TimeZone)
	if err != nil {
		return
	}
	slot, deliver := MissedSlot(sched, sub.LastRun, sub.CreatedAt, g.opts.Now(), g.opts.Grace)
	if slot.IsZero() {
		return
	}
	if !deliver {
		g.opts.Logger.Info("delivery: missed digest skipped, beyond grace", "subscription_id", sub.ID, "slot", slot)
		return
	}
	g.report(sub, g.RunSlot(ctx, sub.ID, sub.ChannelID, slot))
}

func (g *Digests) report(sub store.Subscription, err error) {
	if err != nil {
		g.opts.Logger.Warn("delivery: digest failed", "subscription_id", sub.ID, "channel_id", sub.ChannelID, "error", err)
	}
	if g.opts.OnRun != nil {
		g.opts.OnRun(sub, err)
	}
}

// RunSlot delivers one digest slot, once across replicas: a lease per subscription and slot,
// and the subscription's LastRun, guard it.
func (g *Digests) RunSlot(ctx context.Context, subID, channelID string, slot time.Time) error {
	lease := "digest:" + subID + ":" + strconv.FormatInt(slot.Unix(), 10)
	if !g.startLocal(lease) {
		return nil
	}
	defer g.endLocal(lease)
	select {
	case g.sem <- struct{}{}:
		defer func() { <-g.sem }()
	case <-ctx.Done():
		return fmt.Errorf("delivery: digest %s: %w", subID, ctx.Err())
	}
	if g.stopping.Load() {
		// Stop waits for digests being delivered, not for those still queued: they are left
		// to another replica's sweep or the next start-up (within the grace period).
		return nil
	}
	ok, err := g.d.store.AcquireLease(ctx, lease, g.opts.Owner, g.opts.Lease)
	if err != nil {
		return fmt.Errorf("delivery: digest lease: %w", err)
	}
	if !ok {
		return nil // another replica is delivering this slot
	}
	err = g.runLeased(ctx, subID, channelID, slot, lease)
	if err != nil {
		// Give the slot back at once so the next sweep (here or on another replica) retries
		// it instead of waiting for the lease to expire.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if rerr := g.d.store.ReleaseLease(rctx, lease, g.opts.Owner); rerr != nil {
			g.opts.Logger.Debug("delivery: releasing digest lease", "lease", lease, "error", rerr)
		}
	}
	return err
}

func (g *Digests) startLocal(lease string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[lease] {
		return false
	}
	g.running[lease] = true
	return true
}

func (g *Digests) endLocal(lease string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.running, lease)
}

func (g *Digests) runLeased(ctx context.Context, subID, channelID string, slot time.Time, lease string) error {
	sub, found, err := g.current(ctx, subID, channelID)
	if err != nil {
		return fmt.Errorf("delivery: reading digest subscription: %w", err)
	}
	if !found || !slot.After(sub.LastRun) || sub.Broken != "" || sub.Paused {
		return nil
	}
	since := sub.LastRun
	if since.IsZero() || slot.Sub(since) > 7*24*time.Hour {
		since = slot.Add(-g.opts.Window)
	}
	if err := g.deliverBriefing(ctx, sub, since, "digest:"+lease); err != nil {
		return err
	}
	if _, err := g.d.patchSub(ctx, sub, func(s *store.Subscription) {
		if slot.After(s.LastRun) {
			s.LastRun = slot
		}
	}); err != nil {
		// The briefing is out and its stories are confirmed: a retry finds nothing new and,
		// with the same nonce, Discord returns the message already posted.
		return fmt.Errorf("delivery: recording digest run: %w", err)
	}
	return nil
}

func (g *Digests) current(ctx context.Context, subID, channelID string) (store.Subscription, bool, error) {
	subs, err := g.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{ChannelID: channelID, Kind: store.KindDigest})
	if err != nil {
		return store.Subscription{}, false, err
	}
	for _, s := range subs {
		if s.ID == subID {
			return s, true, nil
		}
	}
	return store.Subscription{}, false, nil
}

// deliverBriefing composes, claims and sends a briefing to sub's channel.
func (g *Digests) deliverBriefing(ctx context.Context, sub store.Subscription, since time.Time, key string) error {
	posts, err := g.Compose(ctx, sub.ChannelID, sub.Topic, since)
	if err != nil {
		return err
	}
	if _, err := g.d.send(ctx, sub.ChannelID, posts, key); err != nil {
		if IsChannelGone(err) {
			broken := err.Error()
			if _, uerr := g.d.patchSub(ctx, sub, func(s *store.Subscription) { s.Broken = broken }); uerr != nil {
				g.opts.Logger.Warn("delivery: marking digest broken", "subscription_id", sub.ID, "error", uerr)
			}
		}
		return err
	}
	return nil
}

// Compose builds the briefing of what channelID has not seen since since, for topic (or all),
// and claims its stories for the channel: the caller must send the posts (send confirms them)
// or release them. Scheduled digests use it; /briefing uses preview, which claims nothing.
func (g *Digests) Compose(ctx context.Context, channelID, topic string, since time.Time) ([]post, error) {
	stories, err := g.candidates(ctx, channelID, topic, since)
	if err != nil {
		return nil, err
	}
	b := g.build(ctx, stories, topic)
	claimed, err := g.d.store.Claim(ctx, channelID, b.StoryIDs(), g.opts.Lease)
	if err != nil {
		return nil, fmt.Errorf("delivery: claiming briefing stories: %w", err)
	}
	if len(claimed) != len(b.StoryIDs()) {
		b = g.build(ctx, keep(stories, claimed), topic) // someone else took some meanwhile
	}
	posts := briefingPosts(b)
	if len(posts) > 0 {
		posts[len(posts)-1].ids = claimed
	} else if len(claimed) > 0 {
		// Nothing to post (QuietWhenEmpty): hand the claims back; deliverer.release logs a
		// failure, after which they come back when the lease expires.
		g.d.release(ctx, channelID, []post{{ids: claimed}})
	}
	return posts, nil
}

// preview builds the same briefing as Compose without claiming anything: what a member asks
// for with /briefing must not take stories away from the channel's scheduled digest.
func (g *Digests) preview(ctx context.Context, channelID, topic string, since time.Time) ([]post, error) {
	stories, err := g.candidates(ctx, channelID, topic, since)
	if err != nil {
		return nil, err
	}
	return briefingPosts(g.build(ctx, stories, topic)), nil
}

// briefingPosts renders b; an empty briefing renders briefing.NothingNew, or nothing when quiet.
func briefingPosts(b briefing.Briefing) []post {
	msgs := briefing.Render(b)
	posts := make([]post, len(msgs))
	for i, m := range msgs {
		posts[i] = post{msg: m, key: strconv.Itoa(i)}
	}
	return posts
}

func (g *Digests) candidates(ctx context.Context, channelID, topic string, since time.Time) ([]story.Story, error) {
	stories, err := g.d.store.RecentStories(ctx, store.StoryQuery{Topic: topic, Since: since, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("delivery: reading stories: %w", err)
	}
	unseen, err := g.d.store.Unseen(ctx, channelID, ids(stories))
	if err != nil {
		return nil, fmt.Errorf("delivery: reading seen stories: %w", err)
	}
	return keep(stories, unseen), nil
}

func (g *Digests) build(ctx context.Context, stories []story.Story, topic string) briefing.Briefing {
	opts := briefing.Options{MaxEntries: g.opts.MaxEntries, Now: g.opts.Now, TopicTitles: g.opts.TopicTitles,
		QuietWhenEmpty: g.opts.QuietWhenEmpty, Title: briefingTitle(topic, g.opts.TopicTitles)}
	if g.opts.StatusLines != nil {
		opts.StatusLines = g.opts.StatusLines(ctx, topic)
	}
	return briefing.Build(stories, opts)
}

func briefingTitle(topic string, titles map[string]string) string {
	if topic == "" {
		return "Your briefing"
	}
	if t, ok := titles[topic]; ok {
		return "Your briefing: " + t
	}
	return "Your briefing: " + topic
}

// cronLogger adapts slog to robfig/cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}

// OnDemand builds the briefing /briefing answers with: what channelID has not seen in the last
// Window, for topic (or all). The first message is returned as the command's answer and any
// further ones are posted to the channel. It changes no state: the stories stay unseen, so the
// channel's next digest still carries them.
func (g *Digests) OnDemand(ctx context.Context, channelID, topic string) (message.Message, error) {
	posts, err := g.preview(ctx, channelID, topic, g.opts.Now().Add(-g.opts.Window))
	if err != nil {
		return message.Message{}, err
	}
	if len(posts) == 0 {
		return message.Message{Content: "Nothing new for this channel right now."}, nil
	}
	if len(posts) > 1 {
		key := "briefing:" + strconv.FormatInt(g.opts.Now().Unix(), 10)
		if _, err := g.d.send(ctx, channelID, posts[1:], key); err != nil {
			return message.Message{}, err
		}
	}
	return posts[0].msg, nil
}
