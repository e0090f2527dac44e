package commands

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/subscription"
)

// typedPlaces is Discord as placement sees it: each channel's type. It makes no webhooks.
type typedPlaces map[string]int

func (p typedPlaces) ChannelType(_ context.Context, channelID string) (int, error) {
	return p[channelID], nil
}

func (typedPlaces) MakeWebhook(context.Context, string, string) (store.Webhook, error) {
	return store.Webhook{}, Errorf("no webhooks here")
}

// /subscription edit thread|crosspost moves a subscription's posts with the checks /subscribe
// makes (the channel's type, Herald's permissions there), changes only the options given,
// words the placement as PostStyle.Places does, and stores nothing it refuses.
func TestSubscriptionEditPlacement(t *testing.T) {
	const textChannel = 0
	tests := []struct {
		name    string
		kind    store.Kind
		start   store.PostStyle
		chanTyp int
		console bool   // no Discord: Places is nil
		app     int64  // Herald's permissions in the channel; 0: all it may ask for
		in      string // the channel the command is run in; "": the subscription's
		opts    map[string]string
		want    store.PostStyle // stored afterwards (a refusal: start)
		reply   string          // the confirmation, when accepted
		err     string          // the refusal, when refused
	}{
		{name: "thread per story in a text channel", chanTyp: textChannel, opts: map[string]string{"thread": "true"},
			want: store.PostStyle{ThreadPerStory: true}, reply: "✅ Updated: live posts on Gaza ceasefire (a thread per story)."},
		{name: "a forum channel keeps one post per story", chanTyp: chanForum, start: store.PostStyle{Forum: true},
			opts: map[string]string{"thread": "true"},
			want: store.PostStyle{Forum: true}, reply: "✅ Updated: live posts on Gaza ceasefire (one forum post per story)."},
		{name: "crosspost in an announcement channel", chanTyp: chanAnnouncement, opts: map[string]string{"crosspost": "true"},
			want: store.PostStyle{Crosspost: true}, reply: "✅ Updated: live posts on Gaza ceasefire (published to followers)."},
		{name: "options left out stay", chanTyp: chanAnnouncement, start: store.PostStyle{Filter: "truce", Crosspost: true},
			opts:  map[string]string{"thread": "true"},
			want:  store.PostStyle{Filter: "truce", Crosspost: true, ThreadPerStory: true},
			reply: "✅ Updated: live posts on Gaza ceasefire [filter `truce`] (a thread per story, published to followers)."},
		{name: "with another option", chanTyp: textChannel, opts: map[string]string{"thread": "true", "filter": "truce"},
			want: store.PostStyle{Filter: "truce", ThreadPerStory: true}, reply: "✅ Updated: live posts on Gaza ceasefire [filter `truce`] (a thread per story)."},
		{name: "turning off needs neither Discord nor the channel", console: true, in: "c2",
			start: store.PostStyle{ThreadPerStory: true, Crosspost: true}, opts: map[string]string{"thread": "false"},
			want: store.PostStyle{Crosspost: true}, reply: "✅ Updated: live posts on Gaza ceasefire (published to followers)."},
		{name: "both off is a plain post", chanTyp: chanAnnouncement, start: store.PostStyle{ThreadPerStory: true, Crosspost: true},
			opts: map[string]string{"thread": "false", "crosspost": "false"}, reply: "✅ Updated: live posts on Gaza ceasefire."},
		{name: "feed subscription", kind: store.KindFeed, chanTyp: textChannel, opts: map[string]string{"thread": "true"},
			want: store.PostStyle{ThreadPerStory: true}, reply: "✅ Updated: live posts from https://news.example/rss (a thread per story)."},
		{name: "crosspost outside an announcement channel", chanTyp: textChannel, opts: map[string]string{"crosspost": "true"},
			err: "crosspost works in announcement channels only."},
		{name: "thread in a thread", chanTyp: chanPublicThread, opts: map[string]string{"thread": "true"},
			err: "This channel is a thread already: posts go straight into it."},
		{name: "a refused placement stores nothing else either", chanTyp: textChannel, start: store.PostStyle{Filter: "truce"},
			opts: map[string]string{"crosspost": "true", "filter": "none"},
			err:  "crosspost works in announcement channels only."},
		{name: "missing thread permissions", chanTyp: textChannel, app: BotPermissions, opts: map[string]string{"thread": "true"},
			err: "Herald lacks a permission here for that: Create Public Threads, Send Messages in Threads. Grant it to Herald's role in this channel and try again."},
		{name: "turning on from another channel", chanTyp: textChannel, in: "c2", opts: map[string]string{"thread": "true"},
			err: "Herald checks its permissions for threads and crossposts in the subscription's channel: run /subscription edit in <#c1>."},
		{name: "console", console: true, opts: map[string]string{"crosspost": "true"},
			err: "Threads, crossposts and webhooks need Herald to be connected to Discord."},
		{name: "digest", kind: store.KindDigest, chanTyp: textChannel, opts: map[string]string{"thread": "true"},
			err: "Daily briefings have no filters, mentions, templates or threads; only live posts do."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newSubs(t)
			if !tt.console {
				s.Places = typedPlaces{"c1": tt.chanTyp, "c2": textChannel}
			}
			ctx := context.Background()
			sub := store.Subscription{Kind: store.KindTopic, Topic: "ceasefire", Style: tt.start}
			o := subscription.Owner{GuildID: "g1", ChannelID: "c1", UserID: "u1"}
			var err error
			switch tt.kind {
			case store.KindFeed:
				sub.Kind, sub.Topic, sub.FeedURL = store.KindFeed, "", "https://news.example/rss"
				_, _, err = s.Service.SubscribeFeedWith(ctx, o, sub)
			case store.KindDigest:
				sub = store.Subscription{Kind: store.KindDigest, Time: "08:00", TimeZone: "UTC"}
				_, err = s.Service.Subscribe(ctx, o, sub)
			default:
				_, err = s.Service.Subscribe(ctx, o, sub)
			}
			if err != nil {
				t.Fatal(err)
			}
			r := req("edit", tt.opts)
			r.Name = "subscription"
			r.Options["subscription"] = onlySub(t, s).ID
			r.AppPermissions = InvitePermissions
			if tt.app != 0 {
				r.AppPermissions = tt.app
			}
			if tt.in != "" {
				r.ChannelID = tt.in
			}
			m, err := s.Edit(ctx, r)
			got := m.Content
			if err != nil {
				if asUserError(err) == nil {
					t.Fatalf("err = %v, want a user error", err)
				}
				got = err.Error()
			}
			want, stored := tt.reply, tt.want
			if tt.err != "" { // a refusal stores nothing
				want, stored = tt.err, tt.start
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(stored, onlySub(t, s).Style); diff != "" {
				t.Errorf("stored style (-want +got):\n%s", diff)
			}
		})
	}
}
