package commands

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/message"
)

// Every command has a German description within Discord's 100 characters.
func TestGermanDescriptions(t *testing.T) {
	t.Parallel()
	for _, c := range Definitions() {
		d := c.DescriptionLocalizations[German]
		if n := utf8.RuneCountInString(d); n == 0 || n > 100 {
			t.Errorf("/%s: German description %q (%d characters)", c.Name, d, n)
		}
	}
}

// A refusal is answered in German for a German client, in English otherwise.
func TestRepliesInTheInteractionsLocale(t *testing.T) {
	t.Parallel()
	r := testRouter(func(context.Context, Request) (message.Message, error) { return message.Message{Content: "ok"}, nil })
	for _, tc := range []struct{ locale, want string }{
		{"de", "⚠️ Für /subscribe brauchst du die Berechtigung „Kanäle verwalten“."},
		{"en-US", "⚠️ You need the Manage Channels permission to use /subscribe."},
		{"fr", "⚠️ You need the Manage Channels permission to use /subscribe."},
	} {
		rec := &recorder{}
		r.Handle(context.Background(), Request{Name: "subscribe", Sub: "topic", GuildID: "g1", Locale: tc.locale}, rec)
		if rec.reply.Content != tc.want {
			t.Errorf("locale %s: %q, want %q", tc.locale, rec.reply.Content, tc.want)
		}
	}
	rec := &recorder{}
	r.Handle(context.Background(), Request{Name: "latest", Locale: "de"}, rec)
	if rec.reply.Content != "ok" {
		t.Errorf("an answer without a translation changed: %q", rec.reply.Content)
	}
}
