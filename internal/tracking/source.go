package tracking

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// StoryReader is what the status source reads: the stored stories.
type StoryReader interface {
	RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error)
}

// StatusSource answers /status from stored stories with each topic's compiled assessor,
// caching each topic's assessment (see statusTTL); Run keeps the cache warm.
type StatusSource struct {
	stories   StoryReader
	assessors map[string]*Assessor
	// cache holds each topic's last status; the map is filled at construction, read-only after.
	cache  map[string]*cachedStatus
	window time.Duration
	now    func() time.Time
	logger *slog.Logger
}

// statusTTL bounds how long an assessment's window read is trusted. Reading a topic's whole
// window costs milliseconds of CPU (decoding a few hundred stored stories; about 90 ms for the
// 5,000 of the read's limit), which a loaded machine turns into a p99 beyond
// /ceasefire-status's 50 ms goal, while the status itself changes only when a report arrives.
// The newest-story probe sees new reports at once, from any replica, and only they are read;
// the TTL catches what the probe cannot: a late story published before the newest one,
// stories trimmed or aged out of the window.
const statusTTL = time.Minute

// statusWarmEvery is how often Run looks at each topic. It re-reads windows older than
// half the TTL, so a command, however rare, finds a fresh assessment instead of paying for one.
const statusWarmEvery = statusTTL / 4

// StatusReadLimit caps the window read: the newest 5,000 stories on the topic.
const StatusReadLimit = 5000

// cachedStatus is one topic's last assessment. mu guards the fields; assessing serialises
// assessments, so concurrent commands on a stale topic read the window once, while commands
// that find the cache fresh never wait for an assessment in progress.
type cachedStatus struct {
	assessing sync.Mutex
	mu        sync.Mutex
	valid     bool
	st        Status
	stories   []story.Story // the window assessed, newest first
	readAt    time.Time     // when the window was last read whole
}

// freshness is what a cached status is good for.
type freshness int

const (
	stale   freshness = iota // read the whole window
	changed                  // within the TTL but a newer story arrived: read only the new ones
	fresh                    // reuse as it is
)

// NewStatusSource builds the cached status source over stories for topics, assessing each
// over window.
func NewStatusSource(stories StoryReader, topics []topic.Config, window time.Duration, now func() time.Time, logger *slog.Logger) (*StatusSource, error) {
	ts := &StatusSource{stories: stories, assessors: map[string]*Assessor{}, cache: map[string]*cachedStatus{},
		window: window, now: now, logger: logger}
	for _, t := range topics {
		as, err := NewAssessor(t)
		if err != nil {
			return nil, err
		}
		ts.assessors[t.ID] = as
		ts.cache[t.ID] = &cachedStatus{}
	}
	return ts, nil
}

// Invalidate drops a topic's cached assessment, as a new report or the TTL would: the next
// Status reads the whole window (the benchmarks measure that path).
func (ts *StatusSource) Invalidate(topicID string) {
	c := ts.cache[topicID]
	if c == nil {
		return
	}
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

// Status assesses a topic over the tracking window, reusing the last assessment while the
// topic's newest stored story is unchanged and its window read is younger than statusTTL.
func (ts *StatusSource) Status(ctx context.Context, topicID string) (Status, error) {
	return ts.statusWithin(ctx, topicID, statusTTL)
}

// statusWithin is status with the window read trusted for maxAge.
func (ts *StatusSource) statusWithin(ctx context.Context, topicID string, maxAge time.Duration) (Status, error) {
	as, ok := ts.assessors[topicID]
	c := ts.cache[topicID]
	if !ok || c == nil {
		return Status{}, fmt.Errorf("tracking: unknown topic %q", topicID)
	}
	if st, _, f, err := ts.check(ctx, topicID, c, maxAge); f == fresh || err != nil {
		return st, err
	}
	c.assessing.Lock()
	defer c.assessing.Unlock()
	// Another command may have assessed while this one waited.
	st, prev, f, err := ts.check(ctx, topicID, c, maxAge)
	if f == fresh || err != nil {
		return st, err
	}
	now := ts.now()
	stories, whole, err := ts.readWindow(ctx, topicID, prev, f, now.Add(-ts.window))
	if err != nil {
		return Status{}, err
	}
	st = as.Assess(stories, now, ts.window)
	c.mu.Lock()
	c.st, c.stories, c.valid = st, stories, true
	if whole {
		c.readAt = now
	}
	c.mu.Unlock()
	return st, nil
}

// readWindow returns the topic's stories since since, newest first: prev extended with the
// new ones when only they changed, else (whole) a read of the whole window.
func (ts *StatusSource) readWindow(ctx context.Context, topicID string, prev []story.Story, f freshness, since time.Time) (stories []story.Story, whole bool, err error) {
	if f == changed {
		stories, ok, err := ts.extend(ctx, topicID, prev, since)
		if err != nil || ok {
			return stories, false, err
		}
	}
	stories, err = ts.stories.RecentStories(ctx, store.StoryQuery{Topic: topicID, Since: since, Limit: StatusReadLimit})
	return stories, true, err
}

// check tells what the cached status is good for: stale when invalid or its window read is
// maxAge old, changed when a stored story published since the newest assessed one is not in
// the window (one read of a story or two), else fresh. It returns the cached status and window.
func (ts *StatusSource) check(ctx context.Context, topicID string, c *cachedStatus, maxAge time.Duration) (Status, []story.Story, freshness, error) {
	c.mu.Lock()
	st, stories, readAt, valid := c.st, c.stories, c.readAt, c.valid
	c.mu.Unlock()
	now := ts.now()
	if !valid || now.Sub(readAt) >= maxAge || now.Before(readAt) {
		return Status{}, nil, stale, nil
	}
	since := now.Add(-ts.window)
	if len(stories) > 0 && stories[0].Published.After(since) {
		since = stories[0].Published
	}
	known := storiesSince(stories, since)
	// Every stored story published since the newest assessed one, but for one more than were
	// assessed: a story the window lacks shows among them even when it ties with the newest on
	// Published (same second in a feed, same millisecond in Redis's index) and sorts after it.
	head, err := ts.stories.RecentStories(ctx, store.StoryQuery{Topic: topicID, Since: since, Limit: len(known) + 1})
	if err != nil {
		return Status{}, nil, stale, err
	}
	for _, s := range head {
		if !known[s.ID] {
			return st, stories, changed, nil
		}
	}
	return st, stories, fresh, nil
}

// storiesSince returns the IDs of the stories published at or after since. It looks at them
// all: a store orders stories only to its timestamps' precision, so one published after the
// first may come later.
func storiesSince(stories []story.Story, since time.Time) map[string]bool {
	ids := map[string]bool{}
	for _, s := range stories {
		if !s.Published.Before(since) {
			ids[s.ID] = true
		}
	}
	return ids
}

// extend adds to prev (the window assessed, newest first) the stories published since its
// newest and drops those now older than since; ok is false when a whole read is needed
// (nothing assessed before, or more new stories than the read limit).
func (ts *StatusSource) extend(ctx context.Context, topicID string, prev []story.Story, since time.Time) (out []story.Story, ok bool, err error) {
	if len(prev) == 0 {
		return nil, false, nil
	}
	from := prev[0].Published
	newer, err := ts.stories.RecentStories(ctx, store.StoryQuery{Topic: topicID, Since: from, Limit: StatusReadLimit})
	if err != nil || len(newer) == StatusReadLimit {
		return nil, false, err
	}
	known := storiesSince(prev, from) // the stories since from that prev already holds
	if !slices.ContainsFunc(newer, func(s story.Story) bool { return s.ID == prev[0].ID }) {
		return nil, false, nil // the newest assessed story is gone (trimmed): read it all
	}
	out = make([]story.Story, 0, len(newer)+len(prev))
	for _, s := range newer {
		if !known[s.ID] {
			out = append(out, s)
		}
	}
	for _, s := range prev {
		if s.Published.Before(since) {
			break
		}
		out = append(out, s)
	}
	// The stores' order: newest first, ties by descending ID (the index keys' order).
	slices.SortStableFunc(out, func(a, b story.Story) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out[:min(len(out), StatusReadLimit)], true, nil
}

// Run keeps the statuses warm: it re-assesses every topic whose status is older than half statusTTL, or whose
// newest story changed, every statusWarmEvery until ctx ends (then nil).
func (ts *StatusSource) Run(ctx context.Context) error {
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
			return nil
		case <-t.C:
		}
	}
}

func (ts *StatusSource) StatusEmbed(ctx context.Context, topicID string) (message.Embed, error) {
	st, err := ts.Status(ctx, topicID)
	if err != nil {
		return message.Embed{}, err
	}
	return Embed(st, ts.now()), nil
}

// StatusLines gives briefings their status lines: the topic's own, or every topic's.
func (ts *StatusSource) StatusLines(ctx context.Context, topicID string) []string {
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
		if st, err := ts.Status(ctx, id); err == nil && st.Label != LabelNoNews {
			out = append(out, StatusLine(st))
		}
	}
	return out
}
