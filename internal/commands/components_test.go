package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
)

func TestComponentIDRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Unix(1796459400, 0)
	id := message.ComponentID("latest", map[string]string{"count": "5", "offset": "10", "topic": "ceasefire"}, at)
	if len(id) > message.MaxComponentID {
		t.Fatalf("custom_id %q is %d long", id, len(id))
	}
	name, sub, opts, issued, ok := message.ParseComponentID(id)
	if !ok || name != "latest" || sub != "" || !issued.Equal(at) {
		t.Fatalf("parsed %q %q %v %v", name, sub, issued, ok)
	}
	if diff := cmp.Diff(map[string]string{"count": "5", "offset": "10", "topic": "ceasefire"}, opts); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "latest", "h1|latest", "h1||@=1", "h2|latest|@=1", "h1|latest|%zz"} {
		if _, _, _, _, ok := message.ParseComponentID(bad); ok {
			t.Errorf("message.ParseComponentID(%q) accepted", bad)
		}
	}
}

// /latest pages: the buttons carry the next offsets, newer is disabled on the first page,
// older on the last; pressing one answers with the page that replaces the message.
func TestLatestPages(t *testing.T) {
	s := openStore(t)
	seedStories(t, s, 12)
	l := Latest{Stories: s, Now: func() time.Time { return t0 }}
	r := NewRouter(Definitions(), RouterOptions{})
	r.On("latest", l.Handle)
	first, err := l.Handle(context.Background(), Request{Name: "latest", Options: map[string]string{"count": "5"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Buttons) != 2 || !first.Buttons[0].Disabled || first.Buttons[1].Disabled {
		t.Fatalf("first page buttons %+v: newer disabled, older enabled", first.Buttons)
	}
	press := func(b message.Button) message.Message {
		name, sub, opts, issued, ok := message.ParseComponentID(b.ID)
		if !ok {
			t.Fatalf("button id %q", b.ID)
		}
		resp := &recorder{start: time.Now()}
		r.Handle(context.Background(), Request{Name: name, Sub: sub, Options: opts, Component: true, Issued: issued}, resp)
		return resp.reply
	}
	// The router's clock is the wall clock: a button issued at t0 (2026-11-25) is expired.
	page := func(offset string) message.Message {
		m, err := l.Handle(context.Background(), Request{Name: "latest", Options: map[string]string{"count": "5", "offset": offset}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if diff := cmp.Diff([]string{"Story 7", "Story 6", "Story 5", "Story 4", "Story 3"}, titles(page("5"))); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}
	last := page("10")
	if diff := cmp.Diff([]string{"Story 2", "Story 1"}, titles(last)); diff != "" {
		t.Errorf("last page (-want +got):\n%s", diff)
	}
	if last.Buttons[0].Disabled || !last.Buttons[1].Disabled || !strings.Contains(last.Content, "from the 11th newest") {
		t.Errorf("last page %q buttons %+v", last.Content, last.Buttons)
	}
	expired := press(first.Buttons[1])
	if !strings.Contains(expired.Content, "expired") || !expired.Ephemeral || expired.Replace {
		t.Errorf("an expired button answered %+v", expired)
	}
	fresh := message.ComponentID("latest", map[string]string{"count": "5", "offset": "5"}, time.Now())
	got := press(message.Button{Label: "Older", ID: fresh})
	if !got.Replace || len(got.Embeds) != 5 {
		t.Errorf("a fresh button answered %+v: want a replacing page of 5", got)
	}
}

// A private command's answer to a button replaces the button's message only when that message
// is private too: "Retry now" on a channel's notice answers the member alone.
func TestPrivateAnswerNeverReplacesAPublicMessage(t *testing.T) {
	t.Parallel()
	r := NewRouter(Definitions(), RouterOptions{})
	r.On("retry-feed", func(context.Context, Request) (message.Message, error) {
		return message.Message{Content: "retried"}, nil
	})
	for _, tc := range []struct {
		name          string
		onPrivate     bool
		wantReplace   bool
		wantEphemeral bool
	}{
		{"on a channel's notice", false, false, true},
		{"on a private answer", true, true, true},
	} {
		rec := &recorder{start: time.Now()}
		r.Handle(context.Background(), Request{Name: "retry-feed", GuildID: "g1", Permissions: PermManageChannels,
			Options: map[string]string{"url": "https://a.example/rss"}, Component: true, Issued: time.Now(), OnPrivateMessage: tc.onPrivate}, rec)
		if rec.reply.Replace != tc.wantReplace || rec.reply.Ephemeral != tc.wantEphemeral || rec.reply.Content != "retried" {
			t.Errorf("%s: reply %+v", tc.name, rec.reply)
		}
	}
}
