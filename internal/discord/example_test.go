package discord_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/message"
)

// Example shows how main wires the transport: the API base once, one gateway per shard,
// and the one Sender everything posts through.
func Example() {
	ctx := context.Background()
	logger := slog.Default()
	if base := os.Getenv("DISCORD_API_URL"); base != "" {
		if err := discord.SetAPIBase(base); err != nil { // once, before any session exists
			fmt.Println(err)
			return
		}
	}
	router := commands.NewRouter(commands.Definitions(), commands.RouterOptions{Logger: logger})
	g, err := discord.NewGateway(discord.GatewayConfig{
		Token: os.Getenv("DISCORD_TOKEN"), AppID: os.Getenv("DISCORD_APP_ID"), GuildID: os.Getenv("DISCORD_GUILD_ID"),
		Handler: router, Definitions: router.Definitions(), Logger: logger,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := g.Open(ctx); err != nil {
		if errors.Is(err, discord.ErrUnauthorized) {
			fmt.Println("DISCORD_TOKEN was rejected")
		}
		return
	}
	defer g.Close()
	go func() { _ = g.Run(ctx) }() // serves interactions until ctx ends

	sender := discord.NewSender(discord.RESTClientFromSession(g.Session()), discord.SenderOptions{Logger: logger})
	go func() { _ = sender.Run(ctx) }() // dispatches posts until ctx ends, then drains
	_, err = sender.Send(ctx, "channel-id", message.Message{Content: "Briefing"}, "nonce-of-this-post")
	if errors.Is(err, discord.ErrChannelGone) {
		fmt.Println("mark the subscription broken")
	}

	select {
	case err := <-g.Done(): // 4004, 4010-4014: exit with the reason
		fmt.Println(err)
	case <-ctx.Done():
	}
}

// ExampleNewInteractionsHandler serves an Interactions Endpoint URL instead of the gateway.
func ExampleNewInteractionsHandler() {
	ctx := context.Background()
	key, err := hex.DecodeString(os.Getenv("DISCORD_PUBLIC_KEY"))
	if err != nil || len(key) != ed25519.PublicKeySize {
		fmt.Println("DISCORD_PUBLIC_KEY must be 64 hex characters")
		return
	}
	router := commands.NewRouter(commands.Definitions(), commands.RouterOptions{})
	rest, err := discord.NewRESTClient(discord.DefaultAPIBase, os.Getenv("DISCORD_TOKEN"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	h := discord.NewInteractionsHandler(ed25519.PublicKey(key), os.Getenv("DISCORD_APP_ID"), router, rest,
		discord.InteractionsOptions{})
	go func() { _ = h.Run(ctx) }() // runs the commands until ctx ends
	http.Handle("POST /interactions", h)
}
