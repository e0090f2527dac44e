//go:build unix

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/tracking"
)

// benchGuild is where the benchmark registers its commands and sends its interactions.
const benchGuild = "700000000000000001"

// realisticShare puts one story in 250 on the ceasefire topic: about 400 of 100k, the few
// hundred a fortnight of a busy conflict brings among everything else a news store holds.
const realisticShare = 250

// BenchmarkCommands measures /latest (issue 4) and /ceasefire-status (issue 6) at 100k stored
// stories, per backend, at three depths:
//
//   - latest_query: the store call /latest makes (issue 3's index query, on this fixture);
//   - ceasefire_status_source: what cmd/bot runs for /ceasefire-status (tracking.StatusSource:
//     RecentStories{Topic, Since, Limit 5000}, the topic's reused Assessor, tracking.Embed),
//     as commands find it (the last assessment reused while no report arrived) and
//     _uncached (every call reads and assesses the window, as after a new report);
//   - *_gateway: the whole path, fake Discord's INTERACTION_CREATE over the websocket to a
//     discord.Gateway, the real router and handlers, and the REST callback. p50/p99 are the
//     fake's delivered-to-answered latency (what Discord would see); wall-p99 adds the
//     injection and the wait.
//
// cpu-ms/op is the whole process's CPU per command (bot, store client, fake Discord's JSON
// schema validation of the answer), the figure to trust when the machine is loaded.
func BenchmarkCommands(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			a, fx := benchApp(b, be, realisticShare)
			b.Logf("%s: %d stories stored, %d on the ceasefire topic", be.name, benchStories, fx.onTopic)
			b.Run("latest_query", func(b *testing.B) { benchLatestQuery(b, a, fx) })
			b.Run("ceasefire_status_source", func(b *testing.B) { benchStatusSource(b, a, fx, false) })
			b.Run("ceasefire_status_source_uncached", func(b *testing.B) { benchStatusSource(b, a, fx, true) })
			f := openBenchGateway(b, a)
			b.Run("latest_gateway", func(b *testing.B) {
				benchInteraction(b, f, fakediscord.Interaction{CommandName: "latest"}, nil, func(m *fakediscord.Message) string {
					return checkLatest(m, fx)
				})
			})
			b.Run("ceasefire_status_gateway", func(b *testing.B) {
				benchInteraction(b, f, fakediscord.Interaction{CommandName: "ceasefire-status"}, nil, checkStatus)
			})
			b.Run("ceasefire_status_gateway_uncached", func(b *testing.B) {
				forget := func() { forgetStatus(a, "ceasefire") }
				benchInteraction(b, f, fakediscord.Interaction{CommandName: "ceasefire-status"}, forget, checkStatus)
			})
			// Last: it stores new reports, which the other cases' checks do not expect.
			b.Run("ceasefire_status_source_new_report", func(b *testing.B) { benchStatusNewReport(b, a, fx) })
		})
	}
}

// denseShare puts one story in 20 on the topic: about 5,000, the window read's limit, as
// when the topic is the news of the fortnight.
const denseShare = 20

// BenchmarkCeasefireStatusDense is /ceasefire-status when the topic dominates the store.
func BenchmarkCeasefireStatusDense(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			a, fx := benchApp(b, be, denseShare)
			b.Logf("%s: %d stories stored, %d on the ceasefire topic", be.name, benchStories, fx.onTopic)
			b.Run("ceasefire_status_source", func(b *testing.B) { benchStatusSource(b, a, fx, false) })
			b.Run("ceasefire_status_source_uncached", func(b *testing.B) { benchStatusSource(b, a, fx, true) })
			b.Run("ceasefire_status_source_new_report", func(b *testing.B) { benchStatusNewReport(b, a, fx) })
		})
	}
}

func benchLatestQuery(b *testing.B, a *app, fx fixture) {
	ctx := context.Background()
	l := newLatencies(b)
	for b.Loop() {
		t0 := time.Now()
		got, err := a.store.RecentStories(ctx, store.StoryQuery{Limit: 5})
		l.add(time.Since(t0))
		if err != nil || len(got) != 5 || got[0].ID != fx.newest[0].ID {
			b.Fatalf("RecentStories: %d stories, err %v", len(got), err)
		}
	}
	l.report(b, "")
}

// benchStatusSource measures tracking.StatusSource.StatusEmbed; uncached forgets the last
// assessment before every call, measuring a command after a new report (or the TTL).
func benchStatusSource(b *testing.B, a *app, fx fixture, uncached bool) {
	ctx := context.Background()
	st, err := a.tracking.Status(ctx, "ceasefire")
	if want := min(fx.onTopic, tracking.StatusReadLimit); err != nil || st.Reports != want {
		b.Fatalf("status: %d reports, err %v; want %d of the %d stored on-topic stories", st.Reports, err, want, fx.onTopic)
	}
	b.Logf("status %q from %d reports", st.Label, st.Reports)
	l := newLatencies(b)
	for b.Loop() {
		if uncached {
			forgetStatus(a, "ceasefire")
		}
		t0 := time.Now()
		e, err := a.tracking.StatusEmbed(ctx, "ceasefire")
		l.add(time.Since(t0))
		if err != nil || !strings.HasPrefix(e.Title, "Gaza ceasefire") {
			b.Fatalf("StatusEmbed: title %q, err %v", e.Title, err)
		}
	}
	l.report(b, "")
}

// benchStatusNewReport measures the command right after a new report: each iteration stores
// one (newer than all), then times the status alone, which reads only the new stories. The
// topic's window grows by one report per iteration (388 → 388+N).
func benchStatusNewReport(b *testing.B, a *app, fx fixture) {
	ctx := context.Background()
	st0, err := a.tracking.Status(ctx, "ceasefire")
	if err != nil {
		b.Fatal(err)
	}
	l := newLatencies(b)
	// A later -count run finds the reports of the runs before it in the store.
	reports := max(fx.onTopic, st0.Reports)
	for b.Loop() {
		r := fx.report
		r.ID = story.NewID(r.FeedURL, fmt.Sprint("new report ", reports))
		r.Published = a.now()
		if _, err := a.store.PutStories(ctx, []story.Story{r}); err != nil {
			b.Fatal(err)
		}
		reports++
		cpu0, t0 := processCPU(b), time.Now()
		st, err := a.tracking.Status(ctx, "ceasefire")
		l.add(time.Since(t0))
		l.addCPU(processCPU(b) - cpu0)
		if want := min(reports, tracking.StatusReadLimit); err != nil || st.Reports != want {
			b.Fatalf("status after a new report: %d reports, err %v; want %d", st.Reports, err, want)
		}
	}
	l.report(b, "")
}

// forgetStatus drops a topic's cached assessment, as a new report or the TTL would.
func forgetStatus(a *app, topicID string) { a.tracking.Invalidate(topicID) }

// openBenchGateway starts a fake Discord and connects a gateway to it with the app's router,
// exactly as discord mode's connect does, and waits for command registration.
func openBenchGateway(b *testing.B, a *app) *fakediscord.Server {
	b.Helper()
	// A 1 s heartbeat works around a fake Discord bug: its dispatch writes (writeRaw) do not
	// renew the websocket write deadline that READY and heartbeat ACKs set 5 s ahead, so an
	// INTERACTION_CREATE sent more than 5 s after the last ACK fails with "i/o timeout".
	f := fakediscord.New(fakediscord.Options{HeartbeatInterval: time.Second})
	b.Cleanup(f.Close)
	if err := discord.SetAPIBase(f.URL()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = discord.SetAPIBase(discord.DefaultAPIBase) })
	synced := make(chan error, 1)
	gw, err := discord.NewGateway(discord.GatewayConfig{Token: f.BotToken(), GuildID: benchGuild, Handler: a.router,
		Definitions: a.router.Definitions(), Logger: a.logger,
		OnSynced: func(_ bool, err error) { synced <- err }})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := gw.Open(ctx); err != nil {
		b.Fatalf("gateway: %v", err)
	}
	b.Cleanup(func() { _ = gw.Close() })
	runCtx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- gw.Run(runCtx) }()
	b.Cleanup(func() { stop(); <-ran })
	select {
	case err := <-synced:
		if err != nil {
			b.Fatalf("command registration: %v", err)
		}
	case <-ctx.Done():
		b.Fatal("no command registration after READY")
	}
	return f
}

// benchInteraction sends in over the gateway once per iteration (after before, when set) and
// checks each answer.
func benchInteraction(b *testing.B, f *fakediscord.Server, in fakediscord.Interaction, before func(), check func(*fakediscord.Message) string) {
	in.GuildID, in.ChannelID = benchGuild, "800000000000000001"
	fake, wall := newLatencies(b), newLatencies(b)
	for b.Loop() {
		if before != nil {
			before()
		}
		resp, d := interact(b, f, in)
		wall.add(d)
		fake.add(resp.Latency)
		if resp.Type != 4 || resp.Original == nil {
			b.Fatalf("/%s answered with callback type %d after %v, want an inline answer (4)", in.CommandName, resp.Type, resp.Latency)
		}
		if msg := check(resp.Original); msg != "" {
			b.Fatalf("/%s: %s", in.CommandName, msg)
		}
	}
	fake.report(b, "")
	wall.report(b, "wall-")
}

func interact(b *testing.B, f *fakediscord.Server, in fakediscord.Interaction) (fakediscord.Response, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	p, err := f.InjectInteraction(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := p.Wait(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return resp, time.Since(t0)
}

// checkLatest wants the five newest stories, newest first.
func checkLatest(m *fakediscord.Message, fx fixture) string {
	if len(m.Embeds) != 5 {
		return "got " + m.Content + ", want five story embeds"
	}
	for i, e := range m.Embeds {
		if e.URL != fx.newest[i].Link {
			return "embed " + e.URL + " is not the story " + fx.newest[i].Link
		}
	}
	return ""
}

// checkStatus wants the topic's status embed, not an error message.
func checkStatus(m *fakediscord.Message) string {
	if len(m.Embeds) != 1 || !strings.HasPrefix(m.Embeds[0].Title, "Gaza ceasefire") {
		return "got " + m.Content + ", want the Gaza ceasefire status embed"
	}
	return ""
}
