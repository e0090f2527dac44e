package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/store"
)

// PutSession stores sess with a TTL of its remaining life; an already expired session is
// deleted instead, so it can never be read back.
func (s *Store) PutSession(ctx context.Context, sess store.Session) error {
	if sess.ID == "" {
		return errors.New("redisstore: put session: empty id")
	}
	js, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("redisstore: put session: encode: %w", err)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	ttl := sess.Expires.Sub(s.now())
	if ttl <= 0 {
		return s.wrap("put session", s.rdb.Del(ctx, s.keys.session(sess.ID)).Err())
	}
	return s.wrap("put session", s.rdb.Set(ctx, s.keys.session(sess.ID), js, ttl).Err())
}

// GetSession returns the session with id unless it has expired by the store's clock (which
// tests move faster than Redis's own TTL).
func (s *Store) GetSession(ctx context.Context, id string) (store.Session, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	js, err := s.rdb.Get(ctx, s.keys.session(id)).Result()
	if errors.Is(err, redis.Nil) {
		return store.Session{}, false, nil
	}
	if err != nil {
		return store.Session{}, false, s.wrap("get session", err)
	}
	var sess store.Session
	if err := json.Unmarshal([]byte(js), &sess); err != nil {
		return store.Session{}, false, fmt.Errorf("redisstore: get session: decode: %w", err)
	}
	if !sess.Expires.After(s.now()) {
		return store.Session{}, false, nil
	}
	return sess, true, nil
}

// DeleteSession removes the session with id.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.wrap("delete session", s.rdb.Del(ctx, s.keys.session(id)).Err())
}
