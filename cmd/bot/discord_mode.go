package main

import (
	"context"
	"fmt"
)

func runDiscord(ctx context.Context, a *app) error {
	return fmt.Errorf("discord mode: not wired yet")
}
