package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/ratelimit"
)

// ErrChannelGone marks a channel Herald may not post to (403 Missing Access, 404 Unknown
// Channel): callers mark the subscription broken, and the Sender never tries it again.
var ErrChannelGone = errors.New("discord: channel gone")

// ErrSenderClosed is returned by Send after Close.
var ErrSenderClosed = errors.New("discord: sender closed")

// ErrMessageGone means a message to edit no longer exists (a moderator deleted it). Its
// MessageGone method lets delivery recognise it without importing this package.
var ErrMessageGone error = messageGoneError{}

type messageGoneError struct{}

func (messageGoneError) Error() string     { return "discord: message gone" }
func (messageGoneError) MessageGone() bool { return true }

// codeUnknownMessage is Discord's JSON error code 10008, Unknown Message.
const codeUnknownMessage = 10008

// ChannelError is the typed form of ErrChannelGone, with Discord's answer.
type ChannelError struct {
	ChannelID string
	Status    int
	Code      int
	Message   string
}

func (e *ChannelError) Error() string {
	return fmt.Sprintf("discord: channel %s gone: status %d code %d: %s", e.ChannelID, e.Status, e.Code, e.Message)
}

// Unwrap lets callers test errors.Is(err, ErrChannelGone).
func (e *ChannelError) Unwrap() error { return ErrChannelGone }

// SenderOptions tunes the Sender; zero values take the defaults.
type SenderOptions struct {
	// GlobalPerSecond paces every request (default 45, under Discord's 50/s). A fraction is
	// kept: discord.global_rate 0.5 is one request every 2 s, not the default. It configures
	// the default LocalLimiter; a Limiter given below has its own rate.
	GlobalPerSecond float64
	// Limiter is the budget requests are taken from (a LocalLimiter when nil); replicas share
	// one so that the bot as a whole stays within Discord's limits.
	Limiter ratelimit.Limiter
	// ChannelBurst messages per ChannelWindow per channel (default 5 per 5 s, as observed).
	ChannelBurst  int
	ChannelWindow time.Duration
	// MaxRetries bounds retries of 5xx and transport errors per message (default 5); 429s are
	// retried up to Max429 times (default 20) since they carry an exact wait.
	MaxRetries int
	Max429     int
	// MaxBackoff caps the exponential backoff after a 5xx (default 30 s); BaseBackoff starts it
	// (default 250 ms).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// RequestTimeout bounds one HTTP attempt (default 15 s).
	RequestTimeout time.Duration
	// DrainTimeout bounds how long Run, once its context ends, waits for the attempts in
	// flight before cancelling them (default 3 s): the sender stops last, and the whole
	// ordered stop must fit the runner's budget.
	DrainTimeout time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
}

func (o SenderOptions) withDefaults() SenderOptions {
	if o.GlobalPerSecond <= 0 {
		o.GlobalPerSecond = ratelimit.DefaultGlobalPerSecond
	}
	if o.ChannelBurst <= 0 {
		o.ChannelBurst = 5
	}
	if o.ChannelWindow <= 0 {
		o.ChannelWindow = 5 * time.Second
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 5
	}
	if o.Max429 <= 0 {
		o.Max429 = 20
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 15 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Limiter == nil {
		o.Limiter = ratelimit.NewLocalLimiter(ratelimit.Options{PerSecond: o.GlobalPerSecond, Now: o.Now})
	}
	return o
}

// Sender is the one queue every message Herald posts goes through. Its parts: the per-channel
// queues served round-robin (sender_queue.go), the budget each request is taken from
// (Limiter: global pacing, Discord's buckets, invalid requests), and the retry policy
// (sender_retry.go). This file dispatches jobs from the queues through the budget to Discord
// and applies the answers.
type Sender struct {
	rest    *RESTClient
	opts    SenderOptions
	limiter ratelimit.Limiter

	mu       sync.Mutex
	channels map[string]*channelState
	order    []string // channels with queued jobs, served round-robin
	rr       int
	depth    int
	closed   bool
	stats    SenderStats
	// routeBuckets maps a route (method and path template) to the X-RateLimit-Bucket Discord
	// named for it, so routes sharing a bucket share its budget.
	routeBuckets map[string]string
	// pausedUntil holds every channel after the Limiter answered with a global wait.
	pausedUntil time.Time

	wake chan struct{}
	// inFlight counts the attempts started and not yet settled; Run waits for them.
	inFlight sync.WaitGroup
}

// SenderStats counts what the Sender did since it started, for metrics.
type SenderStats struct {
	Delivered    int64 // messages Discord accepted
	RateLimited  int64 // 429 answers (each one is a request Cloudflare counts as invalid)
	Retried      int64 // 5xx or transport failures retried
	Failed       int64 // messages given up on, gone channels included
	ChannelsGone int64 // channels marked gone (403/404)
}

type sendJob struct {
	channelID string
	// messageID, when set, makes the job an edit (PATCH) of that message instead of a post.
	messageID string
	payload   messagePayload
	// place, when set, makes the job a forum post, thread, crosspost or webhook execution
	// (sender_places.go) sharing the channel's queue and limits.
	place     *placeJob
	attempts  int
	limited   int
	cancelled bool
	result    chan sendResult
}

type sendResult struct {
	id  string
	err error
}

// NewSender builds the Sender; nothing is sent until Run dispatches its queue. Sends made
// before Run wait in the queue.
func NewSender(rest *RESTClient, opts SenderOptions) *Sender {
	opts = opts.withDefaults()
	return &Sender{
		rest: rest, opts: opts, limiter: opts.Limiter,
		channels: map[string]*channelState{}, routeBuckets: map[string]string{},
		wake: make(chan struct{}, 1),
	}
}

// ShareBudget makes the Sender take its requests from l from now on: the budget shared with
// the other replicas, which exists only once the store is open, after the Sender was built.
func (s *Sender) ShareBudget(l ratelimit.Limiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = l
}

// Depth is the number of messages queued or in flight.
func (s *Sender) Depth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.depth
}

// Stats returns the counters so far.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Run dispatches the queue until ctx ends; it is the Sender's lifecycle part. Then queued
// messages and later sends fail with ErrSenderClosed, and Run waits for the attempts in
// flight, which run on contexts derived from ctx that outlive its cancellation by at most
// DrainTimeout: a post Discord is already answering is not thrown away at shutdown. Run
// returns nil; it runs once.
func (s *Sender) Run(ctx context.Context) error {
	attempts, stopAttempts := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAttempts()
	s.dispatch(ctx, attempts)
	s.close()
	drained := make(chan struct{})
	go func() {
		s.inFlight.Wait()
		close(drained)
	}()
	timer := time.NewTimer(s.opts.DrainTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		s.opts.Logger.Warn("discord: sends still in flight after the drain timeout, cancelling them", "drain_timeout", s.opts.DrainTimeout)
		stopAttempts()
		<-drained
	}
	return nil
}

// close refuses new sends and fails the queued ones with ErrSenderClosed.
func (s *Sender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, id := range s.order {
		ch := s.channels[id]
		for _, j := range ch.queue {
			s.finish(j, sendResult{err: ErrSenderClosed})
		}
		ch.queue, ch.listed = nil, false
	}
	s.order = nil
}

// Send posts m to the channel and blocks until Discord has it or the Sender gives up. nonce
// (see Nonce) makes the post idempotent; empty disables deduplication.
func (s *Sender) Send(ctx context.Context, channelID string, m message.Message, nonce string) (string, error) {
	if err := ValidateMessage(m); err != nil {
		return "", err
	}
	if len(nonce) > 25 {
		return "", fmt.Errorf("discord: nonce %q longer than 25 characters", nonce)
	}
	p := toPayload(m)
	p.Flags = 0
	p.Nonce, p.EnforceNonce = nonce, nonce != ""
	j := &sendJob{channelID: channelID, payload: p, result: make(chan sendResult, 1)}
	if err := s.enqueue(j); err != nil {
		return "", err
	}
	select {
	case r := <-j.result:
		return r.id, r.err
	case <-ctx.Done():
		s.cancel(j)
		return "", fmt.Errorf("discord: send to %s: %w", channelID, ctx.Err())
	}
}

// Edit replaces the content and embeds of the bot's message messageID in the channel (a live
// post that gained outlets) and blocks like Send. Edits share the channel's queue and rate
// limits with posts. A message deleted meanwhile gives ErrMessageGone, not a gone channel.
func (s *Sender) Edit(ctx context.Context, channelID, messageID string, m message.Message) error {
	if err := ValidateMessage(m); err != nil {
		return err
	}
	p := toPayload(m)
	p.Flags = 0
	j := &sendJob{channelID: channelID, messageID: messageID, payload: p, result: make(chan sendResult, 1)}
	if err := s.enqueue(j); err != nil {
		return err
	}
	select {
	case r := <-j.result:
		return r.err
	case <-ctx.Done():
		s.cancel(j)
		return fmt.Errorf("discord: edit in %s: %w", channelID, ctx.Err())
	}
}

// dispatch is the scheduler loop until ctx ends: it takes the next job its channel allows,
// asks the Limiter for a request from the budget, and starts the request on a context from
// attempts; otherwise it sleeps until the earliest moment one could go.
func (s *Sender) dispatch(ctx, attempts context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		wait := s.step(ctx, attempts)
		if wait < 0 {
			continue // a request was started: look for the next at once
		}
		if wait == 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// step starts at most one request. It returns -1 when it started one, else how long to wait
// (0: until woken).
func (s *Sender) step(ctx, attempts context.Context) (wait time.Duration) {
	s.mu.Lock()
	j, wait := s.next(s.opts.Now())
	limiter := s.limiter
	s.mu.Unlock()
	if j == nil {
		return wait
	}
	bucket := s.bucketOf(j)
	w, global, err := limiter.Reserve(ctx, bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	switch {
	case ctx.Err() != nil:
		return 0 // stopping: the job stays queued and is failed by close
	case err != nil:
		// The shared budget is unreachable: sending without it could break the fleet's
		// limit, so wait and ask again.
		s.opts.Logger.Warn("discord: rate limiter unavailable, holding posts", "error", err)
		s.pausedUntil = now.Add(time.Second)
		return time.Second
	case w > 0 && global:
		s.pausedUntil = now.Add(w)
		return w
	case w > 0:
		s.hold(j, now, w)
		return -1 // its channel waits; look for another
	case !s.take(j, now):
		return -1 // cancelled meanwhile: the reservation is lost, look again
	}
	s.inFlight.Add(1)
	go s.deliver(attempts, j, bucket)
	return -1
}

// route names the Discord route of a job: method and path template, as buckets are assigned.
func route(j *sendJob) string {
	if j.messageID != "" {
		return "PATCH /channels/{channel}/messages/{message}"
	}
	return "POST /channels/{channel}/messages"
}

// bucketOf is the Limiter key of a job: the bucket Discord named for its route (the route
// itself until Discord has answered once) and the channel, its major parameter.
func (s *Sender) bucketOf(j *sendJob) string {
	r := route(j)
	s.mu.Lock()
	b, ok := s.routeBuckets[r]
	s.mu.Unlock()
	if !ok {
		b = r
	}
	return b + ":" + j.channelID
}

// learnBucket records the X-RateLimit-Bucket Discord named for a job's route.
func (s *Sender) learnBucket(j *sendJob, h http.Header) {
	if b := h.Get("X-RateLimit-Bucket"); b != "" {
		s.mu.Lock()
		s.routeBuckets[route(j)] = b
		s.mu.Unlock()
	}
}

// deliver makes one attempt, reports Discord's answer to the Limiter and feeds the outcome
// back to the queue. attempts is Run's context for requests: it ends only when the drain
// after shutdown runs out.
func (s *Sender) deliver(attempts context.Context, j *sendJob, bucket string) {
	defer s.inFlight.Done()
	ctx, cancel := context.WithTimeout(attempts, s.opts.RequestTimeout)
	defer cancel()
	method, url, body := j.request(s.rest)
	r, err := s.rest.do(ctx, method, url, body)
	var o ratelimit.Observation
	if err == nil {
		o = observe(r)
		s.learnBucket(j, r.Header)
		s.mu.Lock()
		limiter := s.limiter
		s.mu.Unlock()
		if err := limiter.Observe(ctx, s.bucketOf(j), o); err != nil {
			s.opts.Logger.Warn("discord: recording a rate limit answer", "bucket", bucket, "error", err)
		}
	}
	s.settle(j, func(ch *channelState) (sendResult, bool) { return s.outcome(j, ch, url, r, o, err) })
}

// settle applies an outcome under the lock: either the job is finished or it goes back to the
// front of its channel's queue.
func (s *Sender) settle(j *sendJob, apply func(*channelState) (sendResult, bool)) {
	s.mu.Lock()
	ch := s.channel(j.channelID)
	ch.inFlight = false
	res, final := apply(ch)
	switch {
	case final:
		s.count(res)
		s.finish(j, res)
		if ch.gone != nil {
			s.failQueued(ch)
		}
	case j.cancelled:
		s.finish(j, sendResult{err: context.Canceled})
	case s.closed:
		s.finish(j, sendResult{err: ErrSenderClosed})
	default:
		ch.queue = append([]*sendJob{j}, ch.queue...)
	}
	s.list(j.channelID, ch)
	s.mu.Unlock()
	s.signal()
}

func (s *Sender) count(r sendResult) {
	if r.err == nil {
		s.stats.Delivered++
		return
	}
	s.stats.Failed++
}

// outcome interprets one response; callers hold s.mu. It returns final=false to retry.
func (s *Sender) outcome(j *sendJob, ch *channelState, url string, r restResponse, o ratelimit.Observation, err error) (sendResult, bool) {
	now := s.opts.Now()
	if err != nil {
		return s.retryLater(j, ch, now, err)
	}
	switch {
	case r.Status >= 200 && r.Status < 300:
		var m struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.Body, &m); err != nil {
			return sendResult{err: fmt.Errorf("discord: decode message from %s: %w", url, err)}, true
		}
		return sendResult{id: m.ID}, true
	case r.Status == http.StatusTooManyRequests:
		return s.rateLimited(j, o)
	case j.place != nil && j.place.done(r):
		return sendResult{id: j.messageID}, true // a retry finds the thread or crosspost made
	case j.place != nil && j.place.webhook != nil && r.Status == http.StatusNotFound:
		return sendResult{err: fmt.Errorf("discord: webhook %s of %s: %w", j.place.webhook.ID, j.channelID, ErrWebhookGone)}, true
	case j.messageID != "" && r.Status == http.StatusNotFound && parseAPIError(r.Body).Code == codeUnknownMessage:
		return sendResult{err: fmt.Errorf("discord: edit %s in %s: %w", j.messageID, j.channelID, ErrMessageGone)}, true
	case r.Status == http.StatusForbidden || r.Status == http.StatusNotFound:
		ae := parseAPIError(r.Body)
		ch.gone = &ChannelError{ChannelID: j.channelID, Status: r.Status, Code: ae.Code, Message: ae.Message}
		s.stats.ChannelsGone++
		s.opts.Logger.Warn("discord: channel gone, not posting there again", "channel_id", j.channelID, "status", r.Status, "code", ae.Code)
		return sendResult{err: ch.gone}, true
	case r.Status >= 500:
		return s.retryLater(j, ch, now, statusError(http.MethodPost, url, r))
	default:
		return sendResult{err: statusError(http.MethodPost, url, r)}, true
	}
}
