package fakediscord

import (
	"regexp"
	"slices"
	"strings"
)

// Pings is who a message notified, computed as Discord does from its content and its
// allowed_mentions: embeds never ping; with allowed_mentions absent or null every mention in
// the content pings; otherwise a kind pings only when parse names it ("everyone", "roles",
// "users") or, for roles and users, when it is listed by id.
type Pings struct {
	Everyone bool     // @everyone or @here
	Roles    []string // role ids, sorted, each once
	Users    []string // user ids, sorted, each once
}

// None reports that nobody was pinged.
func (p Pings) None() bool { return !p.Everyone && len(p.Roles) == 0 && len(p.Users) == 0 }

var (
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
)

// Pings reports who m notified.
func (m Message) Pings() Pings {
	am := m.AllowedMentions
	parseAll := am == nil || am.Parse == nil && len(am.Roles) == 0 && len(am.Users) == 0
	parses := func(kind string) bool { return parseAll || slices.Contains(am.Parse, kind) }
	var p Pings
	if parses("everyone") && (strings.Contains(m.Content, "@everyone") || strings.Contains(m.Content, "@here")) {
		p.Everyone = true
	}
	p.Roles = allowedIDs(roleMention, m.Content, parses("roles"), am, func(a *AllowedMentions) []string { return a.Roles })
	p.Users = allowedIDs(userMention, m.Content, parses("users"), am, func(a *AllowedMentions) []string { return a.Users })
	return p
}

func allowedIDs(re *regexp.Regexp, content string, all bool, am *AllowedMentions, listed func(*AllowedMentions) []string) []string {
	var out []string
	for _, sub := range re.FindAllStringSubmatch(content, -1) {
		id := sub[1]
		if all || am != nil && slices.Contains(listed(am), id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
