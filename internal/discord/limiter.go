package discord

import (
	"net/http"
	"strconv"

	"github.com/heraldbot/herald/internal/ratelimit"
)

// observe reads a ratelimit.Observation from a response.
func observe(r restResponse) ratelimit.Observation {
	var o ratelimit.Observation
	h := r.Header
	limit, _ := strconv.Atoi(h.Get("X-RateLimit-Limit")) // 0 when absent: see Observation.Limit
	remaining, err := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	reset, ok := headerSeconds(h, "X-RateLimit-Reset-After")
	if err == nil && ok {
		o.HasBucket, o.Limit, o.Remaining, o.ResetAfter = true, limit, remaining, reset
	}
	switch r.Status {
	case http.StatusTooManyRequests:
		o.RetryAfter = retryAfter(r)
		o.Global = parseAPIError(r.Body).Global || h.Get("X-RateLimit-Global") == "true"
		o.Invalid = h.Get("X-RateLimit-Scope") != "shared"
	case http.StatusUnauthorized, http.StatusForbidden:
		o.Invalid = true
	}
	return o
}
