package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/mmcdole/gofeed"
)

// salvageWindow is how far into a body leading junk is looked past: PHP warnings and stray
// markup printed before the feed are short.
const salvageWindow = 4 << 10

// salvage repairs the ways real feeds most often break gofeed and reports whether it changed
// anything worth a second parse. It runs only after a failed parse, so well-formed feeds pay
// nothing for it. Each repair is conservative: it never invents or truncates an item.
func salvage(text []byte, err error) ([]byte, bool) {
	switch {
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		return skipLeadingJunk(text)
	case strings.Contains(err.Error(), "illegal character code U+FFF"):
		return replaceNoncharacters(text)
	case isUnexpectedEOF(err):
		return closeTruncated(text)
	}
	return text, false
}

func isUnexpectedEOF(err error) bool {
	var se *xml.SyntaxError
	return errors.As(err, &se) && se.Msg == "unexpected EOF"
}

// skipLeadingJunk drops what a broken server printed before the feed ("<br /><b>Warning</b>:
// ..."): it restarts at the XML declaration, else at an RSS/Atom/RDF root element, provided
// the junk is not an HTML document (an HTML page that merely mentions a feed stays rejected).
func skipLeadingJunk(text []byte) ([]byte, bool) {
	head := text[:min(len(text), salvageWindow)]
	at := bytes.Index(head, []byte("<?xml"))
	if at < 0 {
		at = firstIndex(head, "<rss", "<feed", "<rdf:RDF")
	}
	if at <= 0 || bytes.Contains(bytes.ToLower(head[:at]), []byte("<html")) {
		return text, false
	}
	return text[at:], true
}

// firstIndex returns the smallest index of any of needles in b, or -1.
func firstIndex(b []byte, needles ...string) int {
	best := -1
	for _, n := range needles {
		if i := bytes.Index(b, []byte(n)); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// replaceNoncharacters turns U+FFFE and U+FFFF, which XML forbids, into U+FFFD.
func replaceNoncharacters(text []byte) ([]byte, bool) {
	out := bytes.ReplaceAll(text, []byte("\uFFFE"), []byte("\uFFFD"))
	out = bytes.ReplaceAll(out, []byte("\uFFFF"), []byte("\uFFFD"))
	return out, !bytes.Equal(out, text)
}

// containerElements may be left open by a truncated document and closed by closeTruncated;
// an open item or entry means data was lost, and such a document is not repaired.
var containerElements = map[string]bool{"rss": true, "channel": true, "feed": true, "rdf:RDF": true, "RDF": true}

// closeTruncated repairs a document cut off after its last item: it keeps every complete
// token and appends the end tags of the still-open containers (rss, channel, feed, rdf:RDF).
func closeTruncated(text []byte) ([]byte, bool) {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = false
	var (
		stack    []string
		complete int64
	)
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		complete = d.InputOffset()
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, qualifiedName(t.Name))
		case xml.EndElement:
			if n := len(stack); n > 0 && stack[n-1] == qualifiedName(t.Name) {
				stack = stack[:n-1]
			}
		}
	}
	if len(stack) == 0 {
		return text, false
	}
	out := append([]byte(nil), text[:complete]...)
	for i := len(stack) - 1; i >= 0; i-- {
		if !containerElements[stack[i]] {
			return text, false
		}
		out = append(append(append(out, "</"...), stack[i]...), '>')
	}
	return out, true
}

func qualifiedName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
