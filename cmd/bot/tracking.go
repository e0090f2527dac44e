package main

import (
	"context"
	"fmt"
	"log/slog"
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
	logger *slog.Logger
}

// statusTTL bounds how long a computed status is reused. Reading a topic's whole window costs
// milliseconds of CPU (decoding a few hundred stored stories; about 90 ms for the 5,000 of the
// read's limit), which a loaded machine turns into a p99 beyond /ceasefire-status's 50 ms
// goal, while the status itself changes only when a report arrives. The newest-story probe
// sees new reports at once, from any replica; the TTL catches what the probe cannot: a late
// story published before the newest one, stories trimmed or aged out of the window.
const statusTTL = time.Minute

// statusWarmEvery is how often keepWarm looks at each topic. It re-assesses statuses older
// than half the TTL, so a command, however rare, finds a fresh assessment instead of paying
// for one.
const statusWarmEvery = statusTTL / 4

// statusReadLimit caps the window read: the newest 5,000 stories on the topic.
const statusReadLimit = 5000

// cachedStatus is one topic's last assessment. mu guards the fields; assessing serialises
// assessments, so concurrent commands on a stale topic read the window once, while commands
// that find the cache fresh never wait for an assessment in progress.
type cachedStatus struct {
	assessing sync.Mutex
	mu        sync.Mutex
	valid     bool
	st        tracking.Status
	newest    string    // ID of the newest story assessed ("" when the window was empty)
	at        time.Time // when it was assessed
}

func newTrackingSource(a *app) (*trackingSource, error) {
	ts := &trackingSource{stories: a.store, assessors: map[string]*tracking.Assessor{}, cache: map[string]*cachedStatus{},
		window: a.cfg.Tracking.Window, now: a.now, logger: a.logger}
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
	return ts.statusWithin(ctx, topicID, statusTTL)
}

// statusWithin is status with the reuse bound maxAge.
func (ts *trackingSource) statusWithin(ctx context.Context, topicID string, maxAge time.Duration) (tracking.Status, error) {
	as, ok := ts.assessors[topicID]
	c := ts.cache[topicID]
	if !ok || c == nil {
		return tracking.Status{}, fmt.Errorf("tracking: unknown topic %q", topicID)
	}
	if st, ok, err := ts.reuse(ctx, topicID, c, maxAge); ok || err != nil {
		return st, err
	}
	c.assessing.Lock()
	defer c.assessing.Unlock()
	// Another command may have assessed while this one waited.
	if st, ok, err := ts.reuse(ctx, topicID, c, maxAge); ok || err != nil {
		return st, err
	}
	now := ts.now()
	stories, err := ts.stories.RecentStories(ctx, cache.StoryQuery{Topic: topicID, Since: now.Add(-ts.window), Limit: statusReadLimit})
	if err != nil {
		return tracking.Status{}, err
	}
	st := as.Assess(stories, now, ts.window)
	c.mu.Lock()
	c.st, c.newest, c.at, c.valid = st, newestID(stories), now, true
	c.mu.Unlock()
	return st, nil
}

// reuse returns the cached status when it is younger than maxAge and the topic's newest
// stored story is still the one it was assessed with (one single-story read).
func (ts *trackingSource) reuse(ctx context.Context, topicID string, c *cachedStatus, maxAge time.Duration) (tracking.Status, bool, error) {
	c.mu.Lock()
	st, newest, at, valid := c.st, c.newest, c.at, c.valid
	c.mu.Unlock()
	now := ts.now()
	if !valid || now.Sub(at) >= maxAge || now.Before(at) {
		return tracking.Status{}, false, nil
	}
	head, err := ts.stories.RecentStories(ctx, cache.StoryQuery{Topic: topicID, Since: now.Add(-ts.window), Limit: 1})
	if err != nil {
		return tracking.Status{}, false, err
	}
	return st, newestID(head) == newest, nil
}

// newestID is the ID of the first (newest) story, "" when there is none.
func newestID(stories []story.Story) string {
	if len(stories) == 0 {
		return ""
	}
	return stories[0].ID
}

// keepWarm re-assesses every topic whose status is older than half statusTTL, or whose
// newest story changed, every statusWarmEvery until ctx ends.
func (ts *trackingSource) keepWarm(ctx context.Context) {
	ids := make([]string, 0, len(ts.assessors))
	for id := range ts.assessors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t := time.NewTicker(statusWarmEvery)
	defer t.Stop()
	for {
		for _, id := range ids {
			if _, err := ts.statusWithin(ctx, id, statusTTL/2); err != nil && ctx.Err() == nil {
				ts.logger.Debug("tracking: warming the status failed; commands assess it themselves", "topic", id, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
