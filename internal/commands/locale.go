package commands

import (
	"regexp"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// German is the one language besides English Herald speaks: its commands' descriptions are
// registered in it (Discord shows them to members whose client is in German) and its fixed
// replies are translated for interactions whose locale is German.
const German = "de"

// germanDescriptions are the commands' descriptions in German, by command name.
var germanDescriptions = map[string]string{
	"latest":           "Die neuesten Meldungen aus Heralds Feeds",
	"ceasefire-status": "Wo die Verhandlungen über die Waffenruhe zwischen Israel und Hamas stehen, mit Belegen",
	"status":           "Wo eine verfolgte Geschichte steht, mit Belegen",
	"subscribe":        "Diesen Kanal für Briefings oder Live-Meldungen abonnieren",
	"subscription":     "Ein Abo dieses Servers bearbeiten, pausieren, fortsetzen oder hinterfragen",
	"unsubscribe":      "Ein Abo dieses Servers entfernen",
	"subscriptions":    "Die Abos dieses Kanals, ihre nächsten Läufe und der Zustand ihrer Feeds",
	"retry-feed":       "Einen pausierten Feed erneut versuchen; klappt es, ruft Herald ihn wieder ab",
	"briefing":         "Ein Briefing mit dem, was dieser Kanal noch nicht gesehen hat",
	"help":             "Was Herald kann, oder wie ein Befehl funktioniert",
}

// localise adds the German descriptions to defs.
func localise(defs []Command) []Command {
	for i := range defs {
		if d, ok := germanDescriptions[defs[i].Name]; ok {
			defs[i].DescriptionLocalizations = map[string]string{German: d}
		}
	}
	return defs
}

// germanReply is one fixed reply and its German form; $1… are the English text's groups.
type germanReply struct {
	en *regexp.Regexp
	de string
}

// germanReplies translate the replies every member meets: refusals, empty lists, expired
// buttons. Replies built from feed text (stories, titles) stay as the feeds wrote them.
var germanReplies = []germanReply{
	{regexp.MustCompile(`^You need the Manage Channels permission to use /(\S+)\.$`), "Für /$1 brauchst du die Berechtigung „Kanäle verwalten“."},
	{regexp.MustCompile(`^/(\S+) works only in a server channel, not in direct messages\.$`), "/$1 funktioniert nur in einem Serverkanal, nicht in Direktnachrichten."},
	{regexp.MustCompile(`^Unknown command /(\S+)\. Try /help\.$`), "Unbekannter Befehl /$1. Probier /help."},
	{regexp.MustCompile(`^No subscriptions yet\. Add one with /subscribe\.$`), "Noch keine Abos. Leg eines mit /subscribe an."},
	{regexp.MustCompile(`^These buttons have expired\. Run /(\S+) again for a fresh page\.$`), "Diese Schaltflächen sind abgelaufen. Führe /$1 erneut aus."},
	{regexp.MustCompile(`^Something went wrong while running /(.+)\. The error was logged; please try again\.$`), "Bei /$1 ist etwas schiefgegangen. Der Fehler wurde protokolliert; bitte versuch es noch einmal."},
	{regexp.MustCompile(`^Give at least one option to change, e\.g\. filter, mention or template\.$`), "Gib mindestens eine Option an, die sich ändern soll, etwa filter, mention oder template."},
	{regexp.MustCompile(`^Subscriptions work in server channels, not in direct messages\.$`), "Abos gibt es nur in Serverkanälen, nicht in Direktnachrichten."},
}

// translate renders m's content in the request's locale where a translation exists.
func translate(locale string, m message.Message) message.Message {
	if !strings.HasPrefix(locale, German) {
		return m
	}
	const warn = "⚠️ " // errorMessage's mark stays
	mark, text := "", m.Content
	if rest, ok := strings.CutPrefix(text, warn); ok {
		mark, text = warn, rest
	}
	for _, r := range germanReplies {
		if r.en.MatchString(text) {
			m.Content = mark + r.en.ReplaceAllString(text, r.de)
			return m
		}
	}
	return m
}
