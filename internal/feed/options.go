package feed

import (
	"log/slog"
	"net/netip"
	"time"
)

// Defaults applied by NewFetcher to zero Options fields.
const (
	DefaultTimeout               = 30 * time.Second
	DefaultDialTimeout           = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 15 * time.Second
	DefaultMaxBytes              = 10 << 20
	DefaultMaxRedirects          = 5
	DefaultMaxCacheHint          = 24 * time.Hour
	DefaultMaxRetryAfter         = 6 * time.Hour
	DefaultUserAgent             = "Herald/dev (+https://github.com/heraldbot/herald)"
)

// Options configures a Fetcher. The zero value is usable: every zero field gets its default.
type Options struct {
	// Timeout bounds a whole fetch: dial, TLS, headers, redirects and body.
	Timeout               time.Duration
	DialTimeout           time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
	// MaxBytes caps the decompressed body; a bigger feed fails with ClassTooLarge.
	MaxBytes int64
	// MaxItems is how many of a feed's newest items a fetch returns (DefaultMaxItems when
	// zero); Result.Dropped counts the others.
	MaxItems int
	// MaxRedirects is the number of redirects followed; one more fails with ClassRedirects.
	// A negative value follows none.
	MaxRedirects int
	// UserAgent is sent with every request; see UserAgent.
	UserAgent string
	// AllowPrivate turns the private-network guard off (for a bot reading an intranet).
	AllowPrivate bool
	// AllowNets are operator exceptions to the guard: destinations inside them are allowed
	// even when private (tests allow only 127.0.0.1/32).
	AllowNets []netip.Prefix
	// AllowHosts are host names the guard lets through whatever they resolve to (an intranet
	// feed server), matched case-insensitively against the URL's host, redirects included.
	AllowHosts []string
	// MaxCacheHint caps Result.NextPollAfter so a server cannot silence a feed for a year.
	MaxCacheHint time.Duration
	// MaxRetryAfter caps Error.RetryAfter for the same reason.
	MaxRetryAfter time.Duration
	// Now is the clock used for Expires and Retry-After dates (time.Now when nil).
	Now func() time.Time
	// Logger receives debug lines about fetches (slog.Default when nil).
	Logger *slog.Logger
}

// UserAgent builds Herald's User-Agent for a release version, e.g. "1.2.0".
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "Herald/" + version + " (+https://github.com/heraldbot/herald)"
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	o.Timeout = orDuration(o.Timeout, DefaultTimeout)
	o.DialTimeout = orDuration(o.DialTimeout, DefaultDialTimeout)
	o.TLSHandshakeTimeout = orDuration(o.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	o.ResponseHeaderTimeout = orDuration(o.ResponseHeaderTimeout, DefaultResponseHeaderTimeout)
	o.MaxCacheHint = orDuration(o.MaxCacheHint, DefaultMaxCacheHint)
	o.MaxRetryAfter = orDuration(o.MaxRetryAfter, DefaultMaxRetryAfter)
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func orDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
