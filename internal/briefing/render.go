package briefing

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/message"
)

// Per-part caps that make every rendered entry far smaller than an embed description, so a
// section embed can always take at least one entry and Render fits Discord by construction.
const (
	maxHeadline   = 200
	maxSummary    = 200
	maxSourceName = 40
	maxLinkLen    = 300
	maxSources    = 6
	maxStatusLine = 300
	// NothingNew is the one line an empty briefing renders as.
	NothingNew = "Nothing new since the last briefing."
)

// Render turns b into messages: a header embed (title, status lines) and one embed per topic
// section, continued in further embeds when a section outgrows a description, packed ≤10 embeds
// and ≤6000 characters per message. An empty briefing is the single NothingNew line, or no
// message at all with QuietWhenEmpty.
func Render(b Briefing) []message.Message {
	if b.Empty() {
		if b.QuietWhenEmpty {
			return nil
		}
		return []message.Message{{Content: NothingNew}}
	}
	embeds := []message.Embed{header(b)}
	for _, s := range b.Sections {
		embeds = append(embeds, sectionEmbeds(b, s)...)
	}
	return message.Split(message.Message{Embeds: embeds})
}

func header(b Briefing) message.Embed {
	e := message.Embed{Title: message.Truncate(b.Title, message.MaxEmbedTitle), Timestamp: b.Now}
	if e.Title == "" {
		e.Title = "Your briefing"
	}
	var lines []string
	for i, l := range b.StatusLines {
		l = "• " + message.Truncate(l, maxStatusLine) // Herald's own Markdown: see Options.StatusLines
		if runes(strings.Join(append(lines, l), "\n")) > message.MaxEmbedDescription-40 {
			lines = append(lines, fmt.Sprintf("…and %d more", len(b.StatusLines)-i))
			break
		}
		lines = append(lines, l)
	}
	e.Description = strings.Join(lines, "\n")
	n, outlets := 0, map[string]bool{}
	for _, s := range b.Sections {
		for _, en := range s.Entries {
			n++
			for _, src := range en.Sources {
				outlets[strings.ToLower(src.Name)] = true
			}
		}
	}
	// "2 stories from 3 outlets" read as a miscount: one story is often reported by several.
	e.Footer = fmt.Sprintf("%d %s, reported by %d %s", n, plural(n, "story", "stories"), len(outlets), plural(len(outlets), "outlet", "outlets"))
	return e
}

// sectionEmbeds renders a section's entries, starting a continuation embed whenever the next
// entry would overflow the description.
func sectionEmbeds(b Briefing, s Section) []message.Embed {
	title := message.Truncate(s.Title, message.MaxEmbedTitle-len(" (continued)"))
	cur := message.Embed{Title: title}
	n := 0 // runes in cur.Description
	var out []message.Embed
	for _, e := range s.Entries {
		text := entryText(e, b)
		size := runes(text)
		if n > 0 && n+2+size > message.MaxEmbedDescription {
			out = append(out, cur)
			cur, n = message.Embed{Title: title + " (continued)"}, 0
		}
		if n > 0 {
			cur.Description += "\n\n"
			n += 2
		}
		cur.Description += text
		n += size
	}
	return append(out, cur)
}

// entryText is one entry as Markdown: linked headline, one-line summary, linked sources and age.
func entryText(e Entry, b Briefing) string {
	headline := message.Truncate(e.Headline, maxHeadline)
	if headline == "" {
		headline = "(untitled)"
	}
	head := "**" + escape(headline) + "**"
	if u := safeURL(e.Link); u != "" {
		head = "[" + head + "](" + u + ")"
	}
	lines := []string{head}
	// Many feeds repeat the title as the summary: saying it twice wastes the reader's time.
	if s := message.Truncate(firstLine(e.Summary), maxSummary); s != "" && !repeats(e.Headline, s) {
		lines = append(lines, escape(s))
	}
	var srcs []string
	for i, s := range e.Sources {
		if i == maxSources {
			srcs = append(srcs, fmt.Sprintf("+%d more", len(e.Sources)-i))
			break
		}
		name := escape(message.Truncate(s.Name, maxSourceName))
		if u := safeURL(s.Link); u != "" {
			name = "[" + name + "](" + u + ")"
		}
		srcs = append(srcs, name)
	}
	// A Discord timestamp stays current and reads in each reader's zone; "1h ago" would not.
	if ts := message.Timestamp(e.Published, message.TimestampRelative); ts != "" {
		srcs = append(srcs, ts)
	}
	return strings.Join(append(lines, strings.Join(srcs, " · ")), "\n")
}

// safeURL returns an http(s) link usable inside Markdown "(...)", or "" for anything else
// (javascript:, relative, over-long): a broken link is worse than none.
func safeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > maxLinkLen {
		return ""
	}
	if !strings.ContainsAny(raw, "() <>") {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '(', ')', ' ', '<', '>':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// escape neutralises Markdown in feed text, which the bot does not control: a headline with
// "*" or "[" must not restyle the post or forge a link, nor a leading "#" make a heading.
func escape(s string) string {
	var b strings.Builder
	if strings.HasPrefix(s, "#") || strings.HasPrefix(s, ">") || strings.HasPrefix(s, "-") {
		b.WriteByte('\\')
	}
	for _, r := range s {
		if strings.ContainsRune("\\*_~`|[]", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// repeats reports a summary that only restates the headline.
func repeats(headline, summary string) bool {
	h := strings.ToLower(strings.TrimSpace(headline))
	s := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(summary), "…"))
	return h != "" && strings.HasPrefix(h, s)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
