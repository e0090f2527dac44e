package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TrimStories deletes stories published before now minus the retention and then, oldest
// first, those beyond MaxStories. It also purges expired delivery records and leases, which
// are otherwise only overwritten lazily, so the file does not grow without bound.
func (s *Store) TrimStories(ctx context.Context) (int, error) {
	var n int
	err := s.update(ctx, "trim stories", func(tx *bolt.Tx) error {
		victims := trimVictims(tx, s.now().Add(-s.ret.Stories), s.ret.MaxStories)
		for _, k := range victims {
			if err := deleteStory(tx, k); err != nil {
				return err
			}
		}
		n = len(victims)
		return nil
	})
	if err != nil {
		return 0, err
	}
	purged, err := s.purgeExpired(ctx)
	if err != nil {
		return n, err
	}
	if n > 0 || purged > 0 {
		s.log.Info("boltstore trimmed", "stories_deleted", n, "expired_records_purged", purged)
	}
	return n, nil
}

// trimVictims returns the time-index keys of the stories to delete, oldest first.
func trimVictims(tx *bolt.Tx, cutoff time.Time, maxStories int) [][]byte {
	byTime := bucket(tx, bucketByTime)
	total := byTime.Stats().KeyN
	limit := timeKey(cutoff)
	var victims [][]byte
	c := byTime.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		tooOld := bytes.Compare(k, limit) < 0
		if !tooOld && total-len(victims) <= maxStories {
			break
		}
		victims = append(victims, bytes.Clone(k))
	}
	return victims
}

// deleteStory removes the story at time-index key k from the store and every index.
func deleteStory(tx *bolt.Tx, k []byte) error {
	if len(k) <= timeKeyLen {
		return bucket(tx, bucketByTime).Delete(k)
	}
	id := k[timeKeyLen:]
	st, ok, err := getStory(bucket(tx, bucketStories), id)
	if err != nil {
		return err
	}
	if !ok {
		return bucket(tx, bucketByTime).Delete(k) // a dangling index entry
	}
	if err := unindexStory(tx, st); err != nil {
		return err
	}
	return bucket(tx, bucketStories).Delete(id)
}
