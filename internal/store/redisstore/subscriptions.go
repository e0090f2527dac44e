package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/store"
)

// Script results shared by the subscription scripts.
const (
	subOK        = 1
	subDuplicate = 0
	subNotFound  = -1
	subConflict  = -2 // the record changed since the caller read it: read again and retry
	subIDTaken   = -3
)

// maxSubRetries bounds the optimistic retries of update and delete under concurrent writes.
const maxSubRetries = 20

// createSubScript stores a new subscription unless its ID or its target is taken.
//
//	KEYS: 1 records, 2 targets, 3 sequence, 4 all, 5 guild index, 6 channel index,
//	7 guild's time order
//	ARGV: 1 id, 2 json, 3 target key, 4 createdHex
//
// Returns subOK, subDuplicate or subIDTaken.
var createSubScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return -3 end
if redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[1]) == 0 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], seq, ARGV[1])
redis.call('ZADD', KEYS[5], seq, ARGV[1])
redis.call('ZADD', KEYS[6], seq, ARGV[1])
redis.call('ZADD', KEYS[7], 0, ARGV[4] .. string.format('%016x', seq) .. ARGV[1])
return 1
`)

// updateSubScript replaces a subscription the caller read as ARGV[2], moving its target and
// index entries. KEYS: 1 records, 2 targets, 3 all, 4 old guild, 5 old channel, 6 new guild,
// 7 new channel, 8 old guild's time order, 9 new guild's. ARGV: 1 id, 2 old json, 3 new json,
// 4 old target, 5 new target, 6 old createdHex, 7 new createdHex.
// Returns subOK, subDuplicate, subNotFound or subConflict.
var updateSubScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return -2 end
if ARGV[4] ~= ARGV[5] then
  local holder = redis.call('HGET', KEYS[2], ARGV[5])
  if holder and holder ~= ARGV[1] then return 0 end
  if redis.call('HGET', KEYS[2], ARGV[4]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[4]) end
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[1])
end
local seq = redis.call('ZSCORE', KEYS[3], ARGV[1])
for j = 4, 5 do
  if KEYS[j] ~= KEYS[j + 2] then
    redis.call('ZREM', KEYS[j], ARGV[1])
    redis.call('ZADD', KEYS[j + 2], seq, ARGV[1])
  end
end
if KEYS[8] ~= KEYS[9] or ARGV[6] ~= ARGV[7] then
  local tag = string.format('%016x', tonumber(seq)) .. ARGV[1]
  redis.call('ZREM', KEYS[8], ARGV[6] .. tag)
  redis.call('ZADD', KEYS[9], 0, ARGV[7] .. tag)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`)

// deleteSubScript removes a subscription the caller read as ARGV[2] with its index entries.
// KEYS: 1 records, 2 targets, 3 all, 4 guild, 5 channel, 6 guild's time order. ARGV: 1 id,
// 2 json, 3 target, 4 createdHex. Returns subOK, subNotFound or subConflict.
var deleteSubScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return -2 end
local seq = redis.call('ZSCORE', KEYS[3], ARGV[1])
if seq then redis.call('ZREM', KEYS[6], ARGV[4] .. string.format('%016x', tonumber(seq)) .. ARGV[1]) end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[3]) end
for j = 3, 5 do redis.call('ZREM', KEYS[j], ARGV[1]) end
return 1
`)

// createdHex is a created_at as the start of a subGuildByTime member: 24 hex digits that sort
// as the times do (seconds with the sign bit flipped, then nanoseconds).
func createdHex(t time.Time) string {
	return fmt.Sprintf("%016x%08x", uint64(t.Unix())^(1<<63), t.Nanosecond())
}

// targetKey is what makes two subscriptions duplicates (store.Subscription.SameTarget).
func targetKey(s store.Subscription) string {
	return strings.Join([]string{s.ChannelID, string(s.Kind), s.FeedURL, s.Topic, s.Time, s.TimeZone}, "\x1f")
}

// CreateSubscription stores sub, assigning a random ID when empty and CreatedAt when zero;
// ErrDuplicate when the channel already has a subscription with the same target.
func (s *Store) CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error) {
	if sub.ChannelID == "" {
		return store.Subscription{}, errors.New("redisstore: create subscription: empty channel id")
	}
	if sub.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		sub.ID = hex.EncodeToString(b[:])
	}
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = s.now()
	}
	js, err := json.Marshal(sub)
	if err != nil {
		return store.Subscription{}, fmt.Errorf("redisstore: create subscription: encode: %w", err)
	}
	k := s.keys
	ctx, cancel := s.call(ctx)
	defer cancel()
	r, err := createSubScript.Run(ctx, s.rdb, []string{k.subRecords(), k.subTargets(), k.subSeq(),
		k.subAll(), k.subByGuild(sub.GuildID), k.subByChannel(sub.ChannelID), k.subGuildByTime(sub.GuildID)},
		sub.ID, js, targetKey(sub), createdHex(sub.CreatedAt)).Int64()
	switch {
	case err != nil:
		return store.Subscription{}, s.wrap("create subscription", err)
	case r == subDuplicate:
		return store.Subscription{}, fmt.Errorf("redisstore: create subscription in channel %s: %w", sub.ChannelID, store.ErrDuplicate)
	case r == subIDTaken:
		return store.Subscription{}, fmt.Errorf("redisstore: create subscription: id %s taken: %w", sub.ID, store.ErrDuplicate)
	}
	return sub, nil
}

// readSub returns the stored JSON and value of subscription id; ErrNotFound when absent.
func (s *Store) readSub(ctx context.Context, id string) (string, store.Subscription, error) {
	js, err := s.rdb.HGet(ctx, s.keys.subRecords(), id).Result()
	if errors.Is(err, redis.Nil) {
		return "", store.Subscription{}, fmt.Errorf("redisstore: subscription %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return "", store.Subscription{}, s.wrap("read subscription", err)
	}
	var sub store.Subscription
	if err := json.Unmarshal([]byte(js), &sub); err != nil {
		return "", store.Subscription{}, fmt.Errorf("redisstore: subscription %s: decode: %w", id, err)
	}
	return js, sub, nil
}

// UpdateSubscription replaces an existing subscription (ErrNotFound otherwise; ErrDuplicate
// when the new target is another subscription's).
func (s *Store) UpdateSubscription(ctx context.Context, sub store.Subscription) error {
	_, err := s.PatchSubscription(ctx, sub.ID, func(cur *store.Subscription) error {
		*cur = sub
		return nil
	})
	return err
}

// PatchSubscription applies change to the stored subscription id and replaces it only if it
// is still what change saw (the script compares the JSON read); otherwise it reads again and
// applies change afresh, up to maxSubRetries times.
func (s *Store) PatchSubscription(ctx context.Context, id string, change func(*store.Subscription) error) (store.Subscription, error) {
	k := s.keys
	ctx, cancel := s.call(ctx)
	defer cancel()
	for range maxSubRetries {
		oldJS, old, err := s.readSub(ctx, id)
		if err != nil {
			return store.Subscription{}, err
		}
		sub := old
		if err := change(&sub); err != nil {
			return old, err
		}
		sub.ID = id
		js, err := json.Marshal(sub)
		if err != nil {
			return old, fmt.Errorf("redisstore: update subscription: encode: %w", err)
		}
		r, err := updateSubScript.Run(ctx, s.rdb, []string{k.subRecords(), k.subTargets(), k.subAll(),
			k.subByGuild(old.GuildID), k.subByChannel(old.ChannelID), k.subByGuild(sub.GuildID),
			k.subByChannel(sub.ChannelID), k.subGuildByTime(old.GuildID), k.subGuildByTime(sub.GuildID)},
			id, oldJS, js, targetKey(old), targetKey(sub), createdHex(old.CreatedAt), createdHex(sub.CreatedAt)).Int64()
		switch {
		case err != nil:
			return old, s.wrap("update subscription", err)
		case r == subOK:
			return sub, nil
		case r == subNotFound:
			return old, fmt.Errorf("redisstore: subscription %s: %w", id, store.ErrNotFound)
		case r == subDuplicate:
			return old, fmt.Errorf("redisstore: update subscription %s: %w", id, store.ErrDuplicate)
		}
	}
	return store.Subscription{}, fmt.Errorf("redisstore: update subscription %s: still changing after %d attempts", id, maxSubRetries)
}

// DeleteSubscription removes subscription id of guildID (ErrNotFound otherwise).
func (s *Store) DeleteSubscription(ctx context.Context, guildID, id string) error {
	k := s.keys
	ctx, cancel := s.call(ctx)
	defer cancel()
	for range maxSubRetries {
		js, old, err := s.readSub(ctx, id)
		if err != nil {
			return err
		}
		if old.GuildID != guildID {
			return fmt.Errorf("redisstore: subscription %s in guild %s: %w", id, guildID, store.ErrNotFound)
		}
		r, err := deleteSubScript.Run(ctx, s.rdb, []string{k.subRecords(), k.subTargets(), k.subAll(),
			k.subByGuild(old.GuildID), k.subByChannel(old.ChannelID), k.subGuildByTime(old.GuildID)},
			id, js, targetKey(old), createdHex(old.CreatedAt)).Int64()
		switch {
		case err != nil:
			return s.wrap("delete subscription", err)
		case r == subOK:
			return nil
		case r == subNotFound:
			return fmt.Errorf("redisstore: subscription %s: %w", id, store.ErrNotFound)
		}
	}
	return fmt.Errorf("redisstore: delete subscription %s: still changing after %d attempts", id, maxSubRetries)
}

// ListSubscriptions returns the subscriptions passing f, oldest (CreatedAt, then creation
// order) first. It reads the narrowest index the filter allows.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	idx := s.keys.subAll()
	switch {
	case f.ChannelID != "":
		idx = s.keys.subByChannel(f.ChannelID)
	case f.GuildID != "":
		idx = s.keys.subByGuild(f.GuildID)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	ids, err := s.rdb.ZRange(ctx, idx, 0, -1).Result()
	if err != nil {
		return nil, s.wrap("list subscriptions", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.keys.subRecords(), ids...).Result()
	if err != nil {
		return nil, s.wrap("list subscriptions", err)
	}
	var out []store.Subscription
	for i, v := range vals {
		js, ok := v.(string)
		if !ok {
			continue // deleted between the two reads
		}
		var sub store.Subscription
		if err := json.Unmarshal([]byte(js), &sub); err != nil {
			return nil, fmt.Errorf("redisstore: list subscriptions: decode %s: %w", ids[i], err)
		}
		if f.Match(sub) {
			out = append(out, sub)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// guildRecords reads the JSON records of guildID's subscriptions in creation order; a record
// deleted between the two reads is left out.
func (s *Store) guildRecords(ctx context.Context, op, guildID string) ([]string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	ids, err := s.rdb.ZRange(ctx, s.keys.subByGuild(guildID), 0, -1).Result()
	if err != nil || len(ids) == 0 {
		return nil, s.wrap(op, err)
	}
	vals, err := s.rdb.HMGet(ctx, s.keys.subRecords(), ids...).Result()
	if err != nil {
		return nil, s.wrap(op, err)
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if js, ok := v.(string); ok {
			out = append(out, js)
		}
	}
	return out, nil
}

// subHead is the part of a subscription record that orders it: decoding only this field
// skips building the rest (filters, times, live posts).
type subHead struct {
	CreatedAt time.Time `json:"created_at"`
}

// SubscriptionPage returns up to limit of guildID's subscriptions from offset, oldest
// CreatedAt first (ListSubscriptions' order), and how many the guild has. The guild's time
// order (subGuildByTime) gives the page's IDs and the count in one round trip, so only the
// page's records are read; when it is out of step with the guild's index (written before it
// existed) the records are read and sorted, and it is rebuilt.
func (s *Store) SubscriptionPage(ctx context.Context, guildID string, offset, limit int) ([]store.Subscription, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("redisstore: subscription page: offset %d, limit %d", offset, limit)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	ids, total, ok, err := s.pageIDs(ctx, guildID, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return s.scannedPage(ctx, guildID, offset, limit)
	}
	page, err := s.records(ctx, "subscription page", ids)
	return page, total, err
}

// pageIDs reads the IDs of a page of subGuildByTime and the guild's count; ok is false when
// the time order and the guild's index differ in size.
func (s *Store) pageIDs(ctx context.Context, guildID string, offset, limit int) (ids []string, total int, ok bool, err error) {
	k := s.keys
	pipe := s.rdb.Pipeline()
	byTime := pipe.ZCard(ctx, k.subGuildByTime(guildID))
	byGuild := pipe.ZCard(ctx, k.subByGuild(guildID))
	page := pipe.ZRange(ctx, k.subGuildByTime(guildID), int64(offset), int64(offset+limit-1))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, false, s.wrap("subscription page", err)
	}
	if byTime.Val() != byGuild.Val() {
		return nil, 0, false, nil
	}
	for _, m := range page.Val() {
		if len(m) > subTimeTagLen {
			ids = append(ids, m[subTimeTagLen:])
		}
	}
	return ids, int(byGuild.Val()), true, nil
}

// subTimeTagLen is the length of a subGuildByTime member before the ID: createdHex and the
// sequence in hex.
const subTimeTagLen = 24 + 16

// records reads and decodes the subscriptions with ids, in that order, leaving out any
// deleted meanwhile.
func (s *Store) records(ctx context.Context, op string, ids []string) ([]store.Subscription, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.keys.subRecords(), ids...).Result()
	if err != nil {
		return nil, s.wrap(op, err)
	}
	var out []store.Subscription
	for i, v := range vals {
		js, ok := v.(string)
		if !ok {
			continue
		}
		var sub store.Subscription
		if err := json.Unmarshal([]byte(js), &sub); err != nil {
			return nil, fmt.Errorf("redisstore: %s: decode %s: %w", op, ids[i], err)
		}
		out = append(out, sub)
	}
	return out, nil
}

// scannedPage is SubscriptionPage from every record of the guild, sorted here; it then
// rebuilds the guild's time order so the next page need not.
func (s *Store) scannedPage(ctx context.Context, guildID string, offset, limit int) ([]store.Subscription, int, error) {
	recs, err := s.guildRecords(ctx, "subscription page", guildID)
	if err != nil {
		return nil, 0, err
	}
	type head struct {
		at  time.Time
		rec string
	}
	heads := make([]head, len(recs))
	for i, js := range recs {
		var h subHead
		if err := json.Unmarshal([]byte(js), &h); err != nil {
			return nil, 0, fmt.Errorf("redisstore: subscription page: decode: %w", err)
		}
		heads[i] = head{h.CreatedAt, js}
	}
	// Stable: equal times keep creation order, as in ListSubscriptions.
	slices.SortStableFunc(heads, func(a, b head) int { return a.at.Compare(b.at) })
	var out []store.Subscription
	for _, h := range heads[min(offset, len(heads)):min(offset+limit, len(heads))] {
		var sub store.Subscription
		if err := json.Unmarshal([]byte(h.rec), &sub); err != nil {
			return nil, 0, fmt.Errorf("redisstore: subscription page: decode: %w", err)
		}
		out = append(out, sub)
	}
	if err := s.reindexGuild(ctx, guildID); err != nil {
		s.log.Warn("redisstore: rebuilding a guild's subscription order; pages read every record until it succeeds", "guild_id", guildID, "error", err)
	}
	return out, len(heads), nil
}

// reindexGuild rebuilds subGuildByTime for guildID from its records and their sequence
// numbers. A write racing it can leave the sizes unequal again, which the next page notices.
func (s *Store) reindexGuild(ctx context.Context, guildID string) error {
	k := s.keys
	zs, err := s.rdb.ZRangeWithScores(ctx, k.subByGuild(guildID), 0, -1).Result()
	if err != nil || len(zs) == 0 {
		return s.wrap("rebuild subscription order", err)
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i], _ = z.Member.(string)
	}
	subs, err := s.records(ctx, "rebuild subscription order", ids)
	if err != nil {
		return err
	}
	seq := make(map[string]int64, len(zs))
	for _, z := range zs {
		seq[z.Member.(string)] = int64(z.Score)
	}
	members := make([]redis.Z, len(subs))
	for i, sub := range subs {
		members[i] = redis.Z{Member: fmt.Sprintf("%s%016x%s", createdHex(sub.CreatedAt), seq[sub.ID], sub.ID)}
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, k.subGuildByTime(guildID))
		if len(members) > 0 {
			p.ZAdd(ctx, k.subGuildByTime(guildID), members...)
		}
		return nil
	})
	return s.wrap("rebuild subscription order", err)
}

// GuildFeedURLs returns the distinct feed URLs of guildID's feed subscriptions, sorted.
func (s *Store) GuildFeedURLs(ctx context.Context, guildID string) ([]string, error) {
	recs, err := s.guildRecords(ctx, "guild feed urls", guildID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, js := range recs {
		var h struct { // not subHead: parsing created_at would be wasted here
			Kind    store.Kind `json:"kind"`
			FeedURL string     `json:"feed_url"`
		}
		if err := json.Unmarshal([]byte(js), &h); err != nil {
			return nil, fmt.Errorf("redisstore: guild feed urls: decode: %w", err)
		}
		if h.Kind == store.KindFeed {
			out = append(out, h.FeedURL)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// GetSubscription returns guildID's subscription with id (ErrNotFound when there is none, or
// it is another guild's).
func (s *Store) GetSubscription(ctx context.Context, guildID, id string) (store.Subscription, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, sub, err := s.readSub(ctx, id)
	if err == nil && sub.GuildID != guildID {
		return store.Subscription{}, fmt.Errorf("redisstore: subscription %s in guild %s: %w", id, guildID, store.ErrNotFound)
	}
	return sub, err
}
