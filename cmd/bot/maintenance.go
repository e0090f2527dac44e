package main

import (
	"context"
	"time"
)

// trimEvery is how often old stories, expired seen marks and leases are deleted.
const trimEvery = time.Hour

// maintain trims the store at start and then every trimEvery until ctx is done, so story
// retention (14 days, 100k stories by default) holds without operator action.
func (a *app) maintain(ctx context.Context) {
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
			return
		case <-t.C:
		}
	}
}

// startBackground starts what runs beside command handling: polling, delivery and upkeep.
// It returns a channel closed when the poller has stopped.
func (a *app) startBackground(ctx context.Context) <-chan struct{} {
	if err := a.digests.Start(ctx); err != nil {
		a.logger.Warn("digests not scheduled; retrying at next start", "error", err)
	}
	go a.safely("live", func() { a.live.CatchUp(ctx); a.live.Run(ctx) })
	go a.safely("maintenance", func() { a.maintain(ctx) })
	go a.safely("status_warming", func() { a.tracking.keepWarm(ctx) })
	polling := make(chan struct{})
	go func() { defer close(polling); a.safely("poller", func() { a.poller.Run(ctx) }) }()
	return polling
}
