package main

import (
	"context"
	"fmt"
	"sort"
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
	window    time.Duration
	now       func() time.Time
}

func newTrackingSource(a *app) (*trackingSource, error) {
	ts := &trackingSource{stories: a.store, assessors: map[string]*tracking.Assessor{}, window: a.cfg.Tracking.Window, now: a.now}
	for _, t := range a.topics.Topics() {
		as, err := tracking.NewAssessor(t)
		if err != nil {
			return nil, err
		}
		ts.assessors[t.ID] = as
	}
	return ts, nil
}

// status assesses a topic over the tracking window.
func (ts *trackingSource) status(ctx context.Context, topicID string) (tracking.Status, error) {
	as, ok := ts.assessors[topicID]
	if !ok {
		return tracking.Status{}, fmt.Errorf("tracking: unknown topic %q", topicID)
	}
	now := ts.now()
	stories, err := ts.stories.RecentStories(ctx, cache.StoryQuery{Topic: topicID, Since: now.Add(-ts.window), Limit: 5000})
	if err != nil {
		return tracking.Status{}, err
	}
	return as.Assess(stories, now, ts.window), nil
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
