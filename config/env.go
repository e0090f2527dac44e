package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/redact"
)

// Variables lists every environment variable Herald reads, with what it accepts; README's
// table and .env.example follow it, and a test keeps them in step.
func Variables() []string {
	return []string{
		"DISCORD_TOKEN", "DISCORD_TOKEN_FILE", "DISCORD_PUBLIC_KEY", "DISCORD_APP_ID", "DISCORD_GUILD_ID",
		"DISCORD_API_URL", "DISCORD_SHARD_ID", "DISCORD_SHARD_COUNT",
		"REDIS_URL", "REDIS_URL_FILE", "HERALD_REDIS_PREFIX", "HERALD_DATA_DIR", "HERALD_CONFIG", "HERALD_FEEDS",
		"HERALD_POLL_INTERVAL", "HERALD_POLL_MAX_ITEMS", "HERALD_CLAIM_LEASE", "HERALD_LIVE_MAX_AGE", "HERALD_DIGEST_GRACE", "HERALD_ALLOW_PRIVATE_FEEDS", "HERALD_ALLOW_PRIVATE_HOSTS",
		"HERALD_HTTP_ADDR", "LOG_LEVEL", "LOG_FORMAT",
		"HERALD_DASHBOARD_URL", "DISCORD_CLIENT_SECRET", "DISCORD_CLIENT_SECRET_FILE", "HERALD_DASHBOARD_OPERATORS",
	}
}

// applyEnv overrides cfg from the environment.
func applyEnv(cfg *Config, getenv func(string) string) error {
	var err error
	if cfg.DiscordToken, err = secret(getenv, "DISCORD_TOKEN"); err != nil {
		return err
	}
	if cfg.RedisURL, err = secret(getenv, "REDIS_URL"); err != nil {
		return err
	}
	cfg.DiscordPublicKey = strings.TrimSpace(getenv("DISCORD_PUBLIC_KEY"))
	cfg.DiscordAppID = strings.TrimSpace(getenv("DISCORD_APP_ID"))
	cfg.DiscordGuildID = strings.TrimSpace(getenv("DISCORD_GUILD_ID"))
	cfg.DiscordAPIURL = strings.TrimRight(orDefault(getenv("DISCORD_API_URL"), "https://discord.com"), "/")
	cfg.RedisPrefix = orDefault(getenv("HERALD_REDIS_PREFIX"), "herald:")
	cfg.DataDir = orDefault(getenv("HERALD_DATA_DIR"), "./data")
	cfg.HTTPAddr = orDefault(getenv("HERALD_HTTP_ADDR"), ":8080")
	cfg.LogFormat = orDefault(getenv("LOG_FORMAT"), "text")
	steps := []func() error{
		func() error { return parseURLVar(cfg.DiscordAPIURL, "DISCORD_API_URL") },
		func() error { return parseRedisURL(cfg.RedisURL) },
		func() error { return parseFeeds(cfg, getenv("HERALD_FEEDS")) },
		func() error { return parseInterval(cfg, getenv("HERALD_POLL_INTERVAL")) },
		func() error { return parseMaxItems(cfg, getenv("HERALD_POLL_MAX_ITEMS")) },
		func() error {
			return parseDuration(&cfg.Delivery.ClaimLease, getenv("HERALD_CLAIM_LEASE"), "HERALD_CLAIM_LEASE", time.Second)
		},
		func() error {
			return parseDuration(&cfg.Delivery.LiveMaxAge, getenv("HERALD_LIVE_MAX_AGE"), "HERALD_LIVE_MAX_AGE", time.Minute)
		},
		func() error {
			return parseDuration(&cfg.Digest.Grace, getenv("HERALD_DIGEST_GRACE"), "HERALD_DIGEST_GRACE", 0)
		},
		func() error { return parsePrivateFeeds(cfg, getenv("HERALD_ALLOW_PRIVATE_FEEDS")) },
		func() error { return parsePrivateHosts(cfg, getenv("HERALD_ALLOW_PRIVATE_HOSTS")) },
		func() error { return parseLevel(cfg, getenv("LOG_LEVEL")) },
		func() error { return parseFormat(cfg.LogFormat) },
		func() error { return parseShards(cfg, getenv("DISCORD_SHARD_ID"), getenv("DISCORD_SHARD_COUNT")) },
		func() error { return parseDashboard(cfg, getenv) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// secret reads NAME, or the file named by NAME_FILE (Docker and compose secrets), trimmed.
func secret(getenv func(string) string, name string) (string, error) {
	v := strings.TrimSpace(getenv(name))
	path := strings.TrimSpace(getenv(name + "_FILE"))
	if v != "" && path != "" {
		return "", fmt.Errorf("config: set %s or %s_FILE, not both", name, name)
	}
	if path == "" {
		return v, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: %s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(raw)), nil
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func parseURLVar(raw, name string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: %s=%q: want an http(s) URL such as https://discord.com", name, raw)
	}
	return nil
}

func parseRedisURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		return fmt.Errorf("config: REDIS_URL=%s: want redis://[user:password@]host:port[/db], rediss://… or unix://…", RedactURL(raw))
	}
	return nil
}

func parseFeeds(cfg *Config, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var feeds []Feed
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, err := url.Parse(part)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: HERALD_FEEDS: %q is not an http(s) URL; want comma-separated feed URLs", part)
		}
		feeds = append(feeds, Feed{URL: part})
	}
	if len(feeds) == 0 {
		return fmt.Errorf("config: HERALD_FEEDS: no feed URLs; want comma-separated feed URLs")
	}
	cfg.Feeds = feeds
	return nil
}

func parseInterval(cfg *Config, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(raw))
	if err != nil || d < time.Second {
		return fmt.Errorf("config: HERALD_POLL_INTERVAL=%q: want a Go duration of at least 1s, such as 10m or 90s", raw)
	}
	cfg.Poll.Interval = d
	return nil
}

// parseMaxItems reads HERALD_POLL_MAX_ITEMS, the newest items of one fetch considered.
func parseMaxItems(cfg *Config, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 {
		return fmt.Errorf("config: HERALD_POLL_MAX_ITEMS=%q: want a whole number of items, at least 1", raw)
	}
	cfg.Poll.MaxItems = n
	return nil
}

func parseDuration(dst *time.Duration, raw, name string, min time.Duration) error {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(raw))
	if err != nil || d < min {
		return fmt.Errorf("config: %s=%q: want a Go duration of at least %s, such as 90s or 2h", name, raw, min)
	}
	*dst = d
	return nil
}

// parsePrivateFeeds reads HERALD_ALLOW_PRIVATE_FEEDS: false, configured, or true (any
// boolean spelling strconv accepts, as before "configured" existed).
func parsePrivateFeeds(cfg *Config, raw string) error {
	raw = strings.ToLower(strings.TrimSpace(raw))
	cfg.PrivateFeeds = PrivateNone
	if raw == "" {
		return nil
	}
	if raw == string(PrivateConfigured) {
		cfg.PrivateFeeds = PrivateConfigured
		return nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return fmt.Errorf("config: HERALD_ALLOW_PRIVATE_FEEDS=%q: want false, configured (the configured feeds only) or true (every feed, /subscribe included)", raw)
	}
	if v {
		cfg.PrivateFeeds = PrivateAll
	}
	return nil
}

// parsePrivateHosts reads HERALD_ALLOW_PRIVATE_HOSTS: comma-separated host names, IP
// addresses or CIDR ranges.
func parsePrivateHosts(cfg *Config, raw string) error {
	for _, part := range strings.Split(raw, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "":
		case strings.Contains(part, "/"):
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return fmt.Errorf("config: HERALD_ALLOW_PRIVATE_HOSTS: %q is not a CIDR range such as 10.0.0.0/8", part)
			}
			cfg.PrivateNets = append(cfg.PrivateNets, p.Masked())
		default:
			host := hostOnly(part)
			if a, err := netip.ParseAddr(host); err == nil {
				cfg.PrivateNets = append(cfg.PrivateNets, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			if host == "" || strings.ContainsAny(host, " :@?#") {
				return fmt.Errorf("config: HERALD_ALLOW_PRIVATE_HOSTS: %q is not a host name, IP address or CIDR range", part)
			}
			cfg.PrivateHosts = append(cfg.PrivateHosts, host)
		}
	}
	return nil
}

// hostOnly drops a port ("intranet:8080", "[::1]:80") so hosts can be listed as they appear in URLs.
func hostOnly(s string) string {
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return strings.Trim(s, "[]")
}

func parseLevel(cfg *Config, raw string) error {
	if strings.TrimSpace(raw) == "" {
		cfg.LogLevel = slog.LevelInfo
		return nil
	}
	cfg.LogLevelSet = true
	if err := cfg.LogLevel.UnmarshalText([]byte(strings.TrimSpace(raw))); err != nil {
		return fmt.Errorf("config: LOG_LEVEL=%q: want debug, info, warn or error", raw)
	}
	return nil
}

func parseFormat(v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("config: LOG_FORMAT=%q: want text or json", v)
	}
	return nil
}

func parseShards(cfg *Config, id, count string) error {
	if id == "" && count == "" {
		cfg.ShardCount = 1
		return nil
	}
	if strings.EqualFold(strings.TrimSpace(count), "auto") {
		cfg.ShardAuto, cfg.ShardID = true, -1
		if strings.TrimSpace(id) == "" {
			return nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(id))
		if err != nil || i < 0 {
			return fmt.Errorf("config: DISCORD_SHARD_ID=%q with DISCORD_SHARD_COUNT=auto: want a shard number, or unset to claim one", id)
		}
		cfg.ShardID = i
		return nil
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(id))
	n, err2 := strconv.Atoi(strings.TrimSpace(count))
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return fmt.Errorf("config: DISCORD_SHARD_ID=%q DISCORD_SHARD_COUNT=%q: want both set, 0 <= id < count", id, count)
	}
	cfg.ShardID, cfg.ShardCount = i, n
	return nil
}

// RedactURL hides the password of a setting's URL such as REDIS_URL, for logs and errors: an
// unset one reads "unset", any other goes through redact.URL, the one redactor.
func RedactURL(raw string) string {
	if raw == "" {
		return "unset"
	}
	return redact.URL(raw)
}
