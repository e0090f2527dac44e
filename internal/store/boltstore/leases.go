package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// lease is a named lease's record.
type lease struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
}

// AcquireLease makes owner the holder of name for ttl unless someone else holds it.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if name == "" || owner == "" {
		return false, fmt.Errorf("boltstore: acquire lease: empty name or owner")
	}
	var held bool
	err := s.update(ctx, "acquire lease", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketLeases)
		now := s.now()
		cur, ok, err := getLease(b, name)
		if err != nil {
			return err
		}
		if ok && cur.Owner != owner && cur.Expires.After(now) {
			held = false
			return nil
		}
		v, err := json.Marshal(lease{Owner: owner, Expires: now.Add(ttl)})
		if err != nil {
			return err
		}
		held = true
		return b.Put([]byte(name), v)
	})
	return held, err
}

// ReleaseLease gives up name if owner holds it; anyone else's release is a no-op.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	return s.update(ctx, "release lease", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketLeases)
		cur, ok, err := getLease(b, name)
		if err != nil || !ok || cur.Owner != owner {
			return err
		}
		return b.Delete([]byte(name))
	})
}

func getLease(b *bolt.Bucket, name string) (lease, bool, error) {
	var l lease
	v := b.Get([]byte(name))
	if v == nil {
		return l, false, nil
	}
	if err := json.Unmarshal(v, &l); err != nil {
		return l, false, fmt.Errorf("decode lease %q: %w", name, err)
	}
	return l, true, nil
}

// purgeExpired deletes expired delivery records and leases; both are harmless when kept,
// since reads check expiry, but would otherwise accumulate forever.
func (s *Store) purgeExpired(ctx context.Context) (int, error) {
	var n int
	err := s.update(ctx, "purge expired", func(tx *bolt.Tx) error {
		now := s.now()
		n = 0
		err := bucket(tx, bucketDelivery).ForEachBucket(func(ch []byte) error {
			d, err := deleteWhere(bucket(tx, bucketDelivery).Bucket(ch), func(v []byte) bool { return !live(v, now) })
			n += d
			return err
		})
		if err != nil {
			return err
		}
		d, err := deleteWhere(bucket(tx, bucketLeases), func(v []byte) bool {
			var l lease
			return json.Unmarshal(v, &l) != nil || !l.Expires.After(now)
		})
		n += d
		return err
	})
	return n, err
}

// deleteWhere deletes the keys of b whose value is dead and reports how many. Keys are
// collected first: bolt forbids deleting from a bucket while iterating it.
func deleteWhere(b *bolt.Bucket, dead func(v []byte) bool) (int, error) {
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if dead(v) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), deleteKeys(b, keys)
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
