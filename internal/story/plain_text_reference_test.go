package story

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// This file keeps the straightforward implementation PlainText had before it was optimised
// (commit 5b031c3). It is the oracle of the differential tests: the fast paths must return
// exactly what it returns, for every corpus field and every fuzz input.

func refPlainText(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "")
	if !strings.ContainsAny(s, "<&") {
		return refCollapseSpace(s)
	}
	for pass := 0; pass < maxTextPasses; pass++ {
		if pass > 0 && !hasMarkup(s) {
			break
		}
		if hasTag(s) {
			s = refStripTags(s)
		} else {
			s = html.UnescapeString(s)
		}
	}
	if hasMarkup(s) {
		s = scrubTags(s)
	}
	return refCollapseSpace(s)
}

func refStripTags(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	depth := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if depth == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			depth += tagDepth(z, 1, &b)
		case html.EndTagToken:
			depth += tagDepth(z, -1, &b)
			if depth < 0 {
				depth = 0
			}
		case html.SelfClosingTagToken:
			tagDepth(z, 0, &b)
		}
	}
}

func refCollapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' || r == utf8.RuneError {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
