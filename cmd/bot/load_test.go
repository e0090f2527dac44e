package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/lifecycle"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
)

var loadMode = flag.String("herald.load", "", "run TestLoadFleet: short (CI) or long (docs/performance.md)")

// loadPlan sizes one run of the load test.
type loadPlan struct {
	feeds, channels, perChannel int
	interval                    time.Duration
	intervals                   int // measured intervals after the warm-up
}

var loadPlans = map[string]loadPlan{
	"short": {feeds: 600, channels: 30, perChannel: 3, interval: 4 * time.Second, intervals: 3},
	"long":  {feeds: 2000, channels: 60, perChannel: 3, interval: 10 * time.Second, intervals: 6},
}

// loadSite serves /f/N as RSS with an ETag, counting requests per feed; bump adds new items.
type loadSite struct {
	mu    sync.Mutex
	items map[int]int // extra items per feed
	hits  map[int]int
}

func (s *loadSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.hits[n]++
	extra := s.items[n]
	s.mu.Unlock()
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

func (s *loadSite) totalHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := 0
	for _, h := range s.hits {
		t += h
	}
	return t
}

// TestLoadFleet is the fleet load test: three replicas built as main builds them (their
// background parts under a lifecycle runner each), on one Redis,
// against fake Discord, polling many feeds on two host names; after the first polls, new items
// in some feeds make a burst of posts to subscribed channels. It reports and checks fetches per
// feed per interval across the fleet (≤ 1.1), the busiest second of Discord requests (≤ 50,
// no 429) and that every new story is posted exactly once. Run with
// go test -run TestLoadFleet ./cmd/bot -args -herald.load=short (or long).
func TestLoadFleet(t *testing.T) {
	plan, ok := loadPlans[*loadMode]
	if !ok {
		t.Skip("load test: go test -run TestLoadFleet ./cmd/bot -args -herald.load=short|long")
	}
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	site := &loadSite{items: map[int]int{}, hits: map[int]int{}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	fake := fakediscord.New(fakediscord.Options{})
	defer fake.Close()
	hosts := []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)}
	var feeds []string
	for n := range plan.feeds {
		feeds = append(feeds, hosts[n%len(hosts)]+"/f/"+strconv.Itoa(n))
	}
	env := map[string]string{"DISCORD_API_URL": fake.URL(), "DISCORD_TOKEN": fake.BotToken(), "DISCORD_APP_ID": fake.AppID(),
		"REDIS_URL": url, "HERALD_REDIS_PREFIX": prefix, "HERALD_FEEDS": strings.Join(feeds, ","),
		"HERALD_POLL_INTERVAL": plan.interval.String(), "HERALD_ALLOW_PRIVATE_FEEDS": "true"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.DiscardHandler)
	var done []chan error
	for r := range 3 {
		sender, err := discordSender(cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		a, err := build(ctx, cfg, logger, sender)
		if err != nil {
			t.Fatal(err)
		}
		defer a.close()
		shareBudget(a, sender)
		if r == 0 {
			for c := range plan.channels {
				if _, err := a.store.CreateSubscription(ctx, store.Subscription{GuildID: "710000000000000001",
					ChannelID: strconv.Itoa(900000000000000000 + c), Kind: store.KindFeed, FeedURL: feeds[c], CreatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
		}
		parts := append([]lifecycle.Part{{Name: "sender", Run: sender.Run}}, a.backgroundParts()...)
		runner := lifecycle.New(lifecycle.Options{Logger: logger}, parts...)
		ran := make(chan error, 1)
		go func() { ran <- runner.Run(ctx) }()
		done = append(done, ran)
	}
	defer func() {
		cancel()
		for _, d := range done {
			if err := <-d; err != nil {
				t.Errorf("replica stopped: %v", err)
			}
		}
	}()

	// Warm-up: every feed's first poll (backfill, within the first-poll spread), then the burst.
	wait(t, plan.interval+5*time.Second)
	site.mu.Lock()
	for c := range plan.channels {
		site.items[c] = plan.perChannel
	}
	site.mu.Unlock()
	before := site.totalHits()
	wait(t, time.Duration(plan.intervals)*plan.interval)
	fetched := site.totalHits() - before
	wait(t, 5*time.Second) // posts still in the sender's queues
	perFeed := float64(fetched) / float64(plan.feeds*plan.intervals)

	var posts []time.Time
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Route, "/messages") {
			posts = append(posts, r.Time)
		}
	}
	busiest := busiestSecond(posts)
	once, missing, twice := postedOnce(t, fake, plan)
	t.Logf("%s: %d feeds every %v, %d replicas: %.3f fetches per feed per interval; %d posts, busiest second %d requests, %d 429s; stories posted once %d, missing %d, twice %d",
		*loadMode, plan.feeds, plan.interval, 3, perFeed, len(posts), busiest, fake.Count429(), once, missing, twice)
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
	timer := time.NewTimer(d)
	defer timer.Stop()
	<-timer.C
}
