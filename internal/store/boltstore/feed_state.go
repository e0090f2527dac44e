package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/store"
)

// GetFeedState returns the stored state of the feed at url.
func (s *Store) GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error) {
	var st store.FeedState
	var ok bool
	err := s.view(ctx, "get feed state", func(tx *bolt.Tx) error {
		v := bucket(tx, bucketFeeds).Get([]byte(url))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &st)
	})
	return st, ok, err
}

// PutFeedState stores st under st.URL, replacing what was there.
func (s *Store) PutFeedState(ctx context.Context, st store.FeedState) error {
	if st.URL == "" {
		return fmt.Errorf("boltstore: put feed state: empty URL")
	}
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("boltstore: encode feed state: %w", err)
	}
	return s.update(ctx, "put feed state", func(tx *bolt.Tx) error {
		return bucket(tx, bucketFeeds).Put([]byte(st.URL), v)
	})
}

// ListFeedStates returns every stored feed state, by URL.
func (s *Store) ListFeedStates(ctx context.Context) ([]store.FeedState, error) {
	var out []store.FeedState
	err := s.view(ctx, "list feed states", func(tx *bolt.Tx) error {
		return bucket(tx, bucketFeeds).ForEach(func(k, v []byte) error {
			var st store.FeedState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("decode feed state %q: %w", k, err)
			}
			out = append(out, st)
			return nil
		})
	})
	return out, err
}
