package story

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// This file keeps FromFeed and the helpers it had before normalisation was optimised
// (commit 5b031c3), over refPlainText. It is the oracle of TestFromFeedMatchesReference:
// the optimised FromFeed must return exactly the same stories.

func refFromFeed(src Source, fd *gofeed.Feed, now time.Time) []Story {
	if fd == nil {
		return nil
	}
	now = now.UTC()
	base := feedBase(src.FeedURL, fd.Link)
	name := refSourceName(src, fd)
	keys := make(map[string]int, len(fd.Items))
	out := make([]Story, 0, len(fd.Items))
	for _, it := range fd.Items {
		if it == nil {
			continue
		}
		s := refFromItem(it, base, now)
		s.FeedURL = src.FeedURL
		s.Source = name
		s.ID = NewID(src.FeedURL, refUniqueKey(keys, it, s))
		out = append(out, s)
	}
	return out
}

func refFromItem(it *gofeed.Item, base *url.URL, now time.Time) Story {
	summary := refPlainText(it.Description)
	if summary == "" {
		summary = refPlainText(it.Content)
	}
	summary = refTruncate(summary, MaxSummaryRunes)
	return Story{
		Title:      refItemTitle(it.Title, summary),
		Summary:    summary,
		Link:       refItemLink(it, base),
		Published:  published(it, now),
		FirstSeen:  now,
		Image:      refItemImage(it, base),
		Categories: refCategories(it.Categories),
		Author:     refAuthor(it),
	}
}

func refAuthor(it *gofeed.Item) string {
	for _, p := range it.Authors {
		if p == nil {
			continue
		}
		if a := refTruncate(refPlainText(p.Name), MaxAuthorRunes); a != "" {
			return a
		}
	}
	return ""
}

func refSourceName(src Source, fd *gofeed.Feed) string {
	if n := strings.TrimSpace(src.Name); n != "" {
		return n
	}
	if t := refTruncate(refPlainText(fd.Title), MaxTitleRunes); t != "" {
		return t
	}
	if u, err := url.Parse(strings.TrimSpace(src.FeedURL)); err == nil && u.Host != "" {
		return strings.ToLower(u.Hostname())
	}
	return src.FeedURL
}

func refItemTitle(raw, summary string) string {
	if t := refTruncate(refPlainText(raw), MaxTitleRunes); t != "" {
		return t
	}
	if summary != "" {
		return refTruncate(summary, untitledWords)
	}
	return Untitled
}

func refItemLink(it *gofeed.Item, base *url.URL) string {
	raw := it.Link
	if strings.TrimSpace(raw) == "" && len(it.Links) > 0 {
		raw = it.Links[0]
	}
	abs := refResolve(base, raw)
	if abs == "" {
		return ""
	}
	c := CanonicalURL(abs)
	if u, err := url.Parse(c); err != nil || u.Hostname() == "" {
		return ""
	}
	return c
}

func refResolve(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Hostname() == "" {
		return ""
	}
	return u.String()
}

func refItemImage(it *gofeed.Item, base *url.URL) string {
	if it.Image != nil {
		if u := refResolve(base, it.Image.URL); u != "" {
			return u
		}
	}
	for _, enc := range it.Enclosures {
		if enc != nil && strings.HasPrefix(strings.ToLower(enc.Type), "image/") {
			if u := refResolve(base, enc.URL); u != "" {
				return u
			}
		}
	}
	return refResolve(base, mediaThumbnail(it))
}

func refCategories(raw []string) []string {
	var out []string
	seen := make(map[string]bool, len(raw))
	for _, c := range raw {
		c = refTruncate(refPlainText(c), maxCategoryRunes)
		k := strings.ToLower(c)
		if c == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
		if len(out) == MaxCategories {
			break
		}
	}
	return out
}

func refUniqueKey(seen map[string]int, it *gofeed.Item, s Story) string {
	key := itemKey(it, s)
	candidates := []string{key, key + "\x00" + s.Link, key + "\x00" + s.Link + "\x00" + s.Title}
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
