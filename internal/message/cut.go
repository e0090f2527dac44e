package message

import (
	"strings"
	"unicode"
)

// runeOffset returns the byte offset just after the first n runes of s (len(s) if s is shorter).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// breakAt returns the byte offset i at which to cut s (already trimmed) so that s[:i] holds at
// most max runes. With lines set it prefers, in order, a paragraph break and a line break in the
// second half of the window, then the last whitespace; otherwise the last whitespace only.
// Breaks inside a link never count. hard reports that no boundary existed: i is then the start of
// the link crossing the limit (when it does not start s) or the limit itself, splitting a word.
func breakAt(s string, max int, lines bool) (i int, hard bool) {
	limit := runeOffset(s, max)
	if limit >= len(s) {
		return len(s), false
	}
	spans := linkSpans(s, limit)
	para, line, word := findBreaks(s, limit, spans)
	switch {
	case lines && para >= limit/2:
		return para, false
	case lines && line >= limit/2:
		return line, false
	case word > 0:
		return word, false
	}
	for _, sp := range spans {
		if sp[0] < limit && limit < sp[1] && sp[0] > 0 {
			return sp[0], true
		}
	}
	return limit, true
}

// findBreaks scans s[:limit] (and the rune at limit) for the last paragraph, line and whitespace
// break outside every span; 0 means none.
func findBreaks(s string, limit int, spans [][]int) (para, line, word int) {
	k := 0
	for i, r := range s {
		if i > limit {
			break
		}
		for k < len(spans) && spans[k][1] <= i {
			k++
		}
		if i == 0 || !unicode.IsSpace(r) || (k < len(spans) && spans[k][0] < i) {
			continue
		}
		word = i
		if r == '\n' {
			line = i
			if strings.HasPrefix(s[i+1:], "\n") || strings.HasPrefix(s[i+1:], "\r\n") {
				para = i
			}
		}
	}
	return para, line, word
}

// cut splits s into a head of at most max runes, cut at the best boundary, and the rest; both
// are trimmed. With lines set paragraph and line breaks are preferred.
func cut(s string, max int, lines bool) (head, rest string) {
	s = strings.TrimSpace(s)
	i, _ := breakAt(s, max, lines)
	if i == len(s) {
		return s, ""
	}
	return strings.TrimRightFunc(s[:i], unicode.IsSpace), strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

// chunks cuts s into pieces of at most max runes each, in order, none empty.
func chunks(s string, max int) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; {
		var head string
		head, s = cut(s, max, true)
		out = append(out, head)
	}
	return out
}

// fence delimits a Markdown code block.
const fence = "```"

// markdownChunks is chunks for Markdown text: a piece that would end inside a code block is
// closed with a fence and the next piece reopens it, so a long code block stays a code block in
// every message instead of turning the rest of the text into code. (The language tag is not
// repeated: the continuation loses highlighting, never text.)
func markdownChunks(s string, max int) []string {
	var out []string
	reserve := len(fence) + 1 // "\n```"
	for s = strings.TrimSpace(s); s != ""; {
		head, rest := cut(s, max, true)
		if rest != "" && max > 4*reserve && strings.Count(head, fence)%2 == 1 {
			switch h, r := cut(s, max-reserve, true); {
			case strings.Count(h, fence)%2 == 0:
				head, rest = h, r
			case len(h) > reserve: // the rest shrinks: the fence re-added is shorter than h
				head, rest = h+"\n"+fence, fence+"\n"+r
			}
		}
		out = append(out, head)
		s = rest
	}
	return out
}

// Truncate shortens s to at most max runes, cutting at a word boundary and marking the cut with
// "…", so headlines and summaries fit a limit without a half word or a dead link. A URL or
// Markdown link is dropped whole rather than cut; a single word longer than max (no boundary at
// all) is the one case cut mid-word. s is returned trimmed.
func Truncate(s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case max >= 0 && runeOffset(s, max) >= len(s): // fits; O(max), not O(len(s))
		return s
	case max <= 0:
		return ""
	case max == 1:
		return "…"
	}
	i, hard := breakAt(s, max-1, false)
	if hard && insideLink(s, i) {
		return "…"
	}
	head := strings.TrimRightFunc(s[:i], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—", r)
	})
	if head == "" {
		return "…"
	}
	return head + "…"
}

// insideLink reports whether byte offset i of s falls strictly inside a link.
func insideLink(s string, i int) bool {
	for _, sp := range linkSpans(s, i) {
		if sp[0] < i && i < sp[1] {
			return true
		}
	}
	return false
}

// linkWindow is how far past a cut the link search looks: a link crossing the cut is found
// unless it is longer than this, and chunking a long text stays linear instead of quadratic.
const linkWindow = 2048

// linkSpans returns the byte spans [start, end) of the links in s that start before
// limit+linkWindow: Markdown links "[text](url)" (their text may hold spaces; one level of
// parentheses in the URL, as Wikipedia's) and bare or <angle-bracketed> http(s) URLs. A cut
// inside one would post a dead link. A hand scanner, not a regexp: it runs once per chunk.
func linkSpans(s string, limit int) [][]int {
	w := s[:min(len(s), limit+linkWindow)]
	var spans [][]int
	for i := 0; i < len(w); {
		k := nextLinkStart(w, i)
		if k < 0 {
			break
		}
		end := 0
		if w[k] == '[' {
			end = markdownLinkEnd(w, k)
		} else {
			end = urlEnd(w, k)
		}
		if end == 0 {
			i = k + 1
			continue
		}
		if k > 0 && w[k-1] == '<' && w[k] != '[' {
			k--
		}
		spans = append(spans, []int{k, end})
		i = end
	}
	return spans
}

// nextLinkStart finds the next '[' or "http" at or after i.
func nextLinkStart(w string, i int) int {
	b := strings.IndexByte(w[i:], '[')
	h := strings.Index(w[i:], "http")
	switch {
	case b < 0 && h < 0:
		return -1
	case b < 0 || (h >= 0 && h < b):
		return i + h
	}
	return i + b
}

// urlEnd returns the end of the http(s) URL at k (with a closing '>'), or 0 if none starts there.
func urlEnd(w string, k int) int {
	rest := w[k:]
	if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") {
		return 0
	}
	n := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '<' || r == '>' })
	if n < 0 {
		return len(w)
	}
	if rest[n] == '>' {
		n++
	}
	return k + n
}

// markdownLinkEnd returns the end of the Markdown link "[text](url)" at k, or 0 if none.
func markdownLinkEnd(w string, k int) int {
	i := k + 1
	for i < len(w) && w[i] != ']' {
		if w[i] == '[' || w[i] == '\n' {
			return 0
		}
		i++
	}
	if i+1 >= len(w) || w[i+1] != '(' {
		return 0
	}
	depth := 0
	for j := i + 2; j < len(w); j++ {
		switch c := w[j]; {
		case c == '(':
			if depth++; depth > 1 {
				return 0
			}
		case c == ')':
			if depth == 0 {
				return j + 1
			}
			depth--
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			return 0
		}
	}
	return 0
}
