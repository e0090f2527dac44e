package discord

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/message"
)

// ErrEmptyMessage is Discord's 50006: a message needs content or an embed.
var ErrEmptyMessage = errors.New("discord: empty message")

// ValidateMessage checks a message against Discord's limits before it costs a request (and,
// on 400s, a step toward Cloudflare's invalid-request ban).
func ValidateMessage(m message.Message) error {
	if strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 {
		return ErrEmptyMessage
	}
	if n := runes(m.Content); n > message.MaxContent {
		return fmt.Errorf("discord: content is %d characters, limit %d", n, message.MaxContent)
	}
	if len(m.Embeds) > message.MaxEmbeds {
		return fmt.Errorf("discord: %d embeds, limit %d", len(m.Embeds), message.MaxEmbeds)
	}
	total := 0
	for i, e := range m.Embeds {
		if err := validateEmbed(e); err != nil {
			return fmt.Errorf("discord: embed %d: %w", i, err)
		}
		total += embedLen(e)
	}
	if total > message.MaxEmbedTotal {
		return fmt.Errorf("discord: embeds total %d characters, limit %d", total, message.MaxEmbedTotal)
	}
	return nil
}

func validateEmbed(e message.Embed) error {
	checks := []struct {
		what  string
		s     string
		limit int
	}{
		{"title", e.Title, message.MaxEmbedTitle},
		{"description", e.Description, message.MaxEmbedDescription},
		{"footer", e.Footer, message.MaxFooter},
		{"author", e.Author, message.MaxAuthorName},
	}
	for _, c := range checks {
		if n := runes(c.s); n > c.limit {
			return fmt.Errorf("%s is %d characters, limit %d", c.what, n, c.limit)
		}
	}
	if len(e.Fields) > message.MaxEmbedFields {
		return fmt.Errorf("%d fields, limit %d", len(e.Fields), message.MaxEmbedFields)
	}
	for i, f := range e.Fields {
		if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
			return fmt.Errorf("field %d: name and value are required", i)
		}
		if n := runes(f.Name); n > message.MaxFieldName {
			return fmt.Errorf("field %d name is %d characters, limit %d", i, n, message.MaxFieldName)
		}
		if n := runes(f.Value); n > message.MaxFieldValue {
			return fmt.Errorf("field %d value is %d characters, limit %d", i, n, message.MaxFieldValue)
		}
	}
	return nil
}

// embedLen counts what Discord counts toward the 6000 total, after trimming.
func embedLen(e message.Embed) int {
	n := runes(e.Title) + runes(e.Description) + runes(e.Footer) + runes(e.Author)
	for _, f := range e.Fields {
		n += runes(f.Name) + runes(f.Value)
	}
	return n
}

func runes(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }
