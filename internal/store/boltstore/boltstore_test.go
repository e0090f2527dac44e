package boltstore

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// reopenable wraps a Store so the suite's persistence case can restart it on the same file.
type reopenable struct {
	*Store
	path string
	opts Options
}

// Reopen closes the store and opens the same file again.
func (r *reopenable) Reopen(t *testing.T) store.Store {
	t.Helper()
	if err := r.Store.Close(); err != nil {
		t.Fatalf("close before reopen: %v", err)
	}
	st, err := Open(r.path, r.opts)
	if err != nil {
		t.Fatalf("reopen %s: %v", r.path, err)
	}
	r.Store = st
	return r
}

func openTemp(t *testing.T, clock *storetest.Clock, ret store.Retention) *reopenable {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", FileName)
	opts := Options{Retention: ret, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	st, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	r := &reopenable{Store: st, path: path, opts: opts}
	t.Cleanup(func() {
		if err := r.Store.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return r
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock, ret store.Retention) store.Store {
		return openTemp(t, clock, ret)
	})
}
