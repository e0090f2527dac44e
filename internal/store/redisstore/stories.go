package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// defaultStoryLimit is RecentStories' page size when the query says 0 (store.StoryQuery).
const defaultStoryLimit = 100

// putStoriesScript inserts stories not stored yet and indexes them, atomically per batch.
//
//	KEYS[1] story records (HASH), KEYS[2] time index (ZSET), KEYS[3..] feed/topic indexes
//	ARGV    per story: id, json, score (published unix ms), n, then n positions in KEYS
//
// Returns the 1-based positions (in story order) of the stories that were new.
var putStoriesScript = redis.NewScript(`
local out, i, n = {}, 1, 0
while i <= #ARGV do
  n = n + 1
  local id, js, score, cnt = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  if redis.call('HSETNX', KEYS[1], id, js) == 1 then
    redis.call('ZADD', KEYS[2], score, id)
    for j = 1, cnt do
      redis.call('ZADD', KEYS[tonumber(ARGV[i + 3 + j])], score, id)
    end
    out[#out + 1] = n
  end
  i = i + 4 + cnt
end
return out
`)

// PutStories inserts the stories not stored yet (by ID) with their indexes and returns the new
// IDs. A zero FirstSeen is set to now.
func (s *Store) PutStories(ctx context.Context, stories []story.Story) ([]string, error) {
	if len(stories) == 0 {
		return nil, nil
	}
	keyList := []string{s.keys.storyRecords(), s.keys.storyByTime()}
	keyPos := map[string]int{}
	index := func(k string) string {
		p, ok := keyPos[k]
		if !ok {
			keyList = append(keyList, k)
			p = len(keyList)
			keyPos[k] = p
		}
		return strconv.Itoa(p)
	}
	now := s.now()
	var args []any
	for _, st := range stories {
		if st.ID == "" {
			return nil, errors.New("redisstore: put stories: story without id")
		}
		if st.FirstSeen.IsZero() {
			st.FirstSeen = now
		}
		js, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("redisstore: put stories: encode %s: %w", st.ID, err)
		}
		var idx []any
		if st.FeedURL != "" {
			idx = append(idx, index(s.keys.storyByFeed(st.FeedURL)))
		}
		for _, t := range uniq(st.Topics) {
			idx = append(idx, index(s.keys.storyByTopic(t)))
		}
		args = append(args, st.ID, js, st.Published.UnixMilli(), len(idx))
		args = append(args, idx...)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	cmd := putStoriesScript.Run(ctx, s.rdb, keyList, args...)
	if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.wrap("put stories", err)
	}
	pos, err := cmd.Int64Slice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: put stories: bad script reply: %w", err)
	}
	var ids []string
	for _, p := range pos {
		ids = append(ids, stories[p-1].ID)
	}
	return ids, nil
}

func uniq(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// GetStories returns the stored stories among ids, in the order of ids, skipping unknown ones.
func (s *Store) GetStories(ctx context.Context, ids []string) ([]story.Story, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.loadStories(ctx, ids)
}

// loadStories reads the records of ids (HMGET), skipping missing ones.
func (s *Store) loadStories(ctx context.Context, ids []string) ([]story.Story, error) {
	vals, err := s.rdb.HMGet(ctx, s.keys.storyRecords(), ids...).Result()
	if err != nil {
		return nil, s.wrap("get stories", err)
	}
	var out []story.Story
	for i, v := range vals {
		js, ok := v.(string)
		if !ok {
			continue
		}
		var st story.Story
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			return nil, fmt.Errorf("redisstore: get stories: decode %s: %w", ids[i], err)
		}
		out = append(out, st)
	}
	return out, nil
}

// RecentStories returns the stories matching q, newest Published first. It walks the most
// selective index (topic, else feed, else time) newest first, in pages, and filters exactly.
func (s *Store) RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultStoryLimit
	}
	idx := s.keys.storyByTime()
	switch {
	case q.Topic != "":
		idx = s.keys.storyByTopic(q.Topic)
	case q.FeedURL != "":
		idx = s.keys.storyByFeed(q.FeedURL)
	}
	// With Rev the server wants the high bound first. Scores are unix ms (floored), so the
	// bounds are inclusive here and matches applies the exact Since/Until.
	rng := redis.ZRangeArgs{Key: idx, Start: "+inf", Stop: "-inf", ByScore: true, Rev: true}
	if !q.Until.IsZero() {
		rng.Start = q.Until.UnixMilli()
	}
	if !q.Since.IsZero() {
		rng.Stop = q.Since.UnixMilli()
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	var out []story.Story
	page := int64(limit)
	if q.Topic != "" && q.FeedURL != "" {
		page = max(page, 64) // the feed filter drops some: read ahead
	}
	for off := int64(0); ; off += page {
		n, sts, err := s.recentPage(ctx, rng, off, page)
		if err != nil {
			return nil, err
		}
		for _, st := range sts {
			if matches(q, st) {
				out = append(out, st)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		if n < page {
			return out, nil
		}
	}
}

// recentPageScript reads one page of an index, newest first, with the records, in one round
// trip. KEYS[1] the index (ZSET), KEYS[2] the records (HASH); ARGV: max score, min score,
// offset, count. Returns {ids, records} (a record is nil when trimmed meanwhile).
var recentPageScript = redis.NewScript(`
local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'BYSCORE', 'REV', 'LIMIT', ARGV[3], ARGV[4])
if #ids == 0 then return {ids, {}} end
return {ids, redis.call('HMGET', KEYS[2], unpack(ids))}
`)

// recentPage returns how many index entries the page held and their decoded stories.
func (s *Store) recentPage(ctx context.Context, rng redis.ZRangeArgs, off, count int64) (int64, []story.Story, error) {
	res, err := recentPageScript.Run(ctx, s.rdb, []string{rng.Key, s.keys.storyRecords()},
		rng.Start, rng.Stop, off, count).Slice()
	if err != nil {
		return 0, nil, s.wrap("recent stories", err)
	}
	if len(res) != 2 {
		return 0, nil, fmt.Errorf("redisstore: recent stories: bad script reply of %d parts", len(res))
	}
	ids, _ := res[0].([]any)
	recs, _ := res[1].([]any)
	var out []story.Story
	for i, v := range recs {
		js, ok := v.(string)
		if !ok {
			continue
		}
		var st story.Story
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			return 0, nil, fmt.Errorf("redisstore: recent stories: decode %v: %w", ids[i], err)
		}
		out = append(out, st)
	}
	return int64(len(ids)), out, nil
}

func matches(q store.StoryQuery, st story.Story) bool {
	return (q.Topic == "" || st.HasTopic(q.Topic)) &&
		(q.FeedURL == "" || st.FeedURL == q.FeedURL) &&
		(q.Since.IsZero() || !st.Published.Before(q.Since)) &&
		(q.Until.IsZero() || st.Published.Before(q.Until))
}

// trimBatch is how many stories TrimStories examines and deletes per round trip.
const trimBatch = 500

// TrimStories deletes the stories published before now minus the Stories retention and, beyond
// MaxStories, the oldest ones, with their index entries; it returns how many it deleted.
func (s *Store) TrimStories(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.ret.Stories)
	ctx, cancel := context.WithTimeout(ctx, 10*s.tmo) // a big trim takes several round trips
	defer cancel()
	total, err := s.rdb.ZCard(ctx, s.keys.storyByTime()).Result()
	if err != nil {
		return 0, s.wrap("trim stories", err)
	}
	excess := int(total) - s.ret.MaxStories
	deleted := 0
	for {
		zs, err := s.rdb.ZRangeWithScores(ctx, s.keys.storyByTime(), 0, trimBatch-1).Result()
		if err != nil {
			return deleted, s.wrap("trim stories", err)
		}
		victims := s.trimVictims(zs, cutoff, &excess)
		if len(victims) == 0 {
			s.log.Debug("stories trimmed", "deleted", deleted, "cutoff", cutoff)
			return deleted, nil
		}
		n, err := s.deleteStories(ctx, victims)
		deleted += n
		if err != nil {
			return deleted, err
		}
		if len(victims) < len(zs) {
			s.log.Debug("stories trimmed", "deleted", deleted, "cutoff", cutoff)
			return deleted, nil
		}
	}
}

// trimVictims picks, from the oldest index entries, those past the cutoff or beyond the cap;
// it stops at the first one to keep, since the index is ordered by age.
func (s *Store) trimVictims(zs []redis.Z, cutoff time.Time, excess *int) []string {
	cut := cutoff.UnixMilli()
	var out []string
	for _, z := range zs {
		old := int64(z.Score) < cut
		if !old && *excess <= 0 {
			break
		}
		*excess--
		out = append(out, z.Member.(string))
	}
	return out
}

// deleteStories removes the records of ids and every index entry pointing at them in one
// MULTI/EXEC; the count is how many records existed.
func (s *Store) deleteStories(ctx context.Context, ids []string) (int, error) {
	sts, err := s.loadStories(ctx, ids)
	if err != nil {
		return 0, err
	}
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	byIndex := map[string][]any{}
	for _, st := range sts {
		if st.FeedURL != "" {
			k := s.keys.storyByFeed(st.FeedURL)
			byIndex[k] = append(byIndex[k], st.ID)
		}
		for _, t := range uniq(st.Topics) {
			k := s.keys.storyByTopic(t)
			byIndex[k] = append(byIndex[k], st.ID)
		}
	}
	var hdel *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		hdel = p.HDel(ctx, s.keys.storyRecords(), ids...)
		p.ZRem(ctx, s.keys.storyByTime(), members...)
		for k, m := range byIndex {
			p.ZRem(ctx, k, m...)
		}
		return nil
	})
	if err != nil {
		return 0, s.wrap("trim stories", err)
	}
	return int(hdel.Val()), nil
}

// CountStories is the size of the time index, which holds every stored story once.
func (s *Store) CountStories(ctx context.Context) (int, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	n, err := s.rdb.ZCard(ctx, s.keys.storyByTime()).Result()
	if err != nil {
		return 0, s.wrap("count stories", err)
	}
	return int(n), nil
}
