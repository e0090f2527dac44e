package fakediscord

import (
	"io"
	"net/http"
	"time"
)

// cloudflareWindow is the period over which Discord's edge counts invalid requests.
const cloudflareWindow = 10 * time.Minute

func isInvalid(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests
}

// countInvalid records a 401/403/429 answer and starts the ban when the limit is reached.
// Callers hold s.mu.
func (s *Server) countInvalid(r Request) {
	if !isInvalid(r.Status) {
		return
	}
	s.invalid = append(s.invalid, r.Time)
	cut := 0
	for cut < len(s.invalid) && r.Time.Sub(s.invalid[cut]) >= cloudflareWindow {
		cut++
	}
	s.invalid = s.invalid[cut:]
	if len(s.invalid) >= s.opts.InvalidRequestLimit && s.bannedUntil.IsZero() {
		s.bannedUntil = s.invalid[0].Add(cloudflareWindow)
		s.opts.Logf("fakediscord: %d invalid requests in 10 minutes: client banned until %s", len(s.invalid), s.bannedUntil)
	}
}

// banned reports whether the Cloudflare ban is in force. Callers hold s.mu.
func (s *Server) banned(now time.Time) bool {
	if !s.bannedUntil.IsZero() && !now.Before(s.bannedUntil) {
		s.bannedUntil, s.invalid = time.Time{}, nil
	}
	return !s.bannedUntil.IsZero()
}

// writeBanned answers like Cloudflare's ban page: 429 without Discord's JSON or headers.
func writeBanned(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, "error code: 1015")
}

// InvalidRequests is how many 401/403/429 answers fall within the last 10 minutes.
func (s *Server) InvalidRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for _, t := range s.invalid {
		if now.Sub(t) < cloudflareWindow {
			n++
		}
	}
	return n
}

// Banned reports whether the fake is currently refusing every request as Cloudflare would.
func (s *Server) Banned() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.banned(s.now())
}

// globalExempt reports whether a route template is an interaction endpoint.
func (s *Server) globalExempt(pattern string) bool {
	for i := range s.routes {
		if s.routes[i].pattern == pattern && s.routes[i].globalExempt {
			return true
		}
	}
	return false
}
