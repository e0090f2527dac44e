package subscription

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
)

// pipeListener is a net.Listener over in-memory pipes, so a real net/http server runs inside
// a synctest bubble (a socket would keep the bubble from ever being idle).
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// feedServer is a real HTTP feed server counting the requests for each path.
type feedServer struct {
	mu       sync.Mutex
	requests map[string]int
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	n := s.requests[r.URL.Path]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>
<item><title>Item %d</title><link>https://news.example%s/%d</link><guid>%s-%d</guid></item></channel></rss>`,
		r.URL.Path, n, r.URL.Path, n, r.URL.Path, n)
}

func (s *feedServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// httpFetcher fetches and parses feeds over HTTP, for the poller and the feed check alike.
type httpFetcher struct{ client *http.Client }

func (f httpFetcher) Fetch(ctx context.Context, url string, _ feed.Validators) (*feed.Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	parsed, err := feed.Parse(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	return &feed.Result{URL: url, Status: resp.StatusCode, Feed: parsed, Bytes: len(body)}, nil
}

func (f httpFetcher) CheckFeed(ctx context.Context, url string) (Checked, error) {
	res, err := f.Fetch(ctx, url, feed.Validators{})
	if err != nil {
		return Checked{}, err
	}
	return Checked{Title: res.Feed.Title}, nil
}

// Unsubscribing the last subscription of a feed stops polling it within one interval, while
// a feed another channel still subscribes to keeps being polled. The issue: the poller's feed
// list only grew, so an unsubscribed feed was fetched until the next restart.
func TestUnsubscribeStopsPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 10 * time.Minute
		srv := &feedServer{requests: map[string]int{}}
		ln := newPipeListener()
		hs := &http.Server{Handler: srv}
		go func() { _ = hs.Serve(ln) }()
		transport := &http.Transport{DialContext: ln.dial}
		fetch := httpFetcher{client: &http.Client{Transport: transport}}

		db, err := boltstore.Open(t.TempDir()+"/herald.db", boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		discard := slog.New(slog.DiscardHandler)
		p := poller.New(nil, fetch, db, nil, poller.Options{Interval: interval, Logger: discard})
		svc := New(db, fetch, p, &schedule{ids: map[string]bool{}}, Options{Logger: discard})
		ctx, cancel := context.WithCancel(context.Background())
		runDone := make(chan struct{})
		go func() {
			defer close(runDone)
			p.Run(ctx)
		}()

		gone, kept := "http://feeds.test/gone", "http://feeds.test/kept"
		leaving, _, err := svc.SubscribeFeed(ctx, ownerC1, gone, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []Owner{ownerC1, ownerC2} {
			if _, _, err := svc.SubscribeFeed(ctx, o, kept, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2*interval + time.Second)
		synctest.Wait()
		before := map[string]int{"/gone": srv.count("/gone"), "/kept": srv.count("/kept")}
		if before["/gone"] < 3 || before["/kept"] < 3 {
			t.Fatalf("requests before unsubscribing %v; want the check and a poll per interval (at least 3 each)", before)
		}

		if _, err := svc.Unsubscribe(ctx, leaving.GuildID, leaving.ID); err != nil {
			t.Fatal(err)
		}
		keptSub := firstFeedSub(t, svc, "c1", kept)
		if _, err := svc.Unsubscribe(ctx, keptSub.GuildID, keptSub.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(interval) // the removed feed's next turn comes and goes
		synctest.Wait()
		afterOne := srv.count("/gone")
		if afterOne > before["/gone"] {
			t.Errorf("/gone fetched %d times after its last subscription went; want 0 within one interval", afterOne-before["/gone"])
		}
		time.Sleep(3 * interval)
		synctest.Wait()
		if got := srv.count("/gone"); got != before["/gone"] {
			t.Errorf("/gone fetched %d more times in the 4 intervals after unsubscribing, want none", got-before["/gone"])
		}
		if got := srv.count("/kept"); got < before["/kept"]+4 {
			t.Errorf("/kept (still subscribed in c2) fetched %d more times in 4 intervals, want at least 4", got-before["/kept"])
		}

		cancel()
		<-runDone
		transport.CloseIdleConnections()
		if err := hs.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
}

func firstFeedSub(t *testing.T, svc *Service, channelID, url string) store.Subscription {
	t.Helper()
	subs, err := svc.List(context.Background(), store.SubscriptionFilter{ChannelID: channelID})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if strings.EqualFold(s.FeedURL, url) {
			return s
		}
	}
	t.Fatalf("no subscription to %s in %s", url, channelID)
	return store.Subscription{}
}
