package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/heraldbot/herald/config"
)

func checkFeed(ctx context.Context, cfg *config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	return fmt.Errorf("check-feed: not wired yet")
}
