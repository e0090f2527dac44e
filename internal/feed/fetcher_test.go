package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loopbackOnly is the operator exception the tests use: httptest servers listen on 127.0.0.1.
var loopbackOnly = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// testClock is the fixed "now" of the fetcher tests.
var testClock = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newTestFetcher(opts Options) *Fetcher {
	if opts.AllowNets == nil && !opts.AllowPrivate {
		opts.AllowNets = loopbackOnly
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testClock }
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	return NewFetcher(opts)
}

// requestLog records the headers of every request a test server sees.
type requestLog struct {
	mu      sync.Mutex
	headers []http.Header
	paths   []string
}

func (l *requestLog) record(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.headers = append(l.headers, r.Header.Clone())
	l.paths = append(l.paths, r.URL.Path)
}

func (l *requestLog) last(t *testing.T) http.Header {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.headers) == 0 {
		t.Fatal("server saw no request")
	}
	return l.headers[len(l.headers)-1]
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// serve starts a test server whose handler is h, recording requests into the returned log.
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *requestLog) {
	t.Helper()
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.record(r)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

// asFetchError asserts err is an *Error of the wanted class and returns it.
func asFetchError(t *testing.T, err error, want ErrorClass) *Error {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not *feed.Error", err, err)
	}
	if fe.Class != want {
		t.Fatalf("class = %q, want %q (error: %v)", fe.Class, want, err)
	}
	return fe
}

func TestFetchOK(t *testing.T) {
	body := readFixture(t, "basic_rss.xml")
	srv, log := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT")
		w.Header().Set("Cache-Control", "public, max-age=600")
		_, _ = w.Write(body)
	})
	f := newTestFetcher(Options{UserAgent: UserAgent("1.2.3")})
	res, err := f.Fetch(context.Background(), srv.URL+"/feed", Validators{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	got := struct {
		URL           string
		Status        int
		NotModified   bool
		Validators    Validators
		Bytes         int
		NextPollAfter time.Duration
		Title         string
		Items         int
	}{res.URL, res.Status, res.NotModified, res.Validators, res.Bytes, res.NextPollAfter, res.Feed.Title, len(res.Feed.Items)}
	want := got
	want.URL, want.Status, want.NotModified = srv.URL+"/feed", 200, false
	want.Validators = Validators{ETag: `"v1"`, LastModified: "Wed, 25 Nov 2026 10:00:00 GMT"}
	want.Bytes, want.NextPollAfter, want.Title, want.Items = len(body), 10*time.Minute, "Herald Test Wire", 2
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s", diff)
	}
	h := log.last(t)
	if ua := h.Get("User-Agent"); ua != "Herald/1.2.3 (+https://github.com/heraldbot/herald)" {
		t.Errorf("User-Agent = %q", ua)
	}
	for _, name := range []string{"If-None-Match", "If-Modified-Since"} {
		if v := h.Get(name); v != "" {
			t.Errorf("%s sent without validators: %q", name, v)
		}
	}
	if !strings.Contains(h.Get("Accept"), "application/rss+xml") {
		t.Errorf("Accept = %q, want feed types", h.Get("Accept"))
	}
}

func TestFetchDefaultUserAgent(t *testing.T) {
	srv, log := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(readFixture(t, "basic_rss.xml"))
	})
	if _, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, Validators{}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if ua := log.last(t).Get("User-Agent"); ua != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", ua, DefaultUserAgent)
	}
}

func TestFetchNotModified(t *testing.T) {
	sent := Validators{ETag: `"abc"`, LastModified: "Tue, 24 Nov 2026 08:00:00 GMT"}
	tests := []struct {
		name      string
		respETag  string
		wantValid Validators
	}{
		{name: "validators carried over", wantValid: sent},
		{name: "new etag kept", respETag: `"def"`, wantValid: Validators{ETag: `"def"`, LastModified: sent.LastModified}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, log := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") != sent.ETag {
					_, _ = w.Write(readFixture(t, "basic_rss.xml"))
					return
				}
				if tc.respETag != "" {
					w.Header().Set("ETag", tc.respETag)
				}
				w.WriteHeader(http.StatusNotModified)
			})
			res, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, sent)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			want := &Result{URL: srv.URL, Status: 304, NotModified: true, Validators: tc.wantValid}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			h := log.last(t)
			gotSent := Validators{ETag: h.Get("If-None-Match"), LastModified: h.Get("If-Modified-Since")}
			if diff := cmp.Diff(sent, gotSent); diff != "" {
				t.Errorf("conditional headers the server saw (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFetchStatusErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantClass  ErrorClass
		wantRetry  time.Duration
	}{
		{name: "429 seconds", status: 429, retryAfter: "120", wantClass: ClassRateLimit, wantRetry: 2 * time.Minute},
		{name: "429 http date", status: 429, retryAfter: testClock.Add(90 * time.Minute).Format(http.TimeFormat),
			wantClass: ClassRateLimit, wantRetry: 90 * time.Minute},
		{name: "429 capped", status: 429, retryAfter: "9999999", wantClass: ClassRateLimit, wantRetry: DefaultMaxRetryAfter},
		{name: "429 date in past", status: 429, retryAfter: testClock.Add(-time.Hour).Format(http.TimeFormat),
			wantClass: ClassRateLimit, wantRetry: 0},
		{name: "429 without header", status: 429, wantClass: ClassRateLimit},
		{name: "503 with retry", status: 503, retryAfter: "30", wantClass: ClassHTTP, wantRetry: 30 * time.Second},
		{name: "500", status: 500, retryAfter: "30", wantClass: ClassHTTP},
		{name: "404", status: 404, wantClass: ClassHTTP},
		{name: "410 gone", status: 410, wantClass: ClassGone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte("<html>error page</html>"))
			})
			_, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, Validators{})
			fe := asFetchError(t, err, tc.wantClass)
			got := [2]any{fe.Status, fe.RetryAfter}
			if diff := cmp.Diff([2]any{tc.status, tc.wantRetry}, got); diff != "" {
				t.Errorf("status/retry-after (-want +got):\n%s", diff)
			}
			if fe.URL != srv.URL {
				t.Errorf("URL = %q, want %q", fe.URL, srv.URL)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	noHeaders := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	tests := []struct {
		name    string
		opts    Options
		handler http.HandlerFunc
	}{
		{name: "no headers", opts: Options{Timeout: 100 * time.Millisecond}, handler: noHeaders},
		{name: "response header timeout", opts: Options{Timeout: 5 * time.Second, ResponseHeaderTimeout: 100 * time.Millisecond}, handler: noHeaders},
		{name: "stalled body", opts: Options{Timeout: 100 * time.Millisecond}, handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.handler)
			_, err := newTestFetcher(tc.opts).Fetch(context.Background(), srv.URL, Validators{})
			asFetchError(t, err, ClassTimeout)
		})
	}
}

func TestFetchTooLarge(t *testing.T) {
	const limit = 4 << 10
	big := bytes.Repeat([]byte("<!-- padding -->"), 2*limit/16)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{name: "content-length", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write(big)
		}},
		{name: "chunked endless", handler: func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush() // headers out: no Content-Length, chunked body
			for i := 0; i < 10_000; i++ {
				if _, err := w.Write(big); err != nil {
					return
				}
			}
		}},
		{name: "gzip bomb", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zeros := make([]byte, 64<<10)
			for i := 0; i < 64; i++ { // 4 MiB inflated
				if _, err := zw.Write(zeros); err != nil {
					return
				}
			}
			_ = zw.Close()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.handler)
			_, err := newTestFetcher(Options{MaxBytes: limit}).Fetch(context.Background(), srv.URL, Validators{})
			asFetchError(t, err, ClassTooLarge)
		})
	}
}

func TestFetchBodyAtLimit(t *testing.T) {
	body := readFixture(t, "basic_rss.xml")
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
	res, err := newTestFetcher(Options{MaxBytes: int64(len(body))}).Fetch(context.Background(), srv.URL, Validators{})
	if err != nil {
		t.Fatalf("a body of exactly MaxBytes must pass: %v", err)
	}
	if res.Bytes != len(body) {
		t.Errorf("Bytes = %d, want %d", res.Bytes, len(body))
	}
}

func TestFetchGzip(t *testing.T) {
	body := readFixture(t, "basic_rss.xml")
	srv, log := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = w.Write(body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(body)
		_ = zw.Close()
	})
	res, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, Validators{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if got := log.last(t).Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", got)
	}
	if res.Bytes != len(body) || res.Feed.Title != "Herald Test Wire" {
		t.Errorf("got %d bytes, title %q; want %d decompressed bytes of the fixture", res.Bytes, res.Feed.Title, len(body))
	}
}

func TestFetchRedirects(t *testing.T) {
	body := readFixture(t, "basic_rss.xml")
	var hops atomic.Int32
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/chain/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/chain/"))
			hops.Add(1)
			if n == 0 {
				_, _ = w.Write(body)
				return
			}
			http.Redirect(w, r, "/chain/"+strconv.Itoa(n-1), http.StatusMovedPermanently)
		case r.URL.Path == "/ftp":
			http.Redirect(w, r, "ftp://example.com/feed", http.StatusFound)
		}
	})
	f := newTestFetcher(Options{})
	res, err := f.Fetch(context.Background(), srv.URL+"/chain/5", Validators{})
	if err != nil {
		t.Fatalf("5 redirects must be followed: %v", err)
	}
	if res.URL != srv.URL+"/chain/0" {
		t.Errorf("final URL = %q, want %q", res.URL, srv.URL+"/chain/0")
	}
	_, err = f.Fetch(context.Background(), srv.URL+"/chain/6", Validators{})
	asFetchError(t, err, ClassRedirects)
	_, err = f.Fetch(context.Background(), srv.URL+"/loop", Validators{})
	asFetchError(t, err, ClassRedirects)
	_, err = f.Fetch(context.Background(), srv.URL+"/ftp", Validators{})
	asFetchError(t, err, ClassInvalid)
}

// connCounter is a test server that counts every TCP connection it accepts.
func connCounter(t *testing.T, addr string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(readFixture(t, "basic_rss.xml"))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestFetchBlocksPrivateRedirects(t *testing.T) {
	target, conns := connCounter(t, "127.0.0.2:0")
	tests := []struct {
		name string
		to   string
	}{
		{name: "cloud metadata", to: "http://169.254.169.254/latest/meta-data/"},
		{name: "other loopback address", to: target.URL + "/feed"},
		{name: "ipv4-mapped loopback", to: "http://[::ffff:127.0.0.2]:" + target.Listener.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.2:"):] + "/"},
		{name: "rfc1918", to: "http://10.0.0.1/feed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.to, http.StatusFound)
			})
			_, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, Validators{})
			asFetchError(t, err, ClassBlocked)
		})
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("blocked target accepted %d connections, want 0", n)
	}
	// The same server is reachable when the operator allows it: the guard, not the network,
	// stopped the requests above.
	f := newTestFetcher(Options{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if _, err := f.Fetch(context.Background(), target.URL+"/feed", Validators{}); err != nil {
		t.Fatalf("allowed fetch: %v", err)
	}
}

func TestFetchBlocksLoopbackHostname(t *testing.T) {
	srv, conns := connCounter(t, "127.0.0.1:0")
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	url := "http://localhost:" + strconv.Itoa(port) + "/feed"
	f := NewFetcher(Options{Timeout: 5 * time.Second})
	_, err := f.Fetch(context.Background(), url, Validators{})
	asFetchError(t, err, ClassBlocked)
	if n := conns.Load(); n != 0 {
		t.Errorf("server accepted %d connections, want 0", n)
	}
	if _, err := NewFetcher(Options{AllowPrivate: true}).Fetch(context.Background(), url, Validators{}); err != nil {
		t.Fatalf("AllowPrivate fetch: %v", err)
	}
}

func TestFetchNotAFeed(t *testing.T) {
	page := readFixture(t, "not_a_feed.html")
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	_, err := newTestFetcher(Options{}).Fetch(context.Background(), srv.URL, Validators{})
	fe := asFetchError(t, err, ClassNotFeed)
	if fe.URL != srv.URL || fe.Status != 200 {
		t.Errorf("URL/Status = %q/%d, want %q/200", fe.URL, fe.Status, srv.URL)
	}
}

func TestFetchInvalidURL(t *testing.T) {
	for _, raw := range []string{"", "ftp://example.com/feed", "file:///etc/passwd", "http://", "javascript:alert(1)", "://x", "gopher://h/"} {
		t.Run(raw, func(t *testing.T) {
			_, err := newTestFetcher(Options{}).Fetch(context.Background(), raw, Validators{})
			asFetchError(t, err, ClassInvalid)
		})
	}
}

func TestFetchNetworkErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String() + "/"
	ln.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	tests := []struct {
		name string
		url  string
		want ErrorClass
	}{
		{name: "refused", url: closedURL, want: ClassRefused},
		{name: "untrusted certificate", url: tlsSrv.URL, want: ClassTLS},
		{name: "no such host", url: "http://herald-test.invalid/feed", want: ClassDNS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newTestFetcher(Options{}).Fetch(context.Background(), tc.url, Validators{})
			asFetchError(t, err, tc.want)
		})
	}
}

// TestFetcherOwnsItsClient checks the client settings the guard depends on: a proxy would
// make the dialled address the proxy's, and a shared client could be changed elsewhere.
func TestFetcherOwnsItsClient(t *testing.T) {
	f := NewFetcher(Options{})
	if f.client == http.DefaultClient {
		t.Fatal("fetcher uses http.DefaultClient")
	}
	tr, ok := f.client.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport {
		t.Fatalf("transport = %T, want a private *http.Transport", f.client.Transport)
	}
	if tr.Proxy != nil {
		t.Error("transport honours a proxy; the private-network guard would check the proxy, not the feed host")
	}
	got := [3]time.Duration{tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout, f.opts.Timeout}
	want := [3]time.Duration{DefaultTLSHandshakeTimeout, DefaultResponseHeaderTimeout, DefaultTimeout}
	if got != want {
		t.Errorf("timeouts = %v, want %v", got, want)
	}
}

func TestFetchBlocksPrivateLiterals(t *testing.T) {
	srv, conns := connCounter(t, "127.0.0.1:0")
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	for _, raw := range []string{
		"http://127.0.0.1:" + port + "/feed",
		"http://[::ffff:127.0.0.1]:" + port + "/feed",
		"http://169.254.169.254/latest/meta-data/",
		"https://[fd00::1]/feed",
		"http://0.0.0.0:" + port + "/",
	} {
		t.Run(raw, func(t *testing.T) {
			_, err := NewFetcher(Options{}).Fetch(context.Background(), raw, Validators{})
			asFetchError(t, err, ClassBlocked)
		})
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("server accepted %d connections, want 0", n)
	}
}

func TestFetchLogs(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err := newTestFetcher(Options{Logger: logger}).Fetch(context.Background(), srv.URL, Validators{})
	asFetchError(t, err, ClassGone)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	got := map[string]any{"msg": line["msg"], "url": line["url"], "error_class": line["error_class"], "status": line["status"]}
	want := map[string]any{"msg": "feed fetched", "url": srv.URL, "error_class": "gone", "status": float64(410)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
}
