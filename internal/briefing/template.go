package briefing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

// MaxTemplate bounds a template's source, in runes: it is typed into a slash-command option
// and shown back in replies, and what it renders is cut to the embed description anyway.
const MaxTemplate = 1500

// maxPlaceholderValue bounds any one substituted value, so that a template repeating
// {summary} twenty times still renders quickly and within the description limit.
const maxPlaceholderValue = 1024

// ErrTemplate is wrapped by every error ParseTemplate returns.
var ErrTemplate = errors.New("briefing: invalid template")

// Placeholders are the names a template may use, in the order help texts list them.
var Placeholders = []string{
	"title", "link", "source", "sources", "summary", "published", "published_ago", "topic", "status",
}

// Template is how a subscription's posts look: its text becomes each story embed's description
// (the linked story title stays the embed's title), with a colour and the story image as a
// thumbnail if chosen. The zero value is the default layout (StoryEmbed's). Values coming from
// feeds are Markdown-escaped and cut, and the result is cut to Discord's limits, so no template
// and no feed can produce an embed Discord rejects.
type Template struct {
	src   string
	parts []tmplPart
	// Color is the embed colour (0 is Discord's default); Thumbnail shows the story's image
	// small beside the text instead of large below it.
	Color     int
	Thumbnail bool
}

type tmplPart struct {
	literal     string
	placeholder string
}

// PostData is what a template is filled with, beyond the story.
type PostData struct {
	Story story.Story
	// Sources are the outlets reporting the development (the story's own source when empty).
	Sources []string
	// Topic is the tracked topic's title and Status its status label ("holding"), for topic
	// subscriptions; empty otherwise.
	Topic, Status string
}

// ParseTemplate checks src: placeholders are {name} from Placeholders, {{ and }} are literal
// braces. An empty src is the default layout. The error names the first problem and lists the
// placeholders, for the /subscribe reply.
func ParseTemplate(src string) (Template, error) {
	if !utf8.ValidString(src) {
		return Template{}, fmt.Errorf("%w: not valid UTF-8", ErrTemplate)
	}
	if n := utf8.RuneCountInString(src); n > MaxTemplate {
		return Template{}, fmt.Errorf("%w: %d characters, at most %d", ErrTemplate, n, MaxTemplate)
	}
	t := Template{src: src}
	var lit strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case (c == '{' || c == '}') && i+1 < len(src) && src[i+1] == c:
			lit.WriteByte(c)
			i++
		case c == '}':
			return Template{}, fmt.Errorf("%w: a lone } at %d (write }} for a brace)", ErrTemplate, i+1)
		case c == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return Template{}, fmt.Errorf("%w: { at %d is never closed (write {{ for a brace)", ErrTemplate, i+1)
			}
			name := strings.ToLower(strings.TrimSpace(src[i+1 : i+end]))
			if !slices.Contains(Placeholders, name) {
				return Template{}, fmt.Errorf("%w: unknown placeholder {%s}; use %s", ErrTemplate, src[i+1:i+end], placeholderList())
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, tmplPart{literal: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, tmplPart{placeholder: name})
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, tmplPart{literal: lit.String()})
	}
	return t, nil
}

func placeholderList() string {
	out := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		out[i] = "{" + p + "}"
	}
	return strings.Join(out, " ")
}

// String is the template's source ("" for the default).
func (t Template) String() string { return t.src }

// IsDefault reports whether t renders the default layout.
func (t Template) IsDefault() bool { return len(t.parts) == 0 }

// Embed renders one story. The default layout is StoryEmbed's; a custom text replaces the
// description and the footer (the embed timestamp still shows the published time in each
// reader's own time zone).
func (t Template) Embed(d PostData) message.Embed {
	e := StoryEmbed(d.Story, time.Time{})
	if !t.IsDefault() {
		e.Description = t.text(d)
		e.Footer = ""
	}
	return t.decorate(e)
}

// decorate applies the colour and the thumbnail choice.
func (t Template) decorate(e message.Embed) message.Embed {
	e.Color = t.Color & 0xFFFFFF
	if t.Thumbnail && e.Image != "" {
		e.Thumbnail, e.Image = e.Image, ""
	}
	return e
}

// text fills the template and cuts it to the description limit.
func (t Template) text(d PostData) string {
	var b strings.Builder
	for _, p := range t.parts {
		if b.Len() > 4*message.MaxEmbedDescription {
			break // enough to fill the description: the rest would be cut anyway
		}
		if p.placeholder == "" {
			b.WriteString(p.literal)
			continue
		}
		b.WriteString(value(p.placeholder, d))
	}
	return message.Truncate(strings.TrimSpace(b.String()), message.MaxEmbedDescription)
}

// value is one placeholder's text: feed text escaped and cut, times as Discord timestamps.
func value(name string, d PostData) string {
	s := d.Story
	cut := func(v string) string { return escape(message.Truncate(v, maxPlaceholderValue)) }
	switch name {
	case "title":
		return cut(s.Title)
	case "link":
		return safeURL(s.Link)
	case "source":
		return cut(sourceName(s))
	case "sources":
		if len(d.Sources) == 0 {
			return cut(sourceName(s))
		}
		return cut(strings.Join(d.Sources, ", "))
	case "summary":
		return cut(s.Summary)
	case "published":
		return message.Timestamp(s.Published, message.TimestampLong)
	case "published_ago":
		return message.Timestamp(s.Published, message.TimestampRelative)
	case "topic":
		return cut(d.Topic)
	case "status":
		return cut(d.Status)
	}
	return ""
}

// TopicOf names the tracked topic a story belongs to and that topic's status label ("Ceasefire
// in effect"), for {topic} and {status}; empty strings when it belongs to none.
type TopicOf func(s story.Story) (topic, status string)

// Uses reports whether the template shows any of the placeholders names: callers skip
// looking up what no post shows (a topic's status costs a read).
func (t Template) Uses(names ...string) bool {
	for _, p := range t.parts {
		if p.placeholder != "" && slices.Contains(names, p.placeholder) {
			return true
		}
	}
	return false
}

// Live renders stories as live posts in this layout: RenderLive's batching (oldest first, ≤10
// embeds and ≤6000 characters a message), one embed per story; about (nil: none) fills each
// story's {topic} and {status}.
func (t Template) Live(stories []story.Story, about TopicOf) []message.Message {
	if len(stories) == 0 {
		return nil
	}
	sorted := slices.Clone(stories)
	slices.SortStableFunc(sorted, func(a, b story.Story) int { return a.Published.Compare(b.Published) })
	embeds := make([]message.Embed, 0, len(sorted))
	for _, s := range sorted {
		d := PostData{Story: s}
		if about != nil && t.Uses("topic", "status") {
			d.Topic, d.Status = about(s)
		}
		embeds = append(embeds, t.Embed(d))
	}
	return message.Split(message.Message{Embeds: embeds})
}

// Development renders one development of a topic's live post in this layout: the default is
// DevelopmentEmbed's; a custom text gets the reporting outlets as {sources}, the topic's title
// as {topic} and where it stands as {status}.
func (t Template) Development(members []story.Story, topic, status string, now time.Time) message.Embed {
	if t.IsDefault() {
		e := DevelopmentEmbed(members, now)
		return t.decorate(e)
	}
	sorted := slices.Clone(members)
	slices.SortStableFunc(sorted, func(a, b story.Story) int { return a.Published.Compare(b.Published) })
	var names []string
	for _, m := range sorted {
		if n := sourceName(m); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return t.Embed(PostData{Story: sorted[0], Sources: names, Topic: topic, Status: status})
}
