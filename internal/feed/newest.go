package feed

import (
	"container/heap"
	"slices"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// DefaultMaxItems is how many items of one fetch Herald considers. A feed listing more (an
// archive of 100,000 items) is cut to its newest items before the items are translated, so
// ingest cost follows this cap rather than the archive's size.
const DefaultMaxItems = 500

// newestTranslator keeps the max newest items of a parsed feed before gofeed's own translator
// runs: translation costs about half of parsing (gofeed builds an HTML tokenizer per item),
// and every later step (normalise, tag, store) follows the items it returns. It is built per
// parse and counts the items it left out.
type newestTranslator struct {
	max     int
	now     time.Time
	dropped int
}

var (
	rssTranslator  = &gofeed.DefaultRSSTranslator{}
	atomTranslator = &gofeed.DefaultAtomTranslator{}
	jsonTranslator = &gofeed.DefaultJSONTranslator{}
)

// Translate implements gofeed.Translator for RSS, Atom and JSON feeds alike.
func (t *newestTranslator) Translate(f any) (*gofeed.Feed, error) {
	switch fd := f.(type) {
	case *rss.Feed:
		fd.Items = keepNewest(t, fd.Items, rssItemTime)
		return rssTranslator.Translate(fd)
	case *atom.Feed:
		fd.Entries = keepNewest(t, fd.Entries, atomEntryTime)
		return atomTranslator.Translate(fd)
	case *jsonfeed.Feed:
		fd.Items = keepNewest(t, fd.Items, jsonItemTime)
		return jsonTranslator.Translate(fd)
	}
	return rssTranslator.Translate(f) // reports the unexpected type
}

// newParser is the gofeed parser Herald uses: every format goes through t.
func newParser(t *newestTranslator) *gofeed.Parser {
	p := gofeed.NewParser()
	p.RSSTranslator, p.AtomTranslator, p.JSONTranslator = t, t, t
	return p
}

// keepNewest returns the t.max newest of items in document order, counting the rest in
// t.dropped. An item's time is its publication date, else its update date; an item without
// one, or dated in the future, ranks as published now, which is the date Herald gives it
// (story.FromFeed). Equal times keep the item earlier in the document, since feeds list newest
// first by convention. It is linear in len(items) for a fixed max: one pass over a heap of max.
func keepNewest[T any](t *newestTranslator, items []T, when func(T) (time.Time, bool)) []T {
	if t.max <= 0 || len(items) <= t.max {
		return items
	}
	h := &newestHeap{}
	now := t.now.UnixNano()
	for i, it := range items {
		at := now
		if tm, ok := when(it); ok && tm.UnixNano() < now {
			at = tm.UnixNano()
		}
		r := ranked{at: at, idx: i}
		switch {
		case h.Len() < t.max:
			heap.Push(h, r)
		case older((*h)[0], r):
			(*h)[0] = r
			heap.Fix(h, 0)
		}
	}
	idx := make([]int, 0, h.Len())
	for _, r := range *h {
		idx = append(idx, r.idx)
	}
	slices.Sort(idx)
	kept := make([]T, len(idx))
	for k, i := range idx {
		kept[k] = items[i]
	}
	t.dropped += len(items) - len(kept)
	return kept
}

// ranked is one item's rank: its time and its position in the document.
type ranked struct {
	at  int64
	idx int
}

// older reports whether a ranks below b: earlier, or as early and later in the document.
func older(a, b ranked) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.idx > b.idx
}

// newestHeap is a min-heap by rank: its root is the oldest item kept so far.
type newestHeap []ranked

func (h newestHeap) Len() int           { return len(h) }
func (h newestHeap) Less(i, j int) bool { return older(h[i], h[j]) }
func (h newestHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *newestHeap) Push(x any)        { *h = append(*h, x.(ranked)) }
func (h *newestHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// rssItemTime is an RSS item's pubDate (as gofeed's RSS parser read it), else its dc:date.
func rssItemTime(it *rss.Item) (time.Time, bool) {
	if it == nil {
		return time.Time{}, false
	}
	if it.PubDateParsed != nil && !it.PubDateParsed.IsZero() {
		return *it.PubDateParsed, true
	}
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Date) > 0 {
		return parseW3C(it.DublinCoreExt.Date[0])
	}
	return time.Time{}, false
}

// atomEntryTime is an Atom entry's published date, else its updated date.
func atomEntryTime(e *atom.Entry) (time.Time, bool) {
	switch {
	case e == nil:
		return time.Time{}, false
	case e.PublishedParsed != nil && !e.PublishedParsed.IsZero():
		return *e.PublishedParsed, true
	case e.UpdatedParsed != nil && !e.UpdatedParsed.IsZero():
		return *e.UpdatedParsed, true
	}
	return time.Time{}, false
}

// jsonItemTime is a JSON Feed item's date_published, else its date_modified (RFC 3339).
func jsonItemTime(it *jsonfeed.Item) (time.Time, bool) {
	if it == nil {
		return time.Time{}, false
	}
	if t, ok := parseW3C(it.DatePublished); ok {
		return t, true
	}
	return parseW3C(it.DateModified)
}

// parseW3C parses the RFC 3339 dates of dc:date and JSON Feed.
func parseW3C(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}
