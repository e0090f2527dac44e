package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// feedServer serves an RSS feed of n items (item n newest) with an ETag, answering a matching
// If-None-Match with 304 and counting both.
type feedServer struct {
	*httptest.Server
	mu     sync.Mutex
	items  int
	full   int
	notMod int
}

func newFeedServer(t *testing.T, items int) *feedServer {
	t.Helper()
	fs := &feedServer{items: items}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) counts() (full, notModified int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.full, fs.notMod
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	etag := fmt.Sprintf(`"v%d"`, fs.items)
	if r.Header.Get("If-None-Match") == etag {
		fs.notMod++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	fs.full++
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, rssFeed("Test Outlet", fs.items))
}

// rssFeed renders n items, published an hour apart, the last one newest.
func rssFeed(title string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://outlet.example/</link>`, title)
	base := time.Now().UTC().Add(-time.Duration(n+1) * time.Hour)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<item><title>Headline number %d</title><link>https://outlet.example/story/%d?utm_source=rss</link><guid>story-%d</guid><pubDate>%s</pubDate><description>Summary &lt;b&gt;%d&lt;/b&gt;</description></item>`,
			i, i, i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z), i)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func runBot(t *testing.T, input string, vars map[string]string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(nil, strings.NewReader(input), &out, &errb, func(k string) string { return vars[k] })
	return out.String(), errb.String(), code
}

// TestConsoleLatest is the walking skeleton's acceptance check: a piped /latest prints the
// feed's five newest stories, newest first, and exits 0.
func TestConsoleLatest(t *testing.T) {
	fs := newFeedServer(t, 8)
	vars := map[string]string{"HERALD_FEEDS": fs.URL + "/feed.xml", "HERALD_ALLOW_PRIVATE_FEEDS": "true",
		"HERALD_DATA_DIR": t.TempDir()}
	out, errs, code := runBot(t, "/latest\n/latest count:2\n/nonsense\n", vars)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if !strings.Contains(out, "polled 1/1 feeds, 8 new (8 stored)") {
		t.Errorf("no progress line in:\n%s", out)
	}
	first := strings.Index(out, "Latest 5 stories")
	second := strings.Index(out, "Latest 2 stories")
	if first < 0 || second < 0 {
		t.Fatalf("answers missing:\n%s", out)
	}
	got := headlines(out[first:second])
	want := []string{"Headline number 8", "Headline number 7", "Headline number 6", "Headline number 5", "Headline number 4"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("newest five, newest first: got %q", got)
	}
	if strings.Contains(out, "utm_source") {
		t.Error("tracking parameters must be stripped from links")
	}
	if !strings.Contains(out, "error: unknown command /nonsense") {
		t.Errorf("unknown command not reported:\n%s", out)
	}
	if strings.Contains(out, "**") || strings.Contains(out, "<#") {
		t.Errorf("Discord markup printed raw:\n%s", out)
	}
}

// At the default log level, piped, a feed the private-address guard refuses and a feed that
// is down each get one line saying which host, what went wrong and what to do; /latest then
// says no feed could be fetched, and nothing advises waiting in a session about to exit.
func TestConsoleExplainsFailedFeeds(t *testing.T) {
	fs := newFeedServer(t, 3)
	down := httptest.NewServer(http.NotFoundHandler())
	downHost := strings.Replace(strings.TrimPrefix(down.URL, "http://"), "127.0.0.1", "localhost", 1)
	down.Close()
	// localhost is listed by name, so the guard lets it through and the closed port refuses.
	vars := map[string]string{"HERALD_FEEDS": fs.URL + "/feed.xml,http://" + downHost + "/feed.xml", "HERALD_DATA_DIR": t.TempDir(),
		"HERALD_ALLOW_PRIVATE_HOSTS": "localhost"}
	out, errs, code := runBot(t, "/latest\n/ceasefire-status\n", vars)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	host := strings.TrimPrefix(fs.URL, "http://")
	for _, want := range []string{
		"  ✗ " + host + ": refused, it is a private, loopback or link-local address. For a feed you configured yourself, set HERALD_ALLOW_PRIVATE_FEEDS=configured",
		"  ✗ " + downHost + ": connection refused, nothing is listening there.",
		"polled 0/2 feeds, 0 new (0 stored)",
		"No stories: none of Herald's 2 feeds could be fetched.",
		"None of Herald's 2 feeds could be fetched: this is only what was stored before, not the news.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"few minutes", "Try again", "level=INFO"} {
		if strings.Contains(out+errs, bad) {
			t.Errorf("output has %q:\n%s\n%s", bad, out, errs)
		}
	}
}

// Typed the way people type them: a positional value and /help COMMAND.
func TestConsolePositionalAndHelp(t *testing.T) {
	fs := newFeedServer(t, 8)
	vars := map[string]string{"HERALD_FEEDS": fs.URL + "/feed.xml", "HERALD_ALLOW_PRIVATE_FEEDS": "true", "HERALD_DATA_DIR": t.TempDir()}
	out, errs, code := runBot(t, "/latest 3\n/latest 1\n/help latest\n/help subscribe feed\n", vars)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, want := range []string{"Latest 3 stories", "The latest story\n\nHeadline number 8", "Help: /latest", "count (optional): How many stories (1-10, default 5)",
		"Help: /subscribe feed", "url (required): The feed's URL", "Needs the Manage Channels permission."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestConsoleBlocksPrivateFeedByDefault(t *testing.T) {
	fs := newFeedServer(t, 3)
	vars := map[string]string{"HERALD_FEEDS": fs.URL + "/feed.xml", "HERALD_DATA_DIR": t.TempDir()}
	out, errs, code := runBot(t, "/latest\n", vars)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if !strings.Contains(out, "polled 0/1 feeds") {
		t.Errorf("a loopback feed must be refused without HERALD_ALLOW_PRIVATE_FEEDS:\n%s", out)
	}
	if full, _ := fs.counts(); full != 0 {
		t.Errorf("the guard must refuse before connecting; server saw %d requests", full)
	}
}

func TestConsoleBadConfig(t *testing.T) {
	_, errs, code := runBot(t, "", map[string]string{"HERALD_POLL_INTERVAL": "soon"})
	if code == 0 || !strings.Contains(errs, "HERALD_POLL_INTERVAL") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func headlines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "Headline number") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// HERALD_ALLOW_PRIVATE_FEEDS=configured opens private addresses to the operator's feeds only:
// the configured loopback feed is polled, while /subscribe feed to the same server under
// another URL is refused before any request reaches it.
func TestPrivateFeedsConfiguredOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
	}{
		{name: "configured", vars: map[string]string{"HERALD_ALLOW_PRIVATE_FEEDS": "configured"}},
		{name: "listed range", vars: map[string]string{"HERALD_ALLOW_PRIVATE_HOSTS": "127.0.0.0/8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFeedServer(t, 4)
			tc.vars["HERALD_FEEDS"], tc.vars["HERALD_DATA_DIR"] = fs.URL+"/feed.xml", t.TempDir()
			out, errs, code := runBot(t, "/subscribe feed "+fs.URL+"/other.xml\n", tc.vars)
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, errs)
			}
			if !strings.Contains(out, "polled 1/1 feeds, 4 new (4 stored)") {
				t.Errorf("configured loopback feed not polled:\n%s", out)
			}
			if strings.Contains(out, "New stories from") || !strings.Contains(strings.ToLower(out), "private") {
				t.Errorf("/subscribe feed to a loopback URL must be refused, saying why:\n%s", out)
			}
			if full, _ := fs.counts(); full != 1 {
				t.Errorf("feed server saw %d full requests, want 1 (the configured feed's)", full)
			}
		})
	}
}

// Without a network the Discord mode says Discord is unreachable rather than blaming the token.
func TestDiscordUnreachableSaysSo(t *testing.T) {
	_, errs, code := runBot(t, "", map[string]string{"DISCORD_TOKEN": "not-a-real-token", "DISCORD_API_URL": "http://discord.invalid",
		"HERALD_DATA_DIR": t.TempDir(), "HERALD_HTTP_ADDR": "127.0.0.1:0"})
	if code == 0 || !strings.Contains(errs, "could not be reached (check the network") || strings.Contains(errs, "not-a-real-token") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

// A feed subscribed in a piped session has been fetched by the check: /latest must not then
// tell a session about to exit to wait for polling.
func TestConsoleSubscribeThenLatestDoesNotSayPolling(t *testing.T) {
	fs := newFeedServer(t, 0) // empty, so /latest has to explain why it has nothing
	vars := map[string]string{"HERALD_FEEDS": fs.URL + "/feed.xml", "HERALD_ALLOW_PRIVATE_FEEDS": "true", "HERALD_DATA_DIR": t.TempDir()}
	out, errs, code := runBot(t, "/subscribe feed "+fs.URL+"/other.xml\n/latest\n", vars)
	if code != 0 || !strings.Contains(out, "No stories: the feeds were fetched but had no items.") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}
