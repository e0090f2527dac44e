package message

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel causes of a FieldError, so callers can tell "too long" from "missing" with errors.Is.
var (
	// ErrEmpty: Discord rejects an empty message (error 50006), an embed with nothing to show,
	// and a field without name or value.
	ErrEmpty = errors.New("message: empty")
	// ErrTooLong: a text, a count or the per-message embed total is over Discord's limit (50035).
	ErrTooLong = errors.New("message: over limit")
)

// FieldError names the offending part of a message (e.g. "embeds[2].fields[0].value") so a
// producer's bug is found from the log line alone, without the payload.
type FieldError struct {
	Field string
	Len   int // runes after trimming, or a count (embeds, fields)
	Max   int
	Err   error // ErrEmpty or ErrTooLong
}

func (e *FieldError) Error() string {
	if errors.Is(e.Err, ErrEmpty) {
		return fmt.Sprintf("message: %s is empty", e.Field)
	}
	return fmt.Sprintf("message: %s is %d long, max %d", e.Field, e.Len, e.Max)
}

func (e *FieldError) Unwrap() error { return e.Err }

// runes counts the way Discord does: characters after trimming surrounding whitespace.
func runes(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }

// Validate checks m against every Discord limit in this package, so producers can assert in tests
// (and the sender can refuse before Discord answers 400). It reports every violation, joined;
// each one is a *FieldError.
func Validate(m Message) error {
	var errs []error
	add := func(field string, n, max int) {
		if n > max {
			errs = append(errs, &FieldError{Field: field, Len: n, Max: max, Err: ErrTooLong})
		}
	}
	content := runes(m.Content)
	if content == 0 && len(m.Embeds) == 0 {
		return &FieldError{Field: "message", Err: ErrEmpty}
	}
	add("content", content, MaxContent)
	add("embeds", len(m.Embeds), MaxEmbeds)
	total := 0
	for i, e := range m.Embeds {
		errs = append(errs, validateEmbed(fmt.Sprintf("embeds[%d]", i), e)...)
		total += trimmedLen(e)
	}
	add("embeds total", total, MaxEmbedTotal)
	errs = append(errs, validateButtons(m.Buttons)...)
	errs = append(errs, validateSelect(m.Select)...)
	return errors.Join(errs...)
}

func validateEmbed(name string, e Embed) []error {
	var errs []error
	add := func(field string, n, max int) {
		if n > max {
			errs = append(errs, &FieldError{Field: name + "." + field, Len: n, Max: max, Err: ErrTooLong})
		}
	}
	empty := func(field string) { errs = append(errs, &FieldError{Field: name + "." + field, Err: ErrEmpty}) }
	if embedEmpty(e) {
		errs = append(errs, &FieldError{Field: name, Err: ErrEmpty})
	}
	add("title", runes(e.Title), MaxEmbedTitle)
	add("description", runes(e.Description), MaxEmbedDescription)
	add("footer", runes(e.Footer), MaxFooter)
	add("author", runes(e.Author), MaxAuthorName)
	add("fields", len(e.Fields), MaxEmbedFields)
	for j, f := range e.Fields {
		fn := fmt.Sprintf("fields[%d]", j)
		if runes(f.Name) == 0 {
			empty(fn + ".name")
		}
		if runes(f.Value) == 0 {
			empty(fn + ".value")
		}
		add(fn+".name", runes(f.Name), MaxFieldName)
		add(fn+".value", runes(f.Value), MaxFieldValue)
	}
	return errs
}

// embedEmpty reports an embed Discord would render as nothing (a URL alone is invisible).
func embedEmpty(e Embed) bool {
	return runes(e.Title) == 0 && runes(e.Description) == 0 && len(e.Fields) == 0 &&
		runes(e.Footer) == 0 && runes(e.Author) == 0 && strings.TrimSpace(e.Image) == "" &&
		strings.TrimSpace(e.Thumbnail) == ""
}

// trimmedLen is Embed.Len as Discord counts it: after trimming each text.
func trimmedLen(e Embed) int {
	n := runes(e.Title) + runes(e.Description) + runes(e.Footer) + runes(e.Author)
	for _, f := range e.Fields {
		n += runes(f.Name) + runes(f.Value)
	}
	return n
}
