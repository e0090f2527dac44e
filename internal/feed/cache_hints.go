package feed

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// freshness is how long the server says the response stays fresh: Cache-Control max-age
// (minus Age), else Expires minus Date (or now when Date is missing), capped at limit. It
// is zero when the server gave no usable hint or said not to cache; the poller then uses its
// own interval. Herald honours it because polling a feed more often than its publisher asks
// is wasted work for both sides.
func freshness(h http.Header, now time.Time, limit time.Duration) time.Duration {
	if d, ok := maxAge(h.Get("Cache-Control")); ok {
		if age, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && age > 0 {
			d -= time.Duration(age) * time.Second
		}
		return clampDuration(d, limit)
	}
	exp := h.Get("Expires")
	if exp == "" {
		return 0
	}
	expires, err := http.ParseTime(exp)
	if err != nil {
		return 0 // "Expires: 0" and other junk mean "already expired"
	}
	base := now
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		base = date
	}
	return clampDuration(expires.Sub(base), limit)
}

// maxAge extracts max-age from a Cache-Control value; ok is false when absent. no-store and
// no-cache count as max-age=0.
func maxAge(cc string) (time.Duration, bool) {
	var (
		d     time.Duration
		found bool
	)
	for _, part := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "no-store", "no-cache":
			return 0, true
		case "max-age":
			secs, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if err == nil {
				d, found = secondsDuration(secs), true
			}
		}
	}
	return d, found
}

// retryAfter parses a Retry-After value, delay-seconds or an HTTP date, capped at limit.
func retryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return clampDuration(secondsDuration(secs), limit)
	}
	if t, err := http.ParseTime(v); err == nil {
		return clampDuration(t.Sub(now), limit)
	}
	return 0
}

// secondsDuration converts seconds to a Duration without overflowing on absurd values.
func secondsDuration(secs int64) time.Duration {
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	if secs > maxSecs {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(secs) * time.Second
}

// clampDuration limits d to [0, limit].
func clampDuration(d, limit time.Duration) time.Duration {
	return max(0, min(d, limit))
}
