package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

var discard = slog.New(slog.DiscardHandler)

// memStore is an in-memory Store with the store.Store semantics the poller relies on:
// PutStories keeps the first version of a story and returns the IDs that were new.
type memStore struct {
	mu        sync.Mutex
	states    map[string]store.FeedState
	stories   map[string]story.Story
	putErr    error  // returned by PutStories when set
	stateErr  error  // returned by GetFeedState when set
	panicURL  string // GetFeedState panics for this URL
	putStates int
	// putSizes records the size of every PutStories call; failFrom, when > 0, makes the
	// failFrom-th call and later ones fail with errStoreDown.
	putSizes []int
	failFrom int
}

func newMemStore() *memStore {
	return &memStore{states: map[string]store.FeedState{}, stories: map[string]story.Story{}}
}

func (m *memStore) GetFeedState(_ context.Context, url string) (store.FeedState, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stateErr != nil {
		return store.FeedState{}, false, m.stateErr
	}
	if url == m.panicURL {
		panic("memstore: corrupt record")
	}
	st, ok := m.states[url]
	return st, ok, nil
}

func (m *memStore) PutFeedState(_ context.Context, st store.FeedState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[st.URL] = st
	m.putStates++
	return nil
}

func (m *memStore) PutStories(_ context.Context, stories []story.Story) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.putErr != nil {
		return nil, m.putErr
	}
	m.putSizes = append(m.putSizes, len(stories))
	if m.failFrom > 0 && len(m.putSizes) >= m.failFrom {
		return nil, errStoreDown
	}
	var ids []string
	for _, s := range stories {
		if _, ok := m.stories[s.ID]; ok {
			continue
		}
		m.stories[s.ID] = s
		ids = append(ids, s.ID)
	}
	return ids, nil
}

func (m *memStore) state(t *testing.T, url string) store.FeedState {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[url]
	if !ok {
		t.Fatalf("no feed state stored for %s", url)
	}
	return st
}

// storedTitles returns the titles of stored stories, sorted, with their backfill flag.
func (m *memStore) storedTitles() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, s := range m.stories {
		out = append(out, fmt.Sprintf("%s backfill=%v", s.Title, s.Backfill))
	}
	slices.Sort(out)
	return out
}

// fakeClock is an injected clock for PollOnce tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// item is one entry served by a siteFeed.
type item struct {
	guid, title string
	published   time.Time
}

// siteFeed is what the test server answers for one path.
type siteFeed struct {
	status  int // non-200 status to answer with; 0 serves the feed
	etag    string
	headers map[string]string
	items   []item
}

// site is an httptest server serving RSS feeds by path, honouring If-None-Match.
type site struct {
	srv      *httptest.Server
	mu       sync.Mutex
	feeds    map[string]*siteFeed
	requests map[string]int
	inm      map[string][]string // If-None-Match values received, per path
	// onRequest, when set before the first request, observes each request's path.
	onRequest func(path string)
}

func newSite(t testing.TB) *site {
	s := &site{feeds: map[string]*siteFeed{}, requests: map[string]int{}, inm: map[string][]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) url(path string) string { return s.srv.URL + path }

func (s *site) set(path string, f siteFeed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[path] = &f
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.inm[r.URL.Path] = append(s.inm[r.URL.Path], r.Header.Get("If-None-Match"))
	if s.onRequest != nil {
		s.onRequest(r.URL.Path)
	}
	f, ok := s.feeds[r.URL.Path]
	var cp siteFeed
	if ok {
		cp = *f
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	for k, v := range cp.headers {
		w.Header().Set(k, v)
	}
	if cp.status != 0 && cp.status != http.StatusOK {
		w.WriteHeader(cp.status)
		return
	}
	if cp.etag != "" {
		w.Header().Set("ETag", cp.etag)
		if r.Header.Get("If-None-Match") == cp.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	_, _ = w.Write(rssBody(r.URL.Path, cp.items))
}

func rssBody(path string, items []item) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ` + path +
		`</title><link>https://news.example.com/</link><description>d</description>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>%s</title><link>https://news.example.com/%s</link><pubDate>%s</pubDate></item>`,
			it.guid, it.title, it.guid, it.published.UTC().Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// itemsN returns n items g1..gn published an hour apart before base.
func itemsN(n int, base time.Time) []item {
	out := make([]item, n)
	for i := range out {
		out[i] = item{guid: "g" + strconv.Itoa(i+1), title: "Story " + strconv.Itoa(i+1),
			published: base.Add(time.Duration(i-n) * time.Hour)}
	}
	return out
}

// realFetcher is the production fetcher, allowed to reach the loopback test servers.
func realFetcher(now func() time.Time) *feed.Fetcher {
	return feed.NewFetcher(feed.Options{
		AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Now:       now, Logger: discard, Timeout: 10 * time.Second,
	})
}

// onNewRecorder collects OnNew calls.
type onNewRecorder struct {
	mu    sync.Mutex
	calls [][]string // titles per call
}

func (r *onNewRecorder) OnNew(_ context.Context, stories []story.Story) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var titles []string
	for _, s := range stories {
		titles = append(titles, s.Title)
	}
	r.calls = append(r.calls, titles)
}

func (r *onNewRecorder) get() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// fetcherFunc adapts a function to Fetcher.
type fetcherFunc func(ctx context.Context, url string, v feed.Validators) (*feed.Result, error)

func (f fetcherFunc) Fetch(ctx context.Context, url string, v feed.Validators) (*feed.Result, error) {
	return f(ctx, url, v)
}

var errStoreDown = errors.New("memstore: down")
