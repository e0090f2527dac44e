// Package message is Herald's platform-neutral outgoing message: content plus embeds, with
// Discord's size limits as data so that every producer (commands, briefings, live posts) can
// build messages that fit by construction, and the console can render the same thing as text.
package message

import (
	"time"
	"unicode/utf8"
)

// Discord's message limits, counted in runes after trimming.
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooter           = 2048
	MaxAuthorName       = 256
	MaxEmbedTotal       = 6000 // sum over all embeds of one message
)

// Message is one message Herald posts or answers with.
type Message struct {
	Content string
	Embeds  []Embed
	// Ephemeral replies are shown only to the user who invoked a command.
	Ephemeral bool
	// Mention is the one role or user the message pings (see WithMention); zero pings nobody.
	Mention Mention
	// Buttons are one row of buttons under the message (e.g. /latest's older and newer).
	Buttons []Button
	// Select is a drop-down menu under the message (e.g. /unsubscribe's pick of a subscription).
	Select *Select
	// Replace makes an answer to a button replace the message the button is on (a new page)
	// instead of arriving as a new message.
	Replace bool
}

// Embed mirrors the subset of Discord's rich embed Herald uses.
type Embed struct {
	Title       string
	URL         string
	Description string
	Color       int
	Timestamp   time.Time
	Fields      []Field
	Footer      string
	Author      string
	Image       string
	// Thumbnail is a small image beside the text (a template's choice for the story image).
	Thumbnail string
}

// Field is one name/value pair of an embed.
type Field struct {
	Name   string
	Value  string
	Inline bool
}

// Len is the number of runes the embed counts toward the 6000-character total.
func (e Embed) Len() int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description) +
		utf8.RuneCountInString(e.Footer) + utf8.RuneCountInString(e.Author)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}
