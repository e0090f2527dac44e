package poller

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/story"
)

// Checked is what a feed check found: the feed's title and its current items, newest first.
type Checked struct {
	Title string
	Items []story.Story
}

// Items turns a fetched feed into the stories a poll stores: normalised as coming from fd,
// first seen at seen, tagged by tag (nil: untagged). The poll, CheckFeed and the check-feed
// command all go through it, so what a user is shown is what a poll records.
func Items(fd Feed, f *gofeed.Feed, tag Tagger, seen time.Time) []story.Story {
	stories := story.FromFeed(story.Source{FeedURL: fd.URL, Name: fd.Name}, f, seen)
	if tag != nil {
		for i := range stories {
			stories[i].Topics = tag(stories[i])
		}
	}
	return stories
}

// CheckFeed is /subscribe feed's check: it fetches url with the poller's fetcher and records
// its current items as known (backfill, never posted), as a first poll would, and returns the
// feed's title and items, newest first. Whether the feed is polled afterwards is the
// subscription service's business.
func (p *Poller) CheckFeed(ctx context.Context, url string) (Checked, error) {
	res, err := p.fetcher.Fetch(ctx, url, feed.Validators{})
	if err != nil {
		return Checked{}, err
	}
	if res == nil || res.Feed == nil {
		return Checked{}, fmt.Errorf("poller: %s answered without a feed body", feed.RedactURL(url))
	}
	items := Items(p.feedFor(url), res.Feed, p.tag, p.opts.Now())
	for i := range items {
		items[i].Backfill = true
	}
	if _, err := p.storeStories(ctx, items); err != nil {
		return Checked{}, fmt.Errorf("poller: recording the feed's current items: %w", err)
	}
	if err := p.markKnown(ctx, url, res); err != nil {
		return Checked{}, err
	}
	// Newest first: the reply previews items[0].
	slices.SortStableFunc(items, func(a, b story.Story) int { return b.Published.Compare(a.Published) })
	return Checked{Title: res.Feed.Title, Items: items}, nil
}

// markKnown records the feed as fetched once, unless a poll already did. The items just
// stored are the subscription's baseline; without this, the first poll of a feed never polled
// takes every item for backfill (ingest), silently dropping whatever was published after
// /subscribe.
func (p *Poller) markKnown(ctx context.Context, url string, res *feed.Result) error {
	st, ok, err := p.store.GetFeedState(ctx, url)
	if err != nil {
		return fmt.Errorf("poller: reading the feed's state: %w", err)
	}
	if ok && st.Known {
		return nil
	}
	now := p.opts.Now()
	st.URL, st.Known, st.LastPoll, st.LastSuccess = url, true, now, now
	st.ETag, st.LastModified = res.Validators.ETag, res.Validators.LastModified
	if err := p.store.PutFeedState(ctx, st); err != nil {
		return fmt.Errorf("poller: recording the feed's state: %w", err)
	}
	return nil
}
