package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/heraldbot/herald/internal/console"
	"github.com/heraldbot/herald/internal/lifecycle"
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
		stop := a.runConsoleBackground(ctx)
		defer stop()
	}
	return console.New(a.router, stdin, screen).Run(ctx)
}

// runConsoleBackground runs the background parts (and the health listener, when its port is
// free) under one runner; stop ends them in order and waits for all of them.
func (a *app) runConsoleBackground(ctx context.Context) (stop func()) {
	bgCtx, cancel := context.WithCancel(ctx)
	runner := lifecycle.New(lifecycle.Options{Logger: a.logger})
	if web, ok := a.consoleHTTP(runner.Healthy); ok {
		runner.Add(lifecycle.Part{Name: "http", Run: web.run})
	}
	runner.Add(a.backgroundParts()...)
	ran := make(chan error, 1)
	go func() { ran <- runner.Run(bgCtx) }()
	return func() {
		cancel()
		if err := <-ran; err != nil {
			a.logger.Warn("console: background parts", "error", err)
		}
	}
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
