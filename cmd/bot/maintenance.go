package main

import (
	"context"
	"time"

	"github.com/heraldbot/herald/internal/lifecycle"
)

// trimEvery is how often old stories, expired seen marks and leases are deleted.
const trimEvery = time.Hour

// maintain trims the store at start and then every trimEvery until ctx is done, so story
// retention (14 days, 100k stories by default) holds without operator action.
func (a *app) maintain(ctx context.Context) error {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	for {
		n, err := a.store.TrimStories(ctx)
		switch {
		case err != nil:
			a.metrics.storeErrors.Inc()
			a.logger.Warn("trimming the store", "error", err)
		case n > 0:
			a.logger.Info("trimmed old stories", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// backgroundParts are what runs beside command handling, in start order: deliveries before
// polling, so the first poll's new stories find live delivery running; upkeep last. The
// runner stops them in reverse: polling first, then what it feeds.
func (a *app) backgroundParts() []lifecycle.Part {
	return []lifecycle.Part{
		{Name: "digests", Run: a.digests.Run},
		{Name: "live", Run: func(ctx context.Context) error {
			a.live.CatchUp(ctx)
			return a.live.Run(ctx)
		}},
		{Name: "poller", Run: a.poller.Run},
		{Name: "maintenance", Run: a.maintain},
		{Name: "status_warming", Run: a.tracking.Run},
	}
}
