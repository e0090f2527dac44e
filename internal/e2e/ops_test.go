package e2e

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/redistest"
)

const (
	sigterm = syscall.SIGTERM

	// shutdownLimit is what the operator was promised: docker stop waits 10 s, the bot must be
	// gone well before.
	shutdownLimit = 8 * time.Second

	opsChannel = "940000000000000001"
)

// get fetches path from the bot's HTTP listener and returns the status and body; a connection
// error is status 0.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

// scrape reads /metrics into series → value, keyed as exposed, e.g.
// `herald_feed_fetches_total{result="ok"}`; it fails the test if /metrics does not answer 200.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	code, body := get(t, addr, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d %q", code, body)
	}
	return parseMetrics(t, body)
}

func parseMetrics(t *testing.T, body string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("/metrics line without a value: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestParseMetrics(t *testing.T) {
	body := "# HELP x_total X.\n# TYPE x_total counter\nx_total 3\n" +
		"h_count{command=\"latest\"} 2\nh_bucket{command=\"latest\",le=\"+Inf\"} 2\ng 1.5e-05\n"
	got := parseMetrics(t, body)
	want := map[string]float64{"x_total": 3, `h_count{command="latest"}`: 2,
		`h_bucket{command="latest",le="+Inf"}`: 2, "g": 1.5e-05}
	if len(got) != len(want) {
		t.Fatalf("parsed %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// TestOpsProbesMetricsAndSIGTERM runs one bot on the embedded store through an operator's view:
// liveness and readiness, counters that move with polls, commands and posts, a prompt clean
// exit on SIGTERM, and a debug log without the token.
func TestOpsProbesMetricsAndSIGTERM(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Ops Outlet")
	fs.add(2)
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, fs.URL())
	addr := env["HERALD_HTTP_ADDR"]
	bot := startBot(t, env)

	if !waitFor(startupWait, func() bool { c, _ := get(t, addr, "/healthz"); return c == http.StatusOK || !bot.running() }) || !bot.running() {
		t.Fatalf("/healthz never answered 200")
	}
	checkReadyOnlyWhenConnected(t, bot, fake, addr)
	waitRegistered(t, bot)
	waitStories(t, addr, 2)
	before := scrape(t, addr)
	if before[`herald_feed_fetches_total{result="ok"}`] < 1 {
		t.Errorf("after the first poll herald_feed_fetches_total{result=\"ok\"} = %v, want >= 1", before[`herald_feed_fetches_total{result="ok"}`])
	}

	ask(t, fake, command{channel: opsChannel, name: "latest"})
	ask(t, fake, subscribeFeedCommand(opsChannel, permManageChannels, fs.URL()))
	fresh := fs.add(1)
	if !waitFor(30*time.Second, func() bool { return len(fake.Messages(opsChannel)) >= 1 }) {
		t.Fatalf("no live post within 30 s of a new item")
	}
	// The message lands at the fake Discord before the bot has read the answer and counted
	// it: scrape until the counters catch up (bounded), rather than once, which failed on a
	// busy machine.
	moved := map[string]float64{
		`herald_command_duration_seconds_count{command="latest"}`: 1,
		`herald_stories_ingested_total`:                           1,
		`herald_posts_total{result="sent"}`:                       1,
	}
	var after map[string]float64
	waitFor(10*time.Second, func() bool {
		after = scrape(t, addr)
		for k, d := range moved {
			if after[k]-before[k] < d {
				return false
			}
		}
		return true
	})
	assertMoved(t, before, after, moved)
	if after[`herald_feed_fetches_total{result="ok"}`]+after[`herald_feed_fetches_total{result="not_modified"}`] <=
		before[`herald_feed_fetches_total{result="ok"}`]+before[`herald_feed_fetches_total{result="not_modified"}`] {
		t.Errorf("herald_feed_fetches_total did not move between scrapes although the bot polls every second")
	}
	assertEachOnce(t, fake.Messages(opsChannel), fresh)

	signalled := time.Now()
	bot.signal(sigterm)
	code, _ := bot.wait(15 * time.Second)
	took := bot.ended.Sub(signalled)
	t.Logf("SIGTERM → exit %d in %s", code, took.Round(time.Millisecond))
	if code != 0 {
		t.Errorf("SIGTERM: exit code %d, want 0", code)
	}
	if took > shutdownLimit {
		t.Errorf("SIGTERM: exited after %s, want within %s", took, shutdownLimit)
	}
	if !strings.Contains(bot.output(), "herald stopped") {
		t.Errorf("no \"herald stopped\" log line after SIGTERM")
	}
	assertNoToken(t, bot)
}

// checkReadyOnlyWhenConnected polls /readyz until it answers 200 and checks the gateway session
// existed by then: readiness must not be claimed before Discord is connected.
func checkReadyOnlyWhenConnected(t *testing.T, bot *botProc, fake *fakediscord.Server, addr string) {
	t.Helper()
	sessionsAtReady := -1
	if !waitFor(startupWait, func() bool {
		code, _ := get(t, addr, "/readyz")
		if code == http.StatusOK {
			sessionsAtReady = len(fake.Sessions())
		}
		return code == http.StatusOK || !bot.running()
	}) || sessionsAtReady < 0 {
		t.Fatalf("/readyz never answered 200 (running=%v)", bot.running())
	}
	if sessionsAtReady < 1 {
		t.Errorf("/readyz answered 200 before any gateway session existed")
	}
}

// assertMoved checks each series grew by at least the given amount between two scrapes.
func assertMoved(t *testing.T, before, after map[string]float64, atLeast map[string]float64) {
	t.Helper()
	for k, d := range atLeast {
		if got := after[k] - before[k]; got < d {
			t.Errorf("%s went from %v to %v, want an increase of at least %v", k, before[k], after[k], d)
		}
	}
}

// TestSIGTERMMidDeliveryNoLossNoDuplicates subscribes a channel, lets 30 new items arrive and
// sends SIGTERM after the first live message landed but before the last (the fake lets one
// message per channel through every 3 s). The bot must exit 0 within the shutdown limit, and
// after a restart every story must be in the channel exactly once. The harness's restart test
// does the same with SIGKILL.
func TestSIGTERMMidDeliveryNoLossNoDuplicates(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	fs := newFeedServer(t, "SIGTERM Outlet")
	fs.add(3)
	fake := fakeDiscord(t, fakediscord.Options{BotToken: wiringToken, ChannelLimit: 1, ChannelWindow: 3 * time.Second})
	env := botEnv(t, fake, fs.URL(), url, prefix)

	bot := startBot(t, env)
	waitRegistered(t, bot)
	// Subscribe after the poller's first fetch, so the 30 items come from a routine poll; the
	// first-poll cases are TestSubscribeBeforeFirstPollPostsNewItems and …DuringFirstPoll….
	waitStories(t, env["HERALD_HTTP_ADDR"], 3)
	ask(t, fake, subscribeFeedCommand(opsChannel, permManageChannels, fs.URL()))
	fresh := fs.add(30)

	if !waitFor(60*time.Second, func() bool { return len(fake.Messages(opsChannel)) >= 1 }) {
		t.Fatalf("no live post within 60 s of 30 new items")
	}
	signalled := time.Now()
	bot.signal(sigterm)
	code, _ := bot.wait(15 * time.Second)
	took := bot.ended.Sub(signalled)
	atStop := postedLinks(fake.Messages(opsChannel))
	t.Logf("SIGTERM after %d messages (%d stories) → exit %d in %s", len(fake.Messages(opsChannel)), len(atStop), code, took.Round(time.Millisecond))
	if code != 0 || took > shutdownLimit {
		t.Errorf("SIGTERM mid-delivery: exit %d after %s, want 0 within %s", code, took, shutdownLimit)
	}
	if len(atStop) >= len(fresh) {
		t.Fatalf("all %d stories were posted before the bot stopped: the test did not interrupt delivery", len(fresh))
	}
	assertPartsStopped(t, bot, "status_warming", "maintenance", "poller", "live", "digests", "gateway", "http", "sender")
	assertNoToken(t, bot)

	env["HERALD_HTTP_ADDR"] = freeAddr(t)
	restarted := startBot(t, env)
	restarted.waitLog("herald running", startupWait)
	if !waitFor(90*time.Second, func() bool { return len(postedLinks(fake.Messages(opsChannel))) >= len(fresh) }) {
		t.Fatalf("after the restart only %d of %d stories were posted", len(postedLinks(fake.Messages(opsChannel))), len(fresh))
	}
	quiet(fake, opsChannel, 7*time.Second) // two more retry sweeps (lease 3 s) to show a duplicate
	assertEachOnce(t, fake.Messages(opsChannel), fresh)
}

// assertPartsStopped checks the bot's log says each part stopped, in this order, and that none
// was left behind by the shutdown budget: the runner waited for every one of them.
func assertPartsStopped(t *testing.T, bot *botProc, order ...string) {
	t.Helper()
	var stopped []string
	for _, line := range strings.Split(bot.output(), "\n") {
		if strings.Contains(line, "did not stop within the shutdown budget") {
			t.Errorf("a part was not waited for: %s", line)
		}
		if !strings.Contains(line, "lifecycle: part stopped") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if name, ok := strings.CutPrefix(f, "part="); ok {
				stopped = append(stopped, name)
			}
		}
	}
	if strings.Join(stopped, " ") != strings.Join(order, " ") {
		t.Errorf("parts stopped %v, want %v", stopped, order)
	}
}

// TestSIGTERMWhileFetchHangs stops the bot while its only feed fetch is stuck on a server that
// never answers: shutdown must cancel the fetch rather than wait for the fetch timeout, and
// still exit 0 within the limit.
func TestSIGTERMWhileFetchHangs(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, hang.URL+"/feed.xml")
	bot := startBot(t, env)
	bot.waitLog("herald running", startupWait)
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatalf("the bot never fetched the feed")
	}

	signalled := time.Now()
	bot.signal(sigterm)
	code, _ := bot.wait(15 * time.Second)
	took := bot.ended.Sub(signalled)
	t.Logf("SIGTERM during a hanging fetch → exit %d in %s", code, took.Round(time.Millisecond))
	if code != 0 || took > shutdownLimit {
		t.Errorf("exit %d after %s, want 0 within %s", code, took, shutdownLimit)
	}
}

// TestReadyzFollowsTheGateway: /readyz answers 503 while the gateway is down (the fake cuts
// the websocket and refuses reconnections) and 200 again once the bot has resumed.
func TestReadyzFollowsTheGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Ready Outlet")
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, fs.URL())
	addr := env["HERALD_HTTP_ADDR"]
	bot := startBot(t, env)
	checkReadyOnlyWhenConnected(t, bot, fake, addr)

	fake.SetGatewayDown(true)
	if !waitFor(startupWait, func() bool { c, _ := get(t, addr, "/readyz"); return c == http.StatusServiceUnavailable }) {
		t.Fatalf("/readyz still 200 with the gateway down")
	}
	if code, _ := get(t, addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d with the gateway down, want 200: the process is alive", code)
	}
	fake.SetGatewayDown(false)
	if !waitFor(startupWait, func() bool { c, _ := get(t, addr, "/readyz"); return c == http.StatusOK }) {
		t.Fatalf("/readyz never answered 200 again after the gateway came back")
	}
	if !bot.running() {
		t.Fatal("the bot exited when the gateway dropped")
	}
}
