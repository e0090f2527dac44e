package console

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/poller"
)

// PollReport writes what the console's first poll did: one line per failed feed, in words
// (which host, what went wrong, what to do), then "polled 11/12 feeds, 0 new (209 stored)".
// The reasons are printed whatever LOG_LEVEL says: without them a newcomer offline or behind
// a proxy only sees that nothing arrived.
func PollReport(w io.Writer, sum poller.Summary, stored int) {
	for _, f := range sum.Failures {
		fmt.Fprintf(w, "  ✗ %s\n", Explain(f))
	}
	fmt.Fprintf(w, "polled %d/%d feeds, %d new (%d stored)\n", sum.Polled, sum.Feeds, sum.NewStories, stored)
}

// Explain says in words why a feed failed and what to do about it.
func Explain(f poller.Failure) string {
	host := hostOf(f.URL)
	detail := lastPart(f.Err)
	switch f.Class {
	case feed.ClassBlocked:
		return host + ": refused, it is a private, loopback or link-local address. For a feed you configured yourself, set " +
			"HERALD_ALLOW_PRIVATE_FEEDS=configured (or list the host in HERALD_ALLOW_PRIVATE_HOSTS)."
	case feed.ClassDNS:
		return host + ": the name could not be resolved. No network, or a typo in the URL? Herald connects directly, " +
			"without an HTTP proxy."
	case feed.ClassTimeout:
		return host + ": no answer in time. Check the network; Herald connects directly, without an HTTP proxy."
	case feed.ClassRefused:
		return host + ": connection refused, nothing is listening there. Check the URL's host and port."
	case feed.ClassNetwork:
		return host + ": network error (" + detail + "). Check the connection."
	case feed.ClassTLS:
		return host + ": the secure connection failed (" + detail + "). Check the URL, or the machine's clock and certificates."
	case feed.ClassHTTP, feed.ClassGone:
		return host + ": the server answered " + strings.TrimPrefix(detail, "server said ") + ". Check the feed's URL."
	case feed.ClassRateLimit:
		return host + ": the server asks Herald to slow down (429); it is retried later."
	case feed.ClassNotFeed:
		return host + ": the page is not a feed (" + detail + "). Use the URL of its RSS, Atom or JSON feed."
	case feed.ClassTooLarge, feed.ClassRedirects, feed.ClassInvalid:
		return host + ": " + detail + ". Check the feed's URL."
	case poller.ClassDisabled:
		return host + ": disabled after repeated failures (last: " + detail + "). /subscribe feed to it again to retry."
	}
	return host + ": " + detail
}

// hostOf is the host a feed lives on, or the URL when it has none.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// lastPart drops the "feed: class: url:" prefixes of a wrapped error, keeping its cause.
func lastPart(err string) string {
	parts := strings.Split(err, ": ")
	for i := len(parts) - 1; i >= 0; i-- {
		if p := strings.TrimSpace(parts[i]); p != "" && !strings.HasPrefix(p, "feed") {
			return strings.Join(parts[i:], ": ")
		}
	}
	if err == "" {
		return "unknown error"
	}
	return err
}
