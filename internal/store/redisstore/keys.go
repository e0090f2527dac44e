package redisstore

import (
	"fmt"
	"hash/fnv"
	"strconv"
)

// keys builds every Redis key the store touches. Keeping them in this one file is what makes
// the keyspace auditable: each method documents the Redis type, the TTL and who writes it.
//
// Keys a single script touches together share a hash tag ({...}) so that every script runs on
// Redis Cluster: the seen table and buckets of one channel share {ch:<channel>}, every story key
// shares {stories} and every subscription key shares {subs}. Feed states and leases are single
// keys.
type keys struct {
	prefix string
}

// seenTable is a HASH with the state of one channel's seen table (see seen_scripts.go):
// L (level), p (split pointer), n (entries). TTL: refreshed by every write to at least the
// TTL of any of the channel's buckets, so it outlives them.
func (k keys) seenTable(channel string) string {
	return k.prefix + "{ch:" + channel + "}:seen"
}

// seenLeases is a HASH of one channel's pending delivery leases: field = the story's ID as 8
// raw bytes (as in the buckets), value = the lease's expiry in unix milliseconds; the field "~"
// is the size at which the next Claim purges expired leases. Claims write only here, so a
// claim reads the buckets but never writes them. TTL: at least the longest pending lease plus
// the purge slack, refreshed by Claim; Confirm and Release delete fields.
func (k keys) seenLeases(channel string) string {
	return k.prefix + "{ch:" + channel + "}:lease"
}

// seenBucketPrefix starts the names of one channel's seen buckets; a script appends the bucket
// number in lower-case hex (herald:{ch:123}:seen:1f). Each bucket is a HASH of at most a
// hundred or so fields, so it stays a listpack: field = the story's 64-bit ID as 8 raw bytes;
// value = the seen expiry in unix seconds (an integer: 5 bytes in a listpack) or, written by
// versions before seenLeases existed, "p<unix ms>" for a delivery lease (still honoured, and
// purged once expired); the field "~" holds the unix second of the bucket's next lazy purge.
// TTL: refreshed to the seen retention (plus lease and slack) by every write, so a bucket
// untouched for a whole retention period is garbage-collected; entries expire by their value.
func (k keys) seenBucketPrefix(channel string) string {
	return k.seenTable(channel) + ":"
}

// seenBucket is the name of bucket b of a channel (what the scripts build from the prefix).
func (k keys) seenBucket(channel string, b uint32) string {
	return k.seenBucketPrefix(channel) + strconv.FormatUint(uint64(b), 16)
}

// storyRecords is a HASH: story ID -> story JSON. No TTL: TrimStories deletes by age and count.
func (k keys) storyRecords() string { return k.prefix + "{stories}:rec" }

// storyByTime is a ZSET of every stored story ID scored by Published (unix milliseconds). No TTL.
func (k keys) storyByTime() string { return k.prefix + "{stories}:by_time" }

// storyByFeed is a ZSET of the story IDs of one feed (hashed URL, since URLs are long), scored by
// Published (unix milliseconds). No TTL; emptied by TrimStories, Redis deletes it when empty.
func (k keys) storyByFeed(feedURL string) string {
	return k.prefix + "{stories}:by_feed:" + hash64(feedURL)
}

// storyByTopic is a ZSET of the story IDs matching one topic id, scored by Published (unix
// milliseconds). No TTL; emptied by TrimStories.
func (k keys) storyByTopic(topic string) string {
	return k.prefix + "{stories}:by_topic:" + topic
}

// feedStates is a HASH: feed URL -> FeedState JSON. No TTL (feeds are few).
func (k keys) feedStates() string { return k.prefix + "feeds" }

// lease is a STRING "<expiry unix ms>|<owner>" for a named lease. TTL: the lease duration plus
// leaseGrace, for garbage collection only; the explicit expiry (from Options.Now) decides.
func (k keys) lease(name string) string { return k.prefix + "lease:" + name }

// subRecords is a HASH: subscription ID -> Subscription JSON. No TTL.
func (k keys) subRecords() string { return k.prefix + "{subs}:rec" }

// subTargets is a HASH: target key (see targetKey) -> subscription ID; it makes the duplicate
// check of CreateSubscription atomic. No TTL.
func (k keys) subTargets() string { return k.prefix + "{subs}:target" }

// subSeq is a STRING counter giving subscriptions their creation sequence (and default IDs).
func (k keys) subSeq() string { return k.prefix + "{subs}:seq" }

// subAll is a ZSET of every subscription ID scored by creation sequence. No TTL.
func (k keys) subAll() string { return k.prefix + "{subs}:all" }

// subByGuild is a ZSET of one guild's subscription IDs scored by creation sequence. No TTL.
func (k keys) subByGuild(guildID string) string { return k.prefix + "{subs}:guild:" + guildID }

// subGuildByTime is a ZSET of one guild's subscriptions in ListSubscriptions' order, for
// SubscriptionPage: every score 0, so members sort as strings; member = createdHex(created_at)
// (24 hex digits) + the creation sequence (16 hex digits) + the ID. No TTL. Rebuilt from the
// records when its size differs from subByGuild's (a store written before it existed).
func (k keys) subGuildByTime(guildID string) string { return k.prefix + "{subs}:guild_time:" + guildID }

// subByChannel is a ZSET of one channel's subscription IDs scored by creation sequence. No TTL.
func (k keys) subByChannel(channelID string) string {
	return k.prefix + "{subs}:chan:" + channelID
}

// hash64 shortens a long, arbitrary string (a feed URL) to 16 hex digits for use in a key.
func hash64(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x", h.Sum64())
}

// session is a STRING holding one dashboard Session as JSON, keyed by the session's id (a hash
// of the cookie). TTL: the session's remaining life, so Redis drops it when it expires.
func (k keys) session(id string) string { return k.prefix + "session:" + id }

// Discord's request budget (limiter.go): every key shares the {discord} hash tag, so one
// script reads and writes all three on Redis Cluster. Times are unix microseconds from the
// replicas' clocks.

// rateGlobal is a HASH of the fleet's global pace: tat (GCRA theoretical arrival time of the
// next request) and pause (end of a global 429). TTL: refreshed by every write to one minute
// past what it holds, so an idle bot leaves nothing behind.
func (k keys) rateGlobal() string { return k.prefix + "{discord}:rate:global" }

// rateBucket is a HASH of one Discord bucket (X-RateLimit-Bucket and major parameter, hashed):
// known, limit, rem (requests left in the window, less those reserved), reset (window end).
// TTL: one minute past the window's end, refreshed by every write.
func (k keys) rateBucket(bucket string) string {
	return k.prefix + "{discord}:rate:bucket:" + hash64(bucket)
}

// rateInvalid is a HASH counting invalid requests (401, 403, 429) in fixed windows: start (of
// the current window), prev and cur (counts). TTL: two windows, refreshed by every write.
func (k keys) rateInvalid() string { return k.prefix + "{discord}:rate:invalid" }

// pollDue is a ZSET of every polled feed's URL scored by when it is next due (unix ms); a feed
// being polled is scored by its lease's end (schedule.go). One key, so every script is
// single-slot. No TTL: feeds are removed explicitly.
func (k keys) pollDue() string { return k.prefix + "poll:due" }

// hostSlots is a ZSET of the fleet's fetches in flight to one host (hosts.go): member = the
// holder (a replica's fetch), score = when its slot lapses (unix ms, from Options.Now). One
// key, so the script is single-slot on Redis Cluster. TTL: the longest slot plus leaseGrace,
// refreshed by every acquire, so a host no longer polled leaves nothing behind.
func (k keys) hostSlots(host string) string { return k.prefix + "poll:host:" + host }
