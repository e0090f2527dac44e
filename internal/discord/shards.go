package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// ShardPlan is what GET /gateway/bot recommends for the bot.
type ShardPlan struct {
	// Count is the recommended number of shards.
	Count int
	// MaxConcurrency is how many shards may identify per 5 seconds (session_start_limit).
	MaxConcurrency int
	// Remaining is how many session starts are left today.
	Remaining int
}

// RecommendedShards asks Discord (GET /gateway/bot, through the API base) for the shard plan.
func RecommendedShards(token string) (ShardPlan, error) {
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return ShardPlan{}, fmt.Errorf("discord: gateway/bot: %w", err)
	}
	r, err := s.GatewayBot()
	if err != nil {
		return ShardPlan{}, fmt.Errorf("discord: gateway/bot: %w", err)
	}
	p := ShardPlan{Count: max(r.Shards, 1), MaxConcurrency: max(r.SessionStartLimit.MaxConcurrency, 1),
		Remaining: r.SessionStartLimit.Remaining}
	return p, nil
}

// Leases is the part of the store shard claiming uses.
type Leases interface {
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
}

// identifyWindow is Discord's identify rate: MaxConcurrency identifies per 5 seconds.
const identifyWindow = 5 * time.Second

// ShardClaimer gives each replica one shard of the plan through store leases: a replica that
// finds every shard held waits as a standby and takes over a shard whose holder stopped
// renewing it, within one lease. Identifies are spaced fleet-wide by a lease per
// max_concurrency bucket.
type ShardClaimer struct {
	Leases Leases
	Owner  string
	Plan   ShardPlan
	// Lease is how long a claim lasts without renewal; renewed every Lease/3.
	Lease  time.Duration
	Logger *slog.Logger
}

func shardLease(id int) string { return "discord-shard-" + strconv.Itoa(id) }

// Claim returns the first shard it can lease, waiting (a standby) until one is free or ctx ends.
func (c *ShardClaimer) Claim(ctx context.Context) (int, error) {
	standby := false
	for {
		for id := range c.Plan.Count {
			ok, err := c.Leases.AcquireLease(ctx, shardLease(id), c.Owner, c.Lease)
			if err != nil {
				c.Logger.Warn("discord: claiming a shard", "shard_id", id, "error", err)
				continue
			}
			if ok {
				return id, nil
			}
		}
		if !standby {
			c.Logger.Info("discord: every shard is held by another replica; standing by", "shard_count", c.Plan.Count)
			standby = true
		}
		if err := sleepCtx(ctx, c.Lease/3); err != nil {
			return 0, fmt.Errorf("discord: waiting for a free shard: %w", err)
		}
	}
}

// Serve runs the gateway of shard id of the plan until ctx ends (the gateway part of
// DISCORD_SHARD_COUNT=auto). With id < 0 it claims a free shard, waiting as a standby while
// every one is held, and keeps its lease renewed from the claim on (waiting for an identify
// turn, 5 s per shard of a max_concurrency bucket, can outlast the lease) while serving; the
// session ends when the shard is lost to another replica. Each identify waits its turn in its
// max_concurrency bucket, fleet-wide. open connects shard id of count. Serve returns only
// after the lease was released, so the store may close after it.
func (c *ShardClaimer) Serve(ctx context.Context, id int, open func(ctx context.Context, id, count int) (*Gateway, error)) error {
	claimed := id < 0
	if claimed {
		var err error
		if id, err = c.Claim(ctx); err != nil {
			return nil // stopped while standing by
		}
	}
	c.Logger.Info("discord: gateway shard assigned", "shard_id", id, "shard_count", c.Plan.Count, "claimed", claimed,
		"max_concurrency", c.Plan.MaxConcurrency, "session_starts_left", c.Plan.Remaining)
	serve := func(lost <-chan error) error {
		gw, err := c.identifyAndOpen(ctx, id, open, lost)
		if err != nil || gw == nil {
			return err
		}
		return gw.Serve(ctx, lost)
	}
	if !claimed {
		return serve(nil)
	}
	return c.holding(ctx, id, serve)
}

// identifyAndOpen waits for shard id's identify turn and opens its session; nil and no error
// when ctx ended meanwhile. A shard lost while waiting is not opened: that error is returned.
func (c *ShardClaimer) identifyAndOpen(ctx context.Context, id int, open func(ctx context.Context, id, count int) (*Gateway, error), lost <-chan error) (*Gateway, error) {
	if err := c.WaitIdentify(ctx, id); err != nil {
		return nil, nil // stopped while waiting its turn
	}
	select {
	case err := <-lost:
		return nil, err
	default:
	}
	return open(ctx, id, c.Plan.Count)
}

// holding keeps the lease on shard id renewed while serve runs, telling serve through lost
// when the shard was taken; it returns serve's error once the lease is released.
func (c *ShardClaimer) holding(ctx context.Context, id int, serve func(lost <-chan error) error) error {
	holdCtx, stopHold := context.WithCancel(ctx)
	lost := make(chan error, 1)
	held := make(chan struct{})
	go func() {
		defer close(held)
		if err := c.Hold(holdCtx, id); err != nil {
			lost <- err
		}
	}()
	err := serve(lost)
	stopHold()
	<-held // the lease is released
	return err
}

// WaitIdentify waits until shard id may identify: one identify per 5 seconds in its
// max_concurrency bucket across the fleet.
func (c *ShardClaimer) WaitIdentify(ctx context.Context, id int) error {
	name := "discord-identify-" + strconv.Itoa(id%c.Plan.MaxConcurrency)
	for {
		ok, err := c.Leases.AcquireLease(ctx, name, c.Owner+"/"+strconv.Itoa(id), identifyWindow)
		if err == nil && ok {
			return nil
		}
		if err := sleepCtx(ctx, identifyWindow/10); err != nil {
			return fmt.Errorf("discord: waiting to identify: %w", err)
		}
	}
}

// ErrShardLost means another replica holds the shard now: this one must stop its session.
var ErrShardLost = errors.New("discord: shard lease lost to another replica")

// Hold renews the lease on shard id every Lease/3 until ctx ends (it then releases it). It
// returns ErrShardLost when another replica took the shard or the lease could not be renewed
// before it expired.
func (c *ShardClaimer) Hold(ctx context.Context, id int) error {
	lastOK := time.Now()
	for {
		if err := sleepCtx(ctx, c.Lease/3); err != nil {
			release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = c.Leases.ReleaseLease(release, shardLease(id), c.Owner)
			return nil
		}
		ok, err := c.Leases.AcquireLease(ctx, shardLease(id), c.Owner, c.Lease)
		switch {
		case err == nil && !ok:
			return fmt.Errorf("%w: shard %d", ErrShardLost, id)
		case err == nil:
			lastOK = time.Now()
		case time.Since(lastOK) >= c.Lease:
			return fmt.Errorf("%w: shard %d not renewed for %s: %w", ErrShardLost, id, c.Lease, err)
		default:
			c.Logger.Warn("discord: renewing the shard lease", "shard_id", id, "error", err)
		}
	}
}
