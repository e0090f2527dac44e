package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// PutStories stores the stories not stored yet and returns their IDs. A story with no
// FirstSeen gets the store's now, since FirstSeen means "when Herald first stored it".
func (s *Store) PutStories(ctx context.Context, stories []story.Story) ([]string, error) {
	if len(stories) == 0 {
		return nil, nil
	}
	var newIDs []string
	err := s.update(ctx, "put stories", func(tx *bolt.Tx) error {
		now := s.now()
		b := bucket(tx, bucketStories)
		for _, st := range stories {
			if st.ID == "" {
				return fmt.Errorf("story %q has no ID", st.Title)
			}
			if b.Get([]byte(st.ID)) != nil {
				continue
			}
			if st.FirstSeen.IsZero() {
				st.FirstSeen = now
			}
			if err := putStory(tx, st); err != nil {
				return err
			}
			newIDs = append(newIDs, st.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newIDs, nil
}

// putStory writes st and its index entries.
func putStory(tx *bolt.Tx, st story.Story) error {
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode story %s: %w", st.ID, err)
	}
	if err := bucket(tx, bucketStories).Put([]byte(st.ID), v); err != nil {
		return err
	}
	return indexStory(tx, st)
}

// GetStories returns the stored stories among ids, in the order of ids.
func (s *Store) GetStories(ctx context.Context, ids []string) ([]story.Story, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []story.Story
	err := s.view(ctx, "get stories", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketStories)
		for _, id := range ids {
			st, ok, err := getStory(b, []byte(id))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, st)
			}
		}
		return nil
	})
	return out, err
}

// getStory decodes the story stored under id, if any.
func getStory(b *bolt.Bucket, id []byte) (story.Story, bool, error) {
	var st story.Story
	v := b.Get(id)
	if v == nil {
		return st, false, nil
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return st, false, fmt.Errorf("decode story %s: %w", id, err)
	}
	return st, true, nil
}

// RecentStories walks the narrowest index backwards from q.Until, so /latest reads only
// the stories it returns (plus those filtered out when both Topic and FeedURL are set).
func (s *Store) RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	var out []story.Story
	err := s.view(ctx, "recent stories", func(tx *bolt.Tx) error {
		idx, also := queryIndexes(tx, q)
		if idx == nil {
			return nil
		}
		stories := bucket(tx, bucketStories)
		c := idx.Cursor()
		var since []byte
		if !q.Since.IsZero() {
			since = timeKey(q.Since)
		}
		for k := startBefore(c, q); k != nil && len(out) < limit; k, _ = c.Prev() {
			if len(k) <= timeKeyLen {
				continue
			}
			if since != nil && bytes.Compare(k[:timeKeyLen], since) < 0 {
				break
			}
			if also != nil && also.Get(k) == nil {
				continue // not in the feed: checked on the key, without decoding the story
			}
			st, ok, err := getStory(stories, k[timeKeyLen:])
			if err != nil {
				return err
			}
			if ok && matches(st, q) {
				out = append(out, st)
			}
		}
		return nil
	})
	return out, err
}

// queryIndexes picks the index to scan (a topic's, else a feed's, else all stories) and,
// when both Topic and FeedURL are set, the feed index every hit must also be in. Index keys
// are the same in every index, so that membership test is one lookup. idx is nil when the
// query cannot match anything.
func queryIndexes(tx *bolt.Tx, q store.StoryQuery) (idx, also *bolt.Bucket) {
	var feed *bolt.Bucket
	if q.FeedURL != "" {
		if feed = bucket(tx, bucketByFeed).Bucket([]byte(q.FeedURL)); feed == nil {
			return nil, nil
		}
	}
	switch {
	case q.Topic != "":
		return bucket(tx, bucketByTopic).Bucket([]byte(q.Topic)), feed
	case feed != nil:
		return feed, nil
	default:
		return bucket(tx, bucketByTime), nil
	}
}

// startBefore positions c on the newest key published before q.Until (or the newest key).
func startBefore(c *bolt.Cursor, q store.StoryQuery) []byte {
	if q.Until.IsZero() {
		k, _ := c.Last()
		return k
	}
	if k, _ := c.Seek(timeKey(q.Until)); k == nil {
		k, _ = c.Last()
		return k
	}
	k, _ := c.Prev()
	return k
}

// matches applies the filters the chosen index does not guarantee.
func matches(st story.Story, q store.StoryQuery) bool {
	return (q.Topic == "" || st.HasTopic(q.Topic)) && (q.FeedURL == "" || st.FeedURL == q.FeedURL)
}

// CountStories counts the story records.
func (s *Store) CountStories(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, "count stories", func(tx *bolt.Tx) error {
		n = bucket(tx, bucketStories).Stats().KeyN
		return nil
	})
	return n, err
}
