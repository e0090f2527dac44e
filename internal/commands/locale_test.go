package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// Every command, subcommand, option and choice has a German description (choice: name) within
// Discord's 100 characters: a new option without a translation fails here.
func TestGermanDescriptions(t *testing.T) {
	t.Parallel()
	check := func(path string, loc map[string]string) {
		if d := loc[German]; utf8.RuneCountInString(d) == 0 || utf8.RuneCountInString(d) > 100 {
			t.Errorf("%s: German text %q (%d characters)", path, d, utf8.RuneCountInString(d))
		}
	}
	var walk func(path string, os []Option)
	walk = func(path string, os []Option) {
		for _, o := range os {
			check(path+" "+o.Name, o.DescriptionLocalizations)
			for _, c := range o.Choices {
				check(path+" "+o.Name+"="+c.Value, c.NameLocalizations)
			}
			walk(path+" "+o.Name, o.Options)
		}
	}
	for _, c := range Definitions(Alias{Name: "ceasefire-status", Title: "Gaza ceasefire"}) {
		check("/"+c.Name, c.DescriptionLocalizations)
		walk("/"+c.Name, c.Options)
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

// The common refusals and errors have German forms; each is checked end to end through the
// router (the handler's error, the translation, the warning mark).
func TestGermanRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, en, de string }{
		{"store down", "", "⚠️ Heralds Speicher ist gerade nicht erreichbar, daher gibt es keine Antwort. Bitte versuch es in einer Minute noch einmal."},
		{"unknown subscription", `No subscription "x1" in this server. /subscriptions lists them.`, `⚠️ Kein Abo "x1" auf diesem Server. /subscriptions listet sie auf.`},
		{"limit", "This server already has 25 subscriptions, the most allowed. Remove one with /unsubscribe first.",
			"⚠️ Dieser Server hat schon 25 Abos, mehr sind nicht erlaubt. Entferne zuerst eines mit /unsubscribe."},
		{"duplicate topic", "This channel already has that subscription: /subscription edit changes its filter, mention, look or placement.",
			"⚠️ Dieser Kanal hat dieses Abo schon: /subscription edit ändert seinen Filter, seine Erwähnung, Gestaltung oder Platzierung."},
		{"placement elsewhere", "Herald checks its permissions for threads and crossposts in the subscription's channel: run /subscription edit in <#123456789012345678>.",
			"⚠️ Herald prüft seine Berechtigungen für Threads und Crossposts im Kanal des Abos: Führe /subscription edit in <#123456789012345678> aus."},
		{"colour", "Write the colour as six hex digits, e.g. #1F8B4C.", "⚠️ Schreib die Farbe als sechs Hexziffern, z. B. #1F8B4C."},
		{"untranslated stays English", "A reply without a translation.", "⚠️ A reply without a translation."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := testRouter(func(context.Context, Request) (message.Message, error) {
				if tt.en == "" {
					return message.Message{}, fmt.Errorf("commands: reading: %w", store.ErrUnavailable)
				}
				return message.Message{}, Errorf("%s", tt.en)
			})
			rec := &recorder{}
			r.Handle(context.Background(), Request{Name: "latest", Locale: "de"}, rec)
			if diff := cmp.Diff(tt.de, rec.reply.Content); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Command names in replies become clickable mentions once the IDs are known, after the
// translation (whose patterns read plain names); before, and without links, they stay plain.
func TestRepliesLinkCommands(t *testing.T) {
	t.Parallel()
	links := Links(Definitions())
	h := func(context.Context, Request) (message.Message, error) {
		return message.Message{}, Errorf("Give at least one option to change, e.g. filter, mention or template. See /subscription edit or /help.")
	}
	r := NewRouter(Definitions(), RouterOptions{Links: links})
	r.On("latest", h)
	ask := func(locale string) string {
		rec := &recorder{}
		r.Handle(context.Background(), Request{Name: "latest", Locale: locale}, rec)
		return rec.reply.Content
	}
	if got := ask(""); !strings.Contains(got, "See /subscription edit or /help.") {
		t.Errorf("before registration: %q, want plain names", got)
	}
	links.SetIDs(map[string]string{"subscription": "111111111111111111", "help": "444444444444444444", "unsubscribe": "555555555555555555"})
	if got, want := ask(""), "See </subscription edit:111111111111111111> or </help:444444444444444444>."; !strings.Contains(got, want) {
		t.Errorf("after registration: %q, want %q", got, want)
	}
	rec := &recorder{}
	refused := NewRouter(Definitions(), RouterOptions{Links: links})
	refused.Handle(context.Background(), Request{Name: "unsubscribe", GuildID: "g1", Locale: "de"}, rec)
	if want := "⚠️ Für </unsubscribe:555555555555555555> brauchst du die Berechtigung „Kanäle verwalten“."; rec.reply.Content != want {
		t.Errorf("German refusal = %q, want %q", rec.reply.Content, want)
	}
}

// /help speaks German to a German client, from the registered localisations, and links every
// command it names once the IDs are known.
func TestHelpLocalisedAndLinked(t *testing.T) {
	t.Parallel()
	defs := Definitions()
	links := Links(defs)
	links.SetIDs(map[string]string{"latest": "121212121212121212", "subscription": "111111111111111111", "help": "444444444444444444"})
	help := Help(defs, links)
	m, err := help(context.Background(), Request{Locale: "de"})
	if err != nil {
		t.Fatal(err)
	}
	text := m.Embeds[0].Description
	for _, want := range []string{"**</latest:121212121212121212> [count] [topic]**: Die neuesten Meldungen aus Heralds Feeds",
		"**</subscription edit:111111111111111111> subscription [include]", "</help:444444444444444444> command zeigt die Optionen"} {
		if !strings.Contains(text, want) {
			t.Errorf("German help lacks %q:\n%s", want, text)
		}
	}
	one, err := help(context.Background(), Request{Locale: "de", Options: map[string]string{"command": "subscription why"}})
	if err != nil {
		t.Fatal(err)
	}
	want := message.Embed{Title: "Hilfe: /subscription why", Description: "**</subscription why:111111111111111111> subscription story**: " +
		"Warum eine Meldung hier gepostet wurde oder nicht\n• **subscription** (Pflicht): Eines der Abos dieses Servers\n" +
		"• **story** (Pflicht): Der Link der Meldung oder Wörter ihres Titels\nBraucht die Berechtigung „Kanäle verwalten“."}
	if diff := cmp.Diff(want, one.Embeds[0]); diff != "" {
		t.Errorf("/help subscription why in German (-want +got):\n%s", diff)
	}
	for _, msg := range []message.Message{m, one} {
		if err := message.Validate(msg); err != nil {
			t.Error(err)
		}
	}
}
