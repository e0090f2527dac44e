package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/ratelimit"
)

// recorded is one request the scripted server received, and when it answered.
type recorded struct {
	path     string
	body     []byte
	received time.Time
	answered time.Time
	status   int
}

// reply is a scripted answer.
type reply struct {
	delay  time.Duration
	status int
	header map[string]string
	body   string
}

// scriptServer is a Discord stand-in whose answers a test scripts per request, for the
// failure sequences the Sender must survive; it records every request with timestamps.
type scriptServer struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	script func(n int, path string, body []byte) reply
}

func newScriptServer(t *testing.T, script func(n int, path string, body []byte) reply) *scriptServer {
	s := &scriptServer{t: t, script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scriptServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, recorded{path: r.URL.Path, body: body, received: now})
	s.mu.Unlock()
	rep := s.script(n, r.URL.Path, body)
	time.Sleep(rep.delay) // simulated network latency of this answer
	if rep.status == 0 {
		rep = ok(fmt.Sprintf("m%d", n))
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	s.reqs[n].answered, s.reqs[n].status = time.Now(), rep.status
	s.mu.Unlock()
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (s *scriptServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func ok(id string) reply { return reply{status: 200, body: `{"id":"` + id + `"}`} }

func limited(retry float64, global bool) reply {
	h := map[string]string{"Retry-After": "1", "X-RateLimit-Scope": "user"}
	if global {
		h["X-RateLimit-Global"] = "true"
		h["X-RateLimit-Scope"] = "global"
	}
	return reply{status: 429, header: h,
		body: fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%g,"global":%v,"code":0}`, retry, global)}
}

// testSender is a running Sender posting to base.
func testSender(t *testing.T, base string, opts SenderOptions) *Sender {
	t.Helper()
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = 20 * time.Millisecond
	}
	return runSender(t, NewSender(restTo(t, base, "test-token", nil), opts))
}

func text(s string) message.Message { return message.Message{Content: s} }

func TestSenderRetriesRouteLimitAfterWait(t *testing.T) {
	t.Parallel()
	srv := newScriptServer(t, func(n int, _ string, _ []byte) reply {
		if n == 0 {
			return limited(0.3, false)
		}
		return ok("posted")
	})
	s := testSender(t, srv.srv.URL, SenderOptions{})
	id, err := s.Send(context.Background(), "c1", text("hello"), testNonce("c1", "s1"))
	if err != nil || id != "posted" {
		t.Fatalf("Send = %q, %v; want posted", id, err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (429 then success)", len(reqs))
	}
	if gap := reqs[1].received.Sub(reqs[0].answered); gap < 300*time.Millisecond {
		t.Errorf("retried %v after the 429, want >= retry_after 300ms", gap)
	}
}

func TestSenderGlobal429PausesEveryChannel(t *testing.T) {
	var once sync.Once
	srv := newScriptServer(t, func(n int, path string, _ []byte) reply {
		var r reply
		once.Do(func() {
			// The answer is slow, so the requests the pacer already let go arrive before it;
			// none may be sent once the Sender has read it.
			r = limited(0.4, true)
			r.delay = 60 * time.Millisecond
		})
		return r
	})
	// 10/s paces requests 100 ms apart, so the one after the slow 429 is due well after the
	// Sender has read it.
	s := testSender(t, srv.srv.URL, SenderOptions{GlobalPerSecond: 10})
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Send(context.Background(), fmt.Sprintf("c%d", i), text("x"), "")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("send %d: %v", i, err)
		}
	}
	reqs := srv.requests()
	if len(reqs) != 7 {
		t.Fatalf("%d requests, want 7 (one global 429, six deliveries)", len(reqs))
	}
	pauseEnd := reqs[0].answered.Add(400 * time.Millisecond)
	for _, r := range reqs[1:] {
		if r.received.After(reqs[0].answered) && r.received.Before(pauseEnd) {
			t.Errorf("request to %s at +%v during the global pause", r.path, r.received.Sub(reqs[0].answered))
		}
	}
}

func TestSenderHonoursExhaustedBucket(t *testing.T) {
	t.Parallel()
	srv := newScriptServer(t, func(n int, _ string, _ []byte) reply {
		r := ok(fmt.Sprintf("m%d", n))
		r.header = map[string]string{"X-RateLimit-Remaining": "1", "X-RateLimit-Reset-After": "0.5"}
		if n == 0 {
			r.header["X-RateLimit-Remaining"] = "0"
		}
		return r
	})
	s := testSender(t, srv.srv.URL, SenderOptions{})
	for i := 0; i < 2; i++ {
		if _, err := s.Send(context.Background(), "c1", text("x"), ""); err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.requests()
	if gap := reqs[1].received.Sub(reqs[0].answered); gap < 500*time.Millisecond {
		t.Errorf("second message %v after Remaining=0, want >= Reset-After 500ms", gap)
	}
}

func TestSenderRetries5xxThenGivesUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		failures  int
		wantReqs  int
		wantError bool
	}{
		{"two 500s then delivered", 2, 3, false},
		{"502 and 503 then delivered", 2, 3, false},
		{"always failing gives up after MaxRetries", 100, 4, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, func(n int, _ string, _ []byte) reply {
				if n < tc.failures {
					return reply{status: 500 + n%4, body: "upstream error"}
				}
				return ok("done")
			})
			s := testSender(t, srv.srv.URL, SenderOptions{MaxRetries: 3})
			id, err := s.Send(context.Background(), "c1", text("x"), testNonce("c1", "story"))
			if (err != nil) != tc.wantError {
				t.Fatalf("Send = %q, %v; want error %v", id, err, tc.wantError)
			}
			reqs := srv.requests()
			if len(reqs) != tc.wantReqs {
				t.Errorf("%d requests, want %d", len(reqs), tc.wantReqs)
			}
			for i := 1; i < len(reqs); i++ {
				if reqs[i].received.Sub(reqs[i-1].answered) < 20*time.Millisecond {
					t.Errorf("retry %d without backoff", i)
				}
				if string(reqs[i].body) != string(reqs[0].body) {
					t.Errorf("retry %d changed the body (nonce must stay the same)", i)
				}
			}
		})
	}
}

func TestSenderForbiddenChannelIsNeverRetried(t *testing.T) {
	t.Parallel()
	srv := newScriptServer(t, func(n int, path string, _ []byte) reply {
		if strings.Contains(path, "/gone/") {
			return reply{status: 403, body: `{"message":"Missing Access","code":50001}`}
		}
		return ok("fine")
	})
	s := testSender(t, srv.srv.URL, SenderOptions{})
	for i := 0; i < 3; i++ {
		_, err := s.Send(context.Background(), "gone", text("x"), "")
		var ce *ChannelError
		if !errors.Is(err, ErrChannelGone) || !errors.As(err, &ce) || ce.Code != 50001 || ce.ChannelID != "gone" {
			t.Fatalf("send %d: err = %v, want ChannelError code 50001", i, err)
		}
	}
	if _, err := s.Send(context.Background(), "other", text("x"), ""); err != nil {
		t.Errorf("another channel still works: %v", err)
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one 403, then only the other channel)", n)
	}
}

func TestSenderBodyNeverPingsAndCarriesNonce(t *testing.T) {
	t.Parallel()
	srv := newScriptServer(t, func(int, string, []byte) reply { return reply{} })
	s := testSender(t, srv.srv.URL, SenderOptions{})
	nonce := testNonce("c1", "story-1")
	if _, err := s.Send(context.Background(), "c1", message.Message{Content: "@everyone @here <@123> truce", Ephemeral: true}, nonce); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(srv.requests()[0].body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"content": "@everyone @here <@123> truce", "embeds": []any{},
		"allowed_mentions": map[string]any{"parse": []any{}}, "nonce": nonce, "enforce_nonce": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if p := srv.requests()[0].path; p != "/api/v9/channels/c1/messages" {
		t.Errorf("path %q", p)
	}
}

func TestSenderRejectsInvalidWithoutRequest(t *testing.T) {
	t.Parallel()
	srv := newScriptServer(t, func(int, string, []byte) reply { return reply{} })
	s := testSender(t, srv.srv.URL, SenderOptions{})
	tests := []struct {
		name string
		m    message.Message
		want error
	}{
		{"empty", message.Message{Content: "  "}, message.ErrEmpty},
		{"content over 2000", text(strings.Repeat("é", 2001)), message.ErrTooLong},
		{"11 embeds", message.Message{Embeds: make([]message.Embed, 11)}, message.ErrTooLong},
		{"embed total over 6000", message.Message{Embeds: []message.Embed{
			{Description: strings.Repeat("a", 4000)}, {Description: strings.Repeat("b", 2001)}}}, message.ErrTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Send(context.Background(), "c1", tc.m, ""); !errors.Is(err, tc.want) {
				t.Errorf("Send = %v, want %v", err, tc.want)
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests for invalid messages, want 0", n)
	}
}

func TestSenderCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	srv := newScriptServer(t, func(n int, _ string, _ []byte) reply { return limited(5, false) })
	s := testSender(t, srv.srv.URL, SenderOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := s.Send(ctx, "c1", text("x"), "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry while retry_after runs)", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Depth() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if d := s.Depth(); d != 0 {
		t.Errorf("Depth = %d after cancel, want 0", d)
	}
}

// TestSenderKeepsFractionalRate is issue 11 item 8: discord.global_rate was converted to an
// integer, so 2.5 paced at 2 per second and 0.5 fell back to the default 45.
func TestSenderKeepsFractionalRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rate float64
		want time.Duration
	}{{45, time.Second / 45}, {2.5, 400 * time.Millisecond}, {0.5, 2 * time.Second}} {
		s := testSender(t, "https://discord.test", SenderOptions{GlobalPerSecond: tc.rate})
		if got := s.limiter.(*ratelimit.LocalLimiter).Interval(); got != tc.want {
			t.Errorf("GlobalPerSecond %v: pacing interval %v, want %v", tc.rate, got, tc.want)
		}
	}
}
