// Package boltstore is Herald's embedded state backend: one bbolt file holds feed states,
// stories with their time, topic and feed indexes, per-channel delivery records, named
// leases and subscriptions. It suits a single process; replicas share Redis instead. Its
// behaviour is the store.Store contract, checked by storetest.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/heraldbot/herald/internal/store"
)

// FileName is the database file Herald keeps in its data directory.
const FileName = "herald.db"

// openTimeout bounds the wait for bbolt's file lock so a second process sharing the data
// directory fails with a clear error instead of hanging forever.
const openTimeout = 2 * time.Second

// defaultLimit is RecentStories' cap when the query sets none.
const defaultLimit = 100

// Top-level buckets.
const (
	bucketFeeds    = "feeds"
	bucketStories  = "stories"  // id → story JSON
	bucketByTime   = "by_time"  // timeKey(published)+id → nil
	bucketByTopic  = "by_topic" // topic → {timeKey+id → nil}
	bucketByFeed   = "by_feed"  // feed URL → {timeKey+id → nil}
	bucketDelivery = "delivery" // channel → {id → state byte + expiry}
	bucketLeases   = "leases"   // name → lease JSON
	bucketSubs     = "subscriptions"
	// bucketSubsByGuild orders each guild's subscriptions as ListSubscriptions does, so a page
	// of a long list reads only its own records: guild + 0 + timeKey(created_at) + id → nil.
	bucketSubsByGuild = "subs_by_guild"
	bucketSessions    = "sessions" // session id → Session JSON
)

// allBuckets are created on open so transactions can assume they exist.
func allBuckets() []string {
	return []string{bucketFeeds, bucketStories, bucketByTime, bucketByTopic, bucketByFeed,
		bucketDelivery, bucketLeases, bucketSubs, bucketSubsByGuild, bucketSessions}
}

// bucket returns the top-level bucket name, which Open created.
func bucket(tx *bolt.Tx, name string) *bolt.Bucket {
	return tx.Bucket([]byte(name))
}

// Options configure a Store; zero values get sensible defaults.
type Options struct {
	// Retention bounds what is kept; zero fields take store.DefaultRetention's values.
	Retention store.Retention
	// Now is the clock for every time decision (time.Now when nil); tests inject one.
	Now func() time.Time
	// Logger receives maintenance events (slog.Default when nil).
	Logger *slog.Logger
}

// Store is a store.Store over one bbolt file. It is safe for concurrent use: bbolt
// serialises writers, which is what makes Claim atomic within the process.
type Store struct {
	db  *bolt.DB
	ret store.Retention
	now func() time.Time
	log *slog.Logger
	// snapshotDir holds the copy a read-only Store reads (OpenReadOnly); Close removes it.
	snapshotDir string
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it and its directory if needed) the database at path.
func Open(path string, opts Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("boltstore: create data dir: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: data dir in use: %s is locked by another process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		indexed := tx.Bucket([]byte(bucketSubsByGuild)) != nil
		for _, name := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		if !indexed { // a file from before the index: build it once
			return indexAllSubscriptions(tx)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: create buckets in %s: %w", path, err)
	}
	return newStore(db, opts, ""), nil
}

func newStore(db *bolt.DB, opts Options, snapshotDir string) *Store {
	s := &Store{db: db, ret: withDefaults(opts.Retention), now: opts.Now, log: opts.Logger, snapshotDir: snapshotDir}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// withDefaults fills the retention fields the configuration left at zero.
func withDefaults(r store.Retention) store.Retention {
	d := store.DefaultRetention()
	if r.Seen <= 0 {
		r.Seen = d.Seen
	}
	if r.Stories <= 0 {
		r.Stories = d.Stories
	}
	if r.MaxStories <= 0 {
		r.MaxStories = d.MaxStories
	}
	return r
}

// Ping checks the database is open.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(*bolt.Tx) error { return nil })
}

// Close closes the database file, releasing its lock.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.snapshotDir != "" {
		_ = os.RemoveAll(s.snapshotDir)
	}
	if err != nil {
		return fmt.Errorf("boltstore: close: %w", err)
	}
	return nil
}

// view runs fn in a read transaction, naming op in errors.
func (s *Store) view(ctx context.Context, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	return wrap(op, s.db.View(fn))
}

// update runs fn in a write transaction, naming op in errors.
func (s *Store) update(ctx context.Context, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	return wrap(op, s.db.Update(fn))
}

// wrap prefixes err and marks a closed database as unavailable, as the contract asks.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return fmt.Errorf("boltstore: %s: %w: %w", op, store.ErrUnavailable, err)
	default:
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
}
