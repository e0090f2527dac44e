package redisstore

import "github.com/redis/go-redis/v9"

// A channel's seen set is a linear-hashing table of small HASH buckets, so that it costs about
// the same per story whether the channel has seen ten stories or a million: buckets split one
// at a time as the channel grows, each staying a compact listpack.
//
// The seen scripts share one layout and handle a whole batch in one round trip:
//
//	KEYS[1]   the channel's seen table state (keys.seenTable)
//	ARGV[1]   now, unix milliseconds from Options.Now
//	ARGV[2]   script-specific value (see each script)
//	ARGV[3]   key TTL in milliseconds (garbage collection only)
//	ARGV[4]   purge slack in seconds
//	ARGV[5]   the channel's bucket key prefix (keys.seenBucketPrefix)
//	ARGV[6]   "1" when every touched bucket's TTL must be refreshed (a claim's lease is longer
//	          than seenTTLGuard), else "0"
//	ARGV[6+i] the i-th story id as 8 raw bytes
//
// The buckets are named from ARGV[5] inside the script (the bucket of an id depends on the
// table state only the script sees consistently); they share KEYS[1]'s hash tag, so they live
// in its Cluster slot.
//
// The state HASH holds L (level), p (split pointer) and n (entries in the table). An id whose
// low 24 bits are x lives in bucket x mod 2^L, or x mod 2^(L+1) when that is below p. When n
// exceeds seenLoad per bucket, bucket p splits into p and p+2^L and p advances.
//
// A bucket field's value is the seen expiry in unix seconds (a plain integer, which the listpack
// stores in 5 bytes) or "p<unix ms>", a lease pending until that millisecond. The field "~" is
// the unix second after which the next write should purge expired fields from the bucket.
const seenLib = `
local now_ms = tonumber(ARGV[1])
local now_s = math.floor(now_ms / 1000)
local key_ttl = ARGV[3]
local slack = tonumber(ARGV[4])
local bprefix = ARGV[5]
local always_expire = ARGV[6] == '1'
local FIRST = 7
local P = 112 -- byte of "p"
local LOAD = 40
local MAX_LEVEL = 24

local st = redis.call('HMGET', KEYS[1], 'L', 'p', 'n')
local L, p, n = tonumber(st[1]) or 0, tonumber(st[2]) or 0, tonumber(st[3]) or 0

local function live(v)
  if not v then return false end
  if string.byte(v, 1) == P then
    return tonumber(string.sub(v, 2)) > now_ms
  end
  return tonumber(v) * 1000 > now_ms
end

local function low24(f)
  local a, b, c = string.byte(f, 6, 8)
  return (a * 256 + b) * 256 + c
end

local function bucket(f)
  local x = low24(f)
  local b = x % (2 ^ L)
  if b < p then b = x % (2 ^ (L + 1)) end
  return bprefix .. string.format('%x', b)
end

-- purge drops every expired field of key and moves the purge marker to the earliest
-- remaining seen expiry plus slack (or removes it when no seen entry is left).
local function purge(key)
  local all = redis.call('HGETALL', key)
  local dead, next_exp = {}, nil
  for j = 1, #all, 2 do
    local f, v = all[j], all[j + 1]
    if f ~= '~' then
      if not live(v) then
        dead[#dead + 1] = f
      elseif string.byte(v, 1) ~= P then
        local e = tonumber(v)
        if next_exp == nil or e < next_exp then next_exp = e end
      end
    end
  end
  for j = 1, #dead, 1000 do
    n = n - redis.call('HDEL', key, unpack(dead, j, math.min(j + 999, #dead)))
  end
  if next_exp then
    redis.call('HSET', key, '~', next_exp + slack)
  else
    redis.call('HDEL', key, '~')
  end
end

-- split moves the entries of bucket p whose bit L is set to bucket p + 2^L.
local function split()
  local src = bprefix .. string.format('%x', p)
  local dst = bprefix .. string.format('%x', p + 2 ^ L)
  local all = redis.call('HGETALL', src)
  local pairs_, fields, marker = {}, {}, nil
  for j = 1, #all, 2 do
    local f = all[j]
    if f == '~' then
      marker = all[j + 1]
    elseif math.floor(low24(f) / (2 ^ L)) % 2 == 1 then
      pairs_[#pairs_ + 1] = f
      pairs_[#pairs_ + 1] = all[j + 1]
      fields[#fields + 1] = f
    end
  end
  if #fields > 0 then
    redis.call('HSET', dst, unpack(pairs_))
    redis.call('HDEL', src, unpack(fields))
    if marker then redis.call('HSET', dst, '~', marker) end
    redis.call('PEXPIRE', dst, key_ttl)
  end
  p = p + 1
  if p == 2 ^ L then
    L, p = L + 1, 0
  end
end

-- grow splits buckets until the table is back under its load factor.
local function grow()
  while n > LOAD * (2 ^ L + p) and L < MAX_LEVEL do split() end
end

local function save()
  redis.call('HSET', KEYS[1], 'L', L, 'p', p, 'n', math.max(n, 0))
  redis.call('PEXPIRE', KEYS[1], key_ttl)
end
`

// claimScript leases the ids neither seen nor leased. ARGV[2] is the lease value "p<until ms>".
// Returns the 1-based positions of the claimed ids, in input order. It also purges a bucket
// whose marker has passed, which keeps buckets from accumulating expired fields.
var claimScript = redis.NewScript(seenLib + `
-- A bucket whose purge marker is set and not due was written by a Confirm less than a
-- retention ago, which gave it a TTL of at least the retention plus seenTTLGuard: it outlives
-- any lease up to seenTTLGuard without a PEXPIRE here. New, lease-only and just-purged buckets
-- (no marker) get one.
local out, checked, expire = {}, {}, {}
for i = FIRST, #ARGV do
  local f = ARGV[i]
  local k = bucket(f)
  local r = redis.call('HMGET', k, f, '~')
  if not checked[k] then
    checked[k] = true
    local due = r[2] and tonumber(r[2]) <= now_s
    if due then purge(k) end
    if always_expire or due or not r[2] then expire[#expire + 1] = k end
  end
  if not live(r[1]) then
    n = n + redis.call('HSET', k, f, ARGV[2])
    out[#out + 1] = i - FIRST + 1
    grow()
  end
end
for _, k in ipairs(expire) do -- after the writes: PEXPIRE does nothing to a missing key
  redis.call('PEXPIRE', k, key_ttl)
end
save()
return out
`)

// confirmScript marks the ids seen until ARGV[2] (unix seconds), replacing any lease, and sets
// the purge marker of a bucket that has none. Returns the number of ids.
var confirmScript = redis.NewScript(seenLib + `
local exp = ARGV[2]
local touched = {}
for i = FIRST, #ARGV do
  local k = bucket(ARGV[i])
  n = n + redis.call('HSET', k, ARGV[i], exp)
  if not touched[k] then
    touched[k] = true
    redis.call('HSETNX', k, '~', tonumber(exp) + slack)
    redis.call('PEXPIRE', k, key_ttl)
  end
  grow()
end
save()
return #ARGV - FIRST + 1
`)

// releaseScript drops the leases on the ids (never a seen mark). ARGV[2] is unused.
// Returns the number of leases dropped.
var releaseScript = redis.NewScript(seenLib + `
local dropped = 0
for i = FIRST, #ARGV do
  local k = bucket(ARGV[i])
  local v = redis.call('HGET', k, ARGV[i])
  if v and string.byte(v, 1) == P then
    dropped = dropped + redis.call('HDEL', k, ARGV[i])
  end
end
if dropped > 0 then
  n = n - dropped
  save()
end
return dropped
`)

// unseenScript returns the 1-based positions of the ids neither seen nor under an unexpired
// lease, in input order, changing nothing. ARGV[2] is unused.
var unseenScript = redis.NewScript(seenLib + `
local out = {}
for i = FIRST, #ARGV do
  if not live(redis.call('HGET', bucket(ARGV[i]), ARGV[i])) then
    out[#out + 1] = i - FIRST + 1
  end
end
return out
`)
