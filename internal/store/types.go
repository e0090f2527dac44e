// Package store is Herald's store of record (it is not a cache: nothing here can be rebuilt
// from elsewhere). This file holds the domain types every backend stores and the errors they
// return; store.go holds the Store contract. The storage code lives apart, in store/boltstore
// (embedded bbolt, the default) and store/redisstore (production), both checked by the one
// conformance suite in store/storetest; the interfaces each consumer needs are declared by
// that consumer.
package store

import (
	"errors"
	"time"
)

// Errors every backend returns (wrapped) so callers can tell them apart.
var (
	// ErrNotFound: the subscription or record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate: an equal subscription already exists in the channel.
	ErrDuplicate = errors.New("store: duplicate subscription")
	// ErrUnavailable: the backend cannot be reached (Redis down); callers fail closed.
	ErrUnavailable = errors.New("store: store unavailable")
)

// FeedState is what Herald remembers about polling one feed.
type FeedState struct {
	URL          string    `json:"url"`
	Title        string    `json:"title,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	NextPoll     time.Time `json:"next_poll"`
	LastPoll     time.Time `json:"last_poll"`
	LastSuccess  time.Time `json:"last_success"`
	// Known is true once a fetch succeeded: later items are new, earlier ones were backfill.
	Known      bool   `json:"known,omitempty"`
	Failures   int    `json:"failures,omitempty"`
	LastError  string `json:"last_error,omitempty"`
	ErrorClass string `json:"error_class,omitempty"`
	Disabled   bool   `json:"disabled,omitempty"`
}

// StoryQuery selects recent stories, newest (by Published) first.
type StoryQuery struct {
	// Topic, when set, keeps stories whose Topics contain it.
	Topic string
	// FeedURL, when set, keeps stories of that feed.
	FeedURL string
	// Since and Until bound Published (inclusive Since, exclusive Until); zero means open.
	Since, Until time.Time
	// Limit caps the result; 0 means the backend's default of 100.
	Limit int
}

// Kind is what a subscription delivers.
type Kind string

// Subscription kinds.
const (
	KindDigest Kind = "digest" // a daily briefing at a time of day
	KindFeed   Kind = "feed"   // live posts from one feed
	KindTopic  Kind = "topic"  // live posts matching a tracked topic across all feeds
)

// Subscription is one channel's standing order.
type Subscription struct {
	ID        string `json:"id"`
	GuildID   string `json:"guild_id"`
	ChannelID string `json:"channel_id"`
	Kind      Kind   `json:"kind"`
	// Digest: local time "HH:MM" and IANA zone; Topic optionally narrows the digest.
	Time     string `json:"time,omitempty"`
	TimeZone string `json:"timezone,omitempty"`
	Topic    string `json:"topic,omitempty"`
	// Feed: the feed URL and keyword filters (lower-case, whole words).
	FeedURL   string    `json:"feed_url,omitempty"`
	Include   []string  `json:"include,omitempty"`
	Exclude   []string  `json:"exclude,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// LastRun is the last digest slot delivered, or the newest story time live-posted.
	LastRun time.Time `json:"last_run"`
	// Broken says why delivery stopped (channel gone, missing permission); empty when healthy.
	Broken string `json:"broken,omitempty"`
	// FeedDown is set (to the outage's key) once a feed subscription's channel was told its
	// feed was disabled, and cleared when it was told the feed recovered: each notice once.
	FeedDown string `json:"feed_down,omitempty"`
	// Style is the subscriber's filter, mention and layout for live posts.
	Style PostStyle `json:"style"`
	// Paused stops delivery until resumed (the dashboard's pause); nothing is posted meanwhile.
	Paused bool `json:"paused,omitempty"`
	// LivePosts are a topic subscription's recent live posts, so that a later outlet's report
	// of a development edits the post already made instead of posting it again. Delivery keeps
	// them for the live max age.
	LivePosts []LivePost `json:"live_posts,omitempty"`
}

// LivePost is one live message and the developments it shows, one embed each.
type LivePost struct {
	MessageID string `json:"message_id"`
	// ChannelID is where the message lives when not in the subscription's channel: a forum
	// post (thread) of a forum channel; "" for the channel itself.
	ChannelID string `json:"channel_id,omitempty"`
	// Developments lists, per embed in order, the IDs of the stories it reports.
	Developments [][]string `json:"developments"`
	At           time.Time  `json:"at"`
}

// SubscriptionFilter selects subscriptions; empty fields match everything.
type SubscriptionFilter struct {
	GuildID   string
	ChannelID string
	Kind      Kind
}

// Match reports whether s passes the filter.
func (f SubscriptionFilter) Match(s Subscription) bool {
	return (f.GuildID == "" || f.GuildID == s.GuildID) &&
		(f.ChannelID == "" || f.ChannelID == s.ChannelID) &&
		(f.Kind == "" || f.Kind == s.Kind)
}

// SameTarget reports whether two subscriptions would deliver the same thing to the same channel.
func (s Subscription) SameTarget(o Subscription) bool {
	return s.ChannelID == o.ChannelID && s.Kind == o.Kind && s.FeedURL == o.FeedURL &&
		s.Topic == o.Topic && s.Time == o.Time && s.TimeZone == o.TimeZone
}

// Session is one signed-in dashboard browser (or one sign-in under way). Stores keep it until
// Expires and must treat it as a secret: it carries the user's OAuth2 access token.
type Session struct {
	// ID is the store key: a hash of the cookie value, so a leaked store does not hand out
	// working cookies.
	ID       string `json:"id"`
	UserID   string `json:"user_id,omitempty"`
	Username string `json:"username,omitempty"`
	// AccessToken is the user's Discord OAuth2 token, used for permission re-checks.
	AccessToken string `json:"access_token,omitempty"`
	// CSRF is the token every form of this session must carry.
	CSRF string `json:"csrf,omitempty"`
	// State and Verifier belong to a sign-in under way (OAuth2 state and PKCE code verifier).
	State    string `json:"state,omitempty"`
	Verifier string `json:"verifier,omitempty"`
	// Flash is a one-time notice shown on the next page (the result of a write).
	Flash   string    `json:"flash,omitempty"`
	Expires time.Time `json:"expires"`
}

// Retention bounds what a backend keeps.
type Retention struct {
	// Seen is how long a channel remembers a delivered story (default 30 days).
	Seen time.Duration
	// Stories is how long story records are kept (default 14 days).
	Stories time.Duration
	// MaxStories caps the number of story records (default 100,000).
	MaxStories int
}

// DefaultRetention is used where the configuration says nothing.
func DefaultRetention() Retention {
	return Retention{Seen: 30 * 24 * time.Hour, Stories: 14 * 24 * time.Hour, MaxStories: 100_000}
}
