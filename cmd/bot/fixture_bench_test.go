//go:build unix

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/console"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// The command benchmarks run the bot as main builds it (config.Load → build → newRouter) over
// a store holding benchStories stories, the retention cap (cache.DefaultRetention).
const (
	benchStories = 100_000
	benchBatch   = 1_000
	benchFeeds   = 200
	// benchSpacing spreads the stories over 11.6 days, inside the 14-day retention and the
	// tracking window, as a full store of a busy deployment would be.
	benchSpacing = 10 * time.Second
)

// evalItems is the tracking evaluation set: real 2023-2025 ceasefire headlines paraphrased,
// labelled in or out of the topic. The on-topic stories of the fixture reuse them so the
// assessor reads the text it was built for.
const evalItems = "../../internal/tracking/testdata/eval/items.txt"

// headline is one evaluation item's text.
type headline struct{ title, summary string }

// loadHeadlines reads the evaluation items labelled in the topic.
func loadHeadlines(b *testing.B) []headline {
	b.Helper()
	f, err := os.Open(evalItems)
	if err != nil {
		b.Fatalf("bench fixture: %v (the tracking evaluation set provides the on-topic headlines)", err)
	}
	defer f.Close()
	var out []headline
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) == 5 && cols[2] == "1" {
			out = append(out, headline{title: cols[3], summary: cols[4]})
		}
	}
	if err := sc.Err(); err != nil || len(out) == 0 {
		b.Fatalf("bench fixture: %d on-topic items in %s (%v)", len(out), evalItems, err)
	}
	return out
}

// offTopic are templates of the other 99% of a news store: varied enough that the topic
// matcher does real work on them, and never about Gaza.
var offTopic = []headline{
	{"Central bank holds rates at %d%% as inflation cools", "Policymakers said the decision was unanimous and signalled cuts could follow later in the year if prices keep easing."},
	{"Storm %d leaves thousands without power along the coast", "Utility crews worked through the night as winds of more than 100 km/h brought down lines across the region."},
	{"Parliament passes budget after %d hours of debate", "The opposition walked out before the final vote, calling the spending plan a gamble with public finances."},
	{"Tech shares rally as chipmaker beats forecasts by %d%%", "Investors cheered stronger demand for data-centre processors, lifting the index to a record close."},
	{"Football: late goal in minute %d seals the title", "The champions were held for most of the match before a header from a corner settled it in stoppage time."},
	{"Election count delayed in %d districts after system fault", "Officials said paper ballots were safe and results would be confirmed by the end of the week."},
	{"Researchers map %d new species in deep-sea survey", "The expedition used remotely operated vehicles to sample vents more than three kilometres below the surface."},
	{"Rail strike enters day %d with no talks scheduled", "Commuters faced long queues for replacement buses as the union and operators traded blame."},
}

// fixtureStories builds n stories, newest first, the newest published at now: one in every
// `every` carries an on-topic headline, the rest are off-topic; topics are tagged by the
// configured matcher exactly as ingest does (so "on topic" means what the bot thinks).
func fixtureStories(b *testing.B, m *topic.Matcher, n, every int, now time.Time) []story.Story {
	b.Helper()
	on := loadHeadlines(b)
	out := make([]story.Story, n)
	for i := range out {
		feed := fmt.Sprintf("https://news%d.example/rss", i%benchFeeds)
		var title, summary string
		if i%every == 0 {
			h := on[(i/every)%len(on)]
			title, summary = h.title, h.summary
		} else {
			h := offTopic[i%len(offTopic)]
			title, summary = fmt.Sprintf(h.title, i%97+2), h.summary
		}
		pub := now.Add(-time.Duration(i) * benchSpacing)
		s := story.Story{
			ID: story.NewID(feed, fmt.Sprint(i)), FeedURL: feed, Source: fmt.Sprintf("News %d", i%benchFeeds),
			Title: title, Summary: story.Truncate(summary+" "+strings.Repeat("More details are expected later today. ", 4), 300),
			Link: fmt.Sprintf("https://news%d.example/articles/%d", i%benchFeeds, i), Published: pub,
			FirstSeen: pub.Add(time.Minute), Categories: []string{"world"},
		}
		s.Topics = m.Tags(s)
		out[i] = s
	}
	return out
}

// benchBackend describes one store the benchmarks run against.
type benchBackend struct {
	name string
	env  func(b *testing.B) map[string]string
}

// backends lists the embedded store (always) and Redis (REDIS_URL; skipped when unset, failing
// under CI=true), each configured through the same environment variables main reads.
func backends() []benchBackend {
	return []benchBackend{
		{"bolt", func(b *testing.B) map[string]string { return map[string]string{"HERALD_DATA_DIR": b.TempDir()} }},
		{"redis", func(b *testing.B) map[string]string {
			url := redistest.URL(b)
			prefix := redistest.Prefix(b, url)
			return map[string]string{"HERALD_DATA_DIR": b.TempDir(), "REDIS_URL": url, "HERALD_REDIS_PREFIX": prefix}
		}},
	}
}

// fixture is what a benchmark store holds, for checking answers.
type fixture struct {
	newest  []story.Story // the 10 newest stories, newest first
	onTopic int           // stories the matcher tagged "ceasefire"
	report  story.Story   // one of them, to store again as a new report
}

// benchApp builds the bot as main does and fills its store with benchStories stories, one in
// `every` drawn from the on-topic headlines.
func benchApp(b *testing.B, be benchBackend, every int) (*app, fixture) {
	b.Helper()
	env := be.env(b)
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		b.Fatalf("config: %v", err)
	}
	ctx := context.Background()
	a, err := build(ctx, cfg, slog.New(slog.DiscardHandler), console.NewSender(console.NewScreen(io.Discard, false)))
	if err != nil {
		b.Fatalf("build: %v", err)
	}
	b.Cleanup(a.close)
	all := fixtureStories(b, a.topics, benchStories, every, a.now())
	fx := fixture{newest: all[:10]}
	for i := 0; i < len(all); i += benchBatch {
		batch := all[i:min(i+benchBatch, len(all))]
		if _, err := a.store.PutStories(ctx, batch); err != nil {
			b.Fatalf("PutStories: %v", err)
		}
		for _, s := range batch {
			if s.HasTopic("ceasefire") {
				fx.onTopic++
				fx.report = s
			}
		}
	}
	return a, fx
}

// latencies collects per-operation wall times and the process CPU they cost. On this shared
// 2-core machine wall-clock percentiles include time spent waiting for a core; CPU per
// operation is the load-independent cost.
type latencies struct {
	ds   []time.Duration
	cpu0 time.Duration
	cpu  time.Duration // from addCPU
}

func newLatencies(b *testing.B) *latencies { return &latencies{cpu0: processCPU(b)} }

func (l *latencies) add(d time.Duration) { l.ds = append(l.ds, d) }

// addCPU counts CPU of the measured operation alone, for loops doing other work between
// operations; report then uses it instead of the CPU since newLatencies.
func (l *latencies) addCPU(d time.Duration) { l.cpu += d }

// report emits p50/p99 (ms) under the given prefix and the mean process CPU per operation.
func (l *latencies) report(b *testing.B, prefix string) {
	if len(l.ds) == 0 {
		return
	}
	cpu := processCPU(b) - l.cpu0
	if l.cpu > 0 {
		cpu = l.cpu
	}
	ds := slices.Clone(l.ds)
	slices.Sort(ds)
	pct := func(p int) float64 { return float64(ds[min(len(ds)-1, len(ds)*p/100)].Microseconds()) / 1000 }
	b.ReportMetric(pct(50), prefix+"p50-ms")
	b.ReportMetric(pct(99), prefix+"p99-ms")
	if prefix == "" {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	}
}

// processCPU is the process's user+system CPU time (bot, fake Discord and, for bolt, the store).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
