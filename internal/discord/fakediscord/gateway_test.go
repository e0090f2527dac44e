package fakediscord

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

func TestOpenReceivesReady(t *testing.T) {
	srv := newServer(t, Options{HeartbeatInterval: 100 * time.Millisecond})
	dg := newSession(t, srv)
	ready := make(chan *discordgo.Ready, 1)
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { ready <- r })
	dg.Identify.Intents = discordgo.IntentsGuilds
	if err := dg.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() })
	var r *discordgo.Ready
	select {
	case r = <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("no READY handler call")
	}
	if r.User == nil || r.User.ID != srv.AppID() || !r.User.Bot {
		t.Errorf("READY user = %+v, want bot %s", r.User, srv.AppID())
	}
	if r.Version != 9 || r.Shard != nil {
		t.Errorf("READY v %d shard %v, want 9 (discordgo's version) and no shard", r.Version, r.Shard)
	}
	if r.Application == nil || r.Application.ID != srv.AppID() || r.SessionID == "" {
		t.Errorf("READY application/session = %+v / %q", r.Application, r.SessionID)
	}
	sessions := srv.Sessions()
	if len(sessions) != 1 || sessions[0].Intents != int(discordgo.IntentsGuilds) || sessions[0].ID != r.SessionID {
		t.Errorf("Sessions() = %+v, want one with intents %d id %s", sessions, discordgo.IntentsGuilds, r.SessionID)
	}
	// discordgo heartbeats every 100 ms and reconnects when an ACK is 5 intervals late; after
	// several heartbeats the session must still be the original, unresumed one.
	deadline := time.Now().Add(5 * time.Second)
	for srv.Sessions()[0].Heartbeats < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("server saw %d heartbeats, want 3", srv.Sessions()[0].Heartbeats)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := srv.Sessions(); len(s) != 1 || !s[0].Connected || s[0].Resumes != 0 || srv.Identifies() != 1 {
		t.Errorf("after heartbeats: sessions %+v identifies %d, want the original session", s, srv.Identifies())
	}
}

func TestReconnectResumesSession(t *testing.T) {
	srv := newServer(t, Options{})
	dg := openSession(t, srv)
	resumed := make(chan struct{}, 1)
	dg.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { resumed <- struct{}{} })
	dg.ShouldReconnectOnError = true
	// discordgo sends its first heartbeat as its heartbeat goroutine starts; op 7 before that
	// makes the write fail and that goroutine reconnect a second time, in the background,
	// past the end of the test (reading discordgo's globals while a later test moves them).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if s := srv.Sessions(); len(s) == 1 && s[0].Heartbeats >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("discordgo sent no heartbeat within 5 s of opening")
		}
	}
	if err := srv.Reconnect(); err != nil {
		t.Fatalf("Reconnect: %v", err)
	}
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatal("discordgo did not RESUME after op 7")
	}
	dg.Lock()
	dg.ShouldReconnectOnError = false // no background reconnect into a later test's server
	dg.Unlock()
	s := srv.Sessions()
	// discordgo's old heartbeat goroutine sometimes triggers a second reconnect of its own, so
	// the session may be resumed more than once; it must never identify again.
	if len(s) != 1 || s[0].Resumes < 1 || srv.Identifies() != 1 {
		t.Errorf("Sessions() = %+v identifies %d, want one session resumed, one identify", s, srv.Identifies())
	}
}

// dialRaw connects a bare websocket client and reads HELLO.
func dialRaw(t *testing.T, srv *Server) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(srv.gatewayURL()+"/?v=10&encoding=json", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	var hello gwPayload
	if err := ws.ReadJSON(&hello); err != nil || hello.Op != opHello {
		t.Fatalf("first frame = %+v, %v; want HELLO", hello, err)
	}
	return ws
}

func closeCode(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil {
			t.Fatalf("read: %v, want a close frame", err)
		}
	}
}

func TestGatewayRejectsBadHandshakes(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  int
	}{
		{"bad token", `{"op":2,"d":{"token":"Bot wrong","intents":0,"properties":{}}}`, CloseAuthenticationFailed},
		{"invalid intents", `{"op":2,"d":{"token":"Bot fake-bot-token","intents":134217728,"properties":{}}}`, CloseInvalidIntents},
		{"missing intents", `{"op":2,"d":{"token":"Bot fake-bot-token","properties":{}}}`, CloseDecodeError},
		{"bad shard", `{"op":2,"d":{"token":"Bot fake-bot-token","intents":0,"shard":[2,2]}}`, CloseInvalidShard},
		{"unknown opcode", `{"op":42,"d":null}`, CloseUnknownOpcode},
		{"not json", `{op`, CloseDecodeError},
	}
	srv := newServer(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := dialRaw(t, srv)
			if err := ws.WriteMessage(websocket.TextMessage, []byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			if got := closeCode(t, ws); got != tt.want {
				t.Errorf("close code = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestGatewayResumeUnknownSessionIsInvalid(t *testing.T) {
	srv := newServer(t, Options{})
	ws := dialRaw(t, srv)
	if err := ws.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot fake-bot-token", "session_id": "nope", "seq": 3}}); err != nil {
		t.Fatal(err)
	}
	var p gwPayload
	if err := ws.ReadJSON(&p); err != nil {
		t.Fatal(err)
	}
	if p.Op != opInvalidSession || string(p.D) != "false" {
		t.Errorf("got op %d d %s, want op 9 d false", p.Op, p.D)
	}
}

func TestGatewayResumeReplaysMissedEvents(t *testing.T) {
	srv := newServer(t, Options{})
	ws := dialRaw(t, srv)
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "fake-bot-token", "intents": 0}})
	var ready gwPayload
	if err := ws.ReadJSON(&ready); err != nil || ready.T != "READY" || *ready.S != 1 {
		t.Fatalf("READY = %+v, %v", ready, err)
	}
	var rd struct {
		SessionID string `json:"session_id"`
	}
	_ = json.Unmarshal(ready.D, &rd)
	_ = ws.Close()
	if err := srv.WaitSessionGone(context.Background(), rd.SessionID); err != nil {
		t.Fatal(err)
	}
	// Events dispatched while disconnected are kept for the resume.
	_, payload := srv.register(Interaction{GuildID: "1", ChannelID: "2", CommandName: "brief"})
	srv.gw.mu.Lock()
	sess := srv.gw.sessions[rd.SessionID]
	srv.gw.mu.Unlock()
	if err := srv.gw.dispatch(sess, "INTERACTION_CREATE", payload); err == nil {
		t.Fatal("dispatch to a disconnected session succeeded")
	}
	ws2 := dialRaw(t, srv)
	_ = ws2.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot fake-bot-token", "session_id": rd.SessionID, "seq": 1}})
	var got []string
	for range 2 {
		var p gwPayload
		if err := ws2.ReadJSON(&p); err != nil {
			t.Fatal(err)
		}
		got = append(got, p.T)
	}
	if got[0] != "INTERACTION_CREATE" || got[1] != "RESUMED" {
		t.Errorf("after RESUME got %v, want [INTERACTION_CREATE RESUMED]", got)
	}
}

func TestCloseGatewaySendsCode(t *testing.T) {
	srv := newServer(t, Options{})
	ws := dialRaw(t, srv)
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "fake-bot-token", "intents": 0}})
	var ready gwPayload
	if err := ws.ReadJSON(&ready); err != nil {
		t.Fatal(err)
	}
	if err := srv.CloseGateway(4004); err != nil {
		t.Fatal(err)
	}
	if got := closeCode(t, ws); got != 4004 {
		t.Errorf("close code = %d, want 4004", got)
	}
}

func TestShardRouting(t *testing.T) {
	tests := []struct {
		guild  string
		shards int
		want   int
	}{
		{"41771983427338241", 2, 1}, // >>22 = 9959216935, odd
		{"41771983423143937", 2, 0}, // >>22 = 9959216934, even
		{"41771983423143937", 1, 0},
		{"", 4, 0},
		{"not-a-number", 4, 0},
	}
	for _, tt := range tests {
		if got := shardOf(tt.guild, tt.shards); got != tt.want {
			t.Errorf("shardOf(%q, %d) = %d, want %d", tt.guild, tt.shards, got, tt.want)
		}
	}
}

func TestInvalidSessionMakesDiscordgoIdentifyAgain(t *testing.T) {
	srv := newServer(t, Options{})
	dg := openSession(t, srv)
	readies := make(chan string, 2)
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { readies <- r.SessionID })
	if err := srv.InvalidateSession(false); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-readies:
		if s := srv.Sessions(); len(s) != 2 || s[1].ID != id || s[0].Connected {
			t.Errorf("sessions %+v, want the old one detached and a new one %s", s, id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("discordgo did not identify again after op 9")
	}
	if srv.Identifies() != 2 {
		t.Errorf("Identifies = %d, want 2", srv.Identifies())
	}
}

func TestInteractionsRouteToTheOwningShard(t *testing.T) {
	srv := newServer(t, Options{})
	got := make(chan int, 4)
	for shard := range 2 {
		dg := newSession(t, srv)
		dg.ShardID, dg.ShardCount = shard, 2
		dg.AddHandler(func(_ *discordgo.Session, _ *discordgo.InteractionCreate) { got <- shard })
		if err := dg.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = dg.Close() })
	}
	tests := []struct {
		guild string
		shard int
	}{{"41771983427338241", 1}, {"41771983423143937", 0}}
	for _, tt := range tests {
		if _, err := srv.InjectInteraction(testCtx(t), Interaction{GuildID: tt.guild, ChannelID: testChannel, CommandName: "brief"}); err != nil {
			t.Fatal(err)
		}
		select {
		case shard := <-got:
			if shard != tt.shard {
				t.Errorf("guild %s delivered to shard %d, want %d", tt.guild, shard, tt.shard)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("guild %s: no delivery", tt.guild)
		}
	}
	if s := srv.Sessions(); len(s) != 2 || s[0].Shard != [2]int{0, 2} || s[1].Shard != [2]int{1, 2} {
		t.Errorf("sessions %+v, want shards [0 2] and [1 2]", s)
	}
}
