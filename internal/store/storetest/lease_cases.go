package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// leaseCases check the named leases replicas use to elect one poller or scheduler.
func leaseCases() []testCase {
	return []testCase{
		{name: "lease/exclusive_extend_expire", run: leaseExclusive},
		{name: "lease/release_only_by_owner", run: leaseRelease},
		{name: "lease/names_independent", run: leaseNames},
		{name: "lease/concurrent_acquire_one_winner", run: leaseConcurrent},
	}
}

func acquire(t *testing.T, e *env, name, owner string, ttl time.Duration) bool {
	t.Helper()
	ok, err := e.store.AcquireLease(e.ctx, name, owner, ttl)
	noErr(t, "AcquireLease", err)
	return ok
}

// expectAcquire fails t unless owner acquiring name at this step gives want.
func expectAcquire(t *testing.T, e *env, step, name, owner string, ttl time.Duration, want bool) {
	t.Helper()
	if got := acquire(t, e, name, owner, ttl); got != want {
		t.Errorf("%s: AcquireLease(%q, %q) = %v, want %v", step, name, owner, got, want)
	}
}

func leaseExclusive(t *testing.T, e *env) {
	const ttl = time.Minute
	expectAcquire(t, e, "free lease", "poller", "a", ttl, true)
	expectAcquire(t, e, "held by a", "poller", "b", ttl, false)
	e.clock.Advance(40 * time.Second)
	expectAcquire(t, e, "owner re-acquires", "poller", "a", ttl, true) // now held until +100s
	e.clock.Advance(40 * time.Second)                                  // +80s: past the first ttl
	expectAcquire(t, e, "extended lease still held", "poller", "b", ttl, false)
	e.clock.Advance(21 * time.Second) // +101s: the extension expired
	expectAcquire(t, e, "expired lease", "poller", "b", ttl, true)
	expectAcquire(t, e, "taken over by b", "poller", "a", ttl, false)
}

func leaseRelease(t *testing.T, e *env) {
	const ttl = time.Hour
	expectAcquire(t, e, "free lease", "sched", "a", ttl, true)
	noErr(t, "ReleaseLease by a non-owner", e.store.ReleaseLease(e.ctx, "sched", "b"))
	expectAcquire(t, e, "non-owner release ignored", "sched", "b", ttl, false)
	noErr(t, "ReleaseLease by the owner", e.store.ReleaseLease(e.ctx, "sched", "a"))
	expectAcquire(t, e, "released lease", "sched", "b", ttl, true)
	noErr(t, "ReleaseLease of an unknown name", e.store.ReleaseLease(e.ctx, "nobody", "a"))
}

func leaseNames(t *testing.T, e *env) {
	expectAcquire(t, e, "first name", "poller", "a", time.Minute, true)
	expectAcquire(t, e, "second name", "sched", "b", time.Minute, true)
	expectAcquire(t, e, "first name held", "poller", "b", time.Minute, false)
}

// leaseConcurrent races 8 would-be owners for one free lease: exactly one may win.
func leaseConcurrent(t *testing.T, e *env) {
	const owners = 8
	var winners atomic.Int32
	errs := make(chan error, owners)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range owners {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					errs <- fmt.Errorf("owner %d panicked: %v", i, r)
				}
			}()
			<-start
			ok, err := e.store.AcquireLease(e.ctx, "poller", fmt.Sprint("owner-", i), time.Minute)
			if err != nil {
				errs <- fmt.Errorf("owner %d: AcquireLease: %w", i, err)
			}
			if ok {
				winners.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := winners.Load(); n != 1 {
		t.Errorf("%d of %d concurrent AcquireLease calls won a free lease, want exactly 1", n, owners)
	}
}
