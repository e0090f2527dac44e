package ops

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/ptytest"
)

// Idle budget from issue 7: with 200 feeds polled every 10 minutes the process between polls
// stays under 50 MB resident and 1% of one core.
const (
	idleFeeds     = 200
	idleItems     = 20
	budgetRSSMB   = 50.0
	budgetCPUPct  = 1.0
	clockTicksSec = 100 // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s
)

// feedFarm serves idleFeeds RSS feeds on one listener: the first fetch of each gets the feed
// with an ETag, a revalidation gets 304, as well-behaved news sites answer.
type feedFarm struct {
	*httptest.Server
	full, notModified atomic.Int64
}

func newFeedFarm(tb testing.TB) *feedFarm {
	f := &feedFarm{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	return f
}

func (f *feedFarm) serve(w http.ResponseWriter, r *http.Request) {
	var n int
	if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &n); err != nil {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"feed-%d-v1"`, n)
	if r.Header.Get("If-None-Match") == etag {
		f.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Outlet %d</title><link>https://outlet%d.example/</link>`, n, n)
	base := time.Now().UTC().Add(-48 * time.Hour)
	for i := range idleItems {
		fmt.Fprintf(&b, `<item><title>Outlet %d reports development %d in the regional talks</title><link>https://outlet%d.example/story/%d</link><guid>o%d-s%d</guid><pubDate>%s</pubDate><description>Officials said on day %d that negotiators met again.</description></item>`,
			n, i, n, i, n, i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z), i)
	}
	b.WriteString(`</channel></rss>`)
	_, _ = io.WriteString(w, b.String())
}

func (f *feedFarm) urls() string {
	u := make([]string, idleFeeds)
	for i := range u {
		u[i] = fmt.Sprintf("%s/feed/%d.xml", f.URL, i)
	}
	return strings.Join(u, ",")
}

// procSample is what /proc says about a process at one instant.
type procSample struct {
	rssKB int64
	ticks int64 // utime + stime
}

func readProc(pid int) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			s.rssKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the parenthesised command: state is field 3, utime 14, stime 15.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return s, fmt.Errorf("ops: short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	s.ticks = ut + st
	return s, nil
}

// footprint is the result of watching a process for a window.
type footprint struct {
	maxRSSMB, lastRSSMB, cpuPct float64
	window                      time.Duration
}

// watch samples pid's RSS every second for window and its CPU time at both ends.
func watch(pid int, window time.Duration) (footprint, error) {
	first, err := readProc(pid)
	if err != nil {
		return footprint{}, err
	}
	start := time.Now()
	fp := footprint{maxRSSMB: float64(first.rssKB) / 1024}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := first
	for time.Since(start) < window {
		<-tick.C
		if last, err = readProc(pid); err != nil {
			return fp, err
		}
		fp.maxRSSMB = max(fp.maxRSSMB, float64(last.rssKB)/1024)
	}
	fp.window = time.Since(start)
	fp.lastRSSMB = float64(last.rssKB) / 1024
	fp.cpuPct = float64(last.ticks-first.ticks) / clockTicksSec / fp.window.Seconds() * 100
	return fp, nil
}

// envDuration reads a Go duration from the environment, def when unset.
func envDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		tb.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// idleWindow is the measured window: HERALD_IDLE_WINDOW, default 60 s.
func idleWindow(tb testing.TB) time.Duration {
	return envDuration(tb, "HERALD_IDLE_WINDOW", 60*time.Second)
}

func freePort(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func report(b *testing.B, fp footprint, farm *feedFarm) {
	b.ReportMetric(fp.maxRSSMB, "MB-rss-max")
	b.ReportMetric(fp.lastRSSMB, "MB-rss-end")
	b.ReportMetric(fp.cpuPct, "%cpu")
	b.ReportMetric(float64(farm.full.Load()), "feed-200s")
	b.ReportMetric(float64(farm.notModified.Load()), "feed-304s")
	b.Logf("window %s: RSS max %.1f MB, end %.1f MB, CPU %.3f%% of a core; farm served %d full, %d not-modified",
		fp.window.Round(time.Second), fp.maxRSSMB, fp.lastRSSMB, fp.cpuPct, farm.full.Load(), farm.notModified.Load())
	if fp.maxRSSMB > budgetRSSMB || fp.cpuPct > budgetCPUPct {
		b.Errorf("over the idle budget (%.0f MB, %.0f%% of a core)", budgetRSSMB, budgetCPUPct)
	}
}

// BenchmarkIdleFootprint starts the image's binary with 200 feeds polled every 10 minutes and
// samples /proc for HERALD_IDLE_WINDOW. Run once:
//
//	go test -run '^$' -bench IdleFootprint -benchtime 1x ./internal/ops
func BenchmarkIdleFootprint(b *testing.B) {
	bin := builtBinary(b)
	b.Run("console_after_first_poll", func(b *testing.B) {
		for range b.N {
			idleConsole(b, bin)
		}
	})
	b.Run("discord_gateway_spread_polls", func(b *testing.B) {
		for range b.N {
			idleDiscord(b, bin)
		}
	})
}

// idleConsole runs the interactive console (stdin a terminal): it polls all 200 feeds at once,
// then the background poller has nothing due for 10 minutes; the window is between polls.
func idleConsole(b *testing.B, bin string) {
	farm := newFeedFarm(b)
	ptm, pts, err := ptytest.Open()
	if err != nil {
		skipOrFail(b, "no pseudo-terminal: "+err.Error())
	}
	defer ptm.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{"HERALD_FEEDS=" + farm.urls(), "HERALD_POLL_INTERVAL=10m", "HERALD_ALLOW_PRIVATE_FEEDS=true",
		"HERALD_DATA_DIR=" + b.TempDir(), "HERALD_HTTP_ADDR=" + freePort(b)}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	pts.Close()
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	polled := make(chan string, 1)
	go func() { // drain the terminal; report when the first poll is done
		sc := bufio.NewScanner(ptm)
		var once sync.Once
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Type /help") {
				once.Do(func() { polled <- sc.Text() })
			}
		}
	}()
	started := time.Now()
	select {
	case <-polled:
	case <-time.After(5 * time.Minute):
		b.Fatal("console: first poll did not finish in 5 minutes")
	}
	b.Logf("console: first poll of %d feeds took %s", idleFeeds, time.Since(started).Round(time.Millisecond))
	fp, err := watch(cmd.Process.Pid, idleWindow(b))
	if err != nil {
		b.Fatal(err)
	}
	report(b, fp, farm)
}

// idleDiscord runs gateway mode against the fake Discord on the embedded store: polls are
// spread over the 10-minute interval (one about every 3 s), so the window holds the steady
// trickle of polls, here all first fetches (200 with a body): an upper bound on later 304s.
func idleDiscord(b *testing.B, bin string) {
	farm := newFeedFarm(b)
	fake := fakediscord.New(fakediscord.Options{})
	defer fake.Close()
	addr := freePort(b)
	cmd := exec.Command(bin)
	cmd.Env = []string{"HERALD_FEEDS=" + farm.urls(), "HERALD_POLL_INTERVAL=10m", "HERALD_ALLOW_PRIVATE_FEEDS=true",
		"HERALD_DATA_DIR=" + b.TempDir(), "HERALD_HTTP_ADDR=" + addr, "DISCORD_API_URL=" + fake.URL(),
		"DISCORD_TOKEN=" + fake.BotToken(), "DISCORD_APP_ID=" + fake.AppID(), "LOG_LEVEL=warn"}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	if err := waitReady(addr, time.Minute); err != nil {
		b.Fatalf("%v\n%s", err, logs.String())
	}
	// Start-up settles (command registration, catch-up, first trim). HERALD_IDLE_WARMUP=10m30s
	// moves the window past the first cycle, when every poll is a revalidation answered 304.
	warmup := envDuration(b, "HERALD_IDLE_WARMUP", 10*time.Second)
	time.Sleep(warmup)
	full, notMod := farm.full.Load(), farm.notModified.Load()
	defer func() {
		b.Logf("discord: warm-up %s; in the window the farm served %d full, %d not-modified",
			warmup, farm.full.Load()-full, farm.notModified.Load()-notMod)
	}()
	fp, err := watch(cmd.Process.Pid, idleWindow(b))
	if err != nil {
		b.Fatal(err)
	}
	report(b, fp, farm)
}

func waitReady(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("ops: %s/readyz not 200 within %s", addr, limit)
}
