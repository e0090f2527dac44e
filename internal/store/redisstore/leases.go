package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// leaseGrace is added to a lease key's Redis TTL: the TTL only garbage-collects, the explicit
// expiry stored in the value (from Options.Now) decides who holds the lease, so an injected
// clock works and a slightly skewed server clock cannot end a lease early.
const leaseGrace = time.Minute

// acquireLeaseScript makes ARGV[2] the holder of KEYS[1] unless another owner holds an
// unexpired lease.
//
//	KEYS[1] the lease (STRING "<expiry unix ms>|<owner>")
//	ARGV[1] now (unix ms), ARGV[2] owner, ARGV[3] new expiry (unix ms), ARGV[4] key TTL (ms)
//
// Returns 1 when the owner holds the lease now, else 0.
var acquireLeaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  local exp = tonumber(string.sub(v, 1, sep - 1))
  if string.sub(v, sep + 1) ~= ARGV[2] and exp > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[3] .. '|' .. ARGV[2], 'PX', ARGV[4])
return 1
`)

// releaseLeaseScript deletes KEYS[1] when ARGV[1] holds it. Returns 1 when it did, else 0.
var releaseLeaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  if string.sub(v, sep + 1) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
`)

// AcquireLease makes owner the holder of name for ttl unless somebody else holds it; an owner
// re-acquiring its own lease extends it. It reports whether owner holds the lease now.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if name == "" || owner == "" {
		return false, errors.New("redisstore: acquire lease: empty name or owner")
	}
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: acquire lease %s: ttl must be positive, got %v", name, ttl)
	}
	now := s.now()
	ctx, cancel := s.call(ctx)
	defer cancel()
	n, err := acquireLeaseScript.Run(ctx, s.rdb, []string{s.keys.lease(name)},
		now.UnixMilli(), owner, now.Add(ttl).UnixMilli(), (ttl + leaseGrace).Milliseconds()).Int64()
	if err != nil {
		return false, s.wrap("acquire lease", err)
	}
	return n == 1, nil
}

// ReleaseLease gives up name if owner holds it; otherwise it does nothing.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	err := releaseLeaseScript.Run(ctx, s.rdb, []string{s.keys.lease(name)}, owner).Err()
	return s.wrap("release lease", err)
}
