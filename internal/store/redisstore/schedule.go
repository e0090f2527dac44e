package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// takeScript leases due feeds: the first ARGV[2] feeds due by ARGV[1] (unix ms) are moved to
// ARGV[3], the end of their lease, and returned. Atomic, so two replicas never take one feed.
var takeScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, u in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], u)
end
return due
`)

// Schedule is the poll schedule the replicas share (poller.Schedule): one sorted set of feed
// URLs scored by their next due time, leases included.
type Schedule struct{ s *Store }

// PollSchedule returns the shared poll schedule.
func (s *Store) PollSchedule() *Schedule { return &Schedule{s: s} }

// Add puts feedURL on the schedule due at at unless it is already there.
func (sc *Schedule) Add(ctx context.Context, feedURL string, at time.Time) error {
	ctx, cancel := sc.s.call(ctx)
	defer cancel()
	err := sc.s.rdb.ZAddNX(ctx, sc.s.keys.pollDue(), redis.Z{Score: float64(at.UnixMilli()), Member: feedURL}).Err()
	return sc.s.wrap("add feed to the poll schedule", err)
}

// Take leases up to n feeds due at now until now+lease.
func (sc *Schedule) Take(ctx context.Context, now time.Time, n int, lease time.Duration) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	ctx, cancel := sc.s.call(ctx)
	defer cancel()
	urls, err := takeScript.Run(ctx, sc.s.rdb, []string{sc.s.keys.pollDue()}, now.UnixMilli(), n, now.Add(lease).UnixMilli()).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return urls, sc.s.wrap("take due feeds", err)
}

// Due sets feedURL's next poll, replacing its lease.
func (sc *Schedule) Due(ctx context.Context, feedURL string, at time.Time) error {
	ctx, cancel := sc.s.call(ctx)
	defer cancel()
	err := sc.s.rdb.ZAdd(ctx, sc.s.keys.pollDue(), redis.Z{Score: float64(at.UnixMilli()), Member: feedURL}).Err()
	return sc.s.wrap("set a feed's next poll", err)
}

// Remove drops feedURL from the schedule.
func (sc *Schedule) Remove(ctx context.Context, feedURL string) error {
	ctx, cancel := sc.s.call(ctx)
	defer cancel()
	return sc.s.wrap("remove feed from the poll schedule", sc.s.rdb.ZRem(ctx, sc.s.keys.pollDue(), feedURL).Err())
}

// Earliest is when the next feed comes due.
func (sc *Schedule) Earliest(ctx context.Context) (time.Time, bool, error) {
	ctx, cancel := sc.s.call(ctx)
	defer cancel()
	zs, err := sc.s.rdb.ZRangeWithScores(ctx, sc.s.keys.pollDue(), 0, 0).Result()
	if err != nil {
		return time.Time{}, false, sc.s.wrap("read the poll schedule", err)
	}
	if len(zs) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(zs[0].Score)), true, nil
}
