package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// Optional abilities of a Sender, used when a subscription asks for them; a Sender without
// one posts plain channel messages.
type (
	// ForumPoster creates a forum post (a thread with m as its first message).
	ForumPoster interface {
		PostForum(ctx context.Context, forumID, name string, m message.Message) (string, error)
	}
	// ThreadStarter opens a thread on a posted message.
	ThreadStarter interface {
		StartThread(ctx context.Context, channelID, messageID, name string) error
	}
	// Crossposter publishes an announcement channel's message to its followers.
	Crossposter interface {
		Crosspost(ctx context.Context, channelID, messageID string) error
	}
	// WebhookPoster posts through a channel webhook; forumName names a new forum post.
	WebhookPoster interface {
		PostWebhook(ctx context.Context, channelID string, wh store.Webhook, forumName string, m message.Message) (string, error)
	}
	// WebhookMaker creates a channel webhook (Manage Webhooks).
	WebhookMaker interface {
		MakeWebhook(ctx context.Context, channelID, name string) (store.Webhook, error)
	}
)

// webhookGone is implemented by errors meaning a subscription's webhook was deleted.
type webhookGone interface{ WebhookGone() bool }

func isWebhookGone(err error) bool {
	var wg webhookGone
	return errors.As(err, &wg) && wg.WebhookGone()
}

// placement is where one post goes, from the subscription's style.
type placement struct {
	forum, thread, crosspost bool
	webhook                  *store.Webhook
	name                     string // the story title: forum post or thread name
}

func placementOf(st store.PostStyle) placement {
	return placement{forum: st.Forum, thread: st.ThreadPerStory && !st.Forum, crosspost: st.Crosspost, webhook: st.Webhook}
}

// onePerStory reports whether each story needs a message of its own (a thread or forum post
// is named by one story).
func (p placement) onePerStory() bool { return p.forum || p.thread }

// post sends one post where its placement says, then opens its thread and crossposts it.
// Threads and crossposts that fail are logged, not retried: the story is out.
func (d *deliverer) post(ctx context.Context, channelID string, p post, nonce string) (string, error) {
	id, err := d.place(ctx, channelID, p, nonce)
	if err != nil {
		return "", err
	}
	if ts, ok := d.sender.(ThreadStarter); ok && p.place.thread {
		if err := ts.StartThread(ctx, channelID, id, p.place.name); err != nil {
			d.logger.Warn("delivery: opening the story's thread failed", "channel_id", channelID, "message_id", id, "error", err)
		}
	}
	if cp, ok := d.sender.(Crossposter); ok && p.place.crosspost {
		if err := cp.Crosspost(ctx, channelID, id); err != nil {
			d.logger.Warn("delivery: crosspost failed", "channel_id", channelID, "message_id", id, "error", err)
		}
	}
	return id, nil
}

func (d *deliverer) place(ctx context.Context, channelID string, p post, nonce string) (string, error) {
	forumName := ""
	if p.place.forum {
		forumName = p.place.name
	}
	if wp, ok := d.sender.(WebhookPoster); ok && p.place.webhook != nil {
		return wp.PostWebhook(ctx, channelID, *p.place.webhook, forumName, p.msg)
	}
	if fp, ok := d.sender.(ForumPoster); ok && p.place.forum {
		return fp.PostForum(ctx, channelID, forumName, p.msg)
	}
	return d.sender.Send(ctx, channelID, p.msg, nonce)
}

// replaceWebhook makes a new webhook for a subscription whose webhook was deleted, so the
// next sweep posts the released stories through it. When it cannot (Manage Webhooks
// revoked), the subscription stops with a reason /subscriptions shows: never a silent stop.
func (l *Live) replaceWebhook(ctx context.Context, sub store.Subscription, cause error) {
	wm, ok := l.d.sender.(WebhookMaker)
	old := sub.Style.Webhook
	if !ok || old == nil {
		return
	}
	wh, err := wm.MakeWebhook(ctx, sub.ChannelID, old.Name)
	if err == nil {
		wh.Name, wh.AvatarURL = old.Name, old.AvatarURL
		_, err = l.d.patchSub(ctx, sub, func(s *store.Subscription) { s.Style.Webhook = &wh })
		l.opts.Logger.Info("delivery: webhook deleted; made a new one", "subscription_id", sub.ID, "channel_id", sub.ChannelID)
	}
	if err == nil {
		return
	}
	sub.Broken = fmt.Sprintf("its webhook was deleted and Herald could not make a new one (it needs Manage Webhooks): %v", err)
	l.opts.Logger.Warn("delivery: webhook gone", "subscription_id", sub.ID, "channel_id", sub.ChannelID, "error", err, "cause", cause)
	if _, uerr := l.d.patchSub(ctx, sub, func(s *store.Subscription) { s.Broken = sub.Broken }); uerr != nil {
		l.opts.Logger.Warn("delivery: marking subscription broken", "subscription_id", sub.ID, "error", uerr)
	}
	if l.opts.OnBroken != nil {
		l.opts.OnBroken(sub, cause)
	}
}
