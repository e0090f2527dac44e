package message

import (
	"regexp"
	"strings"
	"time"
)

// markdownLink matches "[text](url)" so the console can show it as "text (url)", which reads
// better in a terminal than Markdown syntax.
var markdownLink = regexp.MustCompile(`\[([^\[\]\n]*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)`)

// Text renders m as readable plain text for the console, which shows what the bot would post:
// content, then each embed as author, title, URL, description, fields, footer and time.
func Text(m Message) string {
	var parts []string
	if c := strings.TrimSpace(m.Content); c != "" {
		parts = append(parts, plain(c))
	}
	for _, e := range m.Embeds {
		if t := embedText(e); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n")
}

func embedText(e Embed) string {
	var lines []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && s != Blank {
			lines = append(lines, plain(s))
		}
	}
	add(e.Author)
	add(e.Title)
	add(e.URL)
	if d := strings.TrimSpace(e.Description); d != "" {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		add(d)
	}
	for _, f := range e.Fields {
		add(fieldText(f))
	}
	if e.Image != "" {
		add("[image] " + e.Image)
	}
	if e.Thumbnail != "" {
		add("[thumbnail] " + e.Thumbnail)
	}
	add(footerText(e))
	return strings.Join(lines, "\n")
}

// fieldText renders "name: value", or just the value for a Blank-named continuation field.
func fieldText(f Field) string {
	name, value := strings.TrimSpace(f.Name), strings.TrimSpace(f.Value)
	if value == Blank {
		value = ""
	}
	if name == "" || name == Blank {
		return value
	}
	if strings.Contains(value, "\n") {
		return name + ":\n  " + strings.ReplaceAll(value, "\n", "\n  ")
	}
	return strings.TrimSpace(name + ": " + value)
}

func footerText(e Embed) string {
	var parts []string
	if f := strings.TrimSpace(e.Footer); f != "" {
		parts = append(parts, f)
	}
	if !e.Timestamp.IsZero() {
		parts = append(parts, e.Timestamp.UTC().Format(time.DateTime+" UTC"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "— " + strings.Join(parts, " · ")
}

// plain turns Markdown links into "text (url)", Discord timestamps into UTC times and
// command mentions into the "/name" a terminal user types.
func plain(s string) string {
	s = commandMentionMarkup.ReplaceAllString(s, "/$1")
	return plainTimestamps(markdownLink.ReplaceAllString(s, "$1 ($2)"))
}

// commandMentionMarkup is a command mention as CommandLinks writes it.
var commandMentionMarkup = regexp.MustCompile(`</([a-z0-9_ -]{1,100}):[0-9]{17,20}>`)
