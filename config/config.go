// Package config loads Herald's configuration: YAML defaults embedded in the binary (so the
// bot runs from any directory with no setup), an optional YAML file replacing them, then
// environment variables, which are the operators' contract. Invalid values stop start-up with
// an error naming the variable and what it accepts.
package config

import (
	"bytes"
	_ "embed"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/heraldbot/herald/internal/topic"
)

//go:embed defaults.yaml
var defaultsYAML []byte

//go:embed topics.yaml
var topicsYAML []byte

// Feed is one configured feed.
type Feed struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// Poll configures the poller and fetcher.
type Poll struct {
	Interval     time.Duration `yaml:"interval"`
	Concurrency  int           `yaml:"concurrency"`
	PerHost      int           `yaml:"per_host"`
	Timeout      time.Duration `yaml:"timeout"`
	MaxBodyBytes int64         `yaml:"max_body_bytes"`
	// MaxItems is how many of a fetch's newest items are considered; older ones are left out.
	MaxItems     int `yaml:"max_items"`
	DisableAfter int `yaml:"disable_after"`
	// Lease is how long, with Redis, a replica holds a feed it polls and its host slot: a
	// replica killed mid-poll hands both on when it ends, so it must outlast Timeout.
	Lease time.Duration `yaml:"lease"`
}

// Retention configures what the store keeps.
type Retention struct {
	Seen       time.Duration `yaml:"seen"`
	Stories    time.Duration `yaml:"stories"`
	MaxStories int           `yaml:"max_stories"`
}

// Digest holds the defaults of daily briefings.
type Digest struct {
	Time           string        `yaml:"time"`
	TimeZone       string        `yaml:"timezone"`
	MaxEntries     int           `yaml:"max_entries"`
	Grace          time.Duration `yaml:"grace"`
	QuietWhenEmpty bool          `yaml:"quiet_when_empty"`
}

// Config is the whole configuration. Secret fields are redacted by String.
type Config struct {
	Feeds     []Feed         `yaml:"feeds"`
	Topics    []topic.Config `yaml:"topics"`
	Poll      Poll           `yaml:"poll"`
	Retention Retention      `yaml:"retention"`
	Digest    Digest         `yaml:"digest"`
	Delivery  struct {
		ClaimLease time.Duration `yaml:"claim_lease"`
		// LiveMaxAge is delivery.LiveRule's MaxAge: older stories are never live-posted.
		LiveMaxAge time.Duration `yaml:"live_max_age"`
	} `yaml:"delivery"`
	Subscriptions struct {
		PerGuildLimit int `yaml:"per_guild_limit"`
	} `yaml:"subscriptions"`
	Discord struct {
		GlobalRate float64 `yaml:"global_rate"`
		// ShardLease is how long a claimed shard (DISCORD_SHARD_COUNT=auto) stays a replica's
		// without renewal: a standby takes a dead replica's shard over within it.
		ShardLease time.Duration `yaml:"shard_lease"`
	} `yaml:"discord"`
	Tracking struct {
		Window time.Duration `yaml:"window"`
	} `yaml:"tracking"`

	// From the environment only.
	DiscordToken     string `yaml:"-"`
	DiscordPublicKey string `yaml:"-"`
	DiscordAppID     string `yaml:"-"`
	DiscordGuildID   string `yaml:"-"`
	DiscordAPIURL    string `yaml:"-"`
	ShardID          int    `yaml:"-"`
	ShardCount       int    `yaml:"-"`
	// ShardAuto is DISCORD_SHARD_COUNT=auto: the count comes from GET /gateway/bot and, without
	// DISCORD_SHARD_ID, each replica claims a shard through the store (ShardID is then -1).
	ShardAuto   bool   `yaml:"-"`
	RedisURL    string `yaml:"-"`
	RedisPrefix string `yaml:"-"`
	DataDir     string `yaml:"-"`
	HTTPAddr    string `yaml:"-"`
	// PrivateFeeds says which feeds may live on private, loopback or link-local addresses:
	// PrivateNone, PrivateConfigured (the operator's own feeds) or PrivateAll (/subscribe too).
	PrivateFeeds PrivateFeeds `yaml:"-"`
	// PrivateHosts and PrivateNets are the hosts and ranges the operator's own feeds may reach
	// although private (HERALD_ALLOW_PRIVATE_HOSTS); /subscribe feed URLs never get them.
	PrivateHosts []string       `yaml:"-"`
	PrivateNets  []netip.Prefix `yaml:"-"`
	LogLevel     slog.Level     `yaml:"-"`
	// LogLevelSet is true when LOG_LEVEL was given (console mode is quieter by default).
	LogLevelSet bool   `yaml:"-"`
	LogFormat   string `yaml:"-"`
	// Dashboard is the web dashboard's configuration (off by default).
	Dashboard Dashboard `yaml:"-"`
}

// PrivateFeeds is the HERALD_ALLOW_PRIVATE_FEEDS setting.
type PrivateFeeds string

// The HERALD_ALLOW_PRIVATE_FEEDS values.
const (
	PrivateNone       PrivateFeeds = "false"
	PrivateConfigured PrivateFeeds = "configured"
	PrivateAll        PrivateFeeds = "true"
)

// FeedURLs lists the configured feeds' URLs: the feeds the operator vouches for.
func (c *Config) FeedURLs() []string {
	out := make([]string, len(c.Feeds))
	for i, f := range c.Feeds {
		out[i] = f.URL
	}
	return out
}

// Load builds the configuration from the embedded defaults, the HERALD_CONFIG file and the
// environment given by getenv (os.Getenv in main; a map in tests).
func Load(getenv func(string) string) (*Config, error) {
	cfg := &Config{}
	if err := decodeYAML(defaultsYAML, cfg, "embedded defaults"); err != nil {
		return nil, err
	}
	if err := decodeYAML(topicsYAML, cfg, "embedded topics"); err != nil {
		return nil, err
	}
	if path := getenv("HERALD_CONFIG"); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: HERALD_CONFIG: %w", err)
		}
		if err := decodeYAML(raw, cfg, "HERALD_CONFIG "+path); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(cfg, getenv); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// decodeYAML decodes raw on top of cfg: keys present replace, absent keys keep their value.
func decodeYAML(raw []byte, cfg *Config, what string) error {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && err.Error() != "EOF" {
		return fmt.Errorf("config: %s: %w", what, err)
	}
	return nil
}

func (c *Config) validate() error {
	if len(c.Feeds) == 0 {
		return fmt.Errorf("config: no feeds configured (set HERALD_FEEDS or feeds: in HERALD_CONFIG)")
	}
	for i, f := range c.Feeds {
		if !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://") {
			return fmt.Errorf("config: feeds[%d]: url %q must start with http:// or https://", i, f.URL)
		}
	}
	if _, err := time.LoadLocation(c.Digest.TimeZone); err != nil {
		return fmt.Errorf("config: digest.timezone %q: unknown IANA time zone", c.Digest.TimeZone)
	}
	if _, err := time.Parse("15:04", c.Digest.Time); err != nil {
		return fmt.Errorf("config: digest.time %q: want HH:MM", c.Digest.Time)
	}
	if c.Delivery.LiveMaxAge < time.Minute {
		return fmt.Errorf("config: delivery.live_max_age %s: want at least 1m", c.Delivery.LiveMaxAge)
	}
	if r := c.Discord.GlobalRate; r <= 0 || r > 50 {
		return fmt.Errorf("config: discord.global_rate %v: want requests per second above 0 and at most Discord's 50", r)
	}
	if c.Poll.Concurrency < 1 || c.Poll.PerHost < 1 {
		return fmt.Errorf("config: poll.concurrency and poll.per_host must be at least 1")
	}
	if c.Poll.MaxItems < 1 {
		return fmt.Errorf("config: poll.max_items %d: want at least 1", c.Poll.MaxItems)
	}
	return c.validateLeases()
}

// validateLeases checks the fleet's leases: a poll lease shorter than a fetch would hand a
// feed to a second replica while the first still fetches it.
func (c *Config) validateLeases() error {
	if c.Poll.Lease <= c.Poll.Timeout {
		return fmt.Errorf("config: poll.lease %s: want longer than poll.timeout %s", c.Poll.Lease, c.Poll.Timeout)
	}
	if c.Discord.ShardLease < 3*time.Second {
		return fmt.Errorf("config: discord.shard_lease %s: want at least 3s", c.Discord.ShardLease)
	}
	return nil
}

// Console reports whether Herald runs as a console bot (no Discord credentials).
func (c *Config) Console() bool { return c.DiscordToken == "" && c.DiscordPublicKey == "" }

// String renders the configuration for logs with every secret redacted.
func (c *Config) String() string {
	return fmt.Sprintf("feeds=%d topics=%d poll_interval=%s store=%s discord_token=%s redis_url=%s http_addr=%s",
		len(c.Feeds), len(c.Topics), c.Poll.Interval, c.storeName(), hideToken(c.DiscordToken), RedactURL(c.RedisURL), c.HTTPAddr)
}

// LogValue makes slog.Any("config", cfg) print String's redacted summary: without it a JSON
// handler would marshal every exported field, the Discord token and REDIS_URL password
// included. The value receiver covers Config and *Config alike.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

func (c *Config) storeName() string {
	if c.RedisURL != "" {
		return "redis"
	}
	return "embedded(" + c.DataDir + ")"
}

// hideToken says whether a token is set without showing any of it.
func hideToken(s string) string {
	if s == "" {
		return "unset"
	}
	return "[redacted]"
}
