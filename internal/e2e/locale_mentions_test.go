package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

const localeChannel = "930000000000000021"

// TestCommandMentionsAndGermanThroughGateway drives issue 12's command mentions and German
// through the real binary and the fake gateway: every command and option registers a German
// description (the fake checks the maps against Discord's locales); /help names each command as
// a clickable mention carrying the ID the registration returned, in English and, for a German
// client, in German; a refusal answers a German client in German, with the command linked.
func TestCommandMentionsAndGermanThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Locale Outlet")
	fs.add(1)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 0)

	ids := map[string]string{}
	for _, c := range fake.Commands("") {
		ids[c.Name] = c.ID
		if c.DescriptionLocalizations["de"] == "" {
			t.Errorf("/%s registered without a German description", c.Name)
		}
		checkGermanOptions(t, "/"+c.Name, c.Options)
	}
	if ids["help"] == "" || ids["subscription"] == "" {
		t.Fatalf("registered commands: %v", ids)
	}

	en := ask(t, fake, command{channel: localeChannel, name: "help"})
	help := en.msg.Embeds[0].Description
	for _, want := range []string{"</latest:" + ids["latest"] + ">", "</subscription edit:" + ids["subscription"] + ">",
		"</help:" + ids["help"] + "> command shows one command's options."} {
		if !strings.Contains(help, want) {
			t.Errorf("/help lacks %q:\n%s", want, help)
		}
	}
	de := ask(t, fake, command{channel: localeChannel, name: "help", locale: "de"})
	if d := de.msg.Embeds[0]; d.Title != "Herald: Nachrichten-Briefings für Discord" ||
		!strings.Contains(d.Description, "**</latest:"+ids["latest"]+"> [count] [topic]**: Die neuesten Meldungen aus Heralds Feeds") {
		t.Errorf("German /help: %q\n%s", d.Title, d.Description)
	}

	refused := ask(t, fake, command{channel: localeChannel, name: "unsubscribe", locale: "de"})
	if want := "⚠️ Für </unsubscribe:" + ids["unsubscribe"] + "> brauchst du die Berechtigung „Kanäle verwalten“."; refused.msg.Content != want {
		t.Errorf("German refusal %q, want %q", refused.msg.Content, want)
	}
	if plain := ask(t, fake, command{channel: localeChannel, name: "unsubscribe"}); !strings.Contains(plain.msg.Content,
		"to use </unsubscribe:"+ids["unsubscribe"]+">.") {
		t.Errorf("English refusal %q: want the command linked", plain.msg.Content)
	}

	// Subscribing again is refused with the command that changes a subscription, linked.
	feed := []fakediscord.Option{{Name: "feed", Type: 1, Options: []fakediscord.Option{{Name: "url", Type: 3, Value: fs.URL()}}}}
	if first := ask(t, fake, command{channel: localeChannel, permissions: permManageChannels, name: "subscribe", options: feed}); !strings.Contains(first.msg.Content, "New stories from") {
		t.Fatalf("/subscribe feed: %q", first.msg.Content)
	}
	again := ask(t, fake, command{channel: localeChannel, permissions: permManageChannels, name: "subscribe", options: feed})
	if want := "already has that subscription: </subscription edit:" + ids["subscription"] + "> changes its filters"; !strings.Contains(again.msg.Content, want) {
		t.Errorf("second /subscribe feed: %q, want %q", again.msg.Content, want)
	}
}

// checkGermanOptions fails for any registered option or subcommand without a German description.
func checkGermanOptions(t *testing.T, path string, opts []fakediscord.CommandOption) {
	t.Helper()
	for _, o := range opts {
		if o.DescriptionLocalizations["de"] == "" {
			t.Errorf("%s %s registered without a German description", path, o.Name)
		}
		checkGermanOptions(t, path+" "+o.Name, o.Options)
	}
}

// TestFeedDownNoticeLinksRetryFeedThroughGateway: the notice that a feed stopped being polled
// names /retry-feed as a clickable mention with the registered ID, through the real binary.
func TestFeedDownNoticeLinksRetryFeedThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Doomed Outlet")
	fs.add(1)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 1)
	subscribe(t, fake, wiringGuild, localeChannel, "feed", []fakediscord.Option{{Name: "url", Type: 3, Value: fs.URL()}}, "New stories from")
	retry := ""
	for _, c := range fake.Commands("") {
		if c.Name == "retry-feed" {
			retry = c.ID
		}
	}

	fs.fail(http.StatusGone) // disabled at once
	var notice string
	if !waitFor(30*time.Second, func() bool {
		for _, m := range fake.Messages(localeChannel) {
			if strings.Contains(m.Content, "stopped polling") {
				notice = m.Content
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no feed-down notice: %s", describeMessages(fake.Messages(localeChannel)))
	}
	if want := "runs </retry-feed:" + retry + "> with its URL"; retry == "" || !strings.Contains(notice, want) {
		t.Errorf("notice %q lacks %q", notice, want)
	}
}
