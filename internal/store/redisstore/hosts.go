package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// acquireHostScript gives ARGV[2] one of ARGV[3] slots of a host unless that many unexpired
// holders have one; a holder asking again keeps its slot with the new expiry. Lapsed holders
// (a replica killed mid-fetch) are dropped first, so a dead replica's slot frees itself.
//
//	KEYS[1] the host's slots (ZSET holder -> expiry unix ms)
//	ARGV[1] now (unix ms), ARGV[2] holder, ARGV[3] limit, ARGV[4] expiry (unix ms),
//	ARGV[5] key TTL (ms)
//
// Returns 1 when the holder holds a slot now, else 0.
var acquireHostScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
return 1
`)

// HostSlots bounds fetches per host across the replicas (poller.HostSlots).
type HostSlots struct{ s *Store }

// HostSlots returns the fleet-wide per-host fetch slots.
func (s *Store) HostSlots() *HostSlots { return &HostSlots{s: s} }

// AcquireHost takes one of limit slots of host for holder until lease has passed, unless limit
// other holders have one; it reports whether holder holds a slot now.
func (h *HostSlots) AcquireHost(ctx context.Context, host, holder string, limit int, lease time.Duration) (bool, error) {
	if host == "" || holder == "" {
		return false, errors.New("redisstore: acquire host slot: empty host or holder")
	}
	if limit < 1 || lease <= 0 {
		return false, fmt.Errorf("redisstore: acquire host slot of %s: limit %d and lease %v must be positive", host, limit, lease)
	}
	now := h.s.now()
	ctx, cancel := h.s.call(ctx)
	defer cancel()
	n, err := acquireHostScript.Run(ctx, h.s.rdb, []string{h.s.keys.hostSlots(host)},
		now.UnixMilli(), holder, limit, now.Add(lease).UnixMilli(), (lease + leaseGrace).Milliseconds()).Int64()
	if err != nil {
		return false, h.s.wrap("acquire host slot", err)
	}
	return n == 1, nil
}

// ReleaseHost frees holder's slot of host.
func (h *HostSlots) ReleaseHost(ctx context.Context, host, holder string) error {
	ctx, cancel := h.s.call(ctx)
	defer cancel()
	return h.s.wrap("release host slot", h.s.rdb.ZRem(ctx, h.s.keys.hostSlots(host), holder).Err())
}
