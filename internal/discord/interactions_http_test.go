package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

func newInteractionsServer(t *testing.T, f *fakediscord.Server, h Handler, deadline time.Duration) string {
	t.Helper()
	ih := NewInteractionsHandler(f.PublicKey(), f.AppID(), h, restTo(t, f.URL(), f.BotToken(), nil),
		InteractionsOptions{InlineDeadline: deadline})
	runInteractions(t, ih)
	srv := httptest.NewServer(ih)
	t.Cleanup(srv.Close)
	return srv.URL + "/interactions"
}

// runInteractions runs ih's commands until the test ends, then waits for Run to return.
func runInteractions(t testing.TB, ih *Interactions) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- ih.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestInteractionsHTTPSignatures(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	url := newInteractionsServer(t, f, testRouter(time.Second, nil), 0)
	tests := []struct {
		name       string
		sig        fakediscord.SigMode
		wantStatus int
	}{
		{"valid ping", fakediscord.SigValid, 200},
		{"forged signature", fakediscord.SigForged, 401},
		{"stale timestamp", fakediscord.SigStaleTimestamp, 401},
		{"missing headers", fakediscord.SigMissing, 401},
		{"tampered body", fakediscord.SigTamperedBody, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.Ping(waitCtx(t), url, tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", res.Status, tc.wantStatus, res.Body)
			}
			if tc.wantStatus == 200 && strings.TrimSpace(string(res.Body)) != `{"type":1}` {
				t.Errorf("PING body %s, want {\"type\":1}", res.Body)
			}
		})
	}
}

// TestInteractionsHTTPClock checks the replay window with an injected clock: timestamps more
// than five minutes away on either side are refused even with a valid signature.
func TestInteractionsHTTPClock(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	ih := NewInteractionsHandler(pub, "1", testRouter(time.Second, nil), nil,
		InteractionsOptions{Now: func() time.Time { return now }})
	runInteractions(t, ih)
	body := []byte(`{"type":1,"id":"1","application_id":"1","token":"t","version":1}`)
	tests := []struct {
		name string
		skew time.Duration
		want int
	}{
		{"now", 0, 200},
		{"4m59s old", -299 * time.Second, 200},
		{"5m01s old", -301 * time.Second, 401},
		{"5m01s in the future", 301 * time.Second, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := strconv.FormatInt(now.Add(tc.skew).Unix(), 10)
			req := httptest.NewRequest(http.MethodPost, "/interactions", strings.NewReader(string(body)))
			req.Header.Set("X-Signature-Timestamp", ts)
			req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...))))
			rec := httptest.NewRecorder()
			ih.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
	big := httptest.NewRequest(http.MethodPost, "/interactions", strings.NewReader(strings.Repeat(" ", maxInteractionBody+1)))
	rec := httptest.NewRecorder()
	ih.ServeHTTP(rec, big)
	if rec.Code != 401 {
		t.Errorf("oversized body: status %d, want 401", rec.Code)
	}
}

func TestInteractionsHTTPCommands(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	release := make(chan struct{})
	// The router defers late; the endpoint's own inline deadline (200 ms) answers type 5 first.
	url := newInteractionsServer(t, f, testRouter(10*time.Second, release), 200*time.Millisecond)

	t.Run("quick command answered inline with type 4", func(t *testing.T) {
		res, err := f.SendHTTPInteraction(waitCtx(t), url, fakediscord.Interaction{GuildID: testGuild, ChannelID: "900",
			CommandName: "latest", Options: []fakediscord.Option{{Name: "count", Type: 4, Value: 2}}}, fakediscord.SigValid)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 200 || res.AckErr != nil {
			t.Fatalf("status %d ack error %v body %s", res.Status, res.AckErr, res.Body)
		}
		var body struct {
			Type int `json:"type"`
			Data struct {
				Content         string         `json:"content"`
				AllowedMentions map[string]any `json:"allowed_mentions"`
			} `json:"data"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Type != 4 || body.Data.Content != "latest 2 in 900" {
			t.Errorf("inline answer %s", res.Body)
		}
		if p, ok := body.Data.AllowedMentions["parse"].([]any); !ok || len(p) != 0 {
			t.Errorf("allowed_mentions %v, want parse []", body.Data.AllowedMentions)
		}
	})

	t.Run("slow command deferred inline then original edited over REST", func(t *testing.T) {
		res, err := f.SendHTTPInteraction(waitCtx(t), url, fakediscord.Interaction{GuildID: testGuild, ChannelID: "900",
			CommandName: "status", Options: []fakediscord.Option{{Name: "topic", Type: 3, Value: "truce"}}}, fakediscord.SigValid)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 200 || res.AckErr != nil || !strings.HasPrefix(string(res.Body), `{"type":5`) {
			t.Fatalf("status %d ack %v body %s, want inline type 5", res.Status, res.AckErr, res.Body)
		}
		if res.Latency > 3*time.Second {
			t.Errorf("deferred after %v, want within 3 s", res.Latency)
		}
		close(release)
		resp, err := res.Pending.WaitEdits(waitCtx(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Original == nil || resp.Original.Content != "status of truce" {
			t.Errorf("@original = %+v", resp.Original)
		}
	})

	t.Run("autocomplete inline type 8", func(t *testing.T) {
		res, err := f.SendHTTPInteraction(waitCtx(t), url, fakediscord.Interaction{Type: fakediscord.InteractionAutocomplete,
			GuildID: testGuild, ChannelID: "900", CommandName: "status",
			Options: []fakediscord.Option{{Name: "topic", Type: 3, Value: "x", Focused: true}}}, fakediscord.SigValid)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Type int `json:"type"`
			Data struct {
				Choices []map[string]any `json:"choices"`
			} `json:"data"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			t.Fatal(err)
		}
		if res.Status != 200 || res.AckErr != nil || body.Type != 8 || len(body.Data.Choices) != 25 {
			t.Errorf("status %d ack %v type %d choices %d", res.Status, res.AckErr, body.Type, len(body.Data.Choices))
		}
	})

	t.Run("panicking handler answered with an error", func(t *testing.T) {
		res, err := f.SendHTTPInteraction(waitCtx(t), url, fakediscord.Interaction{GuildID: testGuild, ChannelID: "900",
			CommandName: "help"}, fakediscord.SigValid)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 200 || res.AckErr != nil || !strings.Contains(string(res.Body), "Something went wrong") {
			t.Errorf("status %d ack %v body %s", res.Status, res.AckErr, res.Body)
		}
	})
}
