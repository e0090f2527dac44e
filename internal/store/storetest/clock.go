// Package storetest is the conformance suite every store.Store backend must pass. Backends
// differ in storage (bbolt, Redis) but callers rely on one behaviour, so the behaviour is
// written down once here and run against each backend from that backend's own tests.
package storetest

import (
	"sync"
	"time"
)

// Clock is a manually advanced clock shared by the suite and the store under test, so that
// lease expiry and retention are tested without sleeping. It is safe for concurrent use
// because stores may read it from many goroutines.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until advanced.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now returns the clock's current time; pass the method value as a backend's now function.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
