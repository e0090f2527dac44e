package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/ptytest"
)

// TestConsoleHealthOnlyWhenInteractive: an interactive console (stdin a terminal) is a
// long-running process and serves /healthz for the image's HEALTHCHECK; a piped run serves
// nothing, so it never collides with a bot already listening.
func TestConsoleHealthOnlyWhenInteractive(t *testing.T) {
	fs := newFeedServer(t, 3)
	addr := freeTCPAddr(t)
	vars := map[string]string{"HERALD_FEEDS": fs.URL + "/feed.xml", "HERALD_ALLOW_PRIVATE_FEEDS": "true",
		"HERALD_DATA_DIR": t.TempDir(), "HERALD_HTTP_ADDR": addr}

	t.Run("piped", func(t *testing.T) {
		out, errs, code := runBot(t, "/help\n", vars)
		if code != 0 || strings.Contains(errs, "http listening") {
			t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
		}
		if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
			t.Error("a piped console left a listener behind")
		}
	})

	t.Run("terminal", func(t *testing.T) {
		ptm, pts, err := ptytest.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer ptm.Close()
		defer pts.Close()
		var out, errb bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- run(nil, pts, &out, &errb, func(k string) string { return vars[k] }) }()
		if err := waitHealthy(addr, 30*time.Second); err != nil {
			t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
		}
		if _, err := ptm.Write([]byte{4}); err != nil { // Ctrl-D: end of input
			t.Fatal(err)
		}
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the console did not exit at Ctrl-D")
		}
		if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
			t.Error("the listener outlived the console")
		}
	})
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(addr string, limit time.Duration) error {
	c := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := c.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("/healthz on %s not 200 within %s", addr, limit)
}
