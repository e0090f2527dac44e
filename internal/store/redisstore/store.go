// Package redisstore is Herald's Redis state backend: seen stories per channel, recent stories,
// feed state, leases and subscriptions, for deployments that run several replicas. It behaves
// exactly like the embedded bbolt backend (both are checked by store/storetest).
//
// All times come from Options.Now, never from the Redis server clock, so that an injected clock
// drives expiry in tests; Redis key TTLs exist only to garbage-collect what nobody touches.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/redact"
	"github.com/heraldbot/herald/internal/store"
)

// Options configure a Store. Zero values take the documented defaults.
type Options struct {
	// Prefix starts every key (default "herald:"), so several deployments can share one Redis.
	Prefix string
	// Retention bounds what is kept; zero fields take store.DefaultRetention's values.
	Retention store.Retention
	// Now is the clock (default time.Now); every expiry is computed from it.
	Now func() time.Time
	// Logger receives operational messages (default slog.Default()).
	Logger *slog.Logger
	// Timeout bounds each call, including dialing (default 2s), so a dead server fails fast.
	Timeout time.Duration
}

// Store is the Redis implementation of store.Store.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	ret  store.Retention
	now  func() time.Time
	log  *slog.Logger
	tmo  time.Duration
}

var _ store.Store = (*Store)(nil)

// New connects to the Redis at url (redis://[user:password@]host:port/db, rediss:// for TLS) and
// checks it answers. A URL naming further nodes with addr parameters
// (redis://host1:port?addr=host2:port&addr=host3:port) is a Redis Cluster: every script keeps
// its keys in one hash slot (keys.go), so the store works there unchanged. When Redis does not
// answer, the error names REDIS_URL (password redacted) and wraps store.ErrUnavailable; use
// Connect to wait for a server that is still starting.
func New(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	rdb, addr, err := newClient(rawURL, opts.withDefaults().Timeout)
	if err != nil {
		return nil, fmt.Errorf("redisstore: invalid REDIS_URL %s: %s", redactURL(rawURL), redactErr(err, rawURL))
	}
	opts = opts.withDefaults()
	if strings.ContainsAny(opts.Prefix, "{}") {
		_ = rdb.Close()
		return nil, fmt.Errorf("redisstore: prefix %q must not contain braces: they would break the keys' hash tags", opts.Prefix)
	}
	s := &Store{
		rdb:  rdb,
		keys: keys{prefix: opts.Prefix},
		ret:  opts.Retention,
		now:  opts.Now,
		log:  opts.Logger,
		tmo:  opts.Timeout,
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.rdb.Close()
		return nil, fmt.Errorf("redisstore: cannot reach Redis at REDIS_URL=%s: %w", redactURL(rawURL), err)
	}
	s.log.Info("redis connected", "addr", addr, "prefix", opts.Prefix)
	return s, nil
}

// newClient builds the client for rawURL: a cluster client when the URL lists addr
// parameters, else a single-node client. It describes the address for the log.
func newClient(rawURL string, timeout time.Duration) (redis.UniversalClient, string, error) {
	if IsClusterURL(rawURL) {
		co, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, "", err
		}
		co.DialTimeout, co.ReadTimeout, co.WriteTimeout, co.PoolTimeout = timeout, timeout, timeout, timeout
		co.ContextTimeoutEnabled = true
		co.MaxRetries = 1 // scripts are not idempotent
		co.DisableIdentity = true
		return redis.NewClusterClient(co), "cluster " + strings.Join(co.Addrs, ","), nil
	}
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	ro.DialTimeout = timeout
	ro.ReadTimeout = timeout
	ro.WriteTimeout = timeout
	ro.PoolTimeout = timeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = 1 // scripts are not idempotent; one retry covers a stale pooled conn
	ro.DialerRetries = 2
	ro.DialerRetryTimeout = 50 * time.Millisecond
	ro.DisableIdentity = true
	return redis.NewClient(ro), fmt.Sprintf("%s db=%d tls=%v", ro.Addr, ro.DB, ro.TLSConfig != nil), nil
}

// IsClusterURL reports whether a REDIS_URL names a Redis Cluster (addr parameters).
func IsClusterURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Query().Has("addr")
}

// Connect is New retried with capped exponential backoff (with jitter) until it succeeds or ctx
// is done, so a bot started before its Redis waits instead of exiting into a crash loop. retry,
// when not nil, is told of every failed attempt (1-based) before the wait.
func Connect(ctx context.Context, rawURL string, opts Options, retry func(attempt int, err error)) (*Store, error) {
	const base, maxWait = 250 * time.Millisecond, 30 * time.Second
	wait := base
	for attempt := 1; ; attempt++ {
		s, err := New(ctx, rawURL, opts)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, store.ErrUnavailable) {
			return nil, err // a bad URL will not get better by waiting
		}
		if retry != nil {
			retry(attempt, err)
		}
		pause := wait/2 + rand.N(wait/2+1)
		logger := opts.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("redis unavailable, retrying", "attempt", attempt, "retry_in", pause, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("redisstore: gave up after %d attempts: %w (%w)", attempt, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(wait*2, maxWait)
	}
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "herald:"
	}
	def := store.DefaultRetention()
	if o.Retention.Seen <= 0 {
		o.Retention.Seen = def.Seen
	}
	if o.Retention.Stories <= 0 {
		o.Retention.Stories = def.Stories
	}
	if o.Retention.MaxStories <= 0 {
		o.Retention.MaxStories = def.MaxStories
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	return o
}

// Ping checks Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.wrap("ping", s.rdb.Ping(ctx).Err())
}

// Close closes the connection pool.
func (s *Store) Close() error {
	return s.rdb.Close()
}

// call bounds one operation by the per-call timeout.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.tmo)
}

// wrap prefixes err with the operation and classifies it: anything but a reply from a working
// server (a network error, a timeout, a closed pool, a server still loading) means the backend
// is unavailable, and callers fail closed on store.ErrUnavailable.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("redisstore: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

func unavailable(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) || errors.Is(err, redis.ErrClosed) {
		return true
	}
	msg := re.Error()
	for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// redactURL hides the password of a Redis URL, so errors and logs can name it.
func redactURL(raw string) string { return redact.URL(raw) }

// redactErr returns err's text with any password of raw removed (url.Parse quotes its input).
func redactErr(err error, raw string) string { return redact.PasswordIn(err.Error(), raw) }
