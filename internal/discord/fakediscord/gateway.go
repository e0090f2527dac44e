package fakediscord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes and close codes the fake uses.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatAck   = 11

	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseInvalidShard         = 4010
	CloseInvalidAPIVersion    = 4012
	CloseInvalidIntents       = 4013
)

// validIntents is every intent bit Discord defines (bits 0–25).
const validIntents = 1<<26 - 1

// gwPayload is a gateway frame.
type gwPayload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// SessionInfo describes one gateway session as the fake sees it.
type SessionInfo struct {
	ID         string
	Intents    int
	Shard      [2]int // [id, count]; [0,1] when the client did not shard
	Seq        int64  // last sequence number dispatched
	Connected  bool
	Resumes    int
	Heartbeats int // op 1 frames received on this session
}

type gwSession struct {
	info   SessionInfo
	events [][]byte // dispatched frames in order, for RESUME replay
	conn   *gwConn
}

type gwConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	sess    *gwSession
	version int // API version from the ?v= query; READY echoes it
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *gwConn) close(code int, reason string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}

// gateway is the websocket side of the fake.
type gateway struct {
	s        *Server
	upgrader websocket.Upgrader
	mu       sync.Mutex
	conns    map[*gwConn]bool
	sessions map[string]*gwSession
	order    []*gwSession  // identification order
	ready    chan struct{} // closed and replaced whenever a session connects or disconnects
	idents   int
	down     bool // SetGatewayDown: upgrades refused, as during a network outage
}

func newGateway(s *Server) *gateway {
	return &gateway{s: s, conns: map[*gwConn]bool{}, sessions: map[string]*gwSession{}, ready: make(chan struct{})}
}

func (s *Server) gatewayURL() string { return "ws" + strings.TrimPrefix(s.hs.URL, "http") + "/gateway" }

func (s *Server) handleGateway(c *call) {
	writeJSON(c.w, http.StatusOK, map[string]any{"url": s.gatewayURL()})
}

func (s *Server) handleGatewayBot(c *call) {
	s.gw.mu.Lock()
	left := 1000 - s.gw.idents
	s.gw.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"url": s.gatewayURL(), "shards": s.opts.Shards,
		"session_start_limit": map[string]any{"total": 1000, "remaining": left, "reset_after": 86400000,
			"max_concurrency": s.opts.MaxConcurrency}})
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	down := g.down
	g.mu.Unlock()
	if down {
		http.Error(w, "gateway unreachable", http.StatusServiceUnavailable)
		return
	}
	ws, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		g.s.opts.Logf("fakediscord: gateway upgrade: %v", err)
		return
	}
	c := &gwConn{ws: ws, version: 10}
	if r.URL.Query().Get("v") == "9" {
		c.version = 9
	}
	g.mu.Lock()
	g.conns[c] = true
	g.mu.Unlock()
	defer g.drop(c)
	q := r.URL.Query()
	if v := q.Get("v"); (v != "" && v != "9" && v != "10") || (q.Get("encoding") != "" && q.Get("encoding") != "json") {
		c.close(CloseInvalidAPIVersion, "Invalid API version")
		return
	}
	hello, _ := json.Marshal(map[string]any{"heartbeat_interval": g.s.opts.HeartbeatInterval.Milliseconds()})
	if c.write(gwPayload{Op: opHello, D: hello}) != nil {
		return
	}
	g.readLoop(c)
}

func (g *gateway) drop(c *gwConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, c)
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
		c.sess.info.Connected = false
		close(g.ready)
		g.ready = make(chan struct{})
	}
	_ = c.ws.Close()
}

// readLoop handles client frames until the connection ends.
func (g *gateway) readLoop(c *gwConn) {
	defer func() {
		if p := recover(); p != nil {
			g.s.opts.Logf("fakediscord: gateway panic: %v", p)
		}
	}()
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var p gwPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			c.close(CloseDecodeError, "Error while decoding payload.")
			return
		}
		if !g.handle(c, p) {
			return
		}
	}
}

// handle processes one frame; false ends the connection.
func (g *gateway) handle(c *gwConn, p gwPayload) bool {
	switch p.Op {
	case opHeartbeat:
		g.mu.Lock()
		if c.sess != nil {
			c.sess.info.Heartbeats++
		}
		g.mu.Unlock()
		return c.write(gwPayload{Op: opHeartbeatAck, D: json.RawMessage("null")}) == nil
	case opIdentify:
		return g.identify(c, p.D)
	case opResume:
		return g.resume(c, p.D)
	case 3, 4, 8: // presence, voice state, request guild members: accepted, ignored
		if c.sess == nil {
			c.close(CloseNotAuthenticated, "Not authenticated.")
			return false
		}
		return true
	}
	c.close(CloseUnknownOpcode, "Unknown opcode.")
	return false
}

func (g *gateway) tokenOK(token string) bool {
	return strings.TrimPrefix(token, "Bot ") == g.s.opts.BotToken
}

type identifyData struct {
	Token   string  `json:"token"`
	Intents *int    `json:"intents"`
	Shard   *[2]int `json:"shard"`
}

func (g *gateway) identify(c *gwConn, raw json.RawMessage) bool {
	var d identifyData
	if err := json.Unmarshal(raw, &d); err != nil {
		c.close(CloseDecodeError, "Error while decoding payload.")
		return false
	}
	code, reason := g.checkIdentify(c, d)
	if code != 0 {
		c.close(code, reason)
		return false
	}
	info := SessionInfo{ID: randomToken()[16:48], Intents: *d.Intents, Shard: [2]int{0, 1}, Connected: true}
	if d.Shard != nil {
		info.Shard = *d.Shard
	}
	sess := &gwSession{info: info, conn: c}
	g.mu.Lock()
	c.sess = sess
	g.sessions[info.ID] = sess
	g.order = append(g.order, sess)
	g.idents++
	g.mu.Unlock()
	if err := g.dispatch(sess, "READY", g.readyData(info, c.version, d.Shard != nil)); err != nil {
		return false
	}
	g.signalReady()
	return true
}

func (g *gateway) checkIdentify(c *gwConn, d identifyData) (int, string) {
	switch {
	case c.sess != nil:
		return CloseAlreadyAuthenticated, "Already authenticated."
	case !g.tokenOK(d.Token):
		return CloseAuthenticationFailed, "Authentication failed."
	case d.Intents == nil:
		return CloseDecodeError, "intents is required"
	case *d.Intents < 0 || *d.Intents&^validIntents != 0:
		return CloseInvalidIntents, "Invalid intent(s)."
	case d.Shard != nil && (d.Shard[1] < 1 || d.Shard[0] < 0 || d.Shard[0] >= d.Shard[1]):
		return CloseInvalidShard, "Invalid shard."
	}
	return 0, ""
}

func (g *gateway) readyData(info SessionInfo, version int, sharded bool) map[string]any {
	d := map[string]any{
		"v": version, "user": map[string]any{"id": g.s.opts.AppID, "username": g.s.opts.BotUsername,
			"discriminator": "0", "bot": true, "verified": true, "avatar": nil, "flags": 0},
		"session_id": info.ID, "session_type": "normal", "resume_gateway_url": g.s.gatewayURL(),
		"application": map[string]any{"id": g.s.opts.AppID, "flags": 0},
		"guilds":      []any{}, "private_channels": []any{}, "relationships": []any{},
	}
	if sharded {
		d["shard"] = info.Shard
	}
	return d
}

type resumeData struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

// resume re-attaches a session and replays the dispatches after seq, then RESUMED. An unknown
// session gets op 9 with d=false, which tells the client to identify afresh.
func (g *gateway) resume(c *gwConn, raw json.RawMessage) bool {
	var d resumeData
	if err := json.Unmarshal(raw, &d); err != nil {
		c.close(CloseDecodeError, "Error while decoding payload.")
		return false
	}
	if !g.tokenOK(d.Token) {
		c.close(CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	g.mu.Lock()
	sess, ok := g.sessions[d.SessionID]
	var replay [][]byte
	if ok {
		if old := sess.conn; old != nil && old != c {
			g.s.goSafe(func() { old.close(4000, "Session resumed elsewhere") })
		}
		sess.conn, c.sess = c, sess
		sess.info.Connected = true
		sess.info.Resumes++
		replay = replayAfter(sess.events, d.Seq)
	}
	g.mu.Unlock()
	if !ok {
		return c.write(gwPayload{Op: opInvalidSession, D: json.RawMessage("false")}) == nil
	}
	for _, f := range replay {
		if c.writeRaw(f) != nil {
			return false
		}
	}
	if g.dispatch(sess, "RESUMED", map[string]any{}) != nil {
		return false
	}
	g.signalReady()
	return true
}

func (c *gwConn) writeRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// Every write sets its own deadline: one left over from an earlier write would fail this
	// one once it has passed.
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func replayAfter(events [][]byte, seq int64) [][]byte {
	var out [][]byte
	for _, e := range events {
		var p gwPayload
		if json.Unmarshal(e, &p) == nil && p.S != nil && *p.S > seq {
			out = append(out, e)
		}
	}
	return out
}

// dispatch sends an op 0 event on the session with the next sequence number.
func (g *gateway) dispatch(sess *gwSession, event string, data any) error {
	d, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("fakediscord: marshal %s: %w", event, err)
	}
	g.mu.Lock()
	sess.info.Seq++
	seq := sess.info.Seq
	frame, _ := json.Marshal(gwPayload{Op: opDispatch, D: d, S: &seq, T: event})
	sess.events = append(sess.events, frame)
	conn := sess.conn
	g.mu.Unlock()
	if conn == nil {
		return errors.New("fakediscord: session " + sess.info.ID + " is not connected")
	}
	return conn.writeRaw(frame)
}

func (g *gateway) signalReady() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.ready)
	g.ready = make(chan struct{})
}

// sessionFor picks the connected session that owns guildID by Discord's sharding formula
// (guild_id >> 22) % num_shards; DMs go to shard 0. Latest identification wins ties.
func (g *gateway) sessionFor(guildID string) (*gwSession, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := len(g.order) - 1; i >= 0; i-- {
		sess := g.order[i]
		if sess.conn == nil {
			continue
		}
		if shardOf(guildID, sess.info.Shard[1]) == sess.info.Shard[0] {
			return sess, nil
		}
	}
	return nil, errors.New("fakediscord: no connected gateway session for guild " + guildID)
}

func shardOf(guildID string, shards int) int {
	id, ok := new(big.Int).SetString(guildID, 10)
	if !ok || shards <= 1 {
		return 0
	}
	id.Rsh(id, 22)
	return int(id.Mod(id, big.NewInt(int64(shards))).Int64())
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	conns := make([]*gwConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.close(websocket.CloseGoingAway, "fakediscord closing")
	}
}

// Sessions describes every gateway session identified so far, in identification order.
func (s *Server) Sessions() []SessionInfo {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	out := make([]SessionInfo, len(s.gw.order))
	for i, sess := range s.gw.order {
		out[i] = sess.info
	}
	return out
}

// Identifies counts IDENTIFY frames accepted (Discord allows 1000 a day).
func (s *Server) Identifies() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.idents
}

// WaitSession blocks until at least n sessions are connected (after READY or RESUMED).
func (s *Server) WaitSession(ctx context.Context, n int) error {
	for {
		s.gw.mu.Lock()
		connected := 0
		for _, sess := range s.gw.order {
			if sess.conn != nil {
				connected++
			}
		}
		ch := s.gw.ready
		s.gw.mu.Unlock()
		if connected >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fakediscord: waiting for %d gateway sessions: %w", n, ctx.Err())
		case <-ch:
		}
	}
}

// WaitSessionGone blocks until the session's connection has dropped.
func (s *Server) WaitSessionGone(ctx context.Context, sessionID string) error {
	for {
		s.gw.mu.Lock()
		sess, ok := s.gw.sessions[sessionID]
		gone := !ok || sess.conn == nil
		ch := s.gw.ready
		s.gw.mu.Unlock()
		if gone {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fakediscord: waiting for session %s to drop: %w", sessionID, ctx.Err())
		case <-ch:
		}
	}
}

// Reconnect sends op 7 to every connection, asking clients to reconnect and resume.
func (s *Server) Reconnect() error {
	return s.eachConn(func(c *gwConn) error { return c.write(gwPayload{Op: opReconnect, D: json.RawMessage("null")}) })
}

// InvalidateSession sends op 9 to every connection and detaches its session, so the client
// must RESUME (resumable) or IDENTIFY afresh (not resumable: the session is forgotten).
func (s *Server) InvalidateSession(resumable bool) error {
	d := json.RawMessage("false")
	if resumable {
		d = json.RawMessage("true")
	}
	return s.eachConn(func(c *gwConn) error {
		s.gw.mu.Lock()
		if sess := c.sess; sess != nil {
			if sess.conn == c {
				sess.conn, sess.info.Connected = nil, false
			}
			if !resumable {
				delete(s.gw.sessions, sess.info.ID)
			}
			c.sess = nil
		}
		s.gw.mu.Unlock()
		return c.write(gwPayload{Op: opInvalidSession, D: d})
	})
}

// SetGatewayDown simulates losing the gateway: with down set, every connection is cut without
// a close frame (what a client sees when the network drops) and new connections are refused
// with 503 until SetGatewayDown(false). Sessions stay resumable.
func (s *Server) SetGatewayDown(down bool) {
	s.gw.mu.Lock()
	s.gw.down = down
	conns := make([]*gwConn, 0, len(s.gw.conns))
	for c := range s.gw.conns {
		conns = append(conns, c)
	}
	s.gw.mu.Unlock()
	if !down {
		return
	}
	for _, c := range conns {
		_ = c.ws.NetConn().Close()
	}
}

// CloseGateway closes every connection with a close code (4000 resumable, 4004 bad token…).
func (s *Server) CloseGateway(code int) error {
	return s.eachConn(func(c *gwConn) error { c.close(code, "closed by fakediscord"); return nil })
}

func (s *Server) eachConn(f func(*gwConn) error) error {
	s.gw.mu.Lock()
	conns := make([]*gwConn, 0, len(s.gw.conns))
	for c := range s.gw.conns {
		conns = append(conns, c)
	}
	s.gw.mu.Unlock()
	if len(conns) == 0 {
		return errors.New("fakediscord: no gateway connection")
	}
	var errs []error
	for _, c := range conns {
		errs = append(errs, f(c))
	}
	return errors.Join(errs...)
}

// Dispatch sends an arbitrary event (e.g. GUILD_CREATE) on the session owning guildID.
func (s *Server) Dispatch(guildID, event string, data any) error {
	sess, err := s.gw.sessionFor(guildID)
	if err != nil {
		return err
	}
	return s.gw.dispatch(sess, event, data)
}

// InjectInteraction delivers an INTERACTION_CREATE over the gateway and returns a handle to
// wait for the application's response. The deadline starts now.
func (s *Server) InjectInteraction(ctx context.Context, in Interaction) (*Pending, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fakediscord: inject interaction: %w", err)
	}
	if err := s.checkOffered(in); err != nil {
		return nil, err
	}
	sess, err := s.gw.sessionFor(in.GuildID)
	if err != nil {
		return nil, err
	}
	p, payload := s.register(in)
	if err := s.gw.dispatch(sess, "INTERACTION_CREATE", payload); err != nil {
		return nil, err
	}
	return p, nil
}
