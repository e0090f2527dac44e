package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/story"
)

// seenField is the bucket field of a story ID: its 64-bit value as 8 raw big-endian bytes.
// IDs made by story.NewID (16 hex digits) map losslessly; any other non-empty string is hashed
// to 64 bits first, so the store still accepts it (with a 2^-64 chance of a collision).
func seenField(id string) (string, error) {
	v, ok := story.ParseID(id)
	if !ok {
		if id == "" {
			return "", errors.New("redisstore: empty story id")
		}
		h := fnv.New64a()
		h.Write([]byte(id))
		v = h.Sum64()
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return string(b[:]), nil
}

// seenBucketOf mirrors the scripts' bucket function (seen_scripts.go), for tests and tools:
// the bucket of field in a table at level l with split pointer p.
func seenBucketOf(field string, l, p uint32) uint32 {
	x := uint32(field[5])<<16 | uint32(field[6])<<8 | uint32(field[7])
	b := x % (1 << l)
	if b < p {
		b = x % (1 << (l + 1))
	}
	return b
}

// seenCall runs one of the seen scripts over a batch (argument layout in seen_scripts.go).
func (s *Store) seenCall(ctx context.Context, op string, sc *redis.Script, channelID string,
	ids []string, arg2 string, keyTTL time.Duration) (*redis.Cmd, error) {
	if channelID == "" {
		return nil, fmt.Errorf("redisstore: %s: empty channel id", op)
	}
	args := make([]any, 6, 6+len(ids))
	args[0] = s.now().UnixMilli()
	args[1] = arg2
	args[2] = keyTTL.Milliseconds()
	args[3] = int64(s.purgeSlack() / time.Second)
	args[4] = s.keys.seenBucketPrefix(channelID)
	args[5] = "0"
	for _, id := range ids {
		f, err := seenField(id)
		if err != nil {
			return nil, fmt.Errorf("redisstore: %s: %w", op, err)
		}
		args = append(args, f)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	cmd := sc.Run(ctx, s.rdb, []string{s.keys.seenTable(channelID), s.keys.seenLeases(channelID)}, args...)
	if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.wrap(op, err)
	}
	return cmd, nil
}

// purgeSlack is how long past the earliest seen expiry a bucket waits before purging: batching
// purges keeps their cost amortised to O(1) per claim while bounding expired leftovers.
func (s *Store) purgeSlack() time.Duration {
	return max(s.ret.Seen/64, time.Second)
}

// seenTTLGuard is how much longer than the seen retention (plus purge slack) a bucket's TTL
// runs: entries expire by Options.Now, keys by the server's clock, and the guard absorbs a
// difference between the two.
const seenTTLGuard = time.Hour

// bucketTTL is the garbage-collection TTL of a bucket (and the table state) written now: it
// outlives every entry. Buckets hold only seen marks (leases live in the lease hash).
func (s *Store) bucketTTL() time.Duration {
	return s.ret.Seen + s.purgeSlack() + seenTTLGuard
}

// leaseTTL is the garbage-collection TTL of the lease hash after a claim for lease: it outlives
// the lease (Claim only ever extends it), and the slack keeps a busy channel's hash alive.
func (s *Store) leaseTTL(lease time.Duration) time.Duration {
	return lease + s.purgeSlack()
}

// Claim leases the ids not seen in channelID and not leased there, in one round trip.
func (s *Store) Claim(ctx context.Context, channelID string, ids []string, lease time.Duration) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if lease <= 0 {
		return nil, fmt.Errorf("redisstore: claim: lease must be positive, got %v", lease)
	}
	until := s.now().Add(lease).UnixMilli()
	cmd, err := s.seenCall(ctx, "claim", claimScript, channelID, ids, strconv.FormatInt(until, 10), s.leaseTTL(lease))
	if err != nil {
		return nil, err
	}
	return pick(cmd, ids, "claim")
}

// Confirm marks ids seen in channelID until now plus the Seen retention, dropping their leases.
func (s *Store) Confirm(ctx context.Context, channelID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	exp := s.now().Add(s.ret.Seen)
	sec := exp.Unix()
	if exp.Nanosecond() != 0 {
		sec++ // seen for at least the retention
	}
	_, err := s.seenCall(ctx, "confirm", confirmScript, channelID, ids, strconv.FormatInt(sec, 10), s.bucketTTL())
	return err
}

// Release drops the leases on ids in channelID so they can be claimed again at once.
func (s *Store) Release(ctx context.Context, channelID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.seenCall(ctx, "release", releaseScript, channelID, ids, "", s.bucketTTL())
	return err
}

// Unseen returns the ids neither seen nor leased in channelID, without claiming them.
func (s *Store) Unseen(ctx context.Context, channelID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmd, err := s.seenCall(ctx, "unseen", unseenScript, channelID, ids, "", s.bucketTTL())
	if err != nil {
		return nil, err
	}
	return pick(cmd, ids, "unseen")
}

// pick maps the 1-based positions a script returned back to ids.
func pick(cmd *redis.Cmd, ids []string, op string) ([]string, error) {
	pos, err := cmd.Int64Slice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: %s: bad script reply: %w", op, err)
	}
	var out []string // nil when nothing matched, like the bbolt backend's appends
	for _, p := range pos {
		if p < 1 || int(p) > len(ids) {
			return nil, fmt.Errorf("redisstore: %s: script returned position %d of %d", op, p, len(ids))
		}
		out = append(out, ids[p-1])
	}
	return out, nil
}
