package story

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxTextPasses bounds how many layers of escaping PlainText peels off. Feeds routinely
// escape HTML twice ("&amp;amp;", "&lt;p&gt;"); a third layer is already pathological.
const maxTextPasses = 3

// PlainText turns a feed's HTML or text field into one line of plain text: tags removed (with
// script and style content), entities decoded (also when double-escaped), invalid UTF-8 and
// control characters dropped, whitespace collapsed. The result never contains a tag.
func PlainText(s string) string {
	return plainText(s, -1)
}

// truncatedText is Truncate(PlainText(s), max) without collapsing more of s than the cut can
// keep: Truncate only looks at the first max runes and whether there is another, so a
// prefix of the plain text holding max+1 runes decides it exactly as the whole would.
func truncatedText(s string, max int) string {
	if max <= 0 {
		return ""
	}
	return Truncate(plainText(s, max+1), max)
}

// plainText is PlainText, returning only a prefix of it (of at least limit runes) when
// limit >= 0. Markup still costs a full tokenizer pass, since whether another decoding pass
// is due depends on the whole text; plain text, the common case, is read only up to the limit.
func plainText(s string, limit int) string {
	if s == "" {
		return ""
	}
	// Dropping invalid bytes never adds or removes a '<' or '&', so this test can come first.
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		// Plain already: skip the tokenizer, and validate only the part collapseSpace reads.
		if out, ok := collapseSpace(s, limit); ok {
			return out
		}
		out, _ := collapseSpace(strings.ToValidUTF8(s, ""), limit)
		return out
	}
	if !utf8.ValidString(s) { // ValidString is a fast scan; ToValidUTF8 always builds
		s = strings.ToValidUTF8(s, "")
	}
	for pass := 0; pass < maxTextPasses; pass++ {
		if pass > 0 && !hasMarkup(s) {
			break
		}
		if hasTag(s) {
			s = stripMarkup(s) // decodes the entities of the text it keeps
		} else {
			s = html.UnescapeString(s)
		}
	}
	if hasMarkup(s) {
		s = scrubTags(s)
	}
	out, _ := collapseSpace(s, limit) // s is valid UTF-8 here
	return out
}

// hasMarkup reports whether s still holds something a browser would read as a tag or an entity.
func hasMarkup(s string) bool {
	return hasTag(s) || hasEntity(s)
}

func hasTag(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		if i+1 < len(s) && startsTag(s[i+1]) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

func startsTag(c byte) bool {
	return c == '/' || c == '!' || c == '?' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// hasEntity reports an '&' that may start an entity ("&name", "&#n"); a false positive costs
// one more decoding pass, which leaves such text unchanged.
func hasEntity(s string) bool {
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 || i+1 >= len(s) {
			return false
		}
		if c := s[i+1]; c == '#' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
			return true
		}
		s = s[i+1:]
	}
}

// isBlock reports elements that get a space where they open or close, so "a<br>b" reads
// "a b", not "ab".
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Td, atom.Th, atom.Table,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Figure,
		atom.Figcaption, atom.Hr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Pre,
		atom.Dd, atom.Dt, atom.Img:
		return true
	}
	return false
}

// isSkipped reports elements whose content is never text a reader should see.
func isSkipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Svg:
		return true
	}
	return false
}

// stripMarkup removes tags without the tokenizer when the HTML is simple enough.
func stripMarkup(s string) string {
	if out, ok := stripSimpleTags(s); ok {
		return out
	}
	return stripTags(s)
}

// stripTags runs one pass of the HTML tokenizer, keeping decoded text outside skipped elements.
func stripTags(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
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

// tagDepth writes a separating space for block elements and returns the change in skip depth.
func tagDepth(z *html.Tokenizer, dir int, b *strings.Builder) int {
	name, _ := z.TagName()
	a := atom.Lookup(name)
	if isBlock(a) {
		b.WriteByte(' ')
	}
	if isSkipped(a) {
		return dir
	}
	return 0
}

// scrubTags neutralises whatever tag-like text survived maxTextPasses by replacing the '<'
// that opens it, so the output is safe even for adversarial input.
func scrubTags(s string) string {
	b := []byte(html.UnescapeString(s))
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '<' && startsTag(b[i+1]) {
			b[i] = ' '
		}
	}
	return string(b)
}

// collapseSpace joins the words of s with single spaces, treating control and format
// characters (NUL, zero-width spaces, BOM) as space. With limit >= 0 it stops after the word
// that brings the result to limit runes, so the result is then a prefix of the full one.
// It runs on every text field of every item, so it copies whole words rather than runes,
// tests ASCII without decoding, and returns s itself when s is collapsed already.
// ok is false when the part of s it read holds invalid UTF-8: PlainText drops such bytes
// (joining what surrounds them), where collapseSpace would read them as space.
func collapseSpace(s string, limit int) (out string, ok bool) {
	var b strings.Builder // the result, once it stops being a prefix of s
	copied, end, runes := false, 0, 0
	for i := 0; i < len(s) && (limit < 0 || runes < limit); {
		start, valid := skipSpace(s, i)
		if !valid {
			return "", false
		}
		if start == len(s) {
			break
		}
		stop, n, valid := wordEnd(s, start)
		if !valid {
			return "", false
		}
		first := runes == 0
		if !first {
			runes++ // the separating space
		}
		runes += n
		switch {
		case !copied && (first && start == 0 || !first && start == end+1 && s[end] == ' '):
			end = stop
		default:
			if !copied {
				b.Grow(growHint(len(s), limit))
				b.WriteString(s[:end])
				copied = true
			}
			if !first {
				b.WriteByte(' ')
			}
			b.WriteString(s[start:stop])
		}
		i = stop
	}
	switch {
	case copied:
		return b.String(), true
	case end == len(s):
		return s, true
	}
	return strings.Clone(s[:end]), true // do not pin a long field for a short result
}

// growHint is the builder capacity collapseSpace needs for len bytes cut at limit runes;
// it is a hint, as the last word may run past the limit.
func growHint(n, limit int) int {
	if limit >= 0 && limit < n/utf8.UTFMax {
		return limit * utf8.UTFMax
	}
	return n
}

// skipSpace returns the offset of the first non-space rune of s at or after i (len(s) if none);
// valid is false if it met invalid UTF-8 first.
func skipSpace(s string, i int) (next int, valid bool) {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				return i, true
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if w == 1 { // RuneError of width 1: an invalid byte
			return i, false
		}
		if !isSpaceRune(r) {
			return i, true
		}
		i += w
	}
	return i, true
}

// wordEnd returns the offset just after the word starting at i and its length in runes;
// valid is false if it met invalid UTF-8, including as the rune that would end the word.
func wordEnd(s string, i int) (end, runes int, valid bool) {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if isSpaceByte(c) {
				return i, runes, true
			}
			i++
			runes++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if w == 1 {
			return i, runes, false
		}
		if isSpaceRune(r) {
			return i, runes, true
		}
		i += w
		runes++
	}
	return i, runes, true
}

// isSpaceByte is isSpaceRune for ASCII: every ASCII space is also a control character or ' '.
func isSpaceByte(c byte) bool {
	return c <= ' ' || c == 0x7f
}

// isSpaceRune reports the runes collapseSpace treats as space: white space, control and
// format characters, and the replacement character that stands for undecodable bytes.
// The shortcuts skip the Unicode tables for the scripts most text is in: Unicode has no white
// space (and Go no control character) between U+00A0 and U+1680 nor above U+3000.
func isSpaceRune(r rune) bool {
	switch {
	case r < 0x100:
		return r <= ' ' || r >= 0x7f && r <= 0xa0 // C0, C1, DEL, NEL and NBSP
	case r < 0x1680:
		return false
	case r > 0x3000 && r != '\ufeff' && r != utf8.RuneError:
		return false
	}
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' || r == utf8.RuneError
}

// Truncate shortens s to at most max runes, cutting at a word boundary when one lies in the
// last third and ending with "…", so a cut is visible and never splits a word needlessly.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if fitsRunes(s, max) {
		return s
	}
	if max == 1 {
		return "…"
	}
	// Keep max-1 runes (room for the ellipsis), cutting instead at the last space in the
	// final third of them.
	n, end, cut, minCut := 0, len(s), -1, (max-1)*2/3
	for i, r := range s {
		space := isWhite(r)
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

// isWhite is unicode.IsSpace without the table lookup for the scripts most text is in (see
// isSpaceRune).
func isWhite(r rune) bool {
	if r >= 0x100 && r < 0x1680 || r > 0x3000 {
		return false
	}
	return unicode.IsSpace(r)
}

// fitsRunes reports whether s has at most max runes, reading no further than rune max+1.
func fitsRunes(s string, max int) bool {
	if len(s) <= max {
		return true
	}
	for range s {
		if max == 0 {
			return false // a rune past the first max
		}
		max--
	}
	return true
}
