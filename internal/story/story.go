// Package story defines Herald's unit of news: one item of one feed, normalised so that
// every later stage (store, briefing, tracking, delivery) can rely on clean fields and a
// stable identity.
package story

import (
	"hash/fnv"
	"strconv"
	"time"
)

// Story is a normalised feed item.
type Story struct {
	// ID is stable across polls, restarts and replicas: see NewID.
	ID string `json:"id"`
	// FeedURL is the URL of the feed the story came from, as configured.
	FeedURL string `json:"feed_url"`
	// Source is the outlet's display name (configured name, else the feed's title, else its host).
	Source string `json:"source"`
	// Title and Summary are plain text: no HTML, entities decoded, whitespace collapsed.
	Title   string `json:"title"`
	Summary string `json:"summary,omitempty"`
	// Link is the canonical article URL: lower-case host, no fragment, no tracking parameters.
	Link string `json:"link,omitempty"`
	// Published is the item's publication time (fallbacks: updated, first seen; never in the future).
	Published time.Time `json:"published"`
	// FirstSeen is when Herald first stored the story.
	FirstSeen  time.Time `json:"first_seen"`
	Image      string    `json:"image,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	// Author is the item's author (plain text, at most MaxAuthorRunes), for per-field filters.
	Author string `json:"author,omitempty"`
	// Topics holds the ids of the configured topics the story matches, set at ingest.
	Topics []string `json:"topics,omitempty"`
	// Backfill marks stories recorded by the first successful fetch of their feed: they are
	// known (shown by /latest) but never live-posted, so adding a feed never floods a channel.
	Backfill bool `json:"backfill,omitempty"`
	// AfterDowntime marks new stories found by a feed's first successful poll since Herald
	// started, when the feed had been polled before: they may have appeared while Herald was
	// down, so live posts bound them like a catch-up. Set for OnNew only, never stored.
	AfterDowntime bool `json:"-"`
}

// NewID derives a story's stable identity from its feed and its item key (GUID, else canonical
// link, else title and date). It is 16 hex digits of a 64-bit FNV-1a hash, compact enough for
// per-channel seen sets at millions of entries.
func NewID(feedURL, itemKey string) string {
	h := fnv.New64a()
	h.Write([]byte(feedURL))
	h.Write([]byte{0})
	h.Write([]byte(itemKey))
	return PadHex(h.Sum64())
}

// PadHex formats v as exactly 16 lower-case hex digits.
func PadHex(v uint64) string {
	s := strconv.FormatUint(v, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// ParseID turns a story ID back into its 64-bit value; ok is false for a malformed ID.
func ParseID(id string) (uint64, bool) {
	if len(id) != 16 {
		return 0, false
	}
	v, err := strconv.ParseUint(id, 16, 64)
	return v, err == nil
}

// HasTopic reports whether the story matched the topic id at ingest.
func (s Story) HasTopic(id string) bool {
	for _, t := range s.Topics {
		if t == id {
			return true
		}
	}
	return false
}
