package feed

import (
	"time"

	"github.com/mmcdole/gofeed"
)

// Validators are the conditional-GET values remembered per feed and sent back on the next poll.
type Validators struct {
	ETag         string
	LastModified string
}

// Result is the outcome of one successful fetch (2xx or 304).
type Result struct {
	// URL is the final URL after redirects.
	URL string
	// Status is the HTTP status code (200, 304, ...).
	Status int
	// NotModified is true for a 304: Feed is nil and nothing is new.
	NotModified bool
	// Validators to send next time (carried over from the request on a 304 without new ones).
	Validators Validators
	// Feed is the parsed feed (charset converted to UTF-8 first); nil when NotModified.
	Feed *gofeed.Feed
	// Dropped counts the items left out of Feed because the feed listed more than
	// Options.MaxItems: the oldest ones (see DefaultMaxItems).
	Dropped int
	// Bytes is the size of the (decompressed) body read.
	Bytes int
	// NextPollAfter is the server's own freshness hint (Cache-Control max-age, Expires),
	// capped by the fetcher; zero when the server gave none.
	NextPollAfter time.Duration
}

// ErrorClass names the kind of a fetch failure, for feed state, logs, metrics and user replies.
type ErrorClass string

// Fetch failure classes.
const (
	ClassDNS       ErrorClass = "dns"
	ClassTimeout   ErrorClass = "timeout"
	ClassRefused   ErrorClass = "refused"
	ClassNetwork   ErrorClass = "network"
	ClassTLS       ErrorClass = "tls"
	ClassHTTP      ErrorClass = "http_status"
	ClassGone      ErrorClass = "gone"         // 410: disable the feed at once
	ClassRateLimit ErrorClass = "rate_limited" // 429 (RetryAfter set)
	ClassBlocked   ErrorClass = "blocked"      // private/loopback/link-local address refused
	ClassTooLarge  ErrorClass = "too_large"
	ClassNotFeed   ErrorClass = "not_a_feed"
	ClassRedirects ErrorClass = "too_many_redirects"
	ClassInvalid   ErrorClass = "invalid_url"
)

// Error is every error Fetch returns.
type Error struct {
	Class  ErrorClass
	URL    string
	Status int // HTTP status when Class is ClassHTTP, ClassGone or ClassRateLimit
	// RetryAfter is the server's Retry-After (capped), when it sent one.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	msg := "feed: " + string(e.Class) + ": " + RedactURL(e.URL)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }
