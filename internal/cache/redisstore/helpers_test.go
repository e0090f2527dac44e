package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/cache/cachetest"
)

// redisURL returns REDIS_URL, skipping the test when it is unset (failing under CI=true,
// where a missing Redis must not pass silently).
func redisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("redisstore: REDIS_URL is unset but CI=true: these tests need a real Redis")
		}
		t.Skip("redisstore: set REDIS_URL (e.g. redis://127.0.0.1:6379/5) to run the Redis tests")
	}
	return u
}

// testPrefix is a fresh key prefix, so tests sharing one Redis DB never see each other's keys.
func testPrefix(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "herald-test:" + hex.EncodeToString(b[:]) + ":"
}

// newTestStore opens a Store on REDIS_URL under a fresh prefix and deletes its keys afterwards.
func newTestStore(t testing.TB, now func() time.Time, ret cache.Retention) *Store {
	t.Helper()
	url := redisURL(t)
	opts := Options{Prefix: testPrefix(t), Retention: ret, Now: now}
	s, err := New(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		deletePrefix(t, url, opts.Prefix)
		_ = s.Close()
	})
	return s
}

// deletePrefix removes every key under prefix (SCAN, never FLUSHDB: the DB is shared).
func deletePrefix(t testing.TB, url, prefix string) {
	t.Helper()
	ro, err := redis.ParseURL(url)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	rdb := redis.NewClient(ro) // its own client: the store's may be closed by now
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		t.Logf("cleanup of %s*: %v", prefix, err)
	}
}

// reopenable lets the conformance suite restart the store over the same keys.
type reopenable struct {
	*Store
	url  string
	opts Options
}

func (r *reopenable) Reopen(t *testing.T) cache.Store {
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
	url := redisURL(t)
	cachetest.Run(t, func(t *testing.T, clock *cachetest.Clock, ret cache.Retention) cache.Store {
		opts := Options{Prefix: testPrefix(t), Retention: ret, Now: clock.Now}
		s, err := New(t.Context(), url, opts)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() {
			deletePrefix(t, url, opts.Prefix)
			_ = s.Close()
		})
		return &reopenable{Store: s, url: url, opts: opts}
	})
}
