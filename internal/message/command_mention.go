package message

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// CommandLinks turns command names in Herald's own text into Discord's clickable command
// mentions (</subscription edit:ID>), which open the command with one click. A mention needs
// the command's ID, which Discord assigns when the commands are registered, so the IDs arrive
// at run time (SetIDs, from the registration's answer); until then, in the console, or for a
// name Discord did not return, the name stays plain "/name". The zero value and nil are usable
// and link nothing. Safe for concurrent use: registration runs beside replies and posts.
type CommandLinks struct {
	// subs are each command's subcommands, by command name: "/subscription edit" is one
	// mention, "/subscriptions lists" a mention and a word.
	subs map[string][]string
	mu   sync.RWMutex
	ids  map[string]string
}

// NewCommandLinks returns links knowing no IDs yet; subs are the commands' subcommands.
func NewCommandLinks(subs map[string][]string) *CommandLinks { return &CommandLinks{subs: subs} }

// SetIDs records the registered commands' IDs by top-level name, replacing earlier ones; IDs
// that are not Discord snowflakes are ignored, so a mention is never malformed.
func (l *CommandLinks) SetIDs(ids map[string]string) {
	if l == nil {
		return
	}
	clean := make(map[string]string, len(ids))
	for name, id := range ids {
		if IsSnowflake(id) && commandWord.MatchString(name) {
			clean[name] = id
		}
	}
	l.mu.Lock()
	l.ids = clean
	l.mu.Unlock()
}

// id is the registered ID of the top-level command name, "" when unknown.
func (l *CommandLinks) id(name string) string {
	if l == nil {
		return ""
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.ids[name]
}

// Mention writes the command path ("retry-feed", "subscription edit") as a clickable mention
// when its command's ID is known, else as "/path".
func (l *CommandLinks) Mention(path string) string {
	path = strings.Join(strings.Fields(path), " ")
	name, _, _ := strings.Cut(path, " ")
	if id := l.id(name); id != "" {
		return "</" + path + ":" + id + ">"
	}
	return "/" + path
}

// commandWord is one word of a command path as Herald names commands.
var commandWord = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// commandRef finds "/name" or "/name sub" standing as a word: at the start or after a space or
// an opening bracket, quote or asterisk, and not followed by more of a path (so URLs, paths and
// "/regex/" filters are left alone).
var commandRef = regexp.MustCompile(`(^|[\s(*"“„])/([a-z0-9_-]{1,32})((?: [a-z0-9_-]{1,32})?)([^/\w:.-]|[.:]\s|[.:]$|$)`)

// Link rewrites every "/name" and "/name sub" in text whose command ID is known into a
// mention; a second word joins the mention only when it is one of the command's subcommands. Text that would outgrow max runes with the
// mentions is returned unchanged: a plain name is better than a cut message.
func (l *CommandLinks) Link(text string, max int) string {
	if l == nil || !strings.Contains(text, "/") {
		return text
	}
	out := expandAll(text, func(m []string) string {
		lead, name, sub := m[1], m[2], strings.TrimSpace(m[3])
		id := l.id(name)
		switch {
		case id == "":
			return lead + "/" + name + m[3]
		case sub != "" && contains(l.subs[name], sub):
			return lead + "</" + name + " " + sub + ":" + id + ">"
		}
		return lead + "</" + name + ":" + id + ">" + m[3]
	})
	if max > 0 && utf8.RuneCountInString(out) > max {
		return text
	}
	return out
}

// expandAll replaces commandRef's matches, re-scanning after each so that adjacent
// references ("/help /latest") sharing a separator are all found.
func expandAll(text string, f func([]string) string) string {
	var b strings.Builder
	for text != "" {
		loc := commandRef.FindStringSubmatchIndex(text)
		if loc == nil {
			b.WriteString(text)
			break
		}
		m := make([]string, 4)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = text[loc[2*i]:loc[2*i+1]]
			}
		}
		// The separator after the name is left for the next scan: it may lead another name.
		end := loc[8]
		b.WriteString(text[:loc[0]])
		b.WriteString(f(m))
		text = text[end:]
	}
	return b.String()
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
