package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/store"
)

// PutSession stores sess until its expiry and deletes sessions that have expired: sign-ins are
// rare, so sweeping then keeps the bucket bounded without a background task.
func (s *Store) PutSession(ctx context.Context, sess store.Session) error {
	if sess.ID == "" {
		return errors.New("boltstore: put session: empty id")
	}
	v, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("boltstore: encode session: %w", err)
	}
	now := s.now()
	return s.update(ctx, "put session", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSessions)
		if err := sweepSessions(b, now); err != nil {
			return err
		}
		return b.Put([]byte(sess.ID), v)
	})
}

// sweepSessions deletes the expired sessions of b.
func sweepSessions(b *bolt.Bucket, now time.Time) error {
	var expired [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var old store.Session
		if json.Unmarshal(v, &old) != nil || !old.Expires.After(now) {
			expired = append(expired, k)
		}
		return nil
	})
	for _, k := range expired {
		if err == nil {
			err = b.Delete(k)
		}
	}
	return err
}

// GetSession returns the session with id unless it has expired.
func (s *Store) GetSession(ctx context.Context, id string) (store.Session, bool, error) {
	var sess store.Session
	var ok bool
	err := s.view(ctx, "get session", func(tx *bolt.Tx) error {
		v := bucket(tx, bucketSessions).Get([]byte(id))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &sess); err != nil {
			return fmt.Errorf("decode session: %w", err)
		}
		ok = sess.Expires.After(s.now())
		return nil
	})
	if !ok {
		sess = store.Session{}
	}
	return sess, ok, err
}

// DeleteSession removes the session with id.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.update(ctx, "delete session", func(tx *bolt.Tx) error {
		return bucket(tx, bucketSessions).Delete([]byte(id))
	})
}
