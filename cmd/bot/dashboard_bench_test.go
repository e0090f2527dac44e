//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
)

// The dashboard benchmark's server: 1,000 subscriptions over 50 channels of one guild.
const (
	dashGuild    = "710000000000000001"
	dashUser     = "720000000000000001"
	dashSubs     = 1_000
	dashChannels = 50
)

// BenchmarkDashboardPages renders the dashboard's pages as a signed-in browser gets them (real
// HTTP, the bot's own wiring, fake Discord for sign-in and channel names) with 1,000
// subscriptions in the server and 100k stories in the store, per backend. p99 is the wall time
// of one GET, body read; the issue asks for ≤ 50 ms.
func BenchmarkDashboardPages(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			a, _ := benchApp(b, be, realisticShare)
			seedDashboard(b, a)
			base, client := signedInDashboard(b, a)
			firstFeedSub := firstSub(b, a, store.KindFeed)
			pages := []struct{ name, path, marker string }{
				{"subscriptions", "/dashboard/g/" + dashGuild + "/", fmt.Sprintf("Subscriptions (%d)", dashSubs)},
				{"feeds", "/dashboard/g/" + dashGuild + "/feeds", "backing off"},
				{"deliveries", "/dashboard/g/" + dashGuild + "/deliveries?subscription=" + firstFeedSub, "Posted?"},
				{"status", "/dashboard/status", "Gaza ceasefire"},
			}
			for _, p := range pages {
				b.Run(p.name, func(b *testing.B) {
					lat := newLatencies(b)
					for b.Loop() {
						start := time.Now()
						body := getPage(b, client, base+p.path)
						lat.add(time.Since(start))
						if !strings.Contains(body, p.marker) {
							b.Fatalf("%s lacks %q:\n%.2000s", p.path, p.marker, body)
						}
					}
					lat.report(b, "")
				})
			}
		})
	}
}

// seedDashboard stores dashSubs subscriptions (feed, topic and digest, over dashChannels
// channels) and a state for each of the fixture's feeds, one in ten failing.
func seedDashboard(b *testing.B, a *app) {
	b.Helper()
	ctx := context.Background()
	now := a.now()
	for i := range dashSubs {
		sub := store.Subscription{GuildID: dashGuild, ChannelID: fmt.Sprint(730000000000000000 + i%dashChannels),
			CreatedAt: now.Add(-time.Duration(dashSubs-i) * time.Minute), CreatedBy: dashUser}
		switch {
		case i%10 < 7:
			sub.Kind, sub.FeedURL, sub.Include = store.KindFeed, fmt.Sprintf("https://news%d.example/rss", i/dashChannels%benchFeeds), []string{"storm"}
		case i%10 == 9 && i < dashChannels: // one live topic subscription per channel at most
			sub.Kind, sub.Topic = store.KindTopic, "ceasefire"
		default: // a digest at a time of its own, one in three on the topic
			sub.Kind, sub.Time, sub.TimeZone = store.KindDigest, fmt.Sprintf("%02d:%02d", i/60, i%60), "Europe/Paris"
			if i%3 == 0 {
				sub.Topic = "ceasefire"
			}
		}
		if _, err := a.store.CreateSubscription(ctx, sub); err != nil {
			b.Fatalf("CreateSubscription %d: %v", i, err)
		}
	}
	for i := range benchFeeds {
		st := store.FeedState{URL: fmt.Sprintf("https://news%d.example/rss", i), Title: fmt.Sprintf("News %d", i),
			Known: true, LastPoll: now, LastSuccess: now.Add(-time.Minute), NextPoll: now.Add(9 * time.Minute)}
		if i%10 == 0 {
			st.Failures, st.LastError, st.ErrorClass = 3, "dial tcp: i/o timeout", "timeout"
		}
		if err := a.store.PutFeedState(ctx, st); err != nil {
			b.Fatalf("PutFeedState: %v", err)
		}
	}
}

func firstSub(b *testing.B, a *app, kind store.Kind) string {
	b.Helper()
	subs, err := a.store.ListSubscriptions(context.Background(), store.SubscriptionFilter{GuildID: dashGuild, Kind: kind})
	if err != nil || len(subs) == 0 {
		b.Fatalf("no %s subscription: %v", kind, err)
	}
	return subs[0].ID
}

// signedInDashboard serves the dashboard as startHTTP mounts it, against a fake Discord that
// knows the guild and its channels, and returns a client signed in as a member with Manage
// Channels.
func signedInDashboard(b *testing.B, a *app) (string, *http.Client) {
	b.Helper()
	fake := fakediscord.New(fakediscord.Options{})
	b.Cleanup(fake.Close)
	g := fakediscord.Guild{ID: dashGuild, Name: "Benchmark newsroom", BotMember: true}
	for i := range dashChannels {
		g.Channels = append(g.Channels, fakediscord.Channel{ID: fmt.Sprint(730000000000000000 + i), Name: fmt.Sprintf("news-%d", i)})
	}
	fake.AddGuild(g)
	fake.AddUser(fakediscord.User{ID: dashUser, Username: "bench"})
	fake.SetMember(dashGuild, dashUser, 16)
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	b.Cleanup(srv.Close)
	fake.AllowRedirect(srv.URL + "/dashboard/callback")
	a.cfg.Dashboard = config.Dashboard{URL: srv.URL, ClientSecret: fake.ClientSecret()}
	a.cfg.DiscordAPIURL, a.cfg.DiscordAppID, a.cfg.DiscordToken = fake.URL(), fake.AppID(), fake.BotToken()
	mux := http.NewServeMux()
	if err := a.dashboardRoutes(mux); err != nil {
		b.Fatalf("dashboardRoutes: %v", err)
	}
	srv.Config.Handler = mux
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if body := getPage(b, client, srv.URL+"/dashboard/login"); !strings.Contains(body, "Benchmark newsroom") {
		b.Fatalf("sign-in did not reach the server list:\n%s", body)
	}
	return srv.URL, client
}

func getPage(b *testing.B, c *http.Client, url string) string {
	b.Helper()
	resp, err := c.Get(url)
	if err != nil {
		b.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s = %d, %v:\n%.2000s", url, resp.StatusCode, err, body)
	}
	return string(body)
}
