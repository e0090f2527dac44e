package dashboard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/store/redisstore"
	"github.com/heraldbot/herald/internal/subscription"
)

// Test ids: user ada manages g1 (channels c1, c2); she is a plain member of g2, which Herald is
// in; she manages g3, where Herald is not.
const (
	userAda = "4001"
	userBob = "4002"
)

// syncLog collects log output safely across the server's goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is one dashboard served over real HTTP against the fake Discord and a real store.
type env struct {
	fake  *fakediscord.Server
	store store.Store
	subs  commands.Subscriptions
	srv   *httptest.Server
	dash  *Dashboard
	log   *syncLog
}

type backend struct {
	name string
	open func(t testing.TB) store.Store
}

func backends() []backend {
	return []backend{{"bolt", openBolt}, {"redis", openRedis}}
}

func openBolt(t testing.TB) store.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openRedis(t testing.TB) store.Store {
	t.Helper()
	url := redistest.URL(t)
	s, err := redisstore.New(context.Background(), url, redisstore.Options{Prefix: redistest.Prefix(t, url), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("redisstore.New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// noFeeds refuses feed checks: these tests subscribe to topics and digests.
type noFeeds struct{}

func (noFeeds) CheckFeed(context.Context, string) (subscription.Checked, error) {
	return subscription.Checked{}, errNoFeeds
}

// noPolls is the poll set of tests without feed subscriptions.
type noPolls struct{}

func (noPolls) AddFeed(context.Context, poller.Feed) {}
func (noPolls) RemoveFeed(string) bool               { return false }
func (noPolls) Fetched(string)                       {}
func (noPolls) Resume(context.Context, string) bool  { return false }

type fakeScheduler struct{}

func (fakeScheduler) Add(store.Subscription) error { return nil }
func (fakeScheduler) Remove(string)                {}

var topics = []commands.TopicInfo{{ID: "ceasefire", Title: "Gaza ceasefire"}, {ID: "ukraine", Title: "War in Ukraine"}}

func newEnv(t testing.TB, st store.Store, tune func(*Options)) *env {
	t.Helper()
	e := &env{store: st, log: &syncLog{}}
	e.fake = fakediscord.New(fakediscord.Options{GlobalLimit: 100000})
	t.Cleanup(e.fake.Close)
	e.fake.AddGuild(fakediscord.Guild{ID: "g1", Name: "Newsroom", BotMember: true,
		Channels: []fakediscord.Channel{{ID: "c1", Name: "news"}, {ID: "c2", Name: "general"}, {ID: "v1", Name: "voice", Type: 2}}})
	e.fake.AddGuild(fakediscord.Guild{ID: "g2", Name: "Elsewhere", BotMember: true, Channels: []fakediscord.Channel{{ID: "c9", Name: "other"}}})
	e.fake.AddGuild(fakediscord.Guild{ID: "g3", Name: "No Herald"})
	e.fake.AddUser(fakediscord.User{ID: userBob, Username: "bob"})
	e.fake.AddUser(fakediscord.User{ID: userAda, Username: "ada"}) // the browser's user
	e.fake.SetMember("g1", userAda, commands.PermManageChannels)
	e.fake.SetMember("g2", userAda, 1<<10) // View Channel only
	e.fake.SetMember("g3", userAda, commands.PermManageChannels)
	e.fake.SetMember("g2", userBob, commands.PermManageChannels)
	now := func() time.Time { return time.Now() }
	svc := subscription.New(st, noFeeds{}, noPolls{}, fakeScheduler{}, subscription.Options{Limit: 2000, Now: now})
	e.subs = commands.Subscriptions{Service: svc, Topics: topics,
		DefaultTime: "08:00", DefaultZone: "UTC", Now: now, Clock: delivery.CanonicalClock}
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	base := e.srv.URL
	e.fake.AllowRedirect(base + "/dashboard/callback")
	opts := Options{BaseURL: base, DiscordURL: e.fake.URL(), AppID: e.fake.AppID(), ClientSecret: e.fake.ClientSecret(),
		BotToken: e.fake.BotToken(), Store: st, Subscriptions: e.subs, Topics: topics, Now: now,
		Logger: slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if tune != nil {
		tune(&opts)
	}
	d, err := New(opts)
	if err != nil {
		t.Fatalf("dashboard.New: %v", err)
	}
	e.dash = d
	e.srv.Config.Handler = d.Handler()
	return e
}

// browser is a cookie-keeping client that does not follow redirects on its own.
type browser struct {
	t    testing.TB
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// signIn runs the whole OAuth2 flow as the fake's current browser user and keeps the CSRF token.
func (b *browser) signIn() {
	b.t.Helper()
	status, body := b.get("/dashboard/login")
	if status != http.StatusOK || !strings.Contains(body, "Your servers") {
		b.t.Fatalf("sign-in ended with %d:\n%s", status, body)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get follows redirects (the jar keeps cookies) and remembers the page's CSRF token.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(raw)
}

// post submits a form (with the browser's CSRF token unless form sets csrf) without following
// the redirect, and returns the status and the body or Location.
func (b *browser) post(path string, form url.Values, header http.Header) (int, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	for k, v := range header {
		req.Header[k] = v
	}
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); loc != "" {
		return resp.StatusCode, loc
	}
	return resp.StatusCode, string(raw)
}

// listSubs returns a guild's subscriptions straight from the store.
func (e *env) listSubs(t testing.TB, guildID string) []store.Subscription {
	t.Helper()
	subs, err := e.store.ListSubscriptions(context.Background(), store.SubscriptionFilter{GuildID: guildID})
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

func (e *env) createSub(t testing.TB, sub store.Subscription) store.Subscription {
	t.Helper()
	sub.CreatedAt = time.Now()
	created, err := e.store.CreateSubscription(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

var errNoFeeds = errors.New("test: feed subscriptions are not part of this test")
