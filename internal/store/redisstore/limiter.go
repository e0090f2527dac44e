package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/ratelimit"
)

// reserveScript is ratelimit.LocalLimiter.Reserve over the fleet's shared state, atomically:
// the global pause, the invalid-request budget, the GCRA pace, then the bucket. It takes a
// request (advancing tat, and the bucket's count when known) only when all allow it.
//
//	KEYS[1] rateGlobal, KEYS[2] rateBucket, KEYS[3] rateInvalid
//	ARGV    now µs, interval µs, invalid budget, invalid window µs, invalid wait µs
//
// Returns {wait µs, global 0|1}; wait 0 means the request was taken.
var reserveScript = redis.NewScript(`
local function int(x) return string.format('%d', x) end
local now, interval, budget, window, iwait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local g = redis.call('HMGET', KEYS[1], 'tat', 'pause')
local tat, pause = tonumber(g[1]) or 0, tonumber(g[2]) or 0
if now < pause then return {pause - now, 1} end
local iv = redis.call('HMGET', KEYS[3], 'start', 'prev', 'cur')
local start, prev, cur = tonumber(iv[1]) or 0, tonumber(iv[2]) or 0, tonumber(iv[3]) or 0
if start == 0 or now - start >= 2 * window then
  prev, cur, start = 0, 0, now - (now % window)
elseif now - start >= window then
  prev, cur, start = cur, 0, start + window
end
local rest = 1 - (now - start) / window
if rest < 0 then rest = 0 end
if prev * rest + cur >= budget then return {iwait, 1} end
if now < tat - interval then return {tat - interval - now, 1} end
local b = redis.call('HMGET', KEYS[2], 'known', 'limit', 'rem', 'reset')
if b[1] == '1' then
  local limit, rem, reset = tonumber(b[2]) or 0, tonumber(b[3]) or 0, tonumber(b[4]) or 0
  if now >= reset then
    rem, reset = math.max(limit, 1), 0
  end
  if rem <= 0 then return {math.max(reset - now, 1000), 0} end
  redis.call('HSET', KEYS[2], 'rem', int(rem - 1), 'reset', int(reset))
  redis.call('PEXPIRE', KEYS[2], int(math.max(reset - now, 0) / 1000 + 60000))
end
if tat < now then tat = now end
redis.call('HSET', KEYS[1], 'tat', int(tat + interval))
redis.call('PEXPIRE', KEYS[1], int((math.max(tat + interval, pause) - now) / 1000 + 60000))
return {0, 0}
`)

// observeScript is ratelimit.LocalLimiter.Observe over the fleet's shared state.
//
//	KEYS    as reserveScript
//	ARGV    now µs, invalid 0|1, has bucket 0|1, limit, remaining, reset after µs,
//	        retry after µs, global 0|1, invalid window µs
var observeScript = redis.NewScript(`
local function int(x) return string.format('%d', x) end
local now, invalid, has, limit, remaining, resetAfter, retry, global, window =
  tonumber(ARGV[1]), ARGV[2] == '1', ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
  tonumber(ARGV[7]), ARGV[8] == '1', tonumber(ARGV[9])
if invalid then
  local iv = redis.call('HMGET', KEYS[3], 'start', 'prev', 'cur')
  local start, prev, cur = tonumber(iv[1]) or 0, tonumber(iv[2]) or 0, tonumber(iv[3]) or 0
  if start == 0 or now - start >= 2 * window then
    prev, cur, start = 0, 0, now - (now % window)
  elseif now - start >= window then
    prev, cur, start = cur, 0, start + window
  end
  redis.call('HSET', KEYS[3], 'start', int(start), 'prev', int(prev), 'cur', int(cur + 1))
  redis.call('PEXPIRE', KEYS[3], int(2 * window / 1000))
end
local b = redis.call('HMGET', KEYS[2], 'known', 'limit', 'rem', 'reset')
local known, blimit, rem, reset = b[1] == '1', tonumber(b[2]) or 0, tonumber(b[3]) or 0, tonumber(b[4]) or 0
local changed = false
if has then
  local resetAt = now + resetAfter
  if (not known) or resetAt > reset + 1000000 or remaining < rem then rem = remaining end
  known, blimit, reset, changed = true, limit, math.max(reset, resetAt), true
end
if retry > 0 then
  local untilT = now + retry
  if global then
    local pause = tonumber(redis.call('HGET', KEYS[1], 'pause')) or 0
    redis.call('HSET', KEYS[1], 'pause', int(math.max(pause, untilT)))
    redis.call('PEXPIRE', KEYS[1], int(retry / 1000 + 60000))
  else
    known, rem, reset, changed = true, 0, math.max(reset, untilT), true
  end
end
if changed then
  redis.call('HSET', KEYS[2], 'known', '1', 'limit', int(blimit), 'rem', int(rem), 'reset', int(reset))
  redis.call('PEXPIRE', KEYS[2], int(math.max(reset - now, 0) / 1000 + 60000))
end
return 1
`)

// Limiter is Discord's request budget shared by every replica on this Redis: the global pace,
// the buckets and the invalid-request count live in Redis and each decision is one script, so
// the fleet as a whole stays within the limits Discord sets per bot token. It behaves as
// ratelimit.LocalLimiter (both pass ratelimittest).
type Limiter struct {
	s        *Store
	interval time.Duration
	budget   int
	now      func() time.Time
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// Limiter returns the shared budget with opts (zero fields as ratelimit.NewLocalLimiter; the
// clock defaults to the store's).
func (s *Store) Limiter(opts ratelimit.Options) *Limiter {
	if opts.PerSecond <= 0 {
		opts.PerSecond = ratelimit.DefaultGlobalPerSecond
	}
	if opts.InvalidBudget <= 0 {
		opts.InvalidBudget = ratelimit.DefaultInvalidBudget
	}
	if opts.Now == nil {
		opts.Now = s.now
	}
	return &Limiter{s: s, interval: time.Duration(float64(time.Second) / opts.PerSecond), budget: opts.InvalidBudget, now: opts.Now}
}

func (l *Limiter) keys(bucket string) []string {
	k := l.s.keys
	return []string{k.rateGlobal(), k.rateBucket(bucket), k.rateInvalid()}
}

// Reserve implements ratelimit.Limiter.
func (l *Limiter) Reserve(ctx context.Context, bucket string) (time.Duration, bool, error) {
	ctx, cancel := l.s.call(ctx)
	defer cancel()
	res, err := reserveScript.Run(ctx, l.s.rdb, l.keys(bucket), l.now().UnixMicro(), l.interval.Microseconds(),
		l.budget, ratelimit.InvalidWindow.Microseconds(), ratelimit.InvalidWait.Microseconds()).Int64Slice()
	if err != nil {
		return 0, false, l.s.wrap("reserve a discord request", err)
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("redisstore: reserve a discord request: bad script reply %v", res)
	}
	return time.Duration(res[0]) * time.Microsecond, res[1] == 1, nil
}

// Observe implements ratelimit.Limiter.
func (l *Limiter) Observe(ctx context.Context, bucket string, o ratelimit.Observation) error {
	ctx, cancel := l.s.call(ctx)
	defer cancel()
	err := observeScript.Run(ctx, l.s.rdb, l.keys(bucket), l.now().UnixMicro(), flag(o.Invalid), flag(o.HasBucket),
		o.Limit, o.Remaining, o.ResetAfter.Microseconds(), o.RetryAfter.Microseconds(), flag(o.Global),
		ratelimit.InvalidWindow.Microseconds()).Err()
	return l.s.wrap("record a discord answer", err)
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
