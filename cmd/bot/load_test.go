package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/redisstore"
)

var loadMode = flag.String("herald.load", "", "run TestLoadFleet: short (CI) or long (docs/performance.md)")

// loadPlan sizes one run of the load test.
type loadPlan struct {
	feeds, channels, perChannel int
	interval                    time.Duration
	intervals                   int // measured intervals from the burst
	// lease is the fleet's poll, shard and claim lease (poll.timeout is a second less): the
	// kill step's bound on taking a dead replica's work over.
	lease time.Duration
}

var loadPlans = map[string]loadPlan{
	"short": {feeds: 600, channels: 30, perChannel: 3, interval: 4 * time.Second, intervals: 4, lease: 6 * time.Second},
	"long":  {feeds: 2000, channels: 60, perChannel: 3, interval: 10 * time.Second, intervals: 6, lease: 10 * time.Second},
}

// fleetReplicas is how many replicas the load test runs, on a bot Discord shards in two.
const fleetReplicas, fleetShards = 3, 2

// TestLoadFleet is the fleet load test: three replicas, each a process running main's run
// (this test binary started again as TestLoadReplica), on one Redis and the fake Discord
// (two shards, DISCORD_SHARD_COUNT=auto: two replicas hold a shard, one stands by), polling
// many feeds on two host names. After the first polls, new items in some feeds make a burst of
// posts; while it is under way one replica holding a shard is killed with SIGKILL in the middle
// of fetching a feed. It reports and checks fetches per feed per interval across the fleet
// (0.8–1.1), the busiest second of Discord requests (≤ 50, no 429), that the dead replica's
// feed and shard were taken over within one lease, and that every new story was posted exactly
// once. Run with go test -run TestLoadFleet ./cmd/bot -args -herald.load=short (or long).
func TestLoadFleet(t *testing.T) {
	plan, ok := loadPlans[*loadMode]
	if !ok {
		t.Skip("load test: go test -run TestLoadFleet ./cmd/bot -args -herald.load=short|long")
	}
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	site := newLoadSite()
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close) // after the replicas stop (cleanups run last first)
	fake := fakediscord.New(fakediscord.Options{Shards: fleetShards})
	t.Cleanup(fake.Close)
	hosts := []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)}
	var feeds []string
	for n := range plan.feeds {
		feeds = append(feeds, hosts[n%len(hosts)]+"/f/"+strconv.Itoa(n))
	}
	subscribeChannels(t, plan, url, prefix, feeds)
	env := fleetEnv(t, plan, fake, url, prefix, feeds)
	var fleet []*loadReplica
	for range fleetReplicas {
		fleet = append(fleet, startReplica(t, env))
	}
	start := time.Now()

	// Warm-up: every feed's first poll (backfill, within the first-poll spread), both shards
	// connected; then the burst, and the kill once a shard's replica is fetching a burst feed.
	wait(t, plan.interval+5*time.Second)
	holders := shardHolders(t, fake, fleet)
	site.burst(plan, holders, srv.Listener.Addr().String())
	burst := time.Now()
	victim, trapped := site.waitVictim(t, 2*plan.interval)
	killed := time.Now()
	victim.kill9(t)
	shardBack := shardTakeover(t, fake, victim, fleet, plan.lease)
	refetched := site.waitRefetch(t, trapped, killed, plan.interval+2*plan.lease)

	end := burst.Add(time.Duration(plan.intervals) * plan.interval)
	wait(t, time.Until(end))
	perFeed := site.fetchRate(burst, end, plan.interval)
	// Posts still queued, and the dead replica's claims: they lapse after a lease and the
	// survivors' next sweep (every lease) posts them.
	wait(t, time.Until(killed.Add(2*plan.lease+5*time.Second)))

	var posts []time.Time
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Route, "/messages") {
			posts = append(posts, r.Time)
		}
	}
	busiest := busiestSecond(posts)
	once, missing, twice := postedOnce(t, fake, plan)
	t.Logf("%s: %d feeds every %v, %d replicas: %.3f fetches per feed per interval; %d posts, busiest second %d requests, %d 429s; stories posted once %d, missing %d, twice %d",
		*loadMode, plan.feeds, plan.interval, fleetReplicas, perFeed, len(posts), busiest, fake.Count429(), once, missing, twice)
	t.Logf("%s: kill -9 of a shard's replica %.1f s into the run, %.1f s after the burst, mid-fetch of feed %d: feed fetched again after %.1f s, shard connected again after %.1f s (lease %v); fetches per feed in each interval from the burst: %s",
		*loadMode, killed.Sub(start).Seconds(), killed.Sub(burst).Seconds(), trapped, refetched.Seconds(), shardBack.Seconds(), plan.lease,
		strings.Join(site.perInterval(burst, plan.interval, plan.intervals, plan.feeds), " "))
	if perFeed > 1.1 || perFeed < 0.8 {
		t.Errorf("%.3f fetches per feed per interval across the fleet, want 0.8–1.1", perFeed)
	}
	if busiest > 50 || fake.Count429() > 0 {
		t.Errorf("busiest second %d requests and %d 429s, want at most 50 and none", busiest, fake.Count429())
	}
	if missing > 0 || twice > 0 {
		t.Errorf("%d new stories not posted and %d posted more than once; want each exactly once", missing, twice)
	}
}

// TestLoadReplica is one replica of TestLoadFleet, in its own process so that the fleet test
// can SIGKILL it; it runs only when that test starts it.
func TestLoadReplica(t *testing.T) {
	if os.Getenv("HERALD_LOAD_REPLICA") != "1" {
		t.Skip("a replica of TestLoadFleet, started by it")
	}
	if code := run(nil, strings.NewReader(""), os.Stdout, os.Stderr, os.Getenv); code != 0 {
		t.Fatalf("replica exited with %d", code)
	}
}

// subscribeChannels subscribes plan.channels channels, one to each of the first feeds.
func subscribeChannels(t *testing.T, plan loadPlan, url, prefix string, feeds []string) {
	t.Helper()
	st, err := redisstore.New(t.Context(), url, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for c := range plan.channels {
		if _, err := st.CreateSubscription(t.Context(), store.Subscription{GuildID: "710000000000000001",
			ChannelID: strconv.Itoa(900000000000000000 + c), Kind: store.KindFeed, FeedURL: feeds[c], CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

// fleetEnv is every replica's environment: the fake Discord, shards claimed through Redis,
// and the plan's interval and leases (in a HERALD_CONFIG file).
func fleetEnv(t *testing.T, plan loadPlan, fake *fakediscord.Server, url, prefix string, feeds []string) []string {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "herald.yaml")
	yaml := fmt.Sprintf("poll:\n  timeout: %s\n  lease: %s\ndelivery:\n  claim_lease: %s\ndiscord:\n  shard_lease: %s\n",
		plan.lease-time.Second, plan.lease, plan.lease, plan.lease)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DISCORD_API_URL": fake.URL(), "DISCORD_TOKEN": fake.BotToken(), "DISCORD_APP_ID": fake.AppID(),
		"DISCORD_SHARD_COUNT": "auto", "REDIS_URL": url, "HERALD_REDIS_PREFIX": prefix, "HERALD_FEEDS": strings.Join(feeds, ","),
		"HERALD_POLL_INTERVAL": plan.interval.String(), "HERALD_ALLOW_PRIVATE_FEEDS": "true", "HERALD_CONFIG": cfgPath,
		"HERALD_HTTP_ADDR": "127.0.0.1:0", "HERALD_LOAD_REPLICA": "1", "PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME")}
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// loadReplica is one replica process.
type loadReplica struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed once the process has exited
}

// startReplica starts this test binary as TestLoadReplica with env; the replica is stopped
// (SIGTERM, then SIGKILL) when the test ends, and its output logged if the test failed.
func startReplica(t *testing.T, env []string) *loadReplica {
	t.Helper()
	r := &loadReplica{out: &lockedBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(os.Args[0], "-test.run=^TestLoadReplica$", "-test.count=1")
	r.cmd.Env, r.cmd.Stdout, r.cmd.Stderr = env, r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting a replica: %v", err)
	}
	go func() {
		_ = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *loadReplica) stop(t *testing.T) {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	select {
	case <-r.done:
	case <-timer.C:
		_ = r.cmd.Process.Kill()
		<-r.done
		t.Errorf("replica pid %d did not stop within 20 s of SIGTERM", r.cmd.Process.Pid)
	}
	if t.Failed() {
		t.Logf("replica pid %d output:\n%s", r.cmd.Process.Pid, r.out.String())
	}
}

// kill9 SIGKILLs the replica and waits until it is gone.
func (r *loadReplica) kill9(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill -9 of replica pid %d: %v", r.cmd.Process.Pid, err)
	}
	<-r.done
}

var shardAssigned = regexp.MustCompile(`msg="discord: gateway shard assigned" shard_id=(\d+)`)

// shard is the shard the replica logged it holds, or -1.
func (r *loadReplica) shard() int {
	m := shardAssigned.FindAllStringSubmatch(r.out.String(), -1)
	if len(m) == 0 {
		return -1
	}
	id, _ := strconv.Atoi(m[len(m)-1][1])
	return id
}

// shardHolders waits for both shards' sessions and returns the replicas holding them, by pid.
func shardHolders(t *testing.T, fake *fakediscord.Server, fleet []*loadReplica) map[int]*loadReplica {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := fake.WaitSession(ctx, fleetShards); err != nil {
		t.Fatalf("%d shard sessions: %v", fleetShards, err)
	}
	holders := map[int]*loadReplica{}
	for _, r := range fleet {
		if r.shard() >= 0 {
			holders[r.cmd.Process.Pid] = r
		}
	}
	if len(holders) != fleetShards {
		t.Fatalf("%d replicas logged a shard, want %d", len(holders), fleetShards)
	}
	return holders
}

// shardTakeover waits until the victim's shard is connected again, by the replica that stood
// by, and returns how long after the kill; it fails the test unless that is within one lease
// plus a standby's check (a third of it) and the 5 s identify spacing, and 5 s of slack.
func shardTakeover(t *testing.T, fake *fakediscord.Server, victim *loadReplica, fleet []*loadReplica, lease time.Duration) time.Duration {
	t.Helper()
	killed := time.Now()
	limit := lease + lease/3 + 10*time.Second
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	for _, s := range fake.Sessions() {
		if s.Connected && s.Shard[0] == victim.shard() {
			if err := fake.WaitSessionGone(ctx, s.ID); err != nil {
				t.Fatalf("the dead replica's session: %v", err)
			}
		}
	}
	if err := fake.WaitSession(ctx, fleetShards); err != nil {
		t.Fatalf("shard %d not taken over within %v of the kill: %v", victim.shard(), limit, err)
	}
	took := time.Since(killed)
	for _, r := range fleet {
		if r != victim && r.shard() == victim.shard() {
			return took
		}
	}
	t.Fatalf("shard %d connected again, but no surviving replica logged it", victim.shard())
	return took
}

// loadSite serves /f/N as RSS with an ETag, counting requests per feed; burst adds new items
// to the subscribed feeds and arms a trap: the first fetch of one of them by a shard's replica
// is held until that replica dies, so the kill lands mid-fetch.
type loadSite struct {
	mu    sync.Mutex
	items map[int]int         // extra items per feed
	hits  map[int][]time.Time // when each feed was fetched
	// The trap: armed by burst; holders are the shard replicas by pid, server the site's
	// address (to tell its connections' client ends).
	trap    map[int]bool
	holders map[int]*loadReplica
	server  string
	// victim receives the replica caught and the feed it was fetching; trapped is that feed,
	// refetch receives when it is next fetched.
	victim  chan trapped
	trapped int
	refetch chan time.Time
}

type trapped struct {
	r    *loadReplica
	feed int
}

func newLoadSite() *loadSite {
	return &loadSite{items: map[int]int{}, hits: map[int][]time.Time{}, trapped: -1,
		victim: make(chan trapped, 1), refetch: make(chan time.Time, 1)}
}

// burst gives each subscribed feed plan.perChannel new items and arms the trap on them.
func (s *loadSite) burst(plan loadPlan, holders map[int]*loadReplica, server string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trap, s.holders, s.server = map[int]bool{}, holders, server
	for c := range plan.channels {
		s.items[c] = plan.perChannel
		s.trap[c] = true
	}
}

func (s *loadSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if s.caught(n, r) {
		<-r.Context().Done() // the replica was killed mid-fetch
		return
	}
	s.mu.Lock()
	s.hits[n] = append(s.hits[n], time.Now())
	extra := s.items[n]
	s.mu.Unlock()
	s.serveFeed(w, r, n, extra)
}

// caught reports whether this request springs the trap: a fetch of a trapped feed by a
// shard's replica, while no replica has been caught yet. Later fetches of the trapped feed
// are reported on refetch.
func (s *loadSite) caught(n int, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == s.trapped {
		select {
		case s.refetch <- time.Now():
		default:
		}
		return false
	}
	if s.trapped >= 0 || !s.trap[n] {
		return false
	}
	var pids []int
	for pid := range s.holders {
		pids = append(pids, pid)
	}
	pid, err := socketOwner(r.RemoteAddr, s.server, pids)
	victim, ok := s.holders[pid]
	if err != nil || !ok {
		return false
	}
	s.trapped = n
	s.victim <- trapped{r: victim, feed: n}
	return true
}

func (s *loadSite) serveFeed(w http.ResponseWriter, r *http.Request, n, extra int) {
	etag := fmt.Sprintf(`"%d-%d"`, n, extra)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Load %d</title><link>https://load.example/</link>`, n)
	now := time.Now().UTC()
	for i := range 2 + extra {
		fmt.Fprintf(&b, `<item><guid>f%d-i%d</guid><title>Feed %d story %d</title><link>https://load.example/%d/%d</link><pubDate>%s</pubDate></item>`,
			n, i, n, i, n, i, now.Add(-time.Duration(10-i)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	_, _ = w.Write([]byte(b.String()))
}

// waitVictim returns the shard replica caught mid-fetch and the feed it was fetching.
func (s *loadSite) waitVictim(t *testing.T, within time.Duration) (*loadReplica, int) {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case v := <-s.victim:
		return v.r, v.feed
	case <-timer.C:
		t.Fatalf("no shard's replica fetched a burst feed within %v", within)
		return nil, 0
	}
}

// waitRefetch returns how long after killed the trapped feed was fetched again (by a
// survivor, once the dead replica's lease on it lapsed); it fails the test after within.
func (s *loadSite) waitRefetch(t *testing.T, feed int, killed time.Time, within time.Duration) time.Duration {
	t.Helper()
	timer := time.NewTimer(time.Until(killed.Add(within)))
	defer timer.Stop()
	select {
	case at := <-s.refetch:
		return at.Sub(killed)
	case <-timer.C:
		t.Fatalf("feed %d, being fetched by the killed replica, was not fetched again within %v", feed, within)
		return 0
	}
}

// fetchRate is the fleet's fetches per feed per interval between from and to: for each feed,
// its fetches after the first over the time from its first to its last, summed over the
// feeds. Counting whole windows instead would read 5/6 or 7/6 when the fleet's polls, which
// come in rounds, straddle a window's edge.
func (s *loadSite) fetchRate(from, to time.Time, interval time.Duration) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var repeats int
	var span time.Duration
	for _, times := range s.hits {
		var in []time.Time
		for _, at := range times {
			if at.After(from) && at.Before(to) {
				in = append(in, at)
			}
		}
		if len(in) >= 2 {
			repeats += len(in) - 1
			span += in[len(in)-1].Sub(in[0])
		}
	}
	if span == 0 {
		return 0
	}
	return float64(repeats) / (float64(span) / float64(interval))
}

// perInterval is the fetches per feed in each of n intervals from start.
func (s *loadSite) perInterval(start time.Time, interval time.Duration, n, feeds int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := make([]int, n)
	for _, times := range s.hits {
		for _, at := range times {
			if i := int(at.Sub(start) / interval); at.After(start) && i < n {
				counts[i]++
			}
		}
	}
	out := make([]string, n)
	for i, c := range counts {
		out[i] = fmt.Sprintf("%.2f", float64(c)/float64(feeds))
	}
	return out
}

// postedOnce counts the new stories (links) posted to their channel once, never, or more.
func postedOnce(t *testing.T, fake *fakediscord.Server, plan loadPlan) (once, missing, twice int) {
	t.Helper()
	for c := range plan.channels {
		raw, err := json.Marshal(fake.Messages(strconv.Itoa(900000000000000000 + c)))
		if err != nil {
			t.Fatal(err)
		}
		for i := 2; i < 2+plan.perChannel; i++ {
			switch strings.Count(string(raw), fmt.Sprintf(`https://load.example/%d/%d"`, c, i)) {
			case 0:
				missing++
			case 1:
				once++
			default:
				twice++
			}
		}
	}
	return once, missing, twice
}

// busiestSecond is the most times any one-second window holds.
func busiestSecond(times []time.Time) int {
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// wait lets the fleet run for d: the load test measures real polling and posting over time.
func wait(t *testing.T, d time.Duration) {
	t.Helper()
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	<-timer.C
}

// lockedBuffer collects a process's output for the test to read while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
