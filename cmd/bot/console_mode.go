package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/heraldbot/herald/internal/console"
)

// runConsole polls every feed once with a progress line, says which feeds failed and why,
// then answers typed commands. When stdin is a terminal the poller keeps running in the
// background and HERALD_HTTP_ADDR serves /healthz, /readyz and /metrics; otherwise each line
// is answered and the bot exits at EOF.
func runConsole(ctx context.Context, a *app, stdin io.Reader, screen *console.Screen) error {
	interactive := screen.Interactive()
	fmt.Fprintf(screen, "Herald %s — console mode (DISCORD_TOKEN is not set). Store: %s.\n", version, storeLabel(a))
	screen.Progress(fmt.Sprintf("polling 0/%d feeds", len(a.poller.Feeds())))
	sum, err := a.poller.PollOnce(ctx, func(done, total int) {
		screen.Progress(fmt.Sprintf("polling %d/%d feeds", done, total))
	})
	screen.Progress("")
	if err != nil {
		return fmt.Errorf("console: first poll: %w", err)
	}
	stored, err := a.store.CountStories(ctx)
	if err != nil {
		a.logger.Warn("console: counting stored stories", "error", err)
	}
	console.PollReport(screen, sum, stored)
	if interactive {
		if sum.Failed > 0 {
			fmt.Fprintln(screen, "Failed feeds are retried in the background.")
		}
		fmt.Fprintln(screen, "Type /help for the commands, /help COMMAND for one, Ctrl-D to quit.")
		bgCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		polling := a.startBackground(bgCtx)
		srv := a.consoleHTTP(bgCtx)
		defer func() {
			cancel()
			stopCtx, stopCancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer stopCancel()
			a.digests.Stop(stopCtx)
			<-polling
			shutdownHTTP(srv)
		}()
	}
	return console.New(a.router, stdin, screen).Run(ctx)
}

func storeLabel(a *app) string {
	if a.cfg.RedisURL != "" {
		return "Redis"
	}
	return "embedded (" + a.cfg.DataDir + ")"
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
