package redisstore

import "github.com/redis/go-redis/v9"

// seenLoad is the average number of entries per bucket at which the table splits (the Lua
// LOAD below must match; TestSeenTableGrows checks it). Claims scan a bucket's listpack, so
// their cost grows with it, while each bucket key costs ~150 bytes of overhead: 10 keeps a
// claim cheap and memory near 30 bytes per seen story (measured in docs/performance.md).
const seenLoad = 10

// A channel's seen set is a linear-hashing table of small HASH buckets, so that it costs about
// the same per story whether the channel has seen ten stories or a million: buckets split one
// at a time as the channel grows, each staying a compact listpack. Pending delivery leases live
// apart from it, in one small HASH per channel (keys.seenLeases): a claim, the hot path, then
// only reads the buckets, one HMGET per bucket its batch touches, and writes the lease hash
// once per batch. Only Confirm writes buckets (and grows the table, and purges expired
// entries), so a claim needs neither the table's split logic nor the buckets' purge markers
// and TTLs.
//
// The seen scripts share one layout and handle a whole batch in one round trip:
//
//	KEYS[1]   the channel's seen table state (keys.seenTable)
//	KEYS[2]   the channel's lease hash (keys.seenLeases)
//	ARGV[1]   now, unix milliseconds from Options.Now
//	ARGV[2]   script-specific value (see each script)
//	ARGV[3]   key TTL in milliseconds (garbage collection only): for Claim the lease hash's,
//	          for the others the buckets'
//	ARGV[4]   purge slack in seconds
//	ARGV[5]   the channel's bucket key prefix (keys.seenBucketPrefix)
//	ARGV[6]   unused ("0"; kept so the positions of the ids stay put)
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
// stores in 5 bytes) or, left by older versions, "p<unix ms>", a lease pending until that
// millisecond. The field "~" is the unix second after which the next Confirm into the bucket
// should purge expired fields from it.
const seenLib = `
local now_ms = tonumber(ARGV[1])
local now_s = math.floor(now_ms / 1000)
local key_ttl = ARGV[3]
local slack = tonumber(ARGV[4])
local bprefix = ARGV[5]
local FIRST = 7
local P = 112 -- byte of "p"
local LOAD = 10 -- average entries per bucket: short listpack scans, see docs/performance.md
local MAX_LEVEL = 24
local CHUNK = 1000 -- unpack() limit: Lua's C stack holds 8,000 values
local call, byte, sub, format, floor = redis.call, string.byte, string.sub, string.format, math.floor

local st = call('HMGET', KEYS[1], 'L', 'p', 'n')
local L, p, n = tonumber(st[1]) or 0, tonumber(st[2]) or 0, tonumber(st[3]) or 0
-- M (2^L) and cap (the entries the table may hold before its next split) change only in
-- split(); keeping them saves a pow() per id.
local M = 2 ^ L
local cap = LOAD * (M + p)

-- live says whether a bucket value (seen expiry in seconds, or an old "p<ms>" lease) holds.
local function live(v)
  if not v then return false end
  if byte(v, 1) == P then
    return tonumber(sub(v, 2)) > now_ms
  end
  return tonumber(v) * 1000 > now_ms
end

-- PAD makes the lease hash's "~" value longer than hash-max-listpack-value (64 by default),
-- which keeps that hash in hashtable encoding: a batch HSET or HDEL into a listpack scans it
-- once per field (quadratic in the batch), into a hashtable it does not.
local PAD = ' ' .. string.rep('-', 64)

-- limit reads the lease hash's purge limit ("~": a number, then PAD).
local function limit(v)
  return v and tonumber(string.match(v, '^%d+'))
end

-- leased says whether a lease hash value (expiry in unix ms) holds.
local function leased(v)
  return v and tonumber(v) > now_ms
end

local function low24(f)
  local a, b, c = byte(f, 6, 8)
  return (a * 256 + b) * 256 + c
end

-- index is the bucket number of field f under the current L and p.
local function index(f)
  local x = low24(f)
  local b = x % M
  if b < p then b = x % (M + M) end
  return b
end

-- name is the key of bucket b. Up to 4,096 buckets (a channel of ~40k stories) it is built
-- in one concatenation, without string.format, which costs more than the rest of a lookup's
-- Lua.
local HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'}
local function name(b)
  if b < 16 then return bprefix .. HEX[b + 1] end
  if b < 256 then return bprefix .. HEX[floor(b / 16) + 1] .. HEX[b % 16 + 1] end
  if b < 4096 then
    return bprefix .. HEX[floor(b / 256) + 1] .. HEX[floor(b / 16) % 16 + 1] .. HEX[b % 16 + 1]
  end
  return bprefix .. format('%x', b)
end

-- reply splits a command's reply into a list and an integer, as multi returns them.
local function reply(r)
  if type(r) == 'table' then return r, 0 end
  return {}, r
end

-- multi runs cmd on key with items[from..to] (after first, when not nil, which goes with the
-- first chunk only), in chunks that unpack() can take, and returns the concatenated reply
-- list or the summed integers. Nothing is sent when the range is empty.
local function multi(cmd, key, first, items, from, to)
  if to < from then return {}, 0 end
  if to - from < CHUNK then -- one call, straight from items (often ARGV itself)
    if first then return reply(call(cmd, key, first, unpack(items, from, to))) end
    return reply(call(cmd, key, unpack(items, from, to)))
  end
  local out, sum = {}, 0
  for j = from, to, CHUNK do
    local args = {}
    if j == from and first then args[1] = first end
    for x = j, math.min(j + CHUNK - 1, to) do args[#args + 1] = items[x] end
    local r, x = reply(call(cmd, key, unpack(args)))
    for _, v in ipairs(r) do out[#out + 1] = v end
    sum = sum + x
  end
  return out, sum
end

-- unlease drops the leases on the ids from the lease hash, and the hash itself when only its
-- "~" is left; it returns how many leases it dropped.
local function unlease()
  local _, dropped = multi('HDEL', KEYS[2], nil, ARGV, FIRST, #ARGV)
  if dropped > 0 and call('HLEN', KEYS[2]) == 1 then call('DEL', KEYS[2]) end
  return dropped
end

-- group maps every id argument to its bucket, so that a read-only script reads each bucket
-- once per batch: it returns the bucket numbers in order of first appearance, head[b] (the
-- first ARGV position in bucket b) and nxt[i] (the next position in the same bucket). Chains
-- in flat tables, not a table per bucket: most buckets get one id, and tables cost.
local function group()
  local order, head, tail, nxt = {}, {}, {}, {}
  for i = FIRST, #ARGV do
    local b = index(ARGV[i])
    local t = tail[b]
    if t then
      nxt[t] = i
    else
      head[b] = i
      order[#order + 1] = b
    end
    tail[b] = i
  end
  return order, head, nxt
end

-- seen returns a set of the ARGV positions whose id is live in its bucket and, when dedupe,
-- of the repeats of an id given more than once (they share a bucket, so only buckets given
-- several ids need checking).
local function seen(dedupe)
  local hit = {}
  local order, head, nxt = group()
  for _, b in ipairs(order) do
    local i, k = head[b], name(b)
    if not nxt[i] then
      if live(call('HGET', k, ARGV[i])) then hit[i] = true end
    else
      local pos, fs, once = {}, {}, {}
      while i do
        if dedupe and once[ARGV[i]] then
          hit[i] = true
        else
          once[ARGV[i]] = true
          pos[#pos + 1] = i
          fs[#fs + 1] = ARGV[i]
        end
        i = nxt[i]
      end
      local r = multi('HMGET', k, nil, fs, 1, #fs)
      for j = 1, #pos do
        if live(r[j]) then hit[pos[j]] = true end
      end
    end
  end
  return hit
end

-- purge drops every expired field of key and moves the purge marker to the earliest
-- remaining seen expiry plus slack (or removes it when no seen entry is left).
local function purge(key)
  local all = call('HGETALL', key)
  local dead, next_exp = {}, nil
  for j = 1, #all, 2 do
    local f, v = all[j], all[j + 1]
    if f ~= '~' then
      if not live(v) then
        dead[#dead + 1] = f
      elseif byte(v, 1) ~= P then
        local e = tonumber(v)
        if next_exp == nil or e < next_exp then next_exp = e end
      end
    end
  end
  local _, gone = multi('HDEL', key, nil, dead, 1, #dead)
  n = n - gone
  if next_exp then
    call('HSET', key, '~', next_exp + slack)
  else
    call('HDEL', key, '~')
  end
end

-- split moves the entries of bucket p whose bit L is set to bucket p + 2^L. The purge marker
-- goes first, so that reading it stops at the listpack's first entry.
local function split()
  local src = name(p)
  local dst = name(p + M)
  local all = call('HGETALL', src)
  local pairs_, fields = {}, {}
  for j = 1, #all, 2 do
    local f = all[j]
    if f == '~' then
      table.insert(pairs_, 1, all[j + 1])
      table.insert(pairs_, 1, f)
    elseif floor(low24(f) / M) % 2 == 1 then
      pairs_[#pairs_ + 1] = f
      pairs_[#pairs_ + 1] = all[j + 1]
      fields[#fields + 1] = f
    end
  end
  if #fields > 0 then
    multi('HSET', dst, nil, pairs_, 1, #pairs_)
    multi('HDEL', src, nil, fields, 1, #fields)
    call('PEXPIRE', dst, key_ttl)
  end
  p = p + 1
  if p == M then
    L, p, M = L + 1, 0, M + M
  end
  cap = LOAD * (M + p)
end

-- grow splits buckets until the table is back under its load factor, at most budget splits
-- per script run: a batch needs about one per LOAD new entries, but a table grown under a
-- larger LOAD (before it was lowered) catches up a bounded step per Confirm instead of
-- blocking Redis for thousands of splits at once.
local budget = 64 + 2 * (#ARGV - FIRST + 1)
local function grow()
  while n > cap and L < MAX_LEVEL and budget > 0 do
    split()
    budget = budget - 1
  end
end

local function save()
  call('HSET', KEYS[1], 'L', L, 'p', p, 'n', math.max(n, 0))
  call('PEXPIRE', KEYS[1], key_ttl)
end
`

// claimScript leases the ids neither seen nor leased. ARGV[2] is the lease expiry in unix ms;
// ARGV[3] the lease hash's TTL (the lease plus the purge slack). Returns the 1-based positions
// of the claimed ids, in input order; an id given twice is claimed once.
//
// It reads each touched bucket once (HMGET) and the lease hash once, writes the lease hash
// once, and leaves the buckets and the table state alone. The lease hash purges its expired
// leases when it has doubled since its last purge (its field "~"), so abandoned leases cost
// O(1) amortised per claim.
var claimScript = redis.NewScript(seenLib + `
local lk, until_ms = KEYS[2], ARGV[2]
local hit = seen(true)
local lr = multi('HMGET', lk, '~', ARGV, FIRST, #ARGV)
local lim = limit(lr[1])
local out, set = {}, {}
if not lim then -- a new lease hash: "~" goes first, so the hash starts as a hashtable
  lim = 256
  set[1], set[2] = '~', lim .. PAD
end
for i = FIRST, #ARGV do
  local f = ARGV[i]
  if not hit[i] and not leased(lr[i - FIRST + 2]) then
    set[#set + 1] = f
    set[#set + 1] = until_ms
    out[#out + 1] = i - FIRST + 1
  end
end
if #out == 0 then return out end
multi('HSET', lk, nil, set, 1, #set)
if call('PTTL', lk) < tonumber(key_ttl) then call('PEXPIRE', lk, key_ttl) end
local size = call('HLEN', lk) - 1 -- leases, not counting "~"
if size > lim then
  local all = call('HGETALL', lk)
  local dead = {}
  for j = 1, #all, 2 do
    if all[j] ~= '~' and not leased(all[j + 1]) then dead[#dead + 1] = all[j] end
  end
  multi('HDEL', lk, nil, dead, 1, #dead)
  call('HSET', lk, '~', math.max(256, 2 * (size - #dead)) .. PAD)
end
return out
`)

// confirmScript marks the ids seen until ARGV[2] (unix seconds), drops their leases, purges a
// bucket whose marker has passed and sets the purge marker of a bucket that has none. It
// writes id by id and grows the table after each new entry, so no bucket ever holds more than
// its share (a bucket past 128 fields would leave the listpack encoding for good). Returns the
// number of ids.
var confirmScript = redis.NewScript(seenLib + `
local exp = ARGV[2]
local mark = tonumber(exp) + slack
local touched = {}
for i = FIRST, #ARGV do
  local f = ARGV[i]
  local k = name(index(f))
  if not touched[k] then
    touched[k] = true
    local m = call('HGET', k, '~')
    if m and tonumber(m) <= now_s then
      purge(k)
      m = call('HGET', k, '~')
    end
    if not m then call('HSET', k, '~', mark) end
    call('PEXPIRE', k, key_ttl)
  end
  n = n + call('HSET', k, f, exp)
  grow()
end
unlease()
save()
return #ARGV - FIRST + 1
`)

// releaseScript drops the leases on the ids (never a seen mark): from the lease hash, and any
// old-style lease left in a bucket. ARGV[2] is unused. Returns the number of leases dropped.
var releaseScript = redis.NewScript(seenLib + `
local dropped = unlease()
local old = 0
for i = FIRST, #ARGV do
  local k = name(index(ARGV[i]))
  local v = call('HGET', k, ARGV[i])
  if v and byte(v, 1) == P then
    old = old + call('HDEL', k, ARGV[i])
  end
end
if old > 0 then
  n = n - old
  save()
end
return dropped + old
`)

// unseenScript returns the 1-based positions of the ids neither seen nor under an unexpired
// lease, in input order, changing nothing. ARGV[2] is unused.
var unseenScript = redis.NewScript(seenLib + `
local hit = seen(false)
local lr = multi('HMGET', KEYS[2], nil, ARGV, FIRST, #ARGV)
local out = {}
for i = FIRST, #ARGV do
  if not hit[i] and not leased(lr[i - FIRST + 1]) then out[#out + 1] = i - FIRST + 1 end
end
return out
`)
