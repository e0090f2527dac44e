package story

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// stripSimpleTags is stripTags for the HTML most feeds carry (ordinary tags with attributes,
// text, entities) without the tokenizer, which allocates a 4 KB buffer per call and two
// strings per attribute. It finds where each tag ends by x/net/html's own rules (readTag) and
// returns ok=false for anything else: comments and declarations, "</" not opening an end
// tag, raw-text and skipped elements, a tag cut off by the end of the input. stripTags
// handles those, so the result is always exactly stripTags'.
func stripSimpleTags(s string) (out string, ok bool) {
	var b strings.Builder
	b.Grow(len(s))
	text := 0 // start of the text not yet written
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 || i+j+1 >= len(s) {
			break // no more tags; a final '<' is text
		}
		i += j
		name := i + 1
		switch c := s[i+1]; {
		case isASCIILetter(c):
		case c == '/' && i+2 < len(s) && isASCIILetter(s[i+2]):
			name = i + 2
		case c == '/' || c == '!' || c == '?':
			return "", false
		default:
			i++ // "<3": text, as the tokenizer reads it
			continue
		}
		end, tag := tagEnd(s, name)
		if end < 0 || isRawOrSkipped(tag) {
			return "", false
		}
		writeText(&b, s[text:i])
		if isBlock(tag) {
			b.WriteByte(' ')
		}
		i, text = end, end
	}
	writeText(&b, s[text:])
	return b.String(), true
}

func isASCIILetter(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z'
}

// writeText writes one text token as the tokenizer's Text returns it: newlines normalised,
// then entities decoded.
func writeText(b *strings.Builder, t string) {
	if strings.IndexByte(t, '\r') >= 0 {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "\r\n", "\n"), "\r", "\n")
	}
	b.WriteString(html.UnescapeString(t))
}

// isRawOrSkipped reports the elements the fast path leaves to the tokenizer: those whose
// content it skips, and those after whose start tag the tokenizer reads raw text.
func isRawOrSkipped(a atom.Atom) bool {
	switch a {
	case atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext, atom.Script,
		atom.Style, atom.Textarea, atom.Title, atom.Xmp:
		return true
	}
	return isSkipped(a)
}

// tagEnd returns the offset just after the '>' that ends the tag whose name starts at p, and
// the tag's atom; end is -1 when the input ends first. It ports x/net/html's readTagName,
// readTag, readTagAttrKey and readTagAttrVal, which is what makes the fast path exact.
func tagEnd(s string, p int) (end int, tag atom.Atom) {
	i := p + 1
	for i < len(s) && !isTagSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	if i >= len(s) {
		return -1, 0
	}
	tag = lookupTag(s[p:i])
	for i = skipTagSpace(s, i); i < len(s); i = skipTagSpace(s, i) {
		if s[i] == '>' {
			return i + 1, tag
		}
		i = attrValEnd(s, attrKeyEnd(s, i))
	}
	return -1, 0
}

func isTagSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

func skipTagSpace(s string, i int) int {
	for i < len(s) && isTagSpace(s[i]) {
		i++
	}
	return i
}

// attrKeyEnd is readTagAttrKey: the key runs to white space, '/', '=' or '>', except that a
// leading '=' belongs to it.
func attrKeyEnd(s string, i int) int {
	for start := i; i < len(s); i++ {
		switch s[i] {
		case '=':
			if i == start {
				continue
			}
			return i
		case ' ', '\n', '\r', '\t', '\f', '/', '>':
			return i
		}
	}
	return i
}

// attrValEnd is readTagAttrVal: an optional "= value", quoted or not; a '/' after the key is
// consumed.
func attrValEnd(s string, i int) int {
	if i = skipTagSpace(s, i); i >= len(s) {
		return i
	}
	switch s[i] {
	case '/':
		return i + 1
	case '=':
	default:
		return i
	}
	if i = skipTagSpace(s, i+1); i >= len(s) {
		return i
	}
	switch q := s[i]; q {
	case '>':
		return i
	case '"', '\'':
		if k := strings.IndexByte(s[i+1:], q); k >= 0 {
			return i + 1 + k + 1
		}
		return len(s)
	}
	for i++; i < len(s); i++ {
		switch s[i] {
		case ' ', '\n', '\r', '\t', '\f':
			return i + 1
		case '>':
			return i
		}
	}
	return i
}

// lookupTag is the atom of a tag name, lower-cased as the tokenizer's TagName does (ASCII only).
func lookupTag(name string) atom.Atom {
	var buf [16]byte // longer than any atom stripTags cares about
	if len(name) > len(buf) {
		return 0
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return atom.Lookup(buf[:len(name)])
}
