package poller

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldbot/herald/internal/feed"
)

// recordHandler keeps the records logged at Info and above, attributes flattened.
type recordHandler struct {
	mu   *sync.Mutex
	recs *[]map[string]any
}

func newRecordHandler() recordHandler {
	return recordHandler{mu: &sync.Mutex{}, recs: &[]map[string]any{}}
}

func (h recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h recordHandler) WithGroup(string) slog.Handler                { return h }

func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	m := map[string]any{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.recs = append(*h.recs, m)
	return nil
}

// withMsg returns the records with message msg, without their elapsed attribute.
func (h recordHandler) withMsg(msg string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, r := range *h.recs {
		if r["msg"] == msg {
			delete(r, "elapsed")
			out = append(out, r)
		}
	}
	return out
}

func TestPollOnceLogsOneSummaryLine(t *testing.T) {
	h := newHarness(t)
	h.site.set("/a", siteFeed{etag: `"v1"`, items: itemsN(2, h.clock.Now())})
	h.site.set("/b", siteFeed{status: 500})
	rh := newRecordHandler()
	p := New([]Feed{{URL: h.site.url("/a")}, {URL: h.site.url("/b")}}, realFetcher(h.clock.Now), h.store, nil,
		Options{Now: h.clock.Now, Logger: slog.New(rh)})
	pollOnce(t, p)
	want := []map[string]any{{"msg": "poller: poll cycle", "feeds": int64(2), "polled": int64(1), "not_modified": int64(0),
		"failed": int64(1), "new_stories": int64(2), "stories": int64(2), "items_dropped": int64(0)}}
	if diff := cmp.Diff(want, rh.withMsg("poller: poll cycle")); diff != "" {
		t.Errorf("summary log (-want +got):\n%s", diff)
	}
}

func TestRunLogsSummaryPerInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			return &feed.Result{URL: url, Status: 304, NotModified: true}, nil
		})
		rh := newRecordHandler()
		p := New([]Feed{{URL: "https://a.example/1"}, {URL: "https://b.example/2"}}, f, newMemStore(), nil,
			Options{Logger: slog.New(rh)})
		runFor(t, p, 3*DefaultInterval+time.Second)
		got := rh.withMsg("poller: poll summary")
		if len(got) != 3 {
			t.Fatalf("%d summary lines over 3 intervals, want 3: %v", len(got), got)
		}
		total := int64(0)
		for _, r := range got {
			total += r["not_modified"].(int64)
		}
		// Each feed's polls fall at offset, offset+10m, offset+20m: 6 polls before 30m.
		if total != 6 {
			t.Errorf("summaries count %d polls, want 6: %v", total, got)
		}
	})
}

// A private feed's password reaches neither the poller's log lines nor the stored last error
// (which failure notices quote in Discord); the stored error is the user's wording.
func TestFailedPrivateFeedRedactsPassword(t *testing.T) {
	const password = "s3cret-feed-password"
	h := newHarness(t)
	h.site.set("/private", siteFeed{status: 500})
	url := strings.Replace(h.site.url("/private"), "://", "://reader:"+password+"@", 1)
	var logs strings.Builder
	var mu sync.Mutex
	p := New([]Feed{{URL: url}}, realFetcher(h.clock.Now), h.store, nil,
		Options{Now: h.clock.Now, Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	pollOnce(t, p)
	st, ok, err := h.store.GetFeedState(context.Background(), url)
	if err != nil || !ok || st.Failures != 1 {
		t.Fatalf("feed state %+v, %v, %v; want one failure recorded", st, ok, err)
	}
	if want := "the feed's server answered with an error (HTTP 500)"; st.LastError != want {
		t.Errorf("stored last error %q, want %q: words a user understands, no URL or password", st.LastError, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "poller: feed poll failed") || strings.Contains(logs.String(), password) {
		t.Errorf("poller log missing the failure or leaking the password:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestFailedFeedStoresUserWords is issue 11 item 8: a feed whose host does not resolve stored
// "feed: dns: http://…: dial tcp: lookup … on 127.0.0.53:53: no such host", which the feed-down
// notice then showed the channel: the URL a second time and the resolver's address.
func TestFailedFeedStoresUserWords(t *testing.T) {
	h := newHarness(t)
	const url = "http://herald-test.invalid/feed"
	p := New([]Feed{{URL: url}}, realFetcher(h.clock.Now), h.store, nil, Options{Now: h.clock.Now})
	pollOnce(t, p)
	st := h.store.state(t, url)
	if want := "the server name herald-test.invalid could not be found"; st.LastError != want || st.ErrorClass != "dns" {
		t.Errorf("stored error %q (class %q), want %q", st.LastError, st.ErrorClass, want)
	}
}
