package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/tracking"
)

// trackingSource answers /status from stored stories with each topic's compiled assessor.
type trackingSource struct {
	stories interface {
		RecentStories(ctx context.Context, q cache.StoryQuery) ([]story.Story, error)
	}
	assessors map[string]*tracking.Assessor
	// cache holds each topic's last status; the map is filled at construction, read-only after.
	cache  map[string]*cachedStatus
	window time.Duration
	now    func() time.Time
}

// statusTTL bounds how long a computed status is reused. Reading a topic's whole window costs
// milliseconds of CPU (decoding a few hundred stored stories; 5,000 at the limit), which a
// loaded machine turns into a p99 beyond /ceasefire-status's 50 ms goal, while the status
// itself changes only when a report arrives. The newest-story probe in status sees new
// reports at once, from any replica; the TTL catches what the probe cannot: a late story
// published before the newest one, stories trimmed or aged out of the window.
const statusTTL = time.Minute

// cachedStatus is one topic's last assessment. mu is held while assessing, so concurrent
// commands on a stale topic read the window once.
type cachedStatus struct {
	mu     sync.Mutex
	valid  bool
	st     tracking.Status
	newest string    // ID of the newest story assessed ("" when the window was empty)
	at     time.Time // when it was assessed
}

func newTrackingSource(a *app) (*trackingSource, error) {
	ts := &trackingSource{stories: a.store, assessors: map[string]*tracking.Assessor{}, cache: map[string]*cachedStatus{},
		window: a.cfg.Tracking.Window, now: a.now}
	for _, t := range a.topics.Topics() {
		as, err := tracking.NewAssessor(t)
		if err != nil {
			return nil, err
		}
		ts.assessors[t.ID] = as
		ts.cache[t.ID] = &cachedStatus{}
	}
	return ts, nil
}

// status assesses a topic over the tracking window, reusing the last assessment while the
// topic's newest stored story is unchanged and it is younger than statusTTL.
func (ts *trackingSource) status(ctx context.Context, topicID string) (tracking.Status, error) {
	as, ok := ts.assessors[topicID]
	c := ts.cache[topicID]
	if !ok || c == nil {
		return tracking.Status{}, fmt.Errorf("tracking: unknown topic %q", topicID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := ts.now()
	q := cache.StoryQuery{Topic: topicID, Since: now.Add(-ts.window), Limit: 1}
	if c.valid && now.Sub(c.at) < statusTTL && !now.Before(c.at) {
		head, err := ts.stories.RecentStories(ctx, q)
		if err != nil {
			return tracking.Status{}, err
		}
		if newestID(head) == c.newest {
			return c.st, nil
		}
	}
	q.Limit = 5000
	stories, err := ts.stories.RecentStories(ctx, q)
	if err != nil {
		return tracking.Status{}, err
	}
	c.st, c.newest, c.at, c.valid = as.Assess(stories, now, ts.window), newestID(stories), now, true
	return c.st, nil
}

// newestID is the ID of the first (newest) story, "" when there is none.
func newestID(stories []story.Story) string {
	if len(stories) == 0 {
		return ""
	}
	return stories[0].ID
}

func (ts *trackingSource) StatusEmbed(ctx context.Context, topicID string) (message.Embed, error) {
	st, err := ts.status(ctx, topicID)
	if err != nil {
		return message.Embed{}, err
	}
	return tracking.Embed(st, ts.now()), nil
}

// statusLines gives briefings their status lines: the topic's own, or every topic's.
func (ts *trackingSource) statusLines(ctx context.Context, topicID string) []string {
	ids := []string{topicID}
	if topicID == "" {
		ids = ids[:0]
		for id := range ts.assessors {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	var out []string
	for _, id := range ids {
		if st, err := ts.status(ctx, id); err == nil && st.Label != tracking.LabelNoNews {
			out = append(out, tracking.StatusLine(st))
		}
	}
	return out
}
