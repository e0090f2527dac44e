package feed

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"time"
)

// trimXML cuts an RSS, RDF or Atom document with more than t.max items down to its t.max
// newest before gofeed sees it, counting the rest in t.dropped. gofeed spends most of a big
// feed's time on each item's date (up to ~130 failed time.Parse layouts for a "GMT" date) and
// memory on each item's structs; a token scan that only reads each item's bounds and date is
// several times cheaper, so a 100,000-item archive costs one scan plus a parse of t.max items.
//
// Items are ranked as keepNewest ranks them. A date none of quickLayouts reads ranks as now,
// so such an item is kept rather than lost. The document is rebuilt by leaving out the
// dropped items' bytes and nothing else. Anything unexpected (a token error, no items found)
// returns text unchanged: gofeed then parses it whole and the translator still keeps the
// newest t.max.
func trimXML(text []byte, t *newestTranslator) []byte {
	if t.max <= 0 || bytes.Count(text, []byte("<item")) <= t.max && bytes.Count(text, []byte("<entry")) <= t.max {
		return text // the usual feed: a quick count, no scan
	}
	spans, ok := scanItems(text)
	if !ok || len(spans) <= t.max {
		return text
	}
	kept := keepNewest(t, spans, func(s itemSpan) (time.Time, bool) { return quickDate(s.date) })
	size := int64(len(text))
	for _, s := range spans {
		size -= s.end - s.start
	}
	for _, s := range kept {
		size += s.end - s.start
	}
	out := make([]byte, 0, size)
	at := int64(0)
	for _, s := range kept {
		// Keep everything up to this item except the bytes of the items dropped before it.
		out = appendExcept(out, text, at, s.start, spans)
		out = append(out, text[s.start:s.end]...)
		at = s.end
	}
	return appendExcept(out, text, at, int64(len(text)), spans)
}

// appendExcept appends text[from:to] without the bytes of any span inside that range (they
// are the dropped items between two kept ones).
func appendExcept(out, text []byte, from, to int64, spans []itemSpan) []byte {
	for _, s := range spansWithin(spans, from, to) {
		out = append(out, text[from:s.start]...)
		from = s.end
	}
	return append(out, text[from:to]...)
}

// spansWithin returns the spans lying inside [from, to); spans are sorted and disjoint.
func spansWithin(spans []itemSpan, from, to int64) []itemSpan {
	lo, hi := searchSpan(spans, from), searchSpan(spans, to)
	return spans[lo:hi]
}

// searchSpan is the index of the first span starting at or after off.
func searchSpan(spans []itemSpan, off int64) int {
	lo, hi := 0, len(spans)
	for lo < hi {
		m := (lo + hi) / 2
		if spans[m].start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// itemSpan is one item (or entry) element: its byte range and the text of its date element.
type itemSpan struct {
	start, end int64
	date       string
}

// dateElements rank the date elements an item may carry: a lower value wins (pubDate and
// published before dc:date, updated last), as gofeed's translators prefer them.
var dateElements = map[string]int{"pubDate": 1, "published": 1, "date": 2, "updated": 3}

// scanItems finds the outermost item and entry elements of an XML feed with their dates. It
// reports false on any token error, mismatched tags included.
func scanItems(text []byte) ([]itemSpan, bool) {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	var (
		spans     []itemSpan
		cur       *itemSpan
		open      []xml.Name // the elements open at this point, innermost last
		itemDepth int
		dateRank  int
		inDate    bool
		date      strings.Builder
	)
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return spans, cur == nil
		}
		if err != nil {
			return nil, false
		}
		switch el := tok.(type) {
		case xml.StartElement:
			open = append(open, el.Name)
			depth := len(open)
			switch {
			case cur == nil && (el.Name.Local == "item" || el.Name.Local == "entry"):
				cur, itemDepth, dateRank = &itemSpan{start: off}, depth, 99
			case cur != nil && depth == itemDepth+1 && dateElements[el.Name.Local] > 0 && dateElements[el.Name.Local] < dateRank:
				dateRank, inDate = dateElements[el.Name.Local], true
				date.Reset()
			}
		case xml.CharData:
			if inDate {
				date.Write(el)
			}
		case xml.EndElement:
			depth := len(open)
			if depth == 0 || open[depth-1] != el.Name {
				return nil, false // mismatched tags: RawToken does not check them
			}
			open = open[:depth-1]
			if inDate && depth == itemDepth+1 {
				cur.date, inDate = strings.TrimSpace(date.String()), false
			}
			if cur != nil && depth == itemDepth {
				cur.end = d.InputOffset()
				spans = append(spans, *cur)
				cur = nil
			}
		}
	}
}

// quickLayouts are the date layouts of nearly every real feed: RFC 822/1123 with a numeric or
// named zone, with or without the weekday and leading zero, and RFC 3339.
var quickLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 MST", time.RFC3339, time.RFC822Z, time.RFC822,
	"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
}

// quickDate parses s with quickLayouts.
func quickDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range quickLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
