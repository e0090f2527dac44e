package redisstore

import "github.com/redis/go-redis/v9"

// The seen scripts share one layout so each handles a whole batch in one round trip:
//
//	KEYS[i]   the seen bucket of the i-th id (keys.seen; all share the channel's hash tag)
//	ARGV[1]   now, unix milliseconds from Options.Now
//	ARGV[2]   script-specific value (see each script)
//	ARGV[3]   bucket key TTL in milliseconds (garbage collection only)
//	ARGV[4]   purge slack in seconds
//	ARGV[4+i] the bucket field of the i-th id (its low 7 bytes, raw)
//
// A field's value is either the seen expiry in unix seconds (a plain integer, so the listpack
// stores it in 5 bytes) or "p<unix ms>", a lease pending until that millisecond. The field "~"
// is the unix second after which the next write should purge expired fields from the bucket.
const seenLib = `
local now_ms = tonumber(ARGV[1])
local now_s = math.floor(now_ms / 1000)
local key_ttl = ARGV[3]
local slack = tonumber(ARGV[4])
local P = 112 -- byte of "p"

local function live(v)
  if not v then return false end
  if string.byte(v, 1) == P then
    return tonumber(string.sub(v, 2)) > now_ms
  end
  return tonumber(v) * 1000 > now_ms
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
    redis.call('HDEL', key, unpack(dead, j, math.min(j + 999, #dead)))
  end
  if next_exp then
    redis.call('HSET', key, '~', next_exp + slack)
  else
    redis.call('HDEL', key, '~')
  end
end
`

// claimScript leases the ids neither seen nor leased. ARGV[2] is the lease value "p<until ms>".
// Returns the 1-based positions of the claimed ids, in input order. It also purges a bucket
// whose marker has passed, which keeps buckets from accumulating expired fields.
var claimScript = redis.NewScript(seenLib + `
local lease = ARGV[2]
local out, checked = {}, {}
for i = 1, #KEYS do
  local k, f = KEYS[i], ARGV[4 + i]
  local r = redis.call('HMGET', k, f, '~')
  if not checked[k] then
    checked[k] = true
    if r[2] and tonumber(r[2]) <= now_s then purge(k) end
    redis.call('PEXPIRE', k, key_ttl)
  end
  if not live(r[1]) then
    redis.call('HSET', k, f, lease)
    out[#out + 1] = i
  end
end
return out
`)

// confirmScript marks the ids seen until ARGV[2] (unix seconds), replacing any lease, and sets
// the purge marker of a bucket that has none. Returns the number of ids.
var confirmScript = redis.NewScript(seenLib + `
local exp = ARGV[2]
local touched = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  redis.call('HSET', k, ARGV[4 + i], exp)
  if not touched[k] then
    touched[k] = true
    redis.call('HSETNX', k, '~', tonumber(exp) + slack)
    redis.call('PEXPIRE', k, key_ttl)
  end
end
return #KEYS
`)

// releaseScript drops the leases on the ids (never a seen mark). ARGV[2] is unused.
// Returns the number of leases dropped.
var releaseScript = redis.NewScript(seenLib + `
local n = 0
for i = 1, #KEYS do
  local v = redis.call('HGET', KEYS[i], ARGV[4 + i])
  if v and string.byte(v, 1) == P then
    n = n + redis.call('HDEL', KEYS[i], ARGV[4 + i])
  end
end
return n
`)

// unseenScript returns the 1-based positions of the ids neither seen nor under an unexpired
// lease, in input order, changing nothing. ARGV[2] is unused.
var unseenScript = redis.NewScript(seenLib + `
local out = {}
for i = 1, #KEYS do
  if not live(redis.call('HGET', KEYS[i], ARGV[4 + i])) then
    out[#out + 1] = i
  end
end
return out
`)
