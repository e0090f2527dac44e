// Command bot runs Herald. This file is the composition root: it reads the configuration,
// builds every part and passes each what it needs; nothing else in the module reads the
// environment or builds a dependency by itself.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/console"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is main with its inputs explicit, so tests can drive the whole program.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return 2
	}
	// A console run shares the terminal between answers, posts, logs and the prompt: the
	// screen keeps log lines off the prompt line.
	var screen *console.Screen
	logOut := stderr
	if cfg.Console() && len(args) == 0 {
		screen = console.NewScreen(stdout, isTerminal(stdin))
		logOut = screen.Logs(stderr)
	}
	logger := newLogger(cfg, logOut)
	err = dispatch(ctx, args, cfg, logger, stdin, stdout, screen)
	if err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("herald stopped", "error", err)
		fmt.Fprintln(stderr, "herald:", err)
		return 1
	}
	return 0
}

// subcommands are the arguments dispatch accepts; README's commands are checked against them.
var subcommands = []string{"check-feed", "-healthcheck", "-selfcheck", "-version"}

func dispatch(ctx context.Context, args []string, cfg *config.Config, logger *slog.Logger, stdin io.Reader, stdout io.Writer, screen *console.Screen) error {
	if len(args) > 0 {
		switch args[0] {
		case "-version", "--version", "version":
			_, err := fmt.Fprintln(stdout, "herald", version)
			return err
		case "check-feed":
			return checkFeed(ctx, cfg, logger, args[1:], stdout)
		case "-healthcheck", "--healthcheck":
			return healthCheck(ctx, cfg.HTTPAddr, stdout)
		case "-selfcheck", "--selfcheck":
			return selfCheck(stdout)
		default:
			return fmt.Errorf("unknown argument %q (want one of: %s; check-feed takes a URL)", args[0], strings.Join(subcommands, ", "))
		}
	}
	if cfg.Console() {
		app, err := build(ctx, cfg, logger, console.NewSender(screen))
		if err != nil {
			return err
		}
		defer app.close()
		return runConsole(ctx, app, stdin, screen)
	}
	sender, err := discordSender(cfg, logger)
	if err != nil {
		return err
	}
	app, err := build(ctx, cfg, logger, sender)
	if err != nil {
		return err
	}
	defer app.close()
	shareBudget(app, sender)
	return runDiscord(ctx, app, sender)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	level := cfg.LogLevel
	if cfg.Console() && !cfg.LogLevelSet {
		level = slog.LevelWarn // the console is for answers; LOG_LEVEL=info shows the logs
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
