package poller

import (
	"context"
	"sync"
)

// limiter bounds fetches overall and per host. A fetch takes its host's slot before a global
// one, so feeds queued behind a busy host never hold global slots other hosts could use.
type limiter struct {
	global  chan struct{}
	perHost int

	mu    sync.Mutex
	hosts map[string]chan struct{}
}

func newLimiter(global, perHost int) *limiter {
	return &limiter{global: make(chan struct{}, global), perHost: perHost, hosts: map[string]chan struct{}{}}
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

// acquire waits for a slot of host and a global slot; the returned release frees both.
func (l *limiter) acquire(ctx context.Context, host string) (release func(), err error) {
	hs := l.hostSlots(host)
	select {
	case hs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case l.global <- struct{}{}:
	case <-ctx.Done():
		<-hs
		return nil, ctx.Err()
	}
	return func() {
		<-l.global
		<-hs
	}, nil
}
