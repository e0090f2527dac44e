package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A delivery record is one byte of state and the big-endian unix nanos it expires at: a
// lease expires after the claim's duration, a seen mark after the Seen retention. Absent or
// expired records mean "deliverable".
const (
	stateLeased byte = 'l'
	stateSeen   byte = 's'
	recordLen        = 9
)

func record(state byte, expires time.Time) []byte {
	v := make([]byte, recordLen)
	v[0] = state
	binary.BigEndian.PutUint64(v[1:], uint64(expires.UnixNano()))
	return v
}

// live reports whether v is a record that has not expired at now.
func live(v []byte, now time.Time) bool {
	return len(v) == recordLen && int64(binary.BigEndian.Uint64(v[1:])) > now.UnixNano()
}

// Claim leases the deliverable ids for channelID in one write transaction; bbolt runs one
// writer at a time, so of concurrent claims of an id exactly one sees it free.
func (s *Store) Claim(ctx context.Context, channelID string, ids []string, lease time.Duration) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if err := checkChannel(channelID); err != nil {
		return nil, err
	}
	var won []string
	err := s.update(ctx, "claim", func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDelivery).CreateBucketIfNotExists([]byte(channelID))
		if err != nil {
			return err
		}
		now := s.now()
		rec := record(stateLeased, now.Add(lease))
		for _, id := range ids {
			if live(b.Get([]byte(id)), now) {
				continue
			}
			if err := b.Put([]byte(id), rec); err != nil {
				return err
			}
			won = append(won, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return won, nil
}

// Confirm marks ids seen in channelID for the Seen retention, replacing their leases.
func (s *Store) Confirm(ctx context.Context, channelID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := checkChannel(channelID); err != nil {
		return err
	}
	return s.update(ctx, "confirm", func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDelivery).CreateBucketIfNotExists([]byte(channelID))
		if err != nil {
			return err
		}
		rec := record(stateSeen, s.now().Add(s.ret.Seen))
		for _, id := range ids {
			if err := b.Put([]byte(id), rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// Release drops the leases (not the seen marks) on ids in channelID.
func (s *Store) Release(ctx context.Context, channelID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.update(ctx, "release", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketDelivery).Bucket([]byte(channelID))
		if b == nil {
			return nil
		}
		for _, id := range ids {
			if v := b.Get([]byte(id)); len(v) == recordLen && v[0] == stateLeased {
				if err := b.Delete([]byte(id)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Unseen returns the deliverable ids in channelID without claiming them.
func (s *Store) Unseen(ctx context.Context, channelID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []string
	err := s.view(ctx, "unseen", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketDelivery).Bucket([]byte(channelID))
		now := s.now()
		for _, id := range ids {
			if b == nil || !live(b.Get([]byte(id)), now) {
				out = append(out, id)
			}
		}
		return nil
	})
	return out, err
}

// checkChannel rejects the empty channel id, which bbolt cannot name a bucket after.
func checkChannel(channelID string) error {
	if channelID == "" {
		return fmt.Errorf("boltstore: empty channel id")
	}
	return nil
}
