package store

import (
	"context"
	"time"

	"github.com/heraldbot/herald/internal/story"
)

// Store is the whole contract both backends satisfy, checked by storetest. Consumers do not
// depend on it: each declares the few methods it uses.
//
// Every method takes a context and returns errors wrapping ErrUnavailable when the backend
// cannot be reached. Times come from the backend's injected clock.
type Store interface {
	// Ping checks the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error

	// GetFeedState returns the state of a feed; ok is false when none was stored.
	GetFeedState(ctx context.Context, url string) (st FeedState, ok bool, err error)
	// PutFeedState stores the state of st.URL, replacing what was there.
	PutFeedState(ctx context.Context, st FeedState) error
	// ListFeedStates returns every stored feed state (order unspecified).
	ListFeedStates(ctx context.Context) ([]FeedState, error)

	// PutStories inserts stories not stored yet (by ID) and returns the IDs that were new;
	// stories already stored are left unchanged (FirstSeen and Backfill keep their first value).
	PutStories(ctx context.Context, stories []story.Story) (newIDs []string, err error)
	// GetStories returns the stored stories among ids, in the order of ids, skipping unknown ones.
	GetStories(ctx context.Context, ids []string) ([]story.Story, error)
	// RecentStories returns stories matching q, newest Published first.
	RecentStories(ctx context.Context, q StoryQuery) ([]story.Story, error)
	// CountStories returns how many stories are stored (the console's "(209 stored)").
	CountStories(ctx context.Context) (int, error)
	// TrimStories deletes stories published before now minus the retention and, beyond the
	// retention's MaxStories, the oldest ones; it returns how many it deleted.
	TrimStories(ctx context.Context) (int, error)

	// Claim leases, for channelID, the ids not yet seen there and not under an unexpired lease,
	// for lease, and returns them (in input order). One round trip claims the whole batch; of
	// concurrent claims of one id, exactly one wins.
	Claim(ctx context.Context, channelID string, ids []string, lease time.Duration) ([]string, error)
	// Confirm records ids as seen in channelID (kept for the Seen retention) and drops their leases.
	Confirm(ctx context.Context, channelID string, ids []string) error
	// Release drops leases on ids so a failed delivery can be retried at once.
	Release(ctx context.Context, channelID string, ids []string) error
	// Unseen returns the ids neither seen in channelID nor leased there, in input order, without
	// claiming them.
	Unseen(ctx context.Context, channelID string, ids []string) ([]string, error)

	// AcquireLease makes owner the holder of name for ttl if nobody else holds it (an owner may
	// re-acquire its own lease, extending it); it reports whether owner holds it now.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ReleaseLease gives up name if owner holds it.
	ReleaseLease(ctx context.Context, name, owner string) error

	// CreateSubscription stores sub, assigning sub.ID when empty; ErrDuplicate when the channel
	// already has one with the same target (Subscription.SameTarget).
	CreateSubscription(ctx context.Context, sub Subscription) (Subscription, error)
	// UpdateSubscription replaces an existing subscription (ErrNotFound otherwise).
	UpdateSubscription(ctx context.Context, sub Subscription) error
	// PatchSubscription applies change to the stored copy of subscription id and stores the
	// result in one step, so a write made meanwhile (a user's pause, a delivery's notice flag)
	// is changed too, never overwritten. ErrNotFound when absent; when change returns an
	// error nothing is stored and that error is returned.
	PatchSubscription(ctx context.Context, id string, change func(*Subscription) error) (Subscription, error)
	// DeleteSubscription removes the subscription with id in guildID (ErrNotFound otherwise).
	DeleteSubscription(ctx context.Context, guildID, id string) error
	// ListSubscriptions returns the subscriptions passing f, oldest first.
	ListSubscriptions(ctx context.Context, f SubscriptionFilter) ([]Subscription, error)
	// SubscriptionPage returns up to limit of guildID's subscriptions from offset (0-based) in
	// creation order, oldest first, and how many the guild has: a page of a long list without
	// decoding the rest of it.
	SubscriptionPage(ctx context.Context, guildID string, offset, limit int) (page []Subscription, total int, err error)
	// GetSubscription returns guildID's subscription with id (ErrNotFound when there is none,
	// or it is another guild's).
	GetSubscription(ctx context.Context, guildID, id string) (Subscription, error)
	// GuildFeedURLs returns the distinct feed URLs of guildID's feed subscriptions, sorted.
	GuildFeedURLs(ctx context.Context, guildID string) ([]string, error)

	// PutSession stores s under s.ID until s.Expires, replacing what was there.
	PutSession(ctx context.Context, s Session) error
	// GetSession returns the session with id; ok is false when there is none or it has expired.
	GetSession(ctx context.Context, id string) (s Session, ok bool, err error)
	// DeleteSession removes the session with id (no error when there is none).
	DeleteSession(ctx context.Context, id string) error
}
