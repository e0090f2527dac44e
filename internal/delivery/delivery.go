// Package delivery posts stories to channels exactly once: live posts as stories arrive and
// daily digests on a schedule. Every post follows the same protocol: claim the stories for the
// channel under a short lease, send with a nonce derived from channel and stories (so a retried
// send returns the first message instead of a second one), confirm after Discord accepts, and
// release on failure so the stories are retried later. A store that cannot record a claim means
// nothing is sent: a missed post is retried, a duplicate is never made.
//
// Periodic sweeps make every path self-healing: Digests.Sweep re-runs digest slots that failed
// or were missed (within the grace period), Live.CatchUp re-posts stories whose delivery
// failed, and Live.CheckFeeds tells feed subscribers once when their feed is disabled and once
// when it recovers. Every sweep is safe to run on any number of replicas at once.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Sender posts one message to a channel and blocks until Discord accepted it or gave up.
type Sender interface {
	Send(ctx context.Context, channelID string, m message.Message, nonce string) (messageID string, err error)
}

// Store is the state delivery needs.
type Store interface {
	Claim(ctx context.Context, channelID string, ids []string, lease time.Duration) ([]string, error)
	Confirm(ctx context.Context, channelID string, ids []string) error
	Release(ctx context.Context, channelID string, ids []string) error
	Unseen(ctx context.Context, channelID string, ids []string) ([]string, error)
	RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error)
	GetStories(ctx context.Context, ids []string) ([]story.Story, error)
	ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error)
	PatchSubscription(ctx context.Context, id string, change func(*store.Subscription) error) (store.Subscription, error)
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
	GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error)
}

// ChannelGone is implemented by sender errors meaning the channel or Herald's permission in it
// is gone (403/404): the subscription is marked broken instead of retried forever.
type ChannelGone interface{ ChannelGone() bool }

// IsChannelGone reports whether err says the channel can no longer be posted to.
func IsChannelGone(err error) bool {
	var cg ChannelGone
	return errors.As(err, &cg) && cg.ChannelGone()
}

// post is one message and the stories it carries.
type post struct {
	msg message.Message
	// ids are confirmed once the message is accepted (a batch split over several messages is
	// confirmed with its last one).
	ids []string
	// key identifies the post for its nonce: the same stories in the same place give the same key.
	key string
	// place is where the post goes (zero: a plain channel message).
	place placement
}

// Nonce derives Discord's message nonce (≤ 25 characters) from the channel and what the message
// carries, so that re-sending the same post after a crash yields the same nonce.
func Nonce(channelID string, parts ...string) string {
	h := fnv.New64a()
	h.Write([]byte(channelID))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return "h" + strconv.FormatUint(h.Sum64(), 36)
}

// deliverer runs the claim → send → confirm protocol.
type deliverer struct {
	store  Store
	sender Sender
	lease  time.Duration
	logger *slog.Logger
}

// send delivers posts in order; it stops at the first failure, releasing that post's stories
// and every later one, and returns how many posts were delivered.
func (d *deliverer) send(ctx context.Context, channelID string, posts []post, nonceKey string) (int, error) {
	for i, p := range posts {
		nonce := Nonce(channelID, nonceKey, p.key)
		if _, err := d.post(ctx, channelID, p, nonce); err != nil {
			d.release(ctx, channelID, posts[i:])
			return i, fmt.Errorf("delivery: channel %s: %w", channelID, err)
		}
		if len(p.ids) == 0 {
			continue // a post that claims nothing (a /briefing continuation) confirms nothing
		}
		if err := d.store.Confirm(ctx, channelID, p.ids); err != nil {
			// The message is out; its lease expires and a retry re-sends with the same nonce,
			// which Discord answers with this same message: still no duplicate.
			d.logger.Warn("delivery: confirm failed", "channel_id", channelID, "error", err)
		}
	}
	return len(posts), nil
}

func (d *deliverer) release(ctx context.Context, channelID string, posts []post) {
	var ids []string
	for _, p := range posts {
		ids = append(ids, p.ids...)
	}
	if len(ids) == 0 {
		return
	}
	// A fresh context: the caller's may be cancelled (shutdown) and the release still matters.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := d.store.Release(rctx, channelID, ids); err != nil {
		d.logger.Warn("delivery: release failed; stories retry when the lease expires", "channel_id", channelID, "error", err)
	}
}

// patchSub applies change to the stored copy of sub. Delivery holds a subscription for the
// length of a send; writing that copy back would undo what happened meanwhile (another
// replica's notice flag, a user's pause or edit), so the store applies change to what it holds
// in one step. It reports whether the subscription still exists.
func (d *deliverer) patchSub(ctx context.Context, sub store.Subscription, change func(*store.Subscription)) (bool, error) {
	_, err := d.store.PatchSubscription(ctx, sub.ID, func(cur *store.Subscription) error {
		change(cur)
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil // deleted meanwhile: nothing to record
	case err != nil:
		return true, fmt.Errorf("delivery: updating subscription %s: %w", sub.ID, err)
	}
	return true, nil
}

// oldestFirst sorts stories by publication time, then ID, so batches are deterministic.
func oldestFirst(stories []story.Story) {
	sort.SliceStable(stories, func(i, j int) bool {
		if !stories[i].Published.Equal(stories[j].Published) {
			return stories[i].Published.Before(stories[j].Published)
		}
		return stories[i].ID < stories[j].ID
	})
}

func ids(stories []story.Story) []string {
	out := make([]string, len(stories))
	for i, s := range stories {
		out[i] = s.ID
	}
	return out
}

// keep returns the stories whose IDs are in want, preserving order.
func keep(stories []story.Story, want []string) []story.Story {
	set := make(map[string]bool, len(want))
	for _, id := range want {
		set[id] = true
	}
	var out []story.Story
	for _, s := range stories {
		if set[s.ID] {
			out = append(out, s)
			delete(set, s.ID)
		}
	}
	return out
}
