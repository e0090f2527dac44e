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
	"github.com/heraldbot/herald/internal/ratelimit"
	"github.com/heraldbot/herald/internal/store/redisstore"
)

// shutdownBudget keeps the whole ordered shutdown under docker stop's 10 s kill.
const shutdownBudget = 7 * time.Second

// discordSender is Discord mode's sender: every post goes through one rate-limited queue.
// It points discordgo at DISCORD_API_URL first, before anything talks to Discord.
func discordSender(cfg *config.Config, logger *slog.Logger) (*discord.Sender, error) {
	if err := discord.SetAPIBase(cfg.DiscordAPIURL); err != nil {
		return nil, fmt.Errorf("config: DISCORD_API_URL: %w", err)
	}
	rest := discord.NewRESTClient(cfg.DiscordToken, nil)
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

// runDiscord serves Discord until ctx is cancelled (SIGTERM) or the gateway fails fatally, then
// shuts down in order: stop scheduling and polling, drain the sender, close the gateway and the
// HTTP listener; the store is closed by the caller last.
func runDiscord(ctx context.Context, a *app, sender *discord.Sender) error {
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	a.metrics.watchSender(sender)
	ready := &atomic.Bool{}
	srv, err := a.startHTTP(runCtx, ready)
	if err != nil {
		return err
	}
	var gw *discord.Gateway
	var polling <-chan struct{}
	lost := make(chan error, 1)
	if a.cfg.ShardAuto && a.cfg.DiscordPublicKey == "" {
		// A standby replica (every shard held elsewhere) polls and delivers while it waits.
		polling = a.startBackground(runCtx)
		a.logger.Info("herald running", "mode", a.mode(), "feeds", len(a.cfg.Feeds))
		if gw, err = a.connectAuto(runCtx, ready, lost); err != nil && ctx.Err() == nil {
			a.shutdown(cancelRun, polling, sender, nil, srv)
			return err
		}
	} else {
		if gw, err = a.connect(runCtx, ready); err != nil {
			shutdownHTTP(srv)
			return err
		}
		polling = a.startBackground(runCtx)
		a.logger.Info("herald running", "mode", a.mode(), "feeds", len(a.cfg.Feeds))
	}
	var fatal error
	select {
	case <-ctx.Done():
	case fatal = <-gatewayDone(gw):
	case fatal = <-lost:
	}
	a.shutdown(cancelRun, polling, sender, gw, srv)
	return fatal
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

// shardLease is how long a replica's claim on its shard lasts without renewal: a standby
// takes over a dead replica's shard within it.
const shardLease = 30 * time.Second

// connectAuto is connect for DISCORD_SHARD_COUNT=auto: the count comes from GET /gateway/bot;
// without DISCORD_SHARD_ID the replica claims a free shard through a store lease (waiting as
// a standby while all are held), keeps it renewed and reports on lost when it loses it. Each
// identify waits its turn in its max_concurrency bucket, fleet-wide.
func (a *app) connectAuto(ctx context.Context, ready *atomic.Bool, lost chan<- error) (*discord.Gateway, error) {
	plan, err := discord.RecommendedShards(a.cfg.DiscordToken)
	if err != nil {
		return nil, explainDiscordError("reading the recommended shard count (GET /gateway/bot)", a.cfg.DiscordAPIURL, err)
	}
	c := &discord.ShardClaimer{Leases: a.store, Owner: replicaID(), Plan: plan, Lease: shardLease, Logger: a.logger}
	id := a.cfg.ShardID
	if id >= plan.Count {
		return nil, fmt.Errorf("config: DISCORD_SHARD_ID=%d: Discord recommends %d shards (0…%d)", id, plan.Count, plan.Count-1)
	}
	claimed := id < 0
	if claimed {
		if id, err = c.Claim(ctx); err != nil {
			return nil, err
		}
	}
	a.logger.Info("gateway shard assigned", "shard_id", id, "shard_count", plan.Count, "claimed", claimed,
		"max_concurrency", plan.MaxConcurrency, "session_starts_left", plan.Remaining)
	if err := c.WaitIdentify(ctx, id); err != nil {
		return nil, err
	}
	gw, err := a.openGateway(ctx, ready, id, plan.Count)
	if err != nil {
		return nil, err
	}
	if claimed {
		go a.safely("shard lease", func() {
			if err := c.Hold(ctx, id); err != nil {
				lost <- err
			}
		})
	}
	return gw, nil
}

// openGateway connects shard id of count to the gateway; ready follows its session.
func (a *app) openGateway(ctx context.Context, ready *atomic.Bool, id, count int) (*discord.Gateway, error) {
	gw, err := discord.NewGateway(discord.GatewayConfig{Token: a.cfg.DiscordToken, ShardID: id,
		ShardCount: count, AppID: a.cfg.DiscordAppID, GuildID: a.cfg.DiscordGuildID, Handler: a.router,
		Definitions: a.router.Definitions(), Logger: a.logger, OnConnection: ready.Store})
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
	if _, err := discord.SyncCommands(ctx, s, a.cfg.DiscordAppID, a.cfg.DiscordGuildID, a.router.Definitions()); err != nil {
		return explainDiscordError("registering commands", a.cfg.DiscordAPIURL, err)
	}
	ready.Store(true)
	return nil
}

func gatewayDone(gw *discord.Gateway) <-chan error {
	if gw == nil {
		return nil
	}
	return gw.Done()
}

// startHTTP serves /healthz, /readyz, /metrics and, with DISCORD_PUBLIC_KEY, /interactions.
func (a *app) startHTTP(ctx context.Context, ready *atomic.Bool) (*http.Server, error) {
	mux := http.NewServeMux()
	a.healthRoutes(mux, ready)
	if a.cfg.DiscordPublicKey != "" {
		key, err := hex.DecodeString(a.cfg.DiscordPublicKey)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return nil, errors.New("config: DISCORD_PUBLIC_KEY: want the application's public key, 64 hex digits")
		}
		rest := discord.NewRESTClient(a.cfg.DiscordToken, nil)
		mux.Handle("POST /interactions", discord.NewInteractionsHandler(ctx, ed25519.PublicKey(key), a.cfg.DiscordAppID,
			a.router, rest, discord.InteractionsOptions{Logger: a.logger}))
	}
	if err := a.dashboardRoutes(mux); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("http: HERALD_HTTP_ADDR=%s: %w", a.cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
	go a.safely("http", func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Error("http server stopped", "error", err)
		}
	})
	a.logger.Info("http listening", "addr", ln.Addr().String())
	return srv, nil
}

// shutdown runs the ordered stop within shutdownBudget.
func (a *app) shutdown(cancelRun context.CancelFunc, polling <-chan struct{}, sender *discord.Sender, gw *discord.Gateway, srv *http.Server) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	stopCtx, stopCancel := context.WithTimeout(ctx, 3*time.Second)
	a.digests.Stop(stopCtx) // stop scheduling; running digests finish or leave leases to expire
	stopCancel()
	cancelRun() // stop polling and in-flight deliveries; unconfirmed claims are retried next start
	select {
	case <-polling:
	case <-ctx.Done():
	}
	sender.Close()
	if gw != nil {
		if err := gw.Close(); err != nil {
			a.logger.Warn("closing gateway", "error", err)
		}
	}
	shutdownHTTPCtx(ctx, srv)
	a.logger.Info("herald stopped", "shutdown_ms", time.Since(start).Milliseconds())
}

func shutdownHTTP(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	shutdownHTTPCtx(ctx, srv)
}

func shutdownHTTPCtx(ctx context.Context, srv *http.Server) {
	if srv != nil {
		_ = srv.Shutdown(ctx)
	}
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
