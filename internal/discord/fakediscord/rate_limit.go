package fakediscord

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// window is a fixed-window counter: Discord's buckets reset all at once, which is what the
// X-RateLimit-Reset headers describe.
type window struct {
	limit   int
	length  time.Duration
	count   int
	resetAt time.Time
}

// take counts one request at now; ok is false when the window is exhausted.
func (w *window) take(now time.Time) (ok bool) {
	if !now.Before(w.resetAt) {
		w.count, w.resetAt = 0, now.Add(w.length)
	}
	if w.count >= w.limit {
		return false
	}
	w.count++
	return true
}

func (w *window) remaining() int { return max(0, w.limit-w.count) }

// limiter holds the global window and the per-route buckets (route template + major parameter).
type limiter struct {
	global       *window
	globalForced time.Time // until when every non-exempt request gets a global 429
	buckets      map[string]*window
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*window{}} }

// limitResult is what the limiter decided, carried into the response headers.
type limitResult struct {
	bucket     string // opaque bucket hash, as Discord sends
	win        *window
	now        time.Time
	limited    bool
	global     bool
	retryAfter time.Duration
}

// bucket returns (creating) the route bucket for one request. Callers hold s.mu.
func (s *Server) bucket(rt *route, params map[string]string, now time.Time) limitResult {
	key := rt.method + " " + rt.pattern + " " + params[rt.major]
	b, ok := s.limits.buckets[key]
	if !ok {
		n, length := rt.bucketLimit(s)
		b = &window{limit: n, length: length}
		s.limits.buckets[key] = b
	}
	return limitResult{bucket: bucketHash(rt.method + " " + rt.pattern), win: b, now: now}
}

// checkLimits applies the global limit (unless exempt) then the route bucket. Callers hold s.mu.
func (s *Server) checkLimits(rt *route, params map[string]string, now time.Time) limitResult {
	l := s.limits
	res := s.bucket(rt, params, now)
	if !rt.globalExempt {
		if now.Before(l.globalForced) {
			res.limited, res.global, res.retryAfter = true, true, l.globalForced.Sub(now)
			return res
		}
		if l.global == nil {
			l.global = &window{limit: s.opts.GlobalLimit, length: time.Second}
		}
		if !l.global.take(now) {
			res.limited, res.global, res.retryAfter = true, true, l.global.resetAt.Sub(now)
			return res
		}
	}
	if !res.win.take(now) {
		res.limited, res.retryAfter = true, res.win.resetAt.Sub(now)
	}
	return res
}

func bucketHash(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:16])
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(math.Max(0, d.Seconds()), 'f', 3, 64)
}

// writeLimitHeaders sets the X-RateLimit-* headers every Discord response carries.
func writeLimitHeaders(h http.Header, res limitResult) {
	w := res.win
	reset := w.resetAt
	if reset.IsZero() {
		reset = res.now
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(w.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(w.remaining()))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", seconds(reset.Sub(res.now)))
	h.Set("X-RateLimit-Bucket", res.bucket)
}

// write429 answers a rate-limited request like Discord: headers, Retry-After in whole seconds
// (rounded up) and the JSON body with retry_after in float seconds.
func write429(w http.ResponseWriter, res limitResult) {
	h := w.Header()
	writeLimitHeaders(h, res)
	scope := "user"
	if res.global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(res.retryAfter.Seconds()))))
	msg := "You are being rate limited."
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message":     msg,
		"retry_after": math.Round(res.retryAfter.Seconds()*1000) / 1000,
		"global":      res.global,
		"code":        0,
	})
}

// ForceGlobal429 makes every non-exempt request get a global 429 for d (on the fake's clock).
func (s *Server) ForceGlobal429(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.globalForced = s.now().Add(d)
}

// fault is a queued injected failure.
type fault struct {
	method, prefix string
	status, left   int
	// afterCommit faults let the request take effect and then lose the response, as when
	// Discord creates a message but the answer dies in transit.
	afterCommit bool
}

// faultRetryAfter is the retry_after of injected 429s: short, so clients that honour it (as
// discordgo does, forever) retry quickly in tests.
const faultRetryAfter = 50 * time.Millisecond

// FailNext makes the next n requests whose method matches (empty: any) and whose path starts
// with pathPrefix (with or without the /api/vN prefix) fail with status. A 429 is a
// route-scoped rate limit with retry_after 0.05 s; 5xx answers carry a plain body like
// Cloudflare's.
func (s *Server) FailNext(method, pathPrefix string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: method, prefix: pathPrefix, status: status, left: n})
}

// FailNextAfterCommit is FailNext for lost responses: the next n matching requests are
// processed normally (a message is created, an interaction acknowledged…) and then answered
// with status instead of the real response. It is how a test proves a retry with
// enforce_nonce does not post twice.
func (s *Server) FailNextAfterCommit(method, pathPrefix string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: method, prefix: pathPrefix, status: status, left: n, afterCommit: true})
}

// takeFault consumes a matching fault of the given kind; callers hold s.mu.
func (s *Server) takeFault(method, rawPath, path string, afterCommit bool) (int, bool) {
	for i := range s.faults {
		f := &s.faults[i]
		if f.left <= 0 || f.afterCommit != afterCommit || (f.method != "" && !strings.EqualFold(f.method, method)) {
			continue
		}
		if strings.HasPrefix(rawPath, f.prefix) || strings.HasPrefix(path, f.prefix) {
			f.left--
			return f.status, true
		}
	}
	return 0, false
}

func writeFault(w http.ResponseWriter, status int, res limitResult) {
	if status == http.StatusTooManyRequests {
		res.retryAfter = faultRetryAfter
		write429(w, res)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s (injected by fakediscord)", status, http.StatusText(status))
}
