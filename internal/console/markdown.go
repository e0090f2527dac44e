package console

import (
	"regexp"
	"strings"
	"unicode"
)

// Render turns the Discord Markdown of an answer into text for a terminal: **bold** (and
// __underline__, *italic*) become ANSI styles when ansi is set and plain words otherwise;
// [text](url) becomes "text (url)", <#id> "#id", <url> "url", `code` "code", and
// Discord's backslash escapes (\*) are dropped. Control characters other than newline and tab
// are removed, so feed text cannot move the cursor or recolour the terminal.
func Render(s string, ansi bool) string {
	s = strings.Map(dropControl, s)
	s = protectEscapes(s)
	for _, r := range rules {
		repl := r.plain
		if ansi {
			repl = r.ansi
		}
		s = r.re.ReplaceAllString(s, repl)
	}
	return restoreEscapes(s)
}

// rule is one Markdown construct and its two renderings.
type rule struct {
	re          *regexp.Regexp
	plain, ansi string
}

// ANSI SGR sequences: each style is switched off by its own code so styles can nest.
const (
	bold, boldOff           = "\x1b[1m", "\x1b[22m"
	italic, italicOff       = "\x1b[3m", "\x1b[23m"
	underline, underlineOff = "\x1b[4m", "\x1b[24m"
)

// rules apply in order: code spans and links first, so their text is not read as emphasis.
var rules = []rule{
	{regexp.MustCompile("`([^`\n]+)`"), "$1", "$1"},
	{regexp.MustCompile(`\[([^\[\]\n]*)\]\(<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?\)`), "$1 ($2)", "$1 (" + underline + "$2" + underlineOff + ")"},
	{regexp.MustCompile(`<(https?://[^\s<>]+)>`), "$1", underline + "$1" + underlineOff},
	{regexp.MustCompile(`<#(\w+)>`), "#$1", "#$1"},
	{regexp.MustCompile(`<@[!&]?(\w+)>`), "@$1", "@$1"},
	{regexp.MustCompile(`(?m)^#{1,3} +(.+)$`), "$1", bold + "$1" + boldOff},
	{regexp.MustCompile(`(?m)^-# +`), "", ""},
	{regexp.MustCompile(`\*\*([^\n]+?)\*\*`), "$1", bold + "$1" + boldOff},
	{regexp.MustCompile(`__([^\n]+?)__`), "$1", underline + "$1" + underlineOff},
	{regexp.MustCompile(`\*([^*\s](?:[^*\n]*[^*\s])?)\*`), "$1", italic + "$1" + italicOff},
	{regexp.MustCompile(`\b_([^_\s](?:[^_\n]*[^_\s])?)_\b`), "$1", italic + "$1" + italicOff},
	{regexp.MustCompile(`~~([^\n]+?)~~`), "$1", "$1"},
	{regexp.MustCompile(`\|\|([^\n]+?)\|\|`), "$1", "$1"},
}

// escapeBase is the start of a private-use block standing in for escaped ASCII punctuation
// while the rules run; input characters in that block are replaced first.
const escapeBase = 0xF0000

func dropControl(r rune) rune {
	switch {
	case r == '\n' || r == '\t':
		return r
	case unicode.IsControl(r):
		return -1
	case r >= escapeBase && r < escapeBase+128:
		return unicode.ReplacementChar
	}
	return r
}

// protectEscapes swaps "\*" and the like for placeholders the rules do not match.
func protectEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) && escapable(rs[i+1]) {
			b.WriteRune(escapeBase + rs[i+1])
			i++
			continue
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// escapable reports whether Discord Markdown treats "\r" as a literal r: ASCII punctuation.
func escapable(r rune) bool {
	return r < 128 && (unicode.IsPunct(r) || unicode.IsSymbol(r))
}

func restoreEscapes(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= escapeBase && r < escapeBase+128 {
			return r - escapeBase
		}
		return r
	}, s)
}
