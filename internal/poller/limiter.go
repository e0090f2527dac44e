package poller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// HostSlots bounds fetches per host across every replica of the bot (redisstore's): each
// replica's own per-host limit alone lets N replicas hit one publisher N times as hard.
type HostSlots interface {
	// AcquireHost takes one of limit slots of host for holder until lease has passed, unless
	// limit holders already have one; it reports whether holder holds a slot now. A holder
	// that dies without ReleaseHost frees its slot when the lease ends.
	AcquireHost(ctx context.Context, host, holder string, limit int, lease time.Duration) (bool, error)
	// ReleaseHost frees holder's slot of host (nothing when it holds none).
	ReleaseHost(ctx context.Context, host, holder string) error
}

// Waits between attempts at a fleet-wide host slot another replica holds: short at first
// (fetches are quick), doubling to at most hostRetryMax, each jittered so that waiting
// replicas do not retry in step. A slot sits idle from its release until a waiter's next
// attempt, so the cap is low: with 200 ms, a host down to one slot (a killed replica's, until
// its lease lapsed) served a third of its feeds in the load test. A slot freed in this
// process wakes its waiters at once.
const (
	hostRetryMin = 5 * time.Millisecond
	hostRetryMax = 40 * time.Millisecond
	// hostReleaseTimeout bounds giving a fleet-wide slot back after a poll whose context has
	// ended; a slot not given back frees itself when its lease ends.
	hostReleaseTimeout = 5 * time.Second
)

// limiter bounds fetches overall and per host. A fetch takes its host's slot before a global
// one, so feeds queued behind a busy host never hold global slots other hosts could use.
// With shared set, a fetch also holds one of the host's fleet-wide slots, taken after this
// process's own so that at most perHost goroutines of a replica ask the store per host.
type limiter struct {
	global  chan struct{}
	perHost int

	shared HostSlots // nil: this process is the whole fleet (the embedded store)
	lease  time.Duration
	logger *slog.Logger
	// holderID names this limiter in the fleet-wide slots; seq makes each holding unique.
	holderID string
	seq      atomic.Uint64

	mu    sync.Mutex
	hosts map[string]chan struct{}
	// freed is closed (and replaced) whenever this process gives a fleet-wide slot back.
	freed chan struct{}
}

func newLimiter(global, perHost int) *limiter {
	return &limiter{global: make(chan struct{}, global), perHost: perHost, hosts: map[string]chan struct{}{},
		freed: make(chan struct{})}
}

// share makes the per-host bound fleet-wide through slots, each held at most lease.
func (l *limiter) share(slots HostSlots, lease time.Duration, logger *slog.Logger) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	l.shared, l.lease, l.logger, l.holderID = slots, lease, logger, hex.EncodeToString(b)
}

func (l *limiter) hostSlots(host string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.hosts[host]
	if !ok {
		ch = make(chan struct{}, l.perHost)
		l.hosts[host] = ch
	}
	return ch
}

// acquire waits for a slot of host (this process's, then the fleet's) and a global slot; the
// returned release frees them all. In a fleet it waits at most half the lease: a replica still
// waiting when its feed's lease lapses would fetch a feed another replica has taken meanwhile.
func (l *limiter) acquire(ctx context.Context, host string) (release func(), err error) {
	if l.shared != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.lease/2)
		defer cancel()
	}
	hs := l.hostSlots(host)
	select {
	case hs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	holder, err := l.acquireShared(ctx, host)
	if err != nil {
		<-hs
		return nil, err
	}
	select {
	case l.global <- struct{}{}:
	case <-ctx.Done():
		l.releaseShared(ctx, host, holder)
		<-hs
		return nil, ctx.Err()
	}
	return func() {
		<-l.global
		l.releaseShared(ctx, host, holder)
		<-hs
	}, nil
}

// acquireShared waits for one of host's fleet-wide slots and returns the holder name it took
// it as; "" when there is no fleet to share with. When the store cannot be reached the fetch
// goes ahead under this process's limit alone: politeness must not stop polling, and the
// schedule the feed came from was just read from the same store.
func (l *limiter) acquireShared(ctx context.Context, host string) (string, error) {
	if l.shared == nil || host == "" {
		return "", nil
	}
	holder := l.holderID + "-" + strconv.FormatUint(l.seq.Add(1), 10)
	wait := hostRetryMin
	for {
		freed := l.freedSignal() // before asking, so a release meanwhile is not missed
		ok, err := l.shared.AcquireHost(ctx, host, holder, l.perHost, l.lease)
		switch {
		case err != nil && ctx.Err() != nil:
			return "", ctx.Err()
		case err != nil:
			l.logger.Warn("poller: fleet-wide host slot unavailable, fetching under this replica's limit", "host", host, "error", err)
			return "", nil
		case ok:
			return holder, nil
		}
		if err := pause(ctx, wait/2+mrand.N(wait), freed); err != nil {
			return "", err
		}
		wait = min(2*wait, hostRetryMax)
	}
}

// releaseShared gives a fleet-wide slot back, even after ctx ended (shutdown mid-poll): the
// release keeps ctx's values but not its cancellation.
func (l *limiter) releaseShared(ctx context.Context, host, holder string) {
	if holder == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hostReleaseTimeout)
	defer cancel()
	if err := l.shared.ReleaseHost(ctx, host, holder); err != nil {
		l.logger.Warn("poller: releasing a fleet-wide host slot; it frees itself when its lease ends", "host", host, "error", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.freed)
	l.freed = make(chan struct{})
}

// freedSignal is closed when this process next gives a fleet-wide slot back.
func (l *limiter) freedSignal() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.freed
}

// pause waits d, until wake is closed, or until ctx ends.
func pause(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
