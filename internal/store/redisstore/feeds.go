package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/store"
)

// GetFeedState returns the stored state of the feed at url; ok is false when none was stored.
func (s *Store) GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	js, err := s.rdb.HGet(ctx, s.keys.feedStates(), url).Result()
	if errors.Is(err, redis.Nil) {
		return store.FeedState{}, false, nil
	}
	if err != nil {
		return store.FeedState{}, false, s.wrap("get feed state", err)
	}
	var st store.FeedState
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		return store.FeedState{}, false, fmt.Errorf("redisstore: get feed state %s: decode: %w", url, err)
	}
	return st, true, nil
}

// PutFeedState stores st under st.URL, replacing what was there.
func (s *Store) PutFeedState(ctx context.Context, st store.FeedState) error {
	if st.URL == "" {
		return errors.New("redisstore: put feed state: empty url")
	}
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("redisstore: put feed state %s: encode: %w", st.URL, err)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.wrap("put feed state", s.rdb.HSet(ctx, s.keys.feedStates(), st.URL, js).Err())
}

// ListFeedStates returns every stored feed state (order unspecified).
func (s *Store) ListFeedStates(ctx context.Context) ([]store.FeedState, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	all, err := s.rdb.HGetAll(ctx, s.keys.feedStates()).Result()
	if err != nil {
		return nil, s.wrap("list feed states", err)
	}
	var out []store.FeedState // nil when none, like the other list methods
	for url, js := range all {
		var st store.FeedState
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			return nil, fmt.Errorf("redisstore: list feed states: decode %s: %w", url, err)
		}
		out = append(out, st)
	}
	return out, nil
}
