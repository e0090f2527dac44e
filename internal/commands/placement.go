package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/heraldbot/herald/internal/store"
)

// Permissions that only some subscriptions need, checked at /subscribe when asked for.
const (
	PermManageWebhooks      int64 = 1 << 29
	PermCreatePublicThreads int64 = 1 << 35
	PermSendInThreads       int64 = 1 << 38
)

// InvitePermissions are every permission Herald checks somewhere: the invite URL asks for
// them all (a test keeps README's equal), so no option fails for want of one.
const InvitePermissions = BotPermissions | PermManageWebhooks | PermCreatePublicThreads | PermSendInThreads

// Discord channel types /subscribe treats differently.
const (
	chanAnnouncement = 5
	chanAnnThread    = 10
	chanPublicThread = 11
	chanPrivThread   = 12
	chanForum        = 15
	chanMedia        = 16
)

// Places is what /subscribe needs of Discord to place posts: the channel's type, and a
// channel webhook to post through. Nil in the console, where only plain posts exist.
type Places interface {
	ChannelType(ctx context.Context, channelID string) (int, error)
	MakeWebhook(ctx context.Context, channelID, name string) (store.Webhook, error)
}

// threadOptions choose where a live subscription's posts go in the channel: a thread per
// story (a topic's development), and publishing in an announcement channel.
func threadOptions() []Option {
	return []Option{
		{Type: OptionBoolean, Name: "thread", Description: "Text channels: a thread on each story's post"},
		{Type: OptionBoolean, Name: "crosspost", Description: "Announcement channels: publish each post to followers"},
	}
}

// placementOptions choose where a feed subscription's posts go: threadOptions and a webhook
// (topic posts, edited as outlets add to them, cannot go through one).
func placementOptions() []Option {
	return append(threadOptions(), []Option{
		{Type: OptionString, Name: "webhook_name", Description: "Post through a webhook with this name (Manage Webhooks)"},
		{Type: OptionString, Name: "webhook_avatar", Description: "The webhook's avatar image URL (https)"},
	}...)
}

// placement decides where posts go from the channel's type and the options, checking the
// bot's permissions for each choice; it returns the webhook name asked for (made by
// attachWebhook once the subscription exists). A forum or media channel always gets one post
// per story; a thread is posted into like a channel.
func (s Subscriptions) placement(ctx context.Context, st store.PostStyle, req Request) (store.PostStyle, string, error) {
	wantThread := req.Options["thread"] == "true"
	wantCross := req.Options["crosspost"] == "true"
	hookName := strings.TrimSpace(req.Options["webhook_name"])
	asked := wantThread || wantCross || hookName != ""
	if s.Places == nil {
		if asked {
			return st, "", errNoPlaces()
		}
		return st, "", nil
	}
	typ, err := s.Places.ChannelType(ctx, req.ChannelID)
	if err != nil {
		return st, "", fmt.Errorf("commands: reading the channel's type: %w", err)
	}
	if err := placementAllowed(typ, wantThread, wantCross, hookName != ""); err != nil {
		return st, "", err
	}
	if err := checkWebhookOptions(hookName, req.Options["webhook_avatar"]); err != nil {
		return st, "", err
	}
	st.Forum = isForum(typ)
	st.ThreadPerStory = wantThread && !st.Forum
	st.Crosspost = wantCross
	if err := placementPermitted(typ, st.ThreadPerStory, hookName != "", req.AppPermissions); err != nil {
		return st, "", err
	}
	return st, hookName, nil
}

// editPlacement reads the thread and crosspost options of /subscription edit for sub and
// checks them as placement checks them for /subscribe: the channel's type allows them and
// Herald has the permissions they need there. It returns the change to make to the stored
// style, which sets only the options given (nil when neither was). Turning a placement off
// needs no check. Herald's permissions (app_permissions) are known only for the channel the
// command is run in, so turning one on is refused elsewhere. Digests have no placement:
// editSubscription refuses them.
func (s Subscriptions) editPlacement(ctx context.Context, sub store.Subscription, req Request) (func(*store.PostStyle), error) {
	thread, threadGiven := req.Options["thread"]
	cross, crossGiven := req.Options["crosspost"]
	if (!threadGiven && !crossGiven) || sub.Kind == store.KindDigest {
		return nil, nil
	}
	wantThread, wantCross := thread == "true", cross == "true"
	forum := sub.Style.Forum
	if wantThread || wantCross {
		if s.Places == nil {
			return nil, errNoPlaces()
		}
		if sub.ChannelID != req.ChannelID {
			return nil, Errorf("Herald checks its permissions for threads and crossposts in the subscription's channel: run /subscription edit in <#%s>.", sub.ChannelID)
		}
		typ, err := s.Places.ChannelType(ctx, sub.ChannelID)
		if err != nil {
			return nil, fmt.Errorf("commands: reading the channel's type: %w", err)
		}
		if err := placementAllowed(typ, wantThread, wantCross, false); err != nil {
			return nil, err
		}
		forum = isForum(typ)
		if err := placementPermitted(typ, wantThread && !forum, false, req.AppPermissions); err != nil {
			return nil, err
		}
	}
	return func(st *store.PostStyle) {
		if threadGiven {
			st.Forum = forum
			st.ThreadPerStory = wantThread && !forum
		}
		if crossGiven {
			st.Crosspost = wantCross
		}
	}, nil
}

func errNoPlaces() error {
	return Errorf("Threads, crossposts and webhooks need Herald to be connected to Discord.")
}

// isForum reports whether a channel of type typ gets one post (thread) per story.
func isForum(typ int) bool { return typ == chanForum || typ == chanMedia }

// placementPermitted checks that Herald has, among its permissions app in a channel of type
// typ, those posting there needs: sending in threads in a thread, making threads for a
// thread per story, managing webhooks for a webhook.
func placementPermitted(typ int, threadPerStory, webhook bool, app int64) error {
	need := int64(0)
	switch {
	case typ == chanAnnThread || typ == chanPublicThread || typ == chanPrivThread:
		need |= PermSendInThreads
	case threadPerStory:
		need |= PermCreatePublicThreads | PermSendInThreads
	}
	if webhook {
		need |= PermManageWebhooks
	}
	if missing := need &^ app; missing != 0 {
		return Errorf("Herald lacks a permission here for that: %s. Grant it to Herald's role in this channel and try again.", placementPermNames(missing))
	}
	return nil
}

func checkWebhookOptions(name, avatar string) error {
	if name == "" {
		return nil
	}
	if a := strings.TrimSpace(avatar); a != "" && !strings.HasPrefix(a, "https://") {
		return Errorf("webhook_avatar must be an https:// image URL.")
	}
	if n := len([]rune(name)); n > 80 {
		return Errorf("webhook_name may have at most 80 characters.")
	}
	return nil
}

// attachWebhook makes the new subscription's webhook, so a name Discord refuses is reported
// now rather than at the first post; when it cannot, the subscription is removed again.
func (s Subscriptions) attachWebhook(ctx context.Context, req Request, sub store.Subscription, name string) (store.Subscription, error) {
	wh, err := s.Places.MakeWebhook(ctx, req.ChannelID, name)
	if err != nil {
		if _, uerr := s.Service.Unsubscribe(ctx, req.GuildID, sub.ID); uerr != nil {
			return sub, fmt.Errorf("commands: removing the subscription whose webhook failed: %w", uerr)
		}
		return sub, Errorf("Discord refused to make the webhook %q (%s), so nothing was subscribed.", name, userText(err))
	}
	wh.Name, wh.AvatarURL = name, strings.TrimSpace(req.Options["webhook_avatar"])
	return s.Service.Edit(ctx, req.GuildID, sub.ID, func(cur *store.Subscription) error {
		cur.Style.Webhook = &wh
		return nil
	})
}

func placementAllowed(typ int, thread, crosspost, webhook bool) error {
	inThread := typ == chanAnnThread || typ == chanPublicThread || typ == chanPrivThread
	switch {
	case crosspost && typ != chanAnnouncement:
		return Errorf("crosspost works in announcement channels only.")
	case thread && inThread:
		return Errorf("This channel is a thread already: posts go straight into it.")
	case webhook && inThread:
		return Errorf("Webhooks belong to channels: subscribe the thread's channel to post through one.")
	}
	return nil
}

// placementPermNames lists permission bits by their names in Discord's settings.
func placementPermNames(bits int64) string {
	names := []struct {
		bit  int64
		name string
	}{{PermManageWebhooks, "Manage Webhooks"}, {PermCreatePublicThreads, "Create Public Threads"}, {PermSendInThreads, "Send Messages in Threads"}}
	var out []string
	for _, n := range names {
		if bits&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ", ")
}

// placeText says where posts go, for confirmations: " (…)", or "" for a plain channel post.
func placeText(st store.PostStyle) string {
	parts := st.Places()
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
