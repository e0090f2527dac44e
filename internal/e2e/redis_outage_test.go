package e2e

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// redisProc is a redis-server the test owns, persisting every write to an append-only file in
// dir so that a stop and restart on the same port loses nothing acknowledged.
type redisProc struct {
	t    *testing.T
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// startOwnRedis starts redis-server on a free port; the test is skipped without the binary
// (failed when CI=true).
func startOwnRedis(t *testing.T) *redisProc {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if ciMode() {
			t.Fatal("e2e: redis-server is not installed and CI=true")
		}
		t.Skip("e2e: redis-server is not installed; the outage test needs its own server")
	}
	r := &redisProc{t: t, addr: freeAddr(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisProc) url() string { return "redis://" + r.addr + "/0" }

func (r *redisProc) start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no")
	var out syncBuffer
	r.cmd.Stdout, r.cmd.Stderr = &out, &out
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("e2e: redis-server: %v", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	if !waitFor(15*time.Second, r.pings) {
		r.t.Fatalf("e2e: redis-server on %s did not answer PING:\n%s", r.addr, out.String())
	}
}

func (r *redisProc) pings() bool {
	c := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	return c.Ping(ctx).Err() == nil
}

// stop SIGTERMs the server (it fsyncs and exits) and waits for it to be gone.
func (r *redisProc) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// TestRedisOutage stops the bot's Redis for several seconds while new items arrive: the bot
// must stay up and log store errors, then post every missed story once Redis is back, with no
// story posted twice; SIGTERM then stops it cleanly.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	rds := startOwnRedis(t)
	fs := newFeedServer(t, "Outage Outlet")
	fs.add(3)
	fake := fakeDiscord(t, fakediscord.Options{})
	env := botEnv(t, fake, fs.URL(), rds.url(), "herald-e2e:")

	bot := startBot(t, env)
	bot.waitLog("polled=1", 60*time.Second)
	subscribeFeed(t, fake, guildID, channelID, fs.URL())

	before := fs.add(4)
	if !waitFor(60*time.Second, func() bool { return len(postedLinks(fake.Messages(channelID))) >= len(before) }) {
		t.Fatalf("before the outage: %d of %d stories posted", len(postedLinks(fake.Messages(channelID))), len(before))
	}

	rds.stop()
	logged := len(bot.output())
	during := fs.add(5)
	if !waitFor(30*time.Second, func() bool { return storeErrorLogged(bot.output()[logged:]) }) {
		t.Fatalf("no store error logged within 30 s of Redis stopping")
	}
	// Keep Redis down across a few poll and sweep cycles.
	downUntil := time.Now().Add(4 * time.Second)
	waitFor(5*time.Second, func() bool { return !bot.running() || time.Now().After(downUntil) })
	if !bot.running() {
		t.Fatalf("the bot exited (code %d) during the Redis outage", bot.exitCode)
	}
	if n := len(postedLinks(fake.Messages(channelID))); n != len(before) {
		t.Errorf("%d stories posted while Redis was down; want %d (no claim, no post)", n, len(before))
	}

	rds.start()
	all := append(before, during...)
	// Polling every second with a 3 s lease, the missed stories are due within a few seconds;
	// 30 s leaves room for a loaded machine but not for a minute-long store-failure backoff.
	if !waitFor(30*time.Second, func() bool { return len(postedLinks(fake.Messages(channelID))) >= len(all) }) {
		t.Fatalf("30 s after Redis came back only %d of %d stories were posted", len(postedLinks(fake.Messages(channelID))), len(all))
	}
	quiet(fake, channelID, 7*time.Second)
	t.Logf("messages:\n%s", describeMessages(fake.Messages(channelID)))
	assertEachOnce(t, fake.Messages(channelID), all)

	bot.signal(syscall.SIGTERM)
	if code, _ := bot.wait(15 * time.Second); code != 0 {
		t.Errorf("SIGTERM after the outage: exit %d, want 0", code)
	}
}

// storeErrorLogged reports whether logs show the bot noticed Redis failing.
func storeErrorLogged(logs string) bool {
	for _, line := range strings.Split(logs, "\n") {
		if (strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) &&
			(strings.Contains(line, "redis") || strings.Contains(line, "store")) {
			return true
		}
	}
	return false
}
