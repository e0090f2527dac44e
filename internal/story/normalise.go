package story

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Caps on normalised fields. Discord allows 256 runes in an embed title; the summary cap keeps
// a digest of many stories inside Discord's 6,000-character embed budget.
const (
	MaxTitleRunes    = 256
	MaxSummaryRunes  = 600
	MaxAuthorRunes   = 100
	MaxCategories    = 10
	maxCategoryRunes = 64
	// untitledWords is how much of the summary stands in for a missing title.
	untitledWords = 80
	// clockSkew is how far in the future a publication date may be before it is clamped:
	// publishers' clocks drift, and a story "from the future" would sort above everything.
	clockSkew = 5 * time.Minute
)

// Untitled is the title of an item that has neither a title nor a summary.
const Untitled = "(untitled)"

// Source identifies the feed being normalised.
type Source struct {
	// FeedURL is the feed's URL as configured: it scopes story IDs.
	FeedURL string
	// Name is the configured display name; empty means "use the feed's title".
	Name string
}

// FromFeed normalises every item of fd. now is the poll time: it becomes FirstSeen and the
// fallback publication date, and bounds future dates. Items are returned in feed order.
func FromFeed(src Source, fd *gofeed.Feed, now time.Time) []Story {
	if fd == nil {
		return nil
	}
	now = now.UTC()
	base := feedBase(src.FeedURL, fd.Link)
	name := sourceName(src, fd)
	keys := make(map[string]int, len(fd.Items))
	out := make([]Story, 0, len(fd.Items))
	for _, it := range fd.Items {
		if it == nil {
			continue
		}
		s := fromItem(it, base, now)
		s.FeedURL = src.FeedURL
		s.Source = name
		s.ID = NewID(src.FeedURL, uniqueKey(keys, it, s))
		out = append(out, s)
	}
	return out
}

// fromItem fills every field of one item except its identity and source.
func fromItem(it *gofeed.Item, base *url.URL, now time.Time) Story {
	summary := truncatedText(it.Description, MaxSummaryRunes)
	if summary == "" {
		summary = truncatedText(it.Content, MaxSummaryRunes)
	}
	return Story{
		Title:      itemTitle(it.Title, summary),
		Summary:    summary,
		Link:       itemLink(it, base),
		Published:  published(it, now),
		FirstSeen:  now,
		Image:      itemImage(it, base),
		Categories: categories(it.Categories),
		Author:     itemAuthor(it),
	}
}

// itemAuthor is the first named author of the item, plain text.
func itemAuthor(it *gofeed.Item) string {
	for _, p := range it.Authors {
		if p == nil {
			continue
		}
		if a := truncatedText(p.Name, MaxAuthorRunes); a != "" {
			return a
		}
	}
	return ""
}

// sourceName picks the configured name, else the feed's title, else the feed's host.
func sourceName(src Source, fd *gofeed.Feed) string {
	if n := strings.TrimSpace(src.Name); n != "" {
		return n
	}
	if t := truncatedText(fd.Title, MaxTitleRunes); t != "" {
		return t
	}
	if u, err := url.Parse(strings.TrimSpace(src.FeedURL)); err == nil && u.Host != "" {
		return strings.ToLower(u.Hostname())
	}
	return src.FeedURL
}

// feedBase is the URL relative item links resolve against: the feed's site link (itself
// possibly relative to the feed URL), else the feed URL.
func feedBase(feedURL, siteLink string) *url.URL {
	fu, err := url.Parse(strings.TrimSpace(feedURL))
	if err != nil {
		fu = nil
	}
	if siteLink = strings.TrimSpace(siteLink); siteLink != "" {
		if su, err := url.Parse(siteLink); err == nil {
			if fu != nil {
				su = fu.ResolveReference(su)
			}
			if su.IsAbs() {
				return su
			}
		}
	}
	if fu != nil && fu.IsAbs() {
		return fu
	}
	return nil
}

// itemTitle falls back to the opening words of the summary, then to Untitled, because every
// embed and list line needs something to show.
func itemTitle(raw, summary string) string {
	if t := truncatedText(raw, MaxTitleRunes); t != "" {
		return t
	}
	if summary != "" {
		return Truncate(summary, untitledWords)
	}
	return Untitled
}

// itemLink resolves and canonicalises the item's link; only http(s) links survive, since a
// javascript: or data: link must never reach a Discord embed.
func itemLink(it *gofeed.Item, base *url.URL) string {
	raw := it.Link
	if strings.TrimSpace(raw) == "" && len(it.Links) > 0 {
		raw = it.Links[0]
	}
	abs := resolve(base, raw)
	if abs == "" {
		return ""
	}
	c := CanonicalURL(abs)
	if u, err := url.Parse(c); err != nil || u.Hostname() == "" {
		return ""
	}
	return c
}

// resolve makes raw absolute against base and returns it only when it is http(s).
func resolve(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if base != nil {
		u = resolveReference(base, u)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Hostname() == "" {
		return ""
	}
	return u.String()
}

// resolveReference is base.ResolveReference(ref), skipping its path rebuild (two allocations
// and an unescape per link) when ref is absolute already and that rebuild would change
// nothing: a path that has no dot segments and is stored in its default encoding.
func resolveReference(base, ref *url.URL) *url.URL {
	if (ref.Scheme == "" && ref.Host == "" && ref.User == nil) || ref.RawPath != "" || hasDotSegment(ref.Path) {
		return base.ResolveReference(ref)
	}
	u := *ref
	if u.Scheme == "" {
		u.Scheme = base.Scheme
	}
	return &u
}

// hasDotSegment reports a "." or ".." path segment, which reference resolution removes.
func hasDotSegment(path string) bool {
	for path != "" {
		var seg string
		seg, path, _ = strings.Cut(path, "/")
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// published picks the item's date, else its update date, else now, in UTC and never more
// than the allowed skew in the future.
func published(it *gofeed.Item, now time.Time) time.Time {
	var t time.Time
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		t = *it.PublishedParsed
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		t = *it.UpdatedParsed
	default:
		return now
	}
	if t.After(now.Add(clockSkew)) {
		return now
	}
	return t.UTC()
}

// itemImage picks the item image, else an image enclosure, else a media thumbnail.
func itemImage(it *gofeed.Item, base *url.URL) string {
	if it.Image != nil {
		if u := resolve(base, it.Image.URL); u != "" {
			return u
		}
	}
	for _, enc := range it.Enclosures {
		if enc != nil && strings.HasPrefix(strings.ToLower(enc.Type), "image/") {
			if u := resolve(base, enc.URL); u != "" {
				return u
			}
		}
	}
	return resolve(base, mediaThumbnail(it))
}

// mediaThumbnail finds media:thumbnail at item level or inside media:group.
func mediaThumbnail(it *gofeed.Item) string {
	media := it.Extensions["media"]
	if media == nil {
		return ""
	}
	for _, th := range media["thumbnail"] {
		if u := th.Attrs["url"]; u != "" {
			return u
		}
	}
	for _, g := range media["group"] {
		for _, th := range g.Children["thumbnail"] {
			if u := th.Attrs["url"]; u != "" {
				return u
			}
		}
	}
	return ""
}

// categories cleans the item's categories: plain text, trimmed, deduplicated ignoring case,
// at most MaxCategories.
// At most MaxCategories are kept, so a linear scan of their lower-cased forms beats a map.
func categories(raw []string) []string {
	var out []string
	var seen [MaxCategories]string
	for _, c := range raw {
		c = truncatedText(c, maxCategoryRunes)
		if c == "" {
			continue
		}
		k := strings.ToLower(c)
		if slices.Contains(seen[:len(out)], k) {
			continue
		}
		seen[len(out)] = k
		out = append(out, c)
		if len(out) == MaxCategories {
			break
		}
	}
	return out
}

// itemKey is what identifies an item within its feed: GUID, else canonical link, else title
// and date. The raw date string is used when unparsed, so the key never depends on the poll time.
func itemKey(it *gofeed.Item, s Story) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		return g
	}
	if s.Link != "" {
		return s.Link
	}
	return s.Title + "\x00" + itemDate(it)
}

func itemDate(it *gofeed.Item) string {
	switch {
	case it.PublishedParsed != nil:
		return it.PublishedParsed.UTC().Format(time.RFC3339)
	case it.UpdatedParsed != nil:
		return it.UpdatedParsed.UTC().Format(time.RFC3339)
	case it.Published != "":
		return it.Published
	}
	return it.Updated
}

// uniqueKey disambiguates a key repeated inside one feed (publishers do reuse GUIDs): the
// repeat is keyed by key+link, then key+title, then by occurrence number, which is
// deterministic across polls as long as the feed keeps its order.
func uniqueKey(seen map[string]int, it *gofeed.Item, s Story) string {
	key := itemKey(it, s)
	if seen[key] == 0 { // the common case, without building the other candidates
		seen[key] = 2 // taken (1) and counted once (+1), as the loop below records it
		return key
	}
	candidates := []string{key + "\x00" + s.Link, key + "\x00" + s.Link + "\x00" + s.Title}
	for _, c := range candidates {
		if seen[c] == 0 {
			seen[c] = 1
			seen[key]++
			return c
		}
	}
	seen[key]++
	for n := seen[key]; ; n++ {
		c := key + "\x00#" + strconv.Itoa(n)
		if seen[c] == 0 {
			seen[c] = 1
			return c
		}
	}
}

// isTracking reports query parameters that identify a campaign or a click, not a page.
func isTracking(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "fbclid", "gclid", "mc_eid", "igshid":
		return true
	}
	return strings.HasPrefix(name, "utm_")
}

// CanonicalURL normalises a link so the same article gets the same URL however it was shared:
// lower-case scheme and host, no default port, no fragment, no tracking parameters (other
// parameters keep their order and encoding). It returns "" when raw does not parse.
func CanonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = canonicalHost(u.Scheme, u.Host)
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = stripTracking(u.RawQuery)
	u.ForceQuery = false
	if u.Host != "" && u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	return u.String()
}

func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case strings.HasSuffix(host, ":"):
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// stripTracking removes tracking parameters from a raw query, keeping the rest verbatim.
func stripTracking(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	parts := strings.Split(rawQuery, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if un, err := url.QueryUnescape(name); err == nil {
			name = un
		}
		if !isTracking(name) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}
