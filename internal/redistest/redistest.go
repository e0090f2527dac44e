// Package redistest gives tests a real Redis: REDIS_URL (skipped when unset, a failure under
// CI=true, where a missing Redis must never pass silently) and a key prefix of their own,
// deleted afterwards, so tests and benchmarks can share one database.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	neturl "net/url"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL returns REDIS_URL, or skips the test (fails it under CI=true) when it is unset.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: REDIS_URL is unset but CI=true: this test needs a real Redis", t.Name())
		}
		t.Skipf("%s: set REDIS_URL (e.g. redis://127.0.0.1:6379/7) to run it against Redis", t.Name())
	}
	return u
}

// Prefix returns a fresh key prefix ("herald-test:<random>:") whose keys are deleted from url's
// database when the test ends.
func Prefix(t testing.TB, url string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "herald-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() { DeletePrefix(t, url, prefix) })
	return prefix
}

// DeletePrefix removes every key under prefix (SCAN + UNLINK; never FLUSHDB, the database is
// shared). On a Redis Cluster URL (addr parameters) it scans every master and unlinks key by
// key, since one UNLINK may not span slots.
func DeletePrefix(t testing.TB, url, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if u, err := neturl.Parse(url); err == nil && u.Query().Has("addr") {
		co, err := redis.ParseClusterURL(url)
		if err != nil {
			t.Errorf("redistest: cleanup: %v", err)
			return
		}
		rdb := redis.NewClusterClient(co)
		defer rdb.Close()
		err = rdb.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return unlinkPrefix(ctx, node, prefix, 1)
		})
		if err != nil {
			t.Errorf("redistest: cleanup: %v", err)
		}
		return
	}
	ro, err := redis.ParseURL(url)
	if err != nil {
		t.Errorf("redistest: cleanup: %v", err)
		return
	}
	rdb := redis.NewClient(ro)
	defer rdb.Close()
	if err := unlinkPrefix(ctx, rdb, prefix, 1000); err != nil {
		t.Errorf("redistest: cleanup: %v", err)
	}
}

// unlinkPrefix unlinks the keys under prefix on one node, batch at a time.
func unlinkPrefix(ctx context.Context, rdb *redis.Client, prefix string, batch int) error {
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), batch)
		if err := rdb.Unlink(ctx, keys[:n]...).Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}
