package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/lifecycle"
	"github.com/heraldbot/herald/internal/ratelimit"
	"github.com/heraldbot/herald/internal/store/redisstore"
)

// discordSender is Discord mode's sender: every post goes through one rate-limited queue,
// whose REST client is aimed at DISCORD_API_URL. discordgo's sessions (gateway, command
// registration) have no base of their own, so its endpoints are pointed there too, first,
// before anything talks to Discord.
func discordSender(cfg *config.Config, logger *slog.Logger) (*discord.Sender, error) {
	if err := discord.SetAPIBase(cfg.DiscordAPIURL); err != nil {
		return nil, fmt.Errorf("config: DISCORD_API_URL: %w", err)
	}
	rest, err := discord.NewRESTClient(cfg.DiscordAPIURL, cfg.DiscordToken, nil)
	if err != nil {
		return nil, fmt.Errorf("config: DISCORD_API_URL: %w", err)
	}
	return discord.NewSender(rest, discord.SenderOptions{GlobalPerSecond: cfg.Discord.GlobalRate, Logger: logger}), nil
}

// shareBudget makes the sender draw from the budget every replica shares when the store is
// Redis: Discord limits the bot token, not each process. The embedded store means one
// process, which keeps its in-process budget.
func shareBudget(a *app, sender *discord.Sender) {
	if rs, ok := a.store.(*redisstore.Store); ok {
		sender.ShareBudget(rs.Limiter(ratelimit.Options{PerSecond: a.cfg.Discord.GlobalRate, Now: a.now}))
		a.logger.Info("discord request budget shared through redis", "global_rate", a.cfg.Discord.GlobalRate)
	}
}

// runDiscord serves Discord until ctx is cancelled (SIGTERM) or the gateway fails fatally.
// The HTTP listener serves /healthz while the gateway connects; then one runner owns every
// part and stops them in reverse start order (polling first, the sender's drain last) within
// the shutdown budget; the store is closed by the caller last.
func runDiscord(ctx context.Context, a *app, sender *discord.Sender) error {
	a.metrics.watchSender(sender)
	ready := &atomic.Bool{}
	runner := lifecycle.New(lifecycle.Options{Logger: a.logger})
	web, err := a.startHTTP(ready, runner.Healthy)
	if err != nil {
		return err
	}
	auto := a.cfg.ShardAuto && a.cfg.DiscordPublicKey == ""
	var gw *discord.Gateway
	if !auto {
		if gw, err = a.connect(ctx, ready); err != nil {
			shutdownHTTP(ctx, web.srv)
			return err
		}
	}
	parts := []lifecycle.Part{
		// Started first, stopped last: it drains the attempts in flight.
		{Name: "sender", Run: sender.Run},
		{Name: "http", Run: web.run, Critical: a.cfg.DiscordPublicKey != ""},
	}
	switch {
	case auto:
		// The shard is claimed while the other parts run: a standby polls and posts meanwhile.
		parts = append(parts, lifecycle.Part{Name: "gateway", Run: a.autoGatewayPart(ready), Critical: true})
	case gw != nil:
		parts = append(parts, lifecycle.Part{Name: "gateway", Run: func(ctx context.Context) error { return gw.Serve(ctx, nil) }, Critical: true})
	}
	runner.Add(append(parts, a.backgroundParts()...)...)
	a.logger.Info("herald running", "mode", a.mode(), "feeds", len(a.cfg.Feeds))
	start := time.Now()
	err = runner.Run(ctx)
	a.logger.Info("herald stopped", "shutdown_ms", time.Since(start).Milliseconds())
	return err
}

// autoGatewayPart is the gateway part for DISCORD_SHARD_COUNT=auto: the count comes from GET
// /gateway/bot; the shard is DISCORD_SHARD_ID's or, without it, one the replica claims
// (discord.ShardClaimer.Serve); a standby takes over a dead replica's shard within
// discord.shard_lease.
func (a *app) autoGatewayPart(ready *atomic.Bool) func(context.Context) error {
	return func(ctx context.Context) error {
		plan, err := discord.RecommendedShards(a.cfg.DiscordToken)
		if err != nil {
			return explainDiscordError("reading the recommended shard count (GET /gateway/bot)", a.cfg.DiscordAPIURL, err)
		}
		if a.cfg.ShardID >= plan.Count {
			return fmt.Errorf("config: DISCORD_SHARD_ID=%d: Discord recommends %d shards (0…%d)", a.cfg.ShardID, plan.Count, plan.Count-1)
		}
		c := &discord.ShardClaimer{Leases: a.store, Owner: replicaID(), Plan: plan, Lease: a.cfg.Discord.ShardLease, Logger: a.logger}
		return c.Serve(ctx, a.cfg.ShardID, func(ctx context.Context, id, count int) (*discord.Gateway, error) {
			return a.openGateway(ctx, ready, id, count)
		})
	}
}

func (a *app) mode() string {
	if a.cfg.DiscordPublicKey != "" {
		return "http_interactions"
	}
	return "gateway"
}

// connect opens the gateway, or registers commands for HTTP interactions. ready follows the
// gateway's session (set by READY and RESUMED, cleared when the websocket drops); in HTTP
// interactions mode it is set once the commands are registered.
func (a *app) connect(ctx context.Context, ready *atomic.Bool) (*discord.Gateway, error) {
	if a.cfg.DiscordPublicKey != "" {
		return nil, a.registerHTTP(ctx, ready)
	}
	return a.openGateway(ctx, ready, a.cfg.ShardID, a.cfg.ShardCount)
}

// openGateway connects shard id of count to the gateway; ready follows its session.
func (a *app) openGateway(ctx context.Context, ready *atomic.Bool, id, count int) (*discord.Gateway, error) {
	gw, err := discord.NewGateway(discord.GatewayConfig{Token: a.cfg.DiscordToken, ShardID: id,
		ShardCount: count, AppID: a.cfg.DiscordAppID, GuildID: a.cfg.DiscordGuildID, Handler: a.router,
		Definitions: a.router.Definitions(), Logger: a.logger, OnConnection: ready.Store, OnCommandIDs: a.links.SetIDs})
	if err != nil {
		return nil, err
	}
	if err := gw.Open(ctx); err != nil {
		return nil, explainDiscordError("connecting to the gateway", a.cfg.DiscordAPIURL, err)
	}
	return gw, nil
}

// registerHTTP syncs the commands over REST; HTTP interactions need no gateway.
func (a *app) registerHTTP(ctx context.Context, ready *atomic.Bool) error {
	if a.cfg.DiscordToken == "" || a.cfg.DiscordAppID == "" {
		return errors.New("config: HTTP interactions (DISCORD_PUBLIC_KEY) need DISCORD_TOKEN and DISCORD_APP_ID to register commands and post")
	}
	s, err := discordgo.New("Bot " + a.cfg.DiscordToken)
	if err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	reg, err := discord.SyncCommands(ctx, s, a.cfg.DiscordAppID, a.cfg.DiscordGuildID, a.router.Definitions())
	if err != nil {
		return explainDiscordError("registering commands", a.cfg.DiscordAPIURL, err)
	}
	a.links.SetIDs(reg.IDs)
	ready.Store(true)
	return nil
}

// webServer is the HTTP listener, already serving; run owns its shutdown and, in HTTP
// interactions mode, runs the commands the endpoint receives.
type webServer struct {
	srv          *http.Server
	served       chan error
	interactions *discord.Interactions
}

// run waits for ctx, then shuts the server down (in-flight requests get 2 s) and lets the
// interactions' commands finish; a listener that fails on its own is the part's death.
func (w webServer) run(ctx context.Context) error {
	commandsCtx, stopCommands := context.WithCancel(context.WithoutCancel(ctx))
	defer stopCommands()
	ran := make(chan error, 1)
	if w.interactions != nil {
		go func() { ran <- w.interactions.Run(commandsCtx) }()
	} else {
		ran <- nil
	}
	var err error
	select {
	case <-ctx.Done():
		shutdownHTTP(ctx, w.srv)
	case err = <-w.served:
		err = fmt.Errorf("http: %w", err)
	}
	stopCommands()
	<-ran
	return err
}

// startHTTP serves /healthz, /readyz, /metrics and, with DISCORD_PUBLIC_KEY, /interactions;
// parts reports the background parts' health to /readyz.
func (a *app) startHTTP(ready *atomic.Bool, parts func() error) (webServer, error) {
	mux := http.NewServeMux()
	var interactions *discord.Interactions
	a.healthRoutes(mux, ready, parts)
	if a.cfg.DiscordPublicKey != "" {
		key, err := hex.DecodeString(a.cfg.DiscordPublicKey)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return webServer{}, errors.New("config: DISCORD_PUBLIC_KEY: want the application's public key, 64 hex digits")
		}
		rest, err := discord.NewRESTClient(a.cfg.DiscordAPIURL, a.cfg.DiscordToken, nil)
		if err != nil {
			return webServer{}, fmt.Errorf("config: DISCORD_API_URL: %w", err)
		}
		interactions = discord.NewInteractionsHandler(ed25519.PublicKey(key), a.cfg.DiscordAppID,
			a.router, rest, discord.InteractionsOptions{Logger: a.logger})
		mux.Handle("POST /interactions", interactions)
	}
	if err := a.dashboardRoutes(mux); err != nil {
		return webServer{}, err
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return webServer{}, fmt.Errorf("http: HERALD_HTTP_ADDR=%s: %w", a.cfg.HTTPAddr, err)
	}
	w := webServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}, served: make(chan error, 1), interactions: interactions}
	go func() {
		if err := w.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			w.served <- err
		}
	}()
	a.logger.Info("http listening", "addr", ln.Addr().String())
	return w, nil
}

// shutdownHTTP stops srv, giving in-flight requests up to 2 s; ctx may be done already.
func shutdownHTTP(ctx context.Context, srv *http.Server) {
	if srv == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
}

// explainDiscordError says what to check when Discord cannot be used at start-up: the token
// only when Discord rejected it; otherwise the network, DNS or DISCORD_API_URL. A DNS failure
// blamed on DISCORD_TOKEN sent operators to regenerate a token that was fine.
func explainDiscordError(what, apiURL string, err error) error {
	var rest *discordgo.RESTError
	switch {
	case errors.Is(err, discord.ErrUnauthorized),
		errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("discord: %s: Discord rejected the token (check DISCORD_TOKEN): %w", what, err)
	case errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusForbidden:
		return fmt.Errorf("discord: %s: Discord refused the application (check DISCORD_APP_ID and DISCORD_TOKEN): %w", what, err)
	}
	return fmt.Errorf("discord: %s: %s could not be reached (check the network, DNS and DISCORD_API_URL): %w", what, apiURL, err)
}
