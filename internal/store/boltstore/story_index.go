package boltstore

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/story"
)

// timeKeyLen is the length of the sortable time prefix of index keys.
const timeKeyLen = 12

// timeKey encodes t so that byte order is time order for any year: big-endian unix seconds
// with the sign bit flipped, then big-endian nanoseconds. (Unix nanoseconds would overflow
// for zero and far-past times, which bad feeds do produce.)
func timeKey(t time.Time) []byte {
	k := make([]byte, timeKeyLen, timeKeyLen+16)
	binary.BigEndian.PutUint64(k, uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(k[8:], uint32(t.Nanosecond()))
	return k
}

// indexKey is the key of a story in every time-ordered index: time first, id to break ties.
func indexKey(s story.Story) []byte {
	return append(timeKey(s.Published), s.ID...)
}

// indexStory adds s to the time index and its topic and feed indexes.
func indexStory(tx *bolt.Tx, s story.Story) error {
	k := indexKey(s)
	if err := bucket(tx, bucketByTime).Put(k, nil); err != nil {
		return err
	}
	for _, b := range subIndexes(s) {
		sub, err := bucket(tx, b.parent).CreateBucketIfNotExists([]byte(b.name))
		if err != nil {
			return err
		}
		if err := sub.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// unindexStory removes s from every index indexStory put it in.
func unindexStory(tx *bolt.Tx, s story.Story) error {
	k := indexKey(s)
	if err := bucket(tx, bucketByTime).Delete(k); err != nil {
		return err
	}
	for _, b := range subIndexes(s) {
		sub := bucket(tx, b.parent).Bucket([]byte(b.name))
		if sub == nil {
			continue
		}
		if err := sub.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// subIndex names one nested index bucket.
type subIndex struct{ parent, name string }

// subIndexes lists the topic and feed index buckets s belongs to (bbolt rejects empty names).
func subIndexes(s story.Story) []subIndex {
	out := make([]subIndex, 0, len(s.Topics)+1)
	for _, t := range s.Topics {
		if t != "" {
			out = append(out, subIndex{bucketByTopic, t})
		}
	}
	if s.FeedURL != "" {
		out = append(out, subIndex{bucketByFeed, s.FeedURL})
	}
	return out
}
