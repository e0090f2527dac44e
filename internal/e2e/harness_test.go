// Package e2e runs the real bot binary as a separate process against real parts: an httptest
// feed server, the fake Discord (REST + gateway) and a real Redis. It proves what unit tests
// cannot: that restarts, SIGKILLs and store outages neither lose nor duplicate posts.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// harness holds what TestMain prepared once for the whole package: the bot binary.
type harness struct {
	bin string
}

// h is set once by TestMain before any test runs and never written again.
var h harness

func TestMain(m *testing.M) {
	os.Exit(mainWithBinary(m))
}

// mainWithBinary builds ./cmd/bot once (with -race when the tests run under -race, so the bot
// itself is race-checked) and runs the tests.
func mainWithBinary(m *testing.M) int {
	dir, err := os.MkdirTemp("", "herald-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin, err := buildBot(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	h.bin = bin
	return m.Run()
}

func buildBot(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("e2e: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("e2e: not inside the module (go env GOMOD is empty)")
	}
	bin := filepath.Join(dir, "herald")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./cmd/bot")...)
	cmd.Dir = filepath.Dir(gomod)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("e2e: go build ./cmd/bot: %w\n%s", err, b)
	}
	return bin, nil
}

// syncBuffer is a bytes.Buffer safe for the process's writer goroutine and the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// botProc is one running bot process.
type botProc struct {
	t       *testing.T
	name    string
	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	started time.Time

	done     chan struct{} // closed when the process has exited
	exitCode int
	ended    time.Time
}

// startBot runs the bot with only env (plus PATH and HOME) and no stdin.
func startBot(t *testing.T, env map[string]string) *botProc {
	t.Helper()
	return startBotInput(t, env, nil)
}

// startBotInput runs the bot with only env (plus PATH and HOME) and stdin (nil: /dev/null).
// The process is killed at cleanup if still running; its output is logged if the test failed.
func startBotInput(t *testing.T, env map[string]string, stdin io.Reader) *botProc {
	t.Helper()
	p := &botProc{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(h.bin)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = stdin, p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("e2e: starting %s: %v", h.bin, err)
	}
	p.started = time.Now()
	p.name = fmt.Sprintf("bot pid %d", p.cmd.Process.Pid)
	go p.reap()
	t.Cleanup(p.cleanup)
	return p
}

// reap waits for the process and records how it ended.
func (p *botProc) reap() {
	err := p.cmd.Wait()
	p.ended = time.Now()
	p.exitCode = 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		p.exitCode = ee.ExitCode() // -1 when killed by a signal
	case err != nil:
		p.exitCode = -2
	}
	close(p.done)
}

func (p *botProc) cleanup() {
	if p.running() {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if p.t.Failed() {
		p.t.Logf("%s stdout:\n%s", p.name, p.stdout.String())
		p.t.Logf("%s stderr:\n%s", p.name, p.stderr.String())
	}
}

func (p *botProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// output is stdout and stderr together, for searching logs.
func (p *botProc) output() string { return p.stdout.String() + p.stderr.String() }

// waitLog waits until substr appears in the process's output; it fails the test on timeout or
// when the process exits without printing it.
func (p *botProc) waitLog(substr string, timeout time.Duration) {
	p.t.Helper()
	waitFor(timeout, func() bool { return strings.Contains(p.output(), substr) || !p.running() })
	if !strings.Contains(p.output(), substr) {
		state := "still running"
		if !p.running() {
			state = fmt.Sprintf("exited with %d", p.exitCode)
		}
		p.t.Fatalf("%s: %q not logged within %s (%s)", p.name, substr, timeout, state)
	}
}

// signal sends sig to the process.
func (p *botProc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && p.running() {
		p.t.Fatalf("%s: signal %v: %v", p.name, sig, err)
	}
}

// kill9 SIGKILLs the process and waits for it to be gone.
func (p *botProc) kill9() {
	p.t.Helper()
	p.signal(syscall.SIGKILL)
	<-p.done
}

// wait blocks until the process exits (failing the test after timeout) and returns its exit
// code (-1 when a signal killed it) and how long it ran.
func (p *botProc) wait(timeout time.Duration) (code int, ran time.Duration) {
	p.t.Helper()
	select {
	case <-p.done:
		return p.exitCode, p.ended.Sub(p.started)
	case <-time.After(timeout):
		p.t.Fatalf("%s: still running after %s", p.name, timeout)
		return 0, 0
	}
}

// waitFor polls cond every 20 ms until it holds or timeout passes; it reports whether it held.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeAddr returns a 127.0.0.1 address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	// A port below Linux's ephemeral range (32768-60999): the bot binds it after this check,
	// and a port the kernel hands out for outgoing connections (tests make thousands) could be
	// taken in between ("address already in use" under parallel load).
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+mathrand.IntN(12000))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		ln.Close()
		return addr
	}
	t.Fatalf("e2e: no free port in 20000-31999 after 100 tries")
	return ""
}

// ciMode is true under CI=true, where a missing dependency fails a test instead of skipping it.
func ciMode() bool { return os.Getenv("CI") == "true" }

// fakeDiscord starts the fake Discord for one test.
func fakeDiscord(t *testing.T, opts fakediscord.Options) *fakediscord.Server {
	t.Helper()
	f := fakediscord.New(opts)
	t.Cleanup(f.Close)
	return f
}

// botEnv is the environment of a gateway-mode bot talking to fake, polling feedURL every
// second, storing in Redis under prefix, with a short claim lease.
func botEnv(t *testing.T, fake *fakediscord.Server, feedURL, redis, prefix string) map[string]string {
	t.Helper()
	return map[string]string{
		"DISCORD_API_URL":            fake.URL(),
		"DISCORD_TOKEN":              fake.BotToken(),
		"DISCORD_APP_ID":             fake.AppID(),
		"HERALD_HTTP_ADDR":           freeAddr(t),
		"HERALD_FEEDS":               feedURL,
		"HERALD_POLL_INTERVAL":       "1s",
		"HERALD_ALLOW_PRIVATE_FEEDS": "true",
		"HERALD_CLAIM_LEASE":         "3s",
		"REDIS_URL":                  redis,
		"HERALD_REDIS_PREFIX":        prefix,
		"LOG_LEVEL":                  "debug",
	}
}

// subscribeFeed runs /subscribe feed url in channelID through the gateway, as a member with
// Manage Channels, and waits for the bot's confirmation.
func subscribeFeed(t *testing.T, fake *fakediscord.Server, guildID, channelID, url string) {
	t.Helper()
	subscribe(t, fake, guildID, channelID, "feed", []fakediscord.Option{{Name: "url", Type: 3, Value: url}}, "New stories from")
}

// subscribe runs /subscribe <kind> with opts in channelID through the gateway, as a member with
// Manage Channels, and fails the test unless the answer contains want.
func subscribe(t *testing.T, fake *fakediscord.Server, guildID, channelID, kind string, opts []fakediscord.Option, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := fake.WaitSession(ctx, 1); err != nil {
		t.Fatalf("e2e: no gateway session: %v", err)
	}
	p, err := fake.InjectInteraction(ctx, fakediscord.Interaction{GuildID: guildID, ChannelID: channelID,
		Permissions: "16", CommandName: "subscribe", Options: []fakediscord.Option{{Name: kind, Type: 1, Options: opts}}})
	if err != nil {
		t.Fatalf("e2e: inject /subscribe %s: %v", kind, err)
	}
	resp, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("e2e: /subscribe %s unanswered: %v", kind, err)
	}
	if resp.Type == 5 { // deferred: the answer is the edit of @original
		if resp, err = p.WaitEdits(ctx, 1); err != nil {
			t.Fatalf("e2e: /subscribe %s deferred but never answered: %v", kind, err)
		}
	}
	text := string(resp.Data)
	if resp.Original != nil {
		text += resp.Original.Content
	}
	if !strings.Contains(text, want) {
		t.Fatalf("e2e: /subscribe %s: answer lacks %q: type %d data %s original %+v", kind, want, resp.Type, resp.Data, resp.Original)
	}
}
