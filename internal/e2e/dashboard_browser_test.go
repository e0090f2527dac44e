package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// chromiumPath finds Debian's chromium (installed by .ci/run); without it the browser test
// skips, or fails under CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ciMode() {
		t.Fatal("chromium is not installed but CI=true: the dashboard's browser test needs it (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: install Debian's chromium package to run the dashboard's browser test")
	return ""
}

// browserCtx starts a headless Chromium with a fresh profile for one test.
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.WindowSize(1100, 900)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// shooter saves numbered full-page screenshots in the test's artifact directory.
type shooter struct {
	t   *testing.T
	dir string
	n   int
}

func (s *shooter) shot(ctx context.Context, name string) {
	s.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	path := filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
}

// pageText is the visible text of the page's main element.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return text
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// TestDashboardInBrowser drives the real bot's dashboard in headless Chromium: sign in through
// the fake Discord, subscribe a channel to a feed with a keyword filter, see the first post
// arrive in the fake channel, see a story the filter refused explained, pause the
// subscription, look at feed health and story status, sign out.
func TestDashboardInBrowser(t *testing.T) {
	ctx := browserCtx(t)
	fake := fakeDiscord(t, fakediscord.Options{})
	fs := newFeedServer(t, "Browser Outlet")
	fs.add(2)
	env := embeddedEnv(t, fake, fs.URL())
	base := "http://" + env["HERALD_HTTP_ADDR"]
	env["HERALD_DASHBOARD_URL"] = base
	env["DISCORD_CLIENT_SECRET"] = fake.ClientSecret()
	fake.AllowRedirect(base + "/dashboard/callback")
	fake.AddUser(fakediscord.User{ID: "5001", Username: "ada"})
	fake.AddGuild(fakediscord.Guild{ID: "7001", Name: "Newsroom", BotMember: true,
		Channels: []fakediscord.Channel{{ID: "8001", Name: "news"}, {ID: "8002", Name: "general"}}})
	fake.SetMember("7001", "5001", 16)
	bot := startBot(t, env)
	bot.waitLog("dashboard enabled", 30*time.Second)
	bot.waitLog("herald running", 30*time.Second)
	s := &shooter{t: t, dir: t.ArtifactDir()}
	t.Logf("screenshots in %s", s.dir)

	do(t, ctx, "open the dashboard", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#signin")))
	s.shot(ctx, "sign-in")
	do(t, ctx, "sign in", chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS(`a[href="/dashboard/g/7001/"]`)))
	s.shot(ctx, "servers")
	do(t, ctx, "open the server", chromedp.Click(chromedp.CSS(`main a[href="/dashboard/g/7001/"]`)), chromedp.WaitVisible(chromedp.CSS("#add-feed")))
	s.shot(ctx, "subscriptions-empty")

	do(t, ctx, "subscribe to the feed",
		chromedp.SetValue(chromedp.CSS(`#add-feed select[name="channel"]`), "8001"),
		chromedp.SetValue(chromedp.CSS("#feed-url"), fs.URL()),
		chromedp.SetValue(chromedp.CSS("#feed-include"), "ceasefire"),
		chromedp.Click(chromedp.CSS(`#add-feed button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash, .warn")))
	if text := pageText(t, ctx); !strings.Contains(text, "New stories from") || !strings.Contains(text, "only with ceasefire") {
		t.Fatalf("after subscribing, the page lacks the confirmation:\n%s", text)
	}
	s.shot(ctx, "subscribed")

	wanted := addTitled(fs, "Ceasefire holds for a third day")
	addTitled(fs, "Football results from the weekend")
	if !waitFor(30*time.Second, func() bool { return postedLink(fake, "8001", wanted) }) {
		t.Fatalf("the ceasefire story never reached #news; messages: %+v", fake.Messages("8001"))
	}
	do(t, ctx, "open deliveries", chromedp.Navigate(base+"/dashboard/g/7001/deliveries"), chromedp.WaitVisible(chromedp.CSS("table")))
	text := pageText(t, ctx)
	for _, want := range []string{"Posted in #news.", "Not posted: dropped by the include/exclude words (ceasefire).",
		"Football results from the weekend", "already in the feed when Herald first read it"} {
		if !strings.Contains(text, want) {
			t.Errorf("deliveries page lacks %q:\n%s", want, text)
		}
	}
	s.shot(ctx, "deliveries")

	do(t, ctx, "pause", chromedp.Navigate(base+"/dashboard/g/7001/"), chromedp.Click(chromedp.CSS(`form[action$="/pause"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/resume"] button`)))
	if text := pageText(t, ctx); !strings.Contains(text, "Paused: live posts from") || !strings.Contains(text, "paused") {
		t.Errorf("after pausing, the page lacks the notice or state:\n%s", text)
	}
	s.shot(ctx, "paused")
	before := len(fake.Messages("8001"))
	paused := addTitled(fs, "Ceasefire talks continue while paused")
	time.Sleep(3 * time.Second) // three poll intervals: a post would have arrived by now
	if postedLink(fake, "8001", paused) || len(fake.Messages("8001")) != before {
		t.Errorf("a paused subscription posted: %+v", fake.Messages("8001"))
	}

	do(t, ctx, "feed health", chromedp.Navigate(base+"/dashboard/g/7001/feeds"), chromedp.WaitVisible(chromedp.CSS("table")))
	if text := pageText(t, ctx); !strings.Contains(text, "healthy") {
		t.Errorf("feed health lacks the feed's state:\n%s", text)
	}
	s.shot(ctx, "feeds")
	do(t, ctx, "story status", chromedp.Navigate(base+"/dashboard/status"), chromedp.WaitVisible(chromedp.CSS("main h2")))
	s.shot(ctx, "status")
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	s.shot(ctx, "signed-out")
	do(t, ctx, "a page after sign-out", chromedp.Navigate(base+"/dashboard/g/7001/"), chromedp.WaitVisible(chromedp.CSS("#signin")))
	assertNoToken(t, bot)
	secrets := []string{fake.ClientSecret()}
	for _, r := range fake.Requests() {
		if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			secrets = append(secrets, a)
		}
	}
	if len(secrets) < 2 {
		t.Error("no user token reached the fake: the sign-in did not happen as the test assumes")
	}
	for _, sec := range secrets {
		if strings.Contains(bot.output(), sec) {
			t.Errorf("the bot's output contains a secret (%.4s…)", sec)
		}
	}
}

// postedLink reports whether a message in channelID carries an embed linking to link.
func postedLink(fake *fakediscord.Server, channelID, link string) bool {
	for _, m := range fake.Messages(channelID) {
		for _, e := range m.Embeds {
			if e.URL == link {
				return true
			}
		}
	}
	return false
}
