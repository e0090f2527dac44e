package config

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Feeds) < 5 {
		t.Errorf("want at least 5 default feeds, got %d", len(cfg.Feeds))
	}
	if cfg.Poll.Interval != 10*time.Minute || cfg.DataDir != "./data" || cfg.HTTPAddr != ":8080" || cfg.RedisPrefix != "herald:" {
		t.Errorf("defaults: interval=%s data=%s http=%s prefix=%s", cfg.Poll.Interval, cfg.DataDir, cfg.HTTPAddr, cfg.RedisPrefix)
	}
	if cfg.Delivery.LiveMaxAge != 24*time.Hour {
		t.Errorf("default live max age %s, want 24h", cfg.Delivery.LiveMaxAge)
	}
	if !cfg.Console() {
		t.Error("no DISCORD_TOKEN must mean console mode")
	}
	found := false
	for _, tp := range cfg.Topics {
		found = found || tp.ID == "ceasefire"
	}
	if !found {
		t.Error("the ceasefire topic is not among the defaults")
	}
}

func TestLoadEnv(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("  s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(env(map[string]string{
		"DISCORD_TOKEN_FILE": tokenFile, "REDIS_URL": "redis://user:pw@127.0.0.1:6379/3",
		"HERALD_FEEDS": "https://a.example/feed, http://b.example/rss", "HERALD_POLL_INTERVAL": "1s",
		"HERALD_ALLOW_PRIVATE_FEEDS": "true", "LOG_LEVEL": "debug", "LOG_FORMAT": "json",
		"DISCORD_SHARD_ID": "1", "DISCORD_SHARD_COUNT": "2", "HERALD_LIVE_MAX_AGE": "36h",
		"HERALD_POLL_MAX_ITEMS": "120",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []Feed{{URL: "https://a.example/feed"}, {URL: "http://b.example/rss"}}
	if diff := cmp.Diff(want, cfg.Feeds); diff != "" {
		t.Errorf("feeds (-want +got):\n%s", diff)
	}
	if cfg.DiscordToken != "s3cret-token" || cfg.Console() {
		t.Errorf("token from file: got %q", cfg.DiscordToken)
	}
	if cfg.Poll.Interval != time.Second || cfg.PrivateFeeds != PrivateAll || cfg.LogLevel != slog.LevelDebug || cfg.LogFormat != "json" {
		t.Errorf("overrides not applied: %+v", cfg)
	}
	if cfg.Delivery.LiveMaxAge != 36*time.Hour {
		t.Errorf("HERALD_LIVE_MAX_AGE: live max age %s, want 36h", cfg.Delivery.LiveMaxAge)
	}
	if cfg.Poll.MaxItems != 120 {
		t.Errorf("HERALD_POLL_MAX_ITEMS: max items %d, want 120", cfg.Poll.MaxItems)
	}
	if cfg.ShardID != 1 || cfg.ShardCount != 2 {
		t.Errorf("shards %d/%d", cfg.ShardID, cfg.ShardCount)
	}
	s := cfg.String()
	if strings.Contains(s, "s3cret") || strings.Contains(s, "pw@") {
		t.Errorf("String leaks a secret: %s", s)
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"interval too short", "HERALD_POLL_INTERVAL", "500ms", "HERALD_POLL_INTERVAL"},
		{"interval garbage", "HERALD_POLL_INTERVAL", "often", "HERALD_POLL_INTERVAL"},
		{"max items zero", "HERALD_POLL_MAX_ITEMS", "0", "HERALD_POLL_MAX_ITEMS"},
		{"max items garbage", "HERALD_POLL_MAX_ITEMS", "lots", "HERALD_POLL_MAX_ITEMS"},
		{"live max age too short", "HERALD_LIVE_MAX_AGE", "30s", "HERALD_LIVE_MAX_AGE"},
		{"feeds not urls", "HERALD_FEEDS", "ftp://x/feed", "HERALD_FEEDS"},
		{"private feeds", "HERALD_ALLOW_PRIVATE_FEEDS", "yes please", "HERALD_ALLOW_PRIVATE_FEEDS"},
		{"private range", "HERALD_ALLOW_PRIVATE_HOSTS", "10.0.0.0/33", "HERALD_ALLOW_PRIVATE_HOSTS"},
		{"private host with a path", "HERALD_ALLOW_PRIVATE_HOSTS", "http://intranet/feed", "HERALD_ALLOW_PRIVATE_HOSTS"},
		{"level", "LOG_LEVEL", "loud", "LOG_LEVEL"},
		{"format", "LOG_FORMAT", "xml", "LOG_FORMAT"},
		{"redis scheme", "REDIS_URL", "http://pw@x", "REDIS_URL"},
		{"api url", "DISCORD_API_URL", "discord", "DISCORD_API_URL"},
		{"missing config file", "HERALD_CONFIG", "/nonexistent/herald.yaml", "HERALD_CONFIG"},
		{"shard", "DISCORD_SHARD_ID", "3", "DISCORD_SHARD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.key: tc.value}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
	}
}

func TestSecretFileAndValueConflict(t *testing.T) {
	_, err := Load(env(map[string]string{"DISCORD_TOKEN": "a", "DISCORD_TOKEN_FILE": "/x"}))
	if err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN_FILE") {
		t.Fatalf("got %v", err)
	}
}

func TestConfigFileReplacesDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.yaml")
	yaml := "feeds:\n  - name: Only\n    url: https://only.example/feed\npoll:\n  interval: 2m\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(env(map[string]string{"HERALD_CONFIG": path}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Feeds) != 1 || cfg.Feeds[0].Name != "Only" || cfg.Poll.Interval != 2*time.Minute {
		t.Errorf("file not applied: feeds=%v interval=%s", cfg.Feeds, cfg.Poll.Interval)
	}
	if cfg.Poll.Concurrency != 8 {
		t.Errorf("keys absent from the file must keep their defaults; concurrency=%d", cfg.Poll.Concurrency)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("polll:\n  interval: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(env(map[string]string{"HERALD_CONFIG": bad})); err == nil {
		t.Error("an unknown key must be rejected")
	}
}

func TestRedactURL(t *testing.T) {
	if got := RedactURL("redis://u:secret@h:6379/0"); strings.Contains(got, "secret") {
		t.Errorf("RedactURL leaked: %s", got)
	}
}

// Logging the configuration, as a pointer or a value, through either slog handler never prints
// the Discord token or the Redis password.
func TestConfigLogRedactsSecrets(t *testing.T) {
	const token, password = "MTIzNDU2Nzg5.secret-token-part", "hunter2-redis"
	cfg, err := Load(env(map[string]string{"DISCORD_TOKEN": token, "REDIS_URL": "redis://herald:" + password + "@redis:6379/0"}))
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]func(*strings.Builder) slog.Handler{
		"json": func(b *strings.Builder) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *strings.Builder) slog.Handler { return slog.NewTextHandler(b, nil) },
	}
	for name, newHandler := range handlers {
		for _, v := range []struct {
			name string
			val  any
		}{{"pointer", cfg}, {"value", *cfg}} {
			t.Run(name+" "+v.name, func(t *testing.T) {
				var b strings.Builder
				slog.New(newHandler(&b)).Info("starting", "config", v.val)
				out := b.String()
				if strings.Contains(out, token) || strings.Contains(out, password) {
					t.Errorf("log line leaks a secret: %s", out)
				}
				if !strings.Contains(out, "discord_token=[redacted]") {
					t.Errorf("log line lacks the redacted summary: %s", out)
				}
			})
		}
	}
}

// The private-address switches: who may reach private addresses, and which ones.
func TestPrivateFeedSwitches(t *testing.T) {
	for _, tc := range []struct {
		name, feeds, hosts string
		want               PrivateFeeds
		wantHosts          []string
		wantNets           []netip.Prefix
	}{
		{name: "default", want: PrivateNone},
		{name: "configured", feeds: "configured", want: PrivateConfigured},
		{name: "all, old spelling", feeds: "1", want: PrivateAll},
		{name: "off", feeds: "false", want: PrivateNone},
		{name: "hosts and ranges", hosts: " News.Intranet , 10.1.0.0/16, 192.168.1.7, intranet:8080, [fd00::1]:443 ", want: PrivateNone,
			wantHosts: []string{"news.intranet", "intranet"},
			wantNets: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("192.168.1.7/32"),
				netip.MustParsePrefix("fd00::1/128")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(env(map[string]string{"HERALD_ALLOW_PRIVATE_FEEDS": tc.feeds, "HERALD_ALLOW_PRIVATE_HOSTS": tc.hosts}))
			if err != nil {
				t.Fatal(err)
			}
			got := []any{cfg.PrivateFeeds, cfg.PrivateHosts, cfg.PrivateNets}
			want := []any{tc.want, tc.wantHosts, tc.wantNets}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestGlobalRateKeepsFractions(t *testing.T) {
	for _, tc := range []struct {
		yaml    string
		want    float64
		wantErr bool
	}{{"2.5", 2.5, false}, {"0.5", 0.5, false}, {"0", 0, true}, {"60", 0, true}} {
		path := filepath.Join(t.TempDir(), "herald.yaml")
		if err := os.WriteFile(path, []byte("discord:\n  global_rate: "+tc.yaml+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(env(map[string]string{"HERALD_CONFIG": path}))
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "global_rate") {
				t.Errorf("global_rate %s: got %v, want an error naming global_rate", tc.yaml, err)
			}
			continue
		}
		if err != nil || cfg.Discord.GlobalRate != tc.want {
			t.Errorf("global_rate %s: got %v, %v", tc.yaml, cfg.Discord.GlobalRate, err)
		}
	}
}

func TestShardCountAuto(t *testing.T) {
	for _, tc := range []struct {
		name, id, count string
		wantID          int
		wantErr         bool
	}{
		{"auto claims a shard", "", "auto", -1, false},
		{"auto with a fixed shard", "2", "AUTO", 2, false},
		{"auto with a bad shard", "-1", "auto", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(env(map[string]string{"DISCORD_SHARD_ID": tc.id, "DISCORD_SHARD_COUNT": tc.count}))
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "DISCORD_SHARD_ID") {
					t.Fatalf("Load = %v, want an error naming DISCORD_SHARD_ID", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.ShardAuto || cfg.ShardID != tc.wantID {
				t.Errorf("ShardAuto %v ShardID %d, want true %d", cfg.ShardAuto, cfg.ShardID, tc.wantID)
			}
		})
	}
}

// TestFleetLeases: the poll and shard leases default to 2m and 30s, may be shortened (the load
// test's kill step) and are refused when a poll lease would lapse before its fetch's timeout.
func TestFleetLeases(t *testing.T) {
	for _, tc := range []struct {
		yaml        string
		poll, shard time.Duration
		wantErr     string
	}{
		{"", 2 * time.Minute, 30 * time.Second, ""},
		{"poll:\n  timeout: 3s\n  lease: 5s\ndiscord:\n  shard_lease: 6s\n", 5 * time.Second, 6 * time.Second, ""},
		{"poll:\n  lease: 30s\n", 0, 0, "poll.lease"},
		{"discord:\n  shard_lease: 1s\n", 0, 0, "discord.shard_lease"},
	} {
		path := filepath.Join(t.TempDir(), "herald.yaml")
		if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(env(map[string]string{"HERALD_CONFIG": path}))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: got %v, want an error naming %s", tc.yaml, err, tc.wantErr)
			}
			continue
		}
		if err != nil || cfg.Poll.Lease != tc.poll || cfg.Discord.ShardLease != tc.shard {
			t.Errorf("%q: poll lease %v, shard lease %v, %v; want %v, %v", tc.yaml, cfg.Poll.Lease, cfg.Discord.ShardLease, err, tc.poll, tc.shard)
		}
	}
}
