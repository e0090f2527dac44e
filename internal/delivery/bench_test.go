package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
	"github.com/heraldbot/herald/internal/story"
)

// benchWords is the vocabulary of the benchmark's synthetic headlines.
var benchWords = strings.Fields(`harbour council budget election flood wildfire rail strike hospital
	school bridge senate court ruling tariff export wheat drought storm airport merger bank
	inflation rates housing mayor protest ceasefire border refugees vaccine outbreak museum
	festival stadium league final coach transfer satellite launch rocket telescope glacier river
	dam pipeline refinery oil gas solar wind turbine battery factory layoffs union wages pension
	reform tax audit fraud trial verdict appeal prison police arrest embassy summit treaty sanctions
	navy drill missile drone cyber hack outage bandwidth chip startup funding market shares bond
	currency crypto exchange regulator antitrust lawsuit patent vote referendum coalition cabinet
	minister resignation scandal leak inquiry report census migration population tourism`)

// benchCandidates stores n stories from 25 outlets over the last 24 h with headlines of seven
// words drawn from benchWords; every fifth event is carried by three outlets (the same words
// reordered), so clustering has real work but unrelated headlines rarely look alike.
func benchCandidates(b *testing.B, s testStore, now time.Time, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var stories []story.Story
	for i := 0; len(stories) < n; i++ {
		pub := now.Add(-time.Duration(i%1440) * time.Minute)
		topics := []string(nil)
		if i%4 == 0 {
			topics = []string{"mideast"}
		}
		words := make([]string, 7)
		for k := range words {
			words[k] = benchWords[rng.IntN(len(benchWords))]
		}
		copies := 1
		if i%5 == 0 {
			copies = 3
		}
		for c := 0; c < copies && len(stories) < n; c++ {
			rng.Shuffle(len(words), func(x, y int) { words[x], words[y] = words[y], words[x] })
			feed := fmt.Sprintf("https://outlet%d.example/feed", (i+c)%25)
			stories = append(stories, mkStory(feed, fmt.Sprintf("Outlet %d", (i+c)%25), fmt.Sprint(i),
				strings.Join(words, " "), pub.Add(time.Duration(c)*time.Minute), pub, topics...))
		}
	}
	put(b, s, stories...)
}

// cpuTime is the process's user+system CPU time: on the shared machine wall-clock ns/op is
// mostly waiting for a core, so the benchmarks report CPU per op as well.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCompose500 is the whole briefing path of one channel over a real store: read 500
// candidates, drop the seen ones, cluster, rank, render, claim; the claim is released after
// each run so every iteration does the same work.
func BenchmarkCompose500(b *testing.B) {
	for _, bk := range backends() {
		b.Run(bk.name, func(b *testing.B) {
			clock := storetest.NewClock(slot0)
			s, _ := bk.open(b, clock)
			benchCandidates(b, s, slot0, 500)
			g := NewDigests(s, nil, DigestOptions{Now: clock.Now, TopicTitles: map[string]string{"mideast": "Middle East"}})
			ctx := context.Background()
			b.ReportAllocs()
			cpu := cpuTime(b)
			for b.Loop() {
				posts, err := g.Compose(ctx, "c1", "", slot0.Add(-24*time.Hour))
				if err != nil || len(posts) == 0 {
					b.Fatalf("Compose = %d posts, %v", len(posts), err)
				}
				if err := s.Release(ctx, "c1", posts[len(posts)-1].ids); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkDigests1000Channels delivers 1,000 channels' digests at one slot, as the cron does
// (all at once), through the real Sender at its default global limit to the fake Discord, and
// reports the achieved message rate and the fake's 429 count. Run with -benchtime=1x: one
// iteration takes about 1000/45 s.
func BenchmarkDigests1000Channels(b *testing.B) {
	const channels = 1000
	for _, bk := range backends() {
		b.Run(bk.name, func(b *testing.B) {
			clock := storetest.NewClock(slot0.Add(-48 * time.Hour))
			s, _ := bk.open(b, clock)
			f := newFake(b, fakediscord.Options{})
			sender := f.sender(discord.SenderOptions{})
			var subs []store.Subscription
			for i := range channels {
				subs = append(subs, subscribe(b, s, store.Subscription{ChannelID: fmt.Sprint("ch", i), Kind: store.KindDigest,
					Time: "08:00", TimeZone: "Europe/London", CreatedAt: clock.Now()}))
			}
			benchCandidates(b, s, slot0, 60)
			g := NewDigests(s, sender, DigestOptions{Now: clock.Now, Owner: "bench"})
			ctx := context.Background()
			msgs, slot := 0, slot0
			start := time.Now()
			for b.Loop() {
				clock.Advance(slot.Sub(clock.Now()))
				var wg sync.WaitGroup
				for _, sub := range subs {
					wg.Go(func() {
						if err := g.RunSlot(ctx, sub.ID, sub.ChannelID, slot); err != nil {
							b.Errorf("RunSlot %s: %v", sub.ChannelID, err)
						}
					})
				}
				wg.Wait()
				msgs += channels
				slot = slot.Add(24 * time.Hour)
			}
			elapsed := time.Since(start)
			got := 0
			for i := range channels {
				got += len(f.Messages(fmt.Sprint("ch", i)))
			}
			if got != msgs {
				b.Errorf("fake holds %d messages, want %d", got, msgs)
			}
			b.ReportMetric(float64(got)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(f.Count429()), "429s")
			b.ReportMetric(float64(f.MaxRequestsPerSecond()), "max-req/s")
		})
	}
}
