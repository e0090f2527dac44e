package commands

import (
	"regexp"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// German is the one language besides English Herald speaks: its commands' and options'
// descriptions are registered in it (Discord shows them to members whose client is in German)
// and its fixed replies and /help are translated for interactions whose locale is German.
const German = "de"

// isGerman reports whether an interaction's locale is German ("de"; Discord has no regional
// German, but a client may one day send "de-AT").
func isGerman(locale string) bool { return locale == German || strings.HasPrefix(locale, German+"-") }

// germanCommands are the commands' descriptions in German, by command name.
func germanCommands() map[string]string {
	return map[string]string{
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
}

// germanOptions are option and subcommand descriptions in German, by their English text:
// options shared by several commands (filter, mention, …) are translated once, and a changed
// English description has no stale translation (TestGermanDescriptions names it).
func germanOptions() map[string]string {
	return map[string]string{
		"How many stories (1-10, default 5)":                                            "Wie viele Meldungen (1–10, Standard 5)",
		"Only stories on this tracked topic":                                            "Nur Meldungen zu diesem verfolgten Thema",
		"The tracked topic":                                                             "Das verfolgte Thema",
		"A daily briefing in this channel":                                              "Ein tägliches Briefing in diesem Kanal",
		"Local time such as 08:00, 20:30 or 8:30 pm (default 08:00)":                    "Ortszeit wie 08:00 oder 20:30 (Standard 08:00)",
		"IANA time zone, e.g. Europe/London (default UTC)":                              "IANA-Zeitzone, z. B. Europe/Berlin (Standard UTC)",
		"Only this tracked topic":                                                       "Nur dieses verfolgte Thema",
		"Live posts of new stories from one feed":                                       "Neue Meldungen eines Feeds live posten",
		"The feed's URL (RSS, Atom, JSON Feed)":                                         "Die URL des Feeds (RSS, Atom, JSON Feed)",
		"Only stories with one of these comma-separated words":                          "Nur Meldungen mit einem dieser kommagetrennten Wörter",
		"Skip stories with any of these comma-separated words":                          "Meldungen mit einem dieser kommagetrennten Wörter auslassen",
		`Words, "phrases", /regex/, title: summary: author: category:, NOT or -`:        `Wörter, "Phrasen", /Regex/, title: summary: author: category:, NOT oder -`,
		"A role to ping with each post":                                                 "Eine Rolle, die bei jedem Post erwähnt wird",
		"A member to ping with each post (instead of a role)":                           "Ein Mitglied, das bei jedem Post erwähnt wird (statt einer Rolle)",
		"Ping only for stories passing this filter":                                     "Nur bei Meldungen erwähnen, die diesen Filter passieren",
		templateOptionText:                                                              "Posttext mit {title} {link} {source} {summary} {published_ago} {topic} {status} …",
		"Embed colour, e.g. #1F8B4C":                                                    "Farbe des Embeds, z. B. #1F8B4C",
		"Show the story image small, beside the text":                                   "Das Bild der Meldung klein neben dem Text zeigen",
		"Text channels: a thread on each story's post":                                  "Textkanäle: ein Thread an jedem Post einer Meldung",
		"Announcement channels: publish each post to followers":                         "Ankündigungskanäle: jeden Post an Follower veröffentlichen",
		"Post through a webhook with this name (Manage Webhooks)":                       "Über einen Webhook mit diesem Namen posten (Webhooks verwalten)",
		"The webhook's avatar image URL (https)":                                        "URL des Avatarbilds des Webhooks (https)",
		"Live posts of new stories on a tracked topic":                                  "Neue Meldungen zu einem verfolgten Thema live posten",
		"Change filters, mention, look or placement; options left out stay as they are": "Filter, Erwähnung, Aussehen oder Platzierung ändern; ausgelassene Optionen bleiben",
		"One of this server's subscriptions":                                            "Eines der Abos dieses Servers",
		"Feed: only stories with one of these words (none: all)":                        "Feed: nur Meldungen mit einem dieser Wörter (none: alle)",
		"Feed: skip stories with any of these words (none: skip none)":                  "Feed: Meldungen mit einem dieser Wörter auslassen (none: keine)",
		"Stop pinging anyone":                                                           "Niemanden mehr erwähnen",
		"Post nothing until resumed":                                                    "Nichts posten, bis es fortgesetzt wird",
		"Post again; what arrived meanwhile is caught up":                               "Wieder posten; was inzwischen kam, wird nachgeholt",
		"Why a story was or was not posted here":                                        "Warum eine Meldung hier gepostet wurde oder nicht",
		"The story's link, or words of its title":                                       "Der Link der Meldung oder Wörter ihres Titels",
		"The subscription to remove (leave out to pick from a list)":                    "Das zu entfernende Abo (weglassen, um aus einer Liste zu wählen)",
		"The feed's URL, as /subscriptions shows it":                                    "Die URL des Feeds, wie /subscriptions sie zeigt",
		"A command, e.g. latest or subscribe feed":                                      "Ein Befehl, z. B. latest oder subscribe feed",
	}
}

// localise adds the German descriptions to defs: each command's, and each option's,
// subcommand's and choice's below it.
func localise(defs []Command) []Command {
	cmds, opts := germanCommands(), germanOptions()
	for i := range defs {
		if d, ok := cmds[defs[i].Name]; ok && defs[i].DescriptionLocalizations == nil {
			defs[i].DescriptionLocalizations = map[string]string{German: d}
		}
		localiseOptions(defs[i].Options, opts)
	}
	return defs
}

func localiseOptions(os []Option, german map[string]string) {
	for i := range os {
		if d, ok := german[os[i].Description]; ok {
			os[i].DescriptionLocalizations = map[string]string{German: d}
		}
		for j := range os[i].Choices {
			if n, ok := german[os[i].Choices[j].Name]; ok {
				os[i].Choices[j].NameLocalizations = map[string]string{German: n}
			}
		}
		localiseOptions(os[i].Options, german)
	}
}

// described is the description of a command or option in locale, English when it has none.
func described(desc string, localized map[string]string, locale string) string {
	if isGerman(locale) {
		if d := localized[German]; d != "" {
			return d
		}
	}
	return desc
}

// germanReply is one fixed reply and its German form; $1… are the English text's groups.
type germanReply struct {
	en *regexp.Regexp
	de string
}

// translator renders Herald's fixed replies in the interaction's language.
type translator struct{ german []germanReply }

// newTranslator compiles the translations once, for the router's lifetime.
func newTranslator() translator {
	var t translator
	for _, r := range germanReplies() {
		t.german = append(t.german, germanReply{en: regexp.MustCompile(r[0]), de: r[1]})
	}
	return t
}

// germanReplies translate the replies every member meets: refusals, empty lists, expired
// buttons, errors. Replies built from feed text (stories, titles) stay as the feeds wrote
// them. Command names stay "/name": the router links them after translating.
func germanReplies() [][2]string {
	return [][2]string{
		{`^You need the Manage Channels permission to use /(\S+)\.$`, "Für /$1 brauchst du die Berechtigung „Kanäle verwalten“."},
		{`^/(\S+) works only in a server channel, not in direct messages\.$`, "/$1 funktioniert nur in einem Serverkanal, nicht in Direktnachrichten."},
		{`^Unknown command /(\S+)\. Try /help\.$`, "Unbekannter Befehl /$1. Probier /help."},
		{`^No subscriptions yet\. Add one with /subscribe\.$`, "Noch keine Abos. Leg eines mit /subscribe an."},
		{`^These buttons have expired\. Run /(\S+) again for a fresh page\.$`, "Diese Schaltflächen sind abgelaufen. Führe /$1 erneut aus."},
		{`^Something went wrong while running /(.+)\. The error was logged; please try again\.$`, "Bei /$1 ist etwas schiefgegangen. Der Fehler wurde protokolliert; bitte versuch es noch einmal."},
		{`^Something went wrong\. Please try again\.$`, "Etwas ist schiefgegangen. Bitte versuch es noch einmal."},
		{`^Herald's store is unavailable right now, so this cannot be answered\. Please try again in a minute\.$`, "Heralds Speicher ist gerade nicht erreichbar, daher gibt es keine Antwort. Bitte versuch es in einer Minute noch einmal."},
		{`^Herald cannot post in this channel: it lacks (.+) here\. .*$`, "Herald kann in diesem Kanal nicht posten: Hier fehlt $1. Gib Herald in diesem Kanal diese Berechtigungen (oder lade es mit ihnen neu ein) und versuch es noch einmal."},
		{`^Herald lacks a permission here for that: (.+)\. Grant it to Herald's role in this channel and try again\.$`, "Dafür fehlt Herald hier eine Berechtigung: $1. Gib sie Heralds Rolle in diesem Kanal und versuch es noch einmal."},
		{`^Give at least one option to change, e\.g\. filter, mention or template\.$`, "Gib mindestens eine Option an, die sich ändern soll, etwa filter, mention oder template."},
		{`^Subscriptions work in server channels, not in direct messages\.$`, "Abos gibt es nur in Serverkanälen, nicht in Direktnachrichten."},
		{`^No subscription (".*") in this server\. /subscriptions lists them\.$`, "Kein Abo $1 auf diesem Server. /subscriptions listet sie auf."},
		{`^This server already has (\d+) subscriptions, the most allowed\. Remove one with /unsubscribe first\.$`, "Dieser Server hat schon $1 Abos, mehr sind nicht erlaubt. Entferne zuerst eines mit /unsubscribe."},
		{`^This channel already has that subscription: /subscription edit changes its filters, mention, look or placement; .*$`, "Dieser Kanal hat dieses Abo schon: /subscription edit ändert seine Filter, Erwähnung, Gestaltung oder Platzierung; /subscriptions zeigt den Zustand seines Feeds; /retry-feed versucht einen pausierten Feed erneut."},
		{`^This channel already has that subscription: /subscription edit changes its filter, mention, look or placement\.$`, "Dieser Kanal hat dieses Abo schon: /subscription edit ändert seinen Filter, seine Erwähnung, Gestaltung oder Platzierung."},
		{`^This channel already has that subscription\.$`, "Dieser Kanal hat dieses Abo schon."},
		{`^No command /(.*)\. Commands: (.*)\.$`, "Kein Befehl /$1. Befehle: $2."},
		{`^/(\S+) has no subcommand (".*")\.$`, "/$1 hat keinen Unterbefehl $2."},
		{`^Nothing was removed\.$`, "Nichts wurde entfernt."},
		{`^Pick a role from the list for mention\.$`, "Wähl für mention eine Rolle aus der Liste."},
		{`^Pick a member from the list for mention_user\.$`, "Wähl für mention_user ein Mitglied aus der Liste."},
		{`^Herald never pings @everyone: pick a role\.$`, "Herald erwähnt nie @everyone: Wähl eine Rolle."},
		{`^Write the colour as six hex digits, e\.g\. #1F8B4C\.$`, "Schreib die Farbe als sechs Hexziffern, z. B. #1F8B4C."},
		{`^Threads, crossposts and webhooks need Herald to be connected to Discord\.$`, "Threads, Crossposts und Webhooks gehen nur, wenn Herald mit Discord verbunden ist."},
		{`^Herald checks its permissions for threads and crossposts in the subscription's channel: run /subscription edit in (<#\d+>)\.$`, "Herald prüft seine Berechtigungen für Threads und Crossposts im Kanal des Abos: Führe /subscription edit in $1 aus."},
	}
}

// translate renders m's content in the request's locale where a translation exists.
func (t translator) translate(locale string, m message.Message) message.Message {
	if !isGerman(locale) {
		return m
	}
	const warn = "⚠️ " // errorMessage's mark stays
	mark, text := "", m.Content
	if rest, ok := strings.CutPrefix(text, warn); ok {
		mark, text = warn, rest
	}
	for _, r := range t.german {
		if r.en.MatchString(text) {
			m.Content = mark + r.en.ReplaceAllString(text, r.de)
			return m
		}
	}
	return m
}
