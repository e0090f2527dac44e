// Package fakediscord is a faithful in-process fake of Discord for tests: REST (gateway lookup,
// application commands, channel messages, interaction callbacks and webhooks), the gateway
// websocket, and an HTTP-interactions client that signs requests like Discord does.
//
// It enforces the platform rules the bot must obey (../shared/discord/README.md): request
// bodies are validated against Discord's own OpenAPI schemas (an embedded extract, see
// schema/NOTICE), message limits are counted in runes after trimming, interactions must be
// acknowledged once and within the deadline, rate limits answer 429 with Discord's headers and
// body, and too many 401/403/429s get the client banned as Cloudflare would. Every request is
// recorded for assertions.
//
// Typical use from another package's test:
//
//	f := fakediscord.New(fakediscord.Options{Now: clock.Now})
//	defer f.Close()
//	// point the client at f.URL() (discordgo: reassign its Endpoint* variables)
//	p, _ := f.InjectInteraction(ctx, fakediscord.Interaction{GuildID: g, ChannelID: c, CommandName: "latest"})
//	resp, _ := p.Wait(ctx) // resp.Type, resp.Latency, resp.Original, later resp.Edits
//	msgs := f.Messages(c) // what the bot posted; msgs[0].ParsesMentions() must be false
package fakediscord

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. Zero values get Discord's defaults.
type Options struct {
	AppID       string // application id, also the bot user's id; default "1100000000000000001"
	BotToken    string // REST needs "Authorization: Bot <BotToken>"; default "fake-bot-token"
	BotUsername string // default "herald"
	// ClientSecret is the application's OAuth2 client secret; default "fake-client-secret".
	ClientSecret string

	// Key pair used to sign HTTP interactions; generated when PrivateKey is nil.
	PublicKey  ed25519.PublicKey
	PrivateKey ed25519.PrivateKey

	GlobalLimit         int           // requests per second across non-interaction routes; default 50
	ChannelLimit        int           // messages per ChannelWindow per channel; default 5
	ChannelWindow       time.Duration // default 5 s
	InteractionDeadline time.Duration // first response deadline; default 3 s
	InteractionTokenTTL time.Duration // webhook token life after the interaction; default 15 min
	NonceWindow         time.Duration // enforce_nonce deduplication window; default 2 min
	// InvalidRequestLimit is how many 401/403/429 answers within 10 minutes make Cloudflare ban
	// the client (every request then gets a plain 429 "error code: 1015" for the rest of the
	// window); default 10000 as on Discord. Tests shrink it to prove a bot stops retrying.
	InvalidRequestLimit int
	HeartbeatInterval   time.Duration // sent in HELLO; default 41.25 s
	// Shards is the shard count GET /gateway/bot recommends (default 1); MaxConcurrency its
	// session_start_limit.max_concurrency (default 1).
	Shards         int
	MaxConcurrency int

	// Now is the clock for deadlines, token lives, rate-limit windows and nonce windows. Tests
	// inject a controllable clock to cross a deadline without sleeping. Default time.Now.
	Now  func() time.Time
	Logf func(format string, args ...any) // default: discard
}

func (o *Options) defaults() error {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(i *int, v int) {
		if *i <= 0 {
			*i = v
		}
	}
	defStr := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defStr(&o.AppID, "1100000000000000001")
	defStr(&o.BotToken, "fake-bot-token")
	defStr(&o.BotUsername, "herald")
	defStr(&o.ClientSecret, "fake-client-secret")
	defInt(&o.GlobalLimit, 50)
	defInt(&o.Shards, 1)
	defInt(&o.MaxConcurrency, 1)
	defInt(&o.ChannelLimit, 5)
	defInt(&o.InvalidRequestLimit, 10000)
	def(&o.ChannelWindow, 5*time.Second)
	def(&o.InteractionDeadline, 3*time.Second)
	def(&o.InteractionTokenTTL, 15*time.Minute)
	def(&o.NonceWindow, 2*time.Minute)
	def(&o.HeartbeatInterval, 41250*time.Millisecond)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.PrivateKey == nil {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return fmt.Errorf("fakediscord: generate key: %w", err)
		}
		o.PublicKey, o.PrivateKey = pub, priv
	}
	if o.PublicKey == nil {
		o.PublicKey = o.PrivateKey.Public().(ed25519.PublicKey)
	}
	return nil
}

// Request is one recorded HTTP request with the status the fake answered.
type Request struct {
	Method string
	Path   string // as received, e.g. /api/v9/channels/1/messages
	Route  string // matched route template without version, e.g. /channels/{channel_id}/messages
	Query  string
	Header http.Header
	Body   []byte
	Time   time.Time
	Status int
}

// Server is a running fake Discord. All methods are safe for concurrent use.
type Server struct {
	opts    Options
	hs      *httptest.Server
	schemas *schemaSet
	routes  []route
	gw      *gateway

	mu           sync.Mutex
	requests     []Request
	limits       *limiter
	faults       []fault
	state        *store
	interactions map[string]*interaction // by token
	oauth        *oauthState
	snowflake    uint64
	invalid      []time.Time // 401/403/429 answers, for the Cloudflare ban
	bannedUntil  time.Time
}

// New starts a fake Discord on 127.0.0.1. It panics if the embedded schemas do not compile,
// which would be a bug in this package, not in the caller.
func New(opts Options) *Server {
	if err := opts.defaults(); err != nil {
		panic(err)
	}
	schemas, err := compiledSchemas()
	if err != nil {
		panic(err)
	}
	s := &Server{
		opts:         opts,
		schemas:      schemas,
		limits:       newLimiter(),
		state:        newStore(),
		interactions: map[string]*interaction{},
		oauth:        newOAuthState(),
	}
	s.routes = s.routeTable()
	s.gw = newGateway(s)
	// Assign hs before serving: handlers read it (gatewayURL), so starting first would race.
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.hs.Start()
	return s
}

// URL is the base that replaces https://discord.com; REST lives under {URL}/api/v9 (or v10).
func (s *Server) URL() string { return s.hs.URL }

// AppID is the application (and bot user) id.
func (s *Server) AppID() string { return s.opts.AppID }

// BotToken is the token REST calls must carry as "Bot <token>".
func (s *Server) BotToken() string { return s.opts.BotToken }

// PublicKeyHex is the application's public key as the developer portal shows it.
func (s *Server) PublicKeyHex() string { return hex.EncodeToString(s.opts.PublicKey) }

// PublicKey is the application's Ed25519 public key.
func (s *Server) PublicKey() ed25519.PublicKey { return s.opts.PublicKey }

// Close shuts the gateway connections and the HTTP server down.
func (s *Server) Close() {
	s.gw.closeAll()
	s.hs.CloseClientConnections()
	s.hs.Close()
}

func (s *Server) now() time.Time { return s.opts.Now() }

// goSafe runs f in a goroutine that logs instead of crashing the test binary on panic.
func (s *Server) goSafe(f func()) {
	go func() {
		defer func() {
			if p := recover(); p != nil {
				s.opts.Logf("fakediscord: panic in background task: %v", p)
			}
		}()
		f()
	}()
}

// discordEpoch is 2015-01-01T00:00:00Z in milliseconds.
const discordEpoch = 1420070400000

func (s *Server) newIDLocked() string {
	ms := uint64(s.now().UnixMilli() - discordEpoch)
	id := ms << 22
	if id <= s.snowflake {
		id = s.snowflake + 1
	}
	s.snowflake = id
	return fmt.Sprint(id)
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logf("fakediscord: panic serving %s %s: %v", r.Method, r.URL.Path, p)
			http.Error(w, "fakediscord: internal error", http.StatusInternalServerError)
		}
	}()
	if isWebsocket(r) {
		s.gw.serve(w, r)
		return
	}
	if isOAuthPage(r.URL.Path) {
		s.handleAuthorize(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 25<<20))
	if err != nil {
		http.Error(w, "fakediscord: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(),
		Body: body, Time: s.now()}
	rec.Route = s.dispatch(sw, r, body)
	rec.Status = sw.status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.countInvalid(rec)
	s.mu.Unlock()
	s.opts.Logf("fakediscord: %s %s → %d", r.Method, r.URL.Path, rec.Status)
}

func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// stripVersion maps /api/v9/x and /api/v10/x to /x; other paths are not Discord's API.
func stripVersion(p string) (string, bool) {
	for _, v := range []string{"/api/v9/", "/api/v10/"} {
		if strings.HasPrefix(p, v) {
			return "/" + strings.TrimPrefix(p, v), true
		}
	}
	return "", false
}

// Requests returns a copy of every REST request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Count429 is how many 429 responses the fake has sent.
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// MaxRequestsPerSecond is the largest number of REST requests that arrived within any one-second
// window, excluding interaction endpoints (which Discord exempts from the global limit).
func (s *Server) MaxRequestsPerSecond() int {
	s.mu.Lock()
	var times []time.Time
	for _, r := range s.requests {
		if !s.globalExempt(r.Route) {
			times = append(times, r.Time)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(times, time.Time.Compare)
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
