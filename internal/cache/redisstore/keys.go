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
// Redis Cluster: the seen buckets of one channel share {ch:<channel>}, every story key shares
// {stories} and every subscription key shares {subs}. Feed states and leases are single keys.
type keys struct {
	prefix string
}

// seenBucketBits is how many top bits of a story's 64-bit ID pick its seen bucket. 2^11 = 2048
// buckets per channel keep a channel of 100k seen stories at ~49 fields per bucket (~75 at the
// Poisson tail), well under hash-max-listpack-entries (default 128), so every bucket stays a
// compact listpack. A channel past ~180k live seen stories starts to spill buckets into
// hashtables (more memory, still correct).
const seenBucketBits = 11

// seen is a HASH holding one channel's seen and leased stories whose IDs share their top
// seenBucketBits bits. Field = the low 7 bytes of the ID, raw (the bucket number carries the top
// bits); value = the seen expiry in unix seconds (an integer, listpack-encoded in 5 bytes) or
// "p<unix ms>" for a delivery lease. The field "~" holds the unix second of the next lazy purge.
// TTL: refreshed to the seen retention (plus the lease) by every write, so a bucket untouched for
// a whole retention period is garbage-collected by Redis; entries expire by their own value.
func (k keys) seen(channel string, bucket uint16) string {
	return k.prefix + "{ch:" + channel + "}:seen:" + strconv.FormatUint(uint64(bucket), 16)
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
