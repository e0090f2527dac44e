package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/message"
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
	// kept: discord.global_rate 0.5 is one request every 2 s, not the default.
	GlobalPerSecond float64
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
	Now            func() time.Time
	Logger         *slog.Logger
}

func (o SenderOptions) withDefaults() SenderOptions {
	if o.GlobalPerSecond <= 0 {
		o.GlobalPerSecond = 45
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
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Sender is the one queue every message Herald posts goes through. It paces requests below
// the global limit, keeps each channel within its bucket, and waits out 429s without sending
// anything while a wait is in force, so the bot never approaches Cloudflare's ban threshold.
type Sender struct {
	rest *RESTClient
	opts SenderOptions
	// interval is the global spacing between requests.
	interval time.Duration

	mu       sync.Mutex
	channels map[string]*channelState
	order    []string // channels with queued jobs, served round-robin
	rr       int
	depth    int
	closed   bool
	stats    SenderStats
	// tat is the theoretical arrival time of the next request (GCRA); globalPause is set by a
	// global 429.
	tat         time.Time
	globalPause time.Time

	wake   chan struct{}
	stop   chan struct{}
	stopMu sync.Once
	done   chan struct{}
}

// SenderStats counts what the Sender did since it started, for metrics.
type SenderStats struct {
	Delivered    int64 // messages Discord accepted
	RateLimited  int64 // 429 answers (each one is a request Cloudflare counts as invalid)
	Retried      int64 // 5xx or transport failures retried
	Failed       int64 // messages given up on, gone channels included
	ChannelsGone int64 // channels marked gone (403/404)
}

type channelState struct {
	queue    []*sendJob
	inFlight bool
	listed   bool // present in Sender.order
	readyAt  time.Time
	sent     []time.Time // dispatch times within the last window
	gone     *ChannelError
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

// NewSender starts the Sender's dispatcher; Close stops it.
func NewSender(rest *RESTClient, opts SenderOptions) *Sender {
	opts = opts.withDefaults()
	s := &Sender{
		rest: rest, opts: opts,
		interval: time.Duration(float64(time.Second) / opts.GlobalPerSecond),
		channels: map[string]*channelState{},
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.dispatch()
	return s
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

// Close stops the dispatcher; queued messages fail with ErrSenderClosed.
func (s *Sender) Close() {
	s.stopMu.Do(func() { close(s.stop) })
	<-s.done
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

// dispatch is the scheduler loop: it starts each request when both the global pacer and the
// channel's bucket allow it, and otherwise sleeps until the earliest moment one could.
func (s *Sender) dispatch() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		j, wait := s.safeNext()
		if j != nil {
			go s.deliver(j)
			continue
		}
		if wait <= 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-s.stop:
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

func (s *Sender) safeNext() (j *sendJob, wait time.Duration) {
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("discord: sender scheduler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			j, wait = nil, time.Second
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next(s.opts.Now())
}

// next picks the next sendable job (round-robin over channels) or reports how long to wait.
func (s *Sender) next(now time.Time) (*sendJob, time.Duration) {
	if w := s.globalWait(now); w > 0 {
		return nil, w
	}
	var wait time.Duration
	n := len(s.order)
	for k := 0; k < n; k++ {
		idx := (s.rr + k) % n
		id := s.order[idx]
		ch := s.channels[id]
		if len(ch.queue) == 0 {
			continue
		}
		if ch.inFlight {
			continue
		}
		if w := s.channelWait(ch, now); w > 0 {
			if wait == 0 || w < wait {
				wait = w
			}
			continue
		}
		s.rr = idx + 1
		return s.take(ch, now), 0
	}
	s.compactOrder()
	return nil, wait
}

// globalWait implements GCRA with one interval of tolerance: the long-run rate is exactly
// GlobalPerSecond while a late timer does not lose a slot.
func (s *Sender) globalWait(now time.Time) time.Duration {
	if now.Before(s.globalPause) {
		return s.globalPause.Sub(now)
	}
	if allowed := s.tat.Add(-s.interval); now.Before(allowed) {
		return allowed.Sub(now)
	}
	return 0
}

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

func (s *Sender) take(ch *channelState, now time.Time) *sendJob {
	j := ch.queue[0]
	ch.queue = ch.queue[1:]
	ch.inFlight = true
	ch.sent = append(ch.sent, now)
	if s.tat.Before(now) {
		s.tat = now
	}
	s.tat = s.tat.Add(s.interval)
	return j
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

// deliver makes one attempt and feeds the outcome back to the scheduler.
func (s *Sender) deliver(j *sendJob) {
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("discord: sender delivery panicked", "channel_id", j.channelID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			s.settle(j, func(*channelState) (sendResult, bool) {
				return sendResult{err: fmt.Errorf("discord: send to %s: internal error", j.channelID)}, true
			})
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
	defer cancel()
	method, url, body := j.request()
	r, err := s.rest.do(ctx, method, url, body)
	s.settle(j, func(ch *channelState) (sendResult, bool) { return s.outcome(j, ch, url, r, err) })
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

func (s *Sender) failQueued(ch *channelState) {
	for _, q := range ch.queue {
		s.stats.Failed++
		s.finish(q, sendResult{err: ch.gone})
	}
	ch.queue = nil
}

// outcome interprets one response; callers hold s.mu. It returns final=false to retry.
func (s *Sender) outcome(j *sendJob, ch *channelState, url string, r restResponse, err error) (sendResult, bool) {
	now := s.opts.Now()
	if err != nil {
		return s.retryLater(j, ch, now, err)
	}
	s.noteBucket(ch, now, r.Header)
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
		return s.rateLimited(j, ch, now, r)
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

// noteBucket honours X-RateLimit-Remaining/Reset-After: an exhausted bucket holds the channel
// until it resets.
func (s *Sender) noteBucket(ch *channelState, now time.Time, h http.Header) {
	if h.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	if d, ok := headerSeconds(h, "X-RateLimit-Reset-After"); ok {
		if t := now.Add(d); t.After(ch.readyAt) {
			ch.readyAt = t
		}
	}
}

func (s *Sender) rateLimited(j *sendJob, ch *channelState, now time.Time, r restResponse) (sendResult, bool) {
	j.limited++
	s.stats.RateLimited++
	wait := retryAfter(r)
	ae := parseAPIError(r.Body)
	global := ae.Global || r.Header.Get("X-RateLimit-Global") == "true"
	s.opts.Logger.Warn("discord: rate limited", "channel_id", j.channelID, "global", global,
		"retry_after_ms", wait.Milliseconds(), "scope", r.Header.Get("X-RateLimit-Scope"))
	if global {
		if t := now.Add(wait); t.After(s.globalPause) {
			s.globalPause = t
		}
	} else if t := now.Add(wait); t.After(ch.readyAt) {
		ch.readyAt = t
	}
	if j.limited > s.opts.Max429 {
		return sendResult{err: fmt.Errorf("discord: send to %s: rate limited %d times, giving up", j.channelID, j.limited)}, true
	}
	return sendResult{}, false
}

func (s *Sender) retryLater(j *sendJob, ch *channelState, now time.Time, err error) (sendResult, bool) {
	j.attempts++
	if j.attempts > s.opts.MaxRetries {
		return sendResult{err: fmt.Errorf("discord: send to %s: giving up after %d attempts: %w", j.channelID, j.attempts, err)}, true
	}
	s.stats.Retried++
	d := s.opts.BaseBackoff << (j.attempts - 1)
	if d > s.opts.MaxBackoff || d <= 0 {
		d = s.opts.MaxBackoff
	}
	s.opts.Logger.Warn("discord: send failed, retrying", "channel_id", j.channelID, "attempt", j.attempts, "backoff_ms", d.Milliseconds(), "error", err)
	if t := now.Add(d); t.After(ch.readyAt) {
		ch.readyAt = t
	}
	return sendResult{}, false
}
