package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// freePort returns a TCP port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	p, err := freeTCPPort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return p
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// redisServer is a private, throw-away redis-server this test can kill and restart.
type redisServer struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startRedis(t *testing.T, port int) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redisstore: redis-server not on PATH; outage tests need their own server")
	}
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	s := &redisServer{t: t, port: port, cmd: cmd}
	t.Cleanup(s.stop)
	s.waitListening()
	return s
}

// waitListening blocks until the server accepts connections (bounded, no fixed sleep).
func (s *redisServer) waitListening() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("redis-server on port %d did not start", s.port)
}

func (s *redisServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// TestOutageAndRecovery kills the server under a live Store: calls must fail fast with
// ErrUnavailable, and once a server is back on the same port the same Store must work again.
func TestOutageAndRecovery(t *testing.T) {
	port := freePort(t)
	srv := startRedis(t, port)
	const timeout = 300 * time.Millisecond
	st, err := New(t.Context(), srv.url(), Options{Timeout: timeout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer st.Close()
	id := story.NewID("https://a.example", "1")
	if got, err := st.Claim(t.Context(), "c1", []string{id}, time.Minute); err != nil || len(got) != 1 {
		t.Fatalf("Claim before outage = %v, %v; want the id", got, err)
	}

	srv.stop()
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Ping", st.Ping},
		{"Claim", func(ctx context.Context) error { _, err := st.Claim(ctx, "c1", []string{id}, time.Minute); return err }},
		{"Confirm", func(ctx context.Context) error { return st.Confirm(ctx, "c1", []string{id}) }},
		{"RecentStories", func(ctx context.Context) error { _, err := st.RecentStories(ctx, store.StoryQuery{}); return err }},
		{"AcquireLease", func(ctx context.Context) error { _, err := st.AcquireLease(ctx, "p", "a", time.Minute); return err }},
		{"ListSubscriptions", func(ctx context.Context) error {
			_, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{})
			return err
		}},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call(t.Context())
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the server down: err = %v, want ErrUnavailable", c.name, err)
		}
		// Bounded by the per-call timeout (plus one retry), never by a TCP default.
		if el := time.Since(start); el > 4*timeout {
			t.Errorf("%s took %v with the server down, want under %v", c.name, el, 4*timeout)
		}
	}

	startRedis(t, port) // same port, empty data
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for st.Ping(ctx) != nil { // stale pooled connections are dropped and redialed
		if ctx.Err() != nil {
			t.Fatal("the Store never recovered after the server came back")
		}
	}
	got, err := st.Claim(t.Context(), "c1", []string{id}, time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("Claim after recovery = %v, %v; want the id (the new server is empty)", got, err)
	}
}

func TestNewUnreachableNamesRedisURLWithoutPassword(t *testing.T) {
	url := fmt.Sprintf("redis://herald:hunter2secret@127.0.0.1:%d/3", freePort(t))
	_, err := New(t.Context(), url, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("New with nothing listening: err = %v, want ErrUnavailable", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "REDIS_URL") || strings.Contains(msg, "hunter2secret") {
		t.Errorf("error %q must name REDIS_URL and hide the password", msg)
	}
	if !strings.Contains(msg, "herald:xxxxx@127.0.0.1") {
		t.Errorf("error %q should show the redacted URL", msg)
	}
}

func TestNewInvalidURL(t *testing.T) {
	cases := []struct {
		name, url string
	}{
		{"wrong scheme", "http://127.0.0.1:6379"},
		{"bad port with password", "redis://u:hunter2secret@127.0.0.1:notaport/0"},
		{"bad db", "redis://127.0.0.1:6379/notadb"},
		{"bad escape with password", "redis://u:hunter2secret@127.0.0.1:6379/%zz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Connect(t.Context(), c.url, Options{}, func(int, error) {
				t.Error("Connect retried a URL that can never work")
			})
			if err == nil || errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("err = %v, want a configuration error (not ErrUnavailable)", err)
			}
			if strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), "REDIS_URL") {
				t.Errorf("error %q must name REDIS_URL and hide the password", err)
			}
		})
	}
}

// TestConnectWaitsForServer starts Connect with nothing listening, brings a server up after
// the first failed attempt and expects Connect to return a working Store.
func TestConnectWaitsForServer(t *testing.T) {
	port := freePort(t)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	failed := make(chan int, 100)
	type result struct {
		st  *Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("Connect panicked: %v", r)}
			}
		}()
		st, err := Connect(t.Context(), url, Options{Timeout: 200 * time.Millisecond}, func(attempt int, err error) {
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("attempt %d failed with %v, want ErrUnavailable", attempt, err)
			}
			failed <- attempt
		})
		done <- result{st, err}
	}()
	if a := <-failed; a != 1 {
		t.Fatalf("first reported attempt = %d, want 1", a)
	}
	startRedis(t, port)
	r := <-done
	if r.err != nil {
		t.Fatalf("Connect: %v", r.err)
	}
	defer r.st.Close()
	if err := r.st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping after Connect: %v", err)
	}
}

func TestConnectGivesUpWhenContextEnds(t *testing.T) {
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", freePort(t))
	ctx, cancel := context.WithCancel(t.Context())
	attempts := 0
	_, err := Connect(ctx, url, Options{Timeout: 100 * time.Millisecond}, func(int, error) {
		attempts++
		if attempts == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v, want context.Canceled and ErrUnavailable", err)
	}
	if attempts != 3 {
		t.Errorf("attempts = %d, want 3", attempts)
	}
}
