package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// newTestStore opens a Store on REDIS_URL under a fresh prefix and deletes its keys afterwards.
func newTestStore(t testing.TB, now func() time.Time, ret store.Retention) *Store {
	t.Helper()
	url := redistest.URL(t)
	opts := Options{Prefix: redistest.Prefix(t, url), Retention: ret, Now: now}
	s, err := New(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// reopenable lets the conformance suite restart the store over the same keys.
type reopenable struct {
	*Store
	url  string
	opts Options
}

func (r *reopenable) Reopen(t *testing.T) store.Store {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Fatalf("Close before reopen: %v", err)
	}
	s, err := New(t.Context(), r.url, r.opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &reopenable{Store: s, url: r.url, opts: r.opts}
}

func TestConformance(t *testing.T) {
	url := redistest.URL(t)
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock, ret store.Retention) store.Store {
		opts := Options{Prefix: redistest.Prefix(t, url), Retention: ret, Now: clock.Now}
		s, err := New(t.Context(), url, opts)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return &reopenable{Store: s, url: url, opts: opts}
	})
}
