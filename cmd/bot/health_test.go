package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/console"
	"github.com/heraldbot/herald/internal/lifecycle"
)

// TestReadyzFailsWhenAPartDies: the background parts run under the runner the way main runs
// them; /readyz answers 200 while they all run, and 503 naming the part once one panics
// (before, a panicked part was logged and /readyz still said ready).
func TestReadyzFailsWhenAPartDies(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HERALD_DATA_DIR": t.TempDir(), "HERALD_FEEDS": "http://127.0.0.1:1/feed.xml"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a, err := build(ctx, cfg, slog.New(slog.DiscardHandler), console.NewSender(console.NewScreen(io.Discard, false)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	boom := make(chan struct{})
	runner := lifecycle.New(lifecycle.Options{Logger: a.logger})
	runner.Add(a.backgroundParts()...)
	runner.Add(lifecycle.Part{Name: "exploding", Run: func(ctx context.Context) error {
		select {
		case <-boom:
			panic("nil map write")
		case <-ctx.Done():
			return nil
		}
	}})
	mux := http.NewServeMux()
	ready := &atomic.Bool{}
	ready.Store(true)
	a.healthRoutes(mux, ready, runner.Healthy)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ran := make(chan error, 1)
	go func() { ran <- runner.Run(ctx) }()

	if code, body := readyz(t, srv.URL, http.StatusOK); code != http.StatusOK {
		t.Fatalf("/readyz %d %q while every part runs, want 200", code, body)
	}
	close(boom)
	code, body := readyz(t, srv.URL, http.StatusServiceUnavailable)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "exploding: lifecycle: exploding panicked: nil map write") {
		t.Errorf("/readyz %d %q after a part panicked, want 503 naming it", code, body)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("runner: %v", err)
	}
}

// readyz polls /readyz until it answers want (the parts start asynchronously) or 10 s pass,
// and returns the last answer.
func readyz(t *testing.T, base string, want int) (int, string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == want || time.Now().After(deadline) {
			return resp.StatusCode, string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
