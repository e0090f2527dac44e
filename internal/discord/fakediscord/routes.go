package fakediscord

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// route is one REST endpoint of the fake. Patterns are OpenAPI paths without the version.
type route struct {
	method  string
	pattern string
	segs    []string
	major   string // parameter that keys the rate-limit bucket (channel, guild, webhook…)
	// authExempt routes authenticate by the token in the URL (webhooks, interaction callbacks);
	// an Authorization header, if present, must still be valid.
	authExempt bool
	// bearer routes also accept a user's OAuth2 "Bearer" token.
	bearer       bool
	globalExempt bool // interaction endpoints (callback, interaction webhooks) are not bound to the global limit
	handle       func(*call)
}

// call is one matched request handed to a route handler.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	body   []byte
	params map[string]string
	now    time.Time
	files  int // uploaded files in a multipart body, counted by jsonBody
}

const (
	routeCallback        = "/interactions/{interaction_id}/{interaction_token}/callback"
	routeChannelMessages = "/channels/{channel_id}/messages"
)

func (s *Server) routeTable() []route {
	rs := []route{
		{method: "GET", pattern: "/gateway", handle: s.handleGateway},
		{method: "GET", pattern: "/gateway/bot", handle: s.handleGatewayBot},
		{method: "GET", pattern: "/users/@me", bearer: true, handle: s.handleMe},
		{method: "GET", pattern: "/users/@me/guilds", bearer: true, handle: s.handleMyGuilds},
		{method: "GET", pattern: "/guilds/{guild_id}/channels", major: "guild_id", handle: s.handleGuildChannels},
		{method: "GET", pattern: "/applications/{application_id}/commands", major: "application_id", handle: s.handleGetCommands},
		{method: "PUT", pattern: "/applications/{application_id}/commands", major: "application_id", handle: s.handlePutCommands},
		{method: "GET", pattern: "/applications/{application_id}/guilds/{guild_id}/commands", major: "guild_id", handle: s.handleGetCommands},
		{method: "PUT", pattern: "/applications/{application_id}/guilds/{guild_id}/commands", major: "guild_id", handle: s.handlePutCommands},
		{method: "GET", pattern: routeChannelMessages, major: "channel_id", handle: s.handleListMessages},
		{method: "POST", pattern: routeChannelMessages, major: "channel_id", handle: s.handleCreateMessage},
		{method: "PATCH", pattern: "/channels/{channel_id}/messages/{message_id}", major: "channel_id", handle: s.handleEditMessage},
		{method: "DELETE", pattern: "/channels/{channel_id}/messages/{message_id}", major: "channel_id", handle: s.handleDeleteMessage},
		{method: "POST", pattern: routeCallback, major: "interaction_id", authExempt: true, globalExempt: true, handle: s.handleCallback},
		{method: "GET", pattern: "/webhooks/{webhook_id}/{webhook_token}/messages/@original", major: "webhook_token", authExempt: true, globalExempt: true, handle: s.handleGetOriginal},
		{method: "PATCH", pattern: "/webhooks/{webhook_id}/{webhook_token}/messages/@original", major: "webhook_token", authExempt: true, globalExempt: true, handle: s.handleEditOriginal},
		{method: "DELETE", pattern: "/webhooks/{webhook_id}/{webhook_token}/messages/@original", major: "webhook_token", authExempt: true, globalExempt: true, handle: s.handleDeleteOriginal},
		{method: "PATCH", pattern: "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", major: "webhook_token", authExempt: true, globalExempt: true, handle: s.handleEditFollowup},
		{method: "POST", pattern: "/webhooks/{webhook_id}/{webhook_token}", major: "webhook_token", authExempt: true, globalExempt: true, handle: s.handleExecute},
		{method: "GET", pattern: "/channels/{channel_id}", major: "channel_id", handle: s.handleGetChannel},
		{method: "POST", pattern: "/channels/{channel_id}/threads", major: "channel_id", handle: s.handleCreateThread},
		{method: "POST", pattern: "/channels/{channel_id}/messages/{message_id}/threads", major: "channel_id", handle: s.handleThreadFromMessage},
		{method: "POST", pattern: "/channels/{channel_id}/messages/{message_id}/crosspost", major: "channel_id", handle: s.handleCrosspost},
		{method: "POST", pattern: "/channels/{channel_id}/webhooks", major: "channel_id", handle: s.handleCreateWebhook},
		{method: "GET", pattern: "/channels/{channel_id}/webhooks", major: "channel_id", handle: s.handleListWebhooks},
		{method: "DELETE", pattern: "/webhooks/{webhook_id}", major: "webhook_id", handle: s.handleDeleteWebhook},
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.Trim(rs[i].pattern, "/"), "/")
	}
	return rs
}

// bucketLimit is the per-route bucket size. Only channel messages have a documented-by-
// observation limit (ChannelLimit per ChannelWindow); other routes get a roomy bucket so that
// the global limit is what tests meet.
func (rt *route) bucketLimit(s *Server) (int, time.Duration) {
	if rt.pattern == routeChannelMessages && rt.method == "POST" {
		return s.opts.ChannelLimit, s.opts.ChannelWindow
	}
	return 50, time.Second
}

// match returns the path parameters when path fits the pattern.
func (rt *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
		} else if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func (s *Server) findRoute(method, path string) (*route, map[string]string, int) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	status := http.StatusNotFound
	for i := range s.routes {
		rt := &s.routes[i]
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method == method {
			return rt, params, 0
		}
		status = http.StatusMethodNotAllowed
	}
	return nil, nil, status
}

// dispatch runs fault injection, authentication and rate limiting, then the handler. It returns
// the matched route template for the request log.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, body []byte) string {
	if isOAuthToken(r.URL.Path) {
		s.handleToken(w, r, body)
		return "/oauth2/token"
	}
	path, ok := stripVersion(r.URL.Path)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found", "code": 0})
		return ""
	}
	rt, params, status := s.findRoute(r.Method, path)
	if rt == nil {
		writeJSON(w, status, map[string]any{"message": http.StatusText(status), "code": 0})
		return ""
	}
	if !s.admit(w, r, rt, params, path) {
		return rt.pattern
	}
	s.mu.Lock()
	lost, isLost := s.takeFault(r.Method, r.URL.Path, path, true)
	s.mu.Unlock()
	if !isLost {
		rt.handle(&call{w: w, r: r, body: body, params: params, now: s.now()})
		return rt.pattern
	}
	rt.handle(&call{w: httptest.NewRecorder(), r: r, body: body, params: params, now: s.now()})
	s.mu.Lock()
	res := s.bucket(rt, params, s.now())
	s.mu.Unlock()
	writeFault(w, lost, res)
	return rt.pattern
}

// admit applies injected faults, authentication and rate limits, writing the rejection itself.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, rt *route, params map[string]string, path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.banned(now) {
		writeBanned(w)
		return false
	}
	if status, ok := s.takeFault(r.Method, r.URL.Path, path, false); ok {
		writeFault(w, status, s.bucket(rt, params, now))
		return false
	}
	auth := r.Header.Get("Authorization")
	if _, user := s.bearerLocked(auth); user && rt.bearer {
		auth = "Bot " + s.opts.BotToken // a user's token admits as the bot's does on this route
	}
	if (auth != "" || !rt.authExempt) && auth != "Bot "+s.opts.BotToken {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
		return false
	}
	res := s.checkLimits(rt, params, now)
	if res.limited {
		write429(w, res)
		return false
	}
	writeLimitHeaders(w.Header(), res)
	return true
}
