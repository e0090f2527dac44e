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

// Truncate shortens s to at most max runes, cutting at a word boundary when one lies in the
// last third and ending with "…", so a cut is visible and never splits a word needlessly.
func refTruncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return "…"
	}
	// Keep max-1 runes (room for the ellipsis), cutting instead at the last space in the
	// final third of them.
	n, end, cut, minCut := 0, len(s), -1, (max-1)*2/3
	for i, r := range s {
		space := unicode.IsSpace(r)
		if n == max-1 {
			end = i
			if space {
				cut = i
			}
			break
		}
		if space && n > minCut {
			cut = i
		}
		n++
	}
	if cut < 0 {
		cut = end
	}
	out := strings.TrimRightFunc(s[:cut], func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '"'
	})
	return out + "…"
}
