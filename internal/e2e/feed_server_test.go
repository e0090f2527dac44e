package e2e

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// feedServer is an RSS feed whose items a test adds while the bot runs. Its ETag changes with
// every addition; a matching If-None-Match is answered 304, and both kinds of answer are
// counted.
type feedServer struct {
	srv *httptest.Server

	mu      sync.Mutex
	title   string
	items   []feedItem // oldest first
	version int
	full    int
	notMod  int
	// status, when set, answers every request instead of the feed (an outage, a 410 Gone).
	status int
}

type feedItem struct {
	n         int
	title     string
	link      string
	published time.Time
}

func newFeedServer(t *testing.T, title string) *feedServer {
	t.Helper()
	fs := &feedServer{title: title}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

// URL is the feed's address.
func (fs *feedServer) URL() string { return fs.srv.URL + "/feed.xml" }

// add appends n items, published now (a second apart, oldest first), and returns their links.
func (fs *feedServer) add(n int) []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := time.Now().UTC().Truncate(time.Second)
	var links []string
	for i := range n {
		k := len(fs.items) + 1
		it := feedItem{n: k, title: fmt.Sprintf("E2E story number %d", k),
			link: fmt.Sprintf("https://outlet.example/e2e/%d", k), published: now.Add(time.Duration(i-n) * time.Second)}
		fs.items = append(fs.items, it)
		links = append(links, it.link)
	}
	fs.version++
	return links
}

// counts returns how many full (200) and 304 answers were sent.
func (fs *feedServer) counts() (full, notModified int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.full, fs.notMod
}

// fail makes the server answer every request with status from now on.
func (fs *feedServer) fail(status int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.status = status
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.status != 0 {
		w.WriteHeader(fs.status)
		return
	}
	etag := fmt.Sprintf(`"v%d"`, fs.version)
	if r.Header.Get("If-None-Match") == etag {
		fs.notMod++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	fs.full++
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, fs.render())
}

// render writes the feed newest first, as publishers do.
func (fs *feedServer) render() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://outlet.example/</link>`,
		html.EscapeString(fs.title))
	for i := len(fs.items) - 1; i >= 0; i-- {
		it := fs.items[i]
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>Body of story %d.</description></item>`,
			html.EscapeString(it.title), it.link, it.link, it.published.Format(time.RFC1123Z), it.n)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}
