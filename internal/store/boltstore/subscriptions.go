package boltstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/store"
)

// CreateSubscription stores sub, assigning a short random ID users can type, unless the
// channel already has a subscription with the same target.
func (s *Store) CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error) {
	err := s.update(ctx, "create subscription", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSubs)
		all, err := allSubscriptions(b)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.SameTarget(sub) {
				return fmt.Errorf("%w: %s already has %s", store.ErrDuplicate, sub.ChannelID, o.ID)
			}
		}
		if sub.ID == "" {
			sub.ID = newSubID(b)
		} else if b.Get([]byte(sub.ID)) != nil {
			return fmt.Errorf("%w: id %s taken", store.ErrDuplicate, sub.ID)
		}
		if err := putSubscription(b, sub); err != nil {
			return err
		}
		return bucket(tx, bucketSubsByGuild).Put(guildIndexKey(sub.GuildID, sub.CreatedAt, sub.ID), nil)
	})
	if err != nil {
		return store.Subscription{}, err
	}
	return sub, nil
}

// UpdateSubscription replaces the stored subscription with sub.ID.
func (s *Store) UpdateSubscription(ctx context.Context, sub store.Subscription) error {
	_, err := s.PatchSubscription(ctx, sub.ID, func(cur *store.Subscription) error {
		*cur = sub
		return nil
	})
	return err
}

// PatchSubscription reads, changes and writes subscription id in one write transaction, which
// bolt runs one at a time: nothing can change it in between.
func (s *Store) PatchSubscription(ctx context.Context, id string, change func(*store.Subscription) error) (store.Subscription, error) {
	var out store.Subscription
	var changeErr error
	err := s.update(ctx, "update subscription", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSubs)
		sub, ok, err := getSubscription(b, []byte(id))
		if err != nil {
			return err
		}
		if id == "" || !ok {
			return fmt.Errorf("%w: subscription %q", store.ErrNotFound, id)
		}
		out = sub
		old := guildIndexKey(sub.GuildID, sub.CreatedAt, id)
		if changeErr = change(&sub); changeErr != nil {
			return changeErr
		}
		sub.ID = id
		out = sub
		if err := putSubscription(b, sub); err != nil {
			return err
		}
		return reindex(bucket(tx, bucketSubsByGuild), old, guildIndexKey(sub.GuildID, sub.CreatedAt, id))
	})
	if changeErr != nil {
		return out, changeErr // the caller's own error, unwrapped
	}
	return out, err
}

// DeleteSubscription removes subscription id if it belongs to guildID, so one guild can
// never delete another's subscriptions by guessing ids.
func (s *Store) DeleteSubscription(ctx context.Context, guildID, id string) error {
	return s.update(ctx, "delete subscription", func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSubs)
		sub, ok, err := getSubscription(b, []byte(id))
		if err != nil {
			return err
		}
		if !ok || sub.GuildID != guildID {
			return fmt.Errorf("%w: subscription %q in guild %q", store.ErrNotFound, id, guildID)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return bucket(tx, bucketSubsByGuild).Delete(guildIndexKey(sub.GuildID, sub.CreatedAt, id))
	})
}

// ListSubscriptions returns the subscriptions passing f, oldest CreatedAt first.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	var out []store.Subscription
	err := s.view(ctx, "list subscriptions", func(tx *bolt.Tx) error {
		all, err := allSubscriptions(bucket(tx, bucketSubs))
		for _, sub := range all {
			if f.Match(sub) {
				out = append(out, sub)
			}
		}
		return err
	})
	// IDs are unique, so the order is total and an unstable sort (far fewer moves of these
	// large structs than a stable one) gives the same result.
	slices.SortFunc(out, func(a, b store.Subscription) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

func allSubscriptions(b *bolt.Bucket) ([]store.Subscription, error) {
	var out []store.Subscription
	err := b.ForEach(func(k, v []byte) error {
		var sub store.Subscription
		if err := json.Unmarshal(v, &sub); err != nil {
			return fmt.Errorf("decode subscription %q: %w", k, err)
		}
		out = append(out, sub)
		return nil
	})
	return out, err
}

func getSubscription(b *bolt.Bucket, id []byte) (store.Subscription, bool, error) {
	var sub store.Subscription
	v := b.Get(id)
	if v == nil {
		return sub, false, nil
	}
	if err := json.Unmarshal(v, &sub); err != nil {
		return sub, false, fmt.Errorf("decode subscription %q: %w", id, err)
	}
	return sub, true, nil
}

func putSubscription(b *bolt.Bucket, sub store.Subscription) error {
	v, err := json.Marshal(sub)
	if err != nil {
		return fmt.Errorf("encode subscription: %w", err)
	}
	return b.Put([]byte(sub.ID), v)
}

// newSubID returns 8 lower-case base32 characters (40 random bits) not used in b.
func newSubID(b *bolt.Bucket) string {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for {
		var raw [5]byte
		_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+)
		id := strings.ToLower(enc.EncodeToString(raw[:]))
		if b.Get([]byte(id)) == nil {
			return id
		}
	}
}

// subHead is the part of a subscription record that selects and orders it: decoding these
// fields of every record, and the whole of only the ones wanted, skips building the rest
// (filters, times, live posts) for the others.
type subHead struct {
	ID        string    `json:"id"`
	GuildID   string    `json:"guild_id"`
	CreatedAt time.Time `json:"created_at"`
}

// guildHeads returns the heads of guildID's subscriptions in ListSubscriptions' order.
func guildHeads(b *bolt.Bucket, guildID string) ([]subHead, error) {
	var out []subHead
	err := b.ForEach(func(k, v []byte) error {
		var h subHead
		if err := json.Unmarshal(v, &h); err != nil {
			return fmt.Errorf("decode subscription %q: %w", k, err)
		}
		if h.GuildID == guildID {
			out = append(out, h)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b subHead) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// SubscriptionPage returns up to limit of guildID's subscriptions from offset, oldest
// CreatedAt first (ListSubscriptions' order), and how many the guild has. The guild's index
// gives the order and the count from keys alone, so only the page's records are read; a file
// opened read-only from before the index is scanned instead.
func (s *Store) SubscriptionPage(ctx context.Context, guildID string, offset, limit int) ([]store.Subscription, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("boltstore: subscription page: offset %d, limit %d", offset, limit)
	}
	var out []store.Subscription
	var total int
	err := s.view(ctx, "subscription page", func(tx *bolt.Tx) error {
		ids, n, err := pageIDs(tx, guildID, offset, limit)
		if err != nil {
			return err
		}
		total = n
		b := bucket(tx, bucketSubs)
		for _, id := range ids {
			sub, ok, err := getSubscription(b, id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, sub)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// pageIDs returns the IDs of guildID's subscriptions from offset (up to limit, valid for tx's
// life) and how many the guild has.
func pageIDs(tx *bolt.Tx, guildID string, offset, limit int) ([][]byte, int, error) {
	idx := tx.Bucket([]byte(bucketSubsByGuild))
	if idx == nil {
		return scannedPageIDs(tx, guildID, offset, limit)
	}
	prefix := guildIndexPrefix(guildID)
	var ids [][]byte
	total := 0
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if total >= offset && total < offset+limit {
			ids = append(ids, k[len(prefix)+timeKeyLen:])
		}
		total++
	}
	return ids, total, nil
}

// scannedPageIDs is pageIDs without the index: every record's head is decoded and sorted.
func scannedPageIDs(tx *bolt.Tx, guildID string, offset, limit int) ([][]byte, int, error) {
	heads, err := guildHeads(bucket(tx, bucketSubs), guildID)
	if err != nil {
		return nil, 0, err
	}
	var ids [][]byte
	for _, h := range heads[min(offset, len(heads)):min(offset+limit, len(heads))] {
		ids = append(ids, []byte(h.ID))
	}
	return ids, len(heads), nil
}

// guildIndexPrefix starts every key of guildID's subscriptions in bucketSubsByGuild.
func guildIndexPrefix(guildID string) []byte {
	return append([]byte(guildID), 0)
}

// guildIndexKey is a subscription's key in bucketSubsByGuild: ordered by CreatedAt, then ID
// (ListSubscriptions' order).
func guildIndexKey(guildID string, createdAt time.Time, id string) []byte {
	return append(append(guildIndexPrefix(guildID), timeKey(createdAt)...), id...)
}

// reindex moves a subscription's index entry from old to key when a change moved it.
func reindex(idx *bolt.Bucket, old, key []byte) error {
	if bytes.Equal(old, key) {
		return nil
	}
	if err := idx.Delete(old); err != nil {
		return err
	}
	return idx.Put(key, nil)
}

// indexAllSubscriptions fills bucketSubsByGuild from the records (a file from before it).
func indexAllSubscriptions(tx *bolt.Tx) error {
	idx := bucket(tx, bucketSubsByGuild)
	return bucket(tx, bucketSubs).ForEach(func(k, v []byte) error {
		var h subHead
		if err := json.Unmarshal(v, &h); err != nil {
			return fmt.Errorf("decode subscription %q: %w", k, err)
		}
		return idx.Put(guildIndexKey(h.GuildID, h.CreatedAt, string(k)), nil)
	})
}

// GuildFeedURLs returns the distinct feed URLs of guildID's feed subscriptions, sorted.
func (s *Store) GuildFeedURLs(ctx context.Context, guildID string) ([]string, error) {
	var out []string
	err := s.view(ctx, "guild feed urls", func(tx *bolt.Tx) error {
		return bucket(tx, bucketSubs).ForEach(func(k, v []byte) error {
			var h struct { // not subHead: parsing created_at would be wasted here
				GuildID string     `json:"guild_id"`
				Kind    store.Kind `json:"kind"`
				FeedURL string     `json:"feed_url"`
			}
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("decode subscription %q: %w", k, err)
			}
			if h.GuildID == guildID && h.Kind == store.KindFeed {
				out = append(out, h.FeedURL)
			}
			return nil
		})
	})
	slices.Sort(out)
	return slices.Compact(out), err
}

// GetSubscription returns guildID's subscription with id (ErrNotFound when there is none, or
// it is another guild's).
func (s *Store) GetSubscription(ctx context.Context, guildID, id string) (store.Subscription, error) {
	var sub store.Subscription
	err := s.view(ctx, "get subscription", func(tx *bolt.Tx) error {
		var ok bool
		var err error
		sub, ok, err = getSubscription(bucket(tx, bucketSubs), []byte(id))
		if err == nil && (!ok || sub.GuildID != guildID) {
			sub, err = store.Subscription{}, fmt.Errorf("%w: subscription %q in guild %q", store.ErrNotFound, id, guildID)
		}
		return err
	})
	return sub, err
}
