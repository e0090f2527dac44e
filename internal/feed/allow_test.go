package feed

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// A host the operator lists by name is reached although it resolves to loopback; its
// redirect to an address nobody listed, and an unlisted name for the same server, are not.
func TestFetchAllowHosts(t *testing.T) {
	body := readFixture(t, "basic_rss.xml")
	other, otherConns := connCounter(t, "127.0.0.1:0")
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, other.URL+"/feed", http.StatusFound)
			return
		}
		_, _ = w.Write(body)
	})
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	f := NewFetcher(Options{Timeout: 5 * time.Second, AllowHosts: []string{"LocalHost."}})
	for _, tc := range []struct {
		name, url string
		want      ErrorClass // "" for success
	}{
		{name: "listed name", url: "http://localhost:" + port + "/feed"},
		{name: "same server by address", url: "http://127.0.0.1:" + port + "/feed", want: ClassBlocked},
		{name: "redirect to an unlisted address", url: "http://localhost:" + port + "/away", want: ClassBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), tc.url, Validators{})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("fetch: %v", err)
				}
				return
			}
			asFetchError(t, err, tc.want)
		})
	}
	if n := otherConns.Load(); n != 0 {
		t.Errorf("the unlisted redirect target accepted %d connections", n)
	}
}

// Split gives the operator's exceptions to the operator's URLs only: the same server under a
// URL a /subscribe user typed stays behind the guard.
func TestSplitKeepsExceptionsToOperatorFeeds(t *testing.T) {
	body := readFixture(t, "basic_rss.xml")
	srv, log := serve(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
	operatorURL := srv.URL + "/configured.xml"
	s := NewSplit(NewFetcher(Options{Timeout: 5 * time.Second, AllowPrivate: true}), NewFetcher(Options{Timeout: 5 * time.Second}),
		[]string{operatorURL})
	if _, err := s.Fetch(context.Background(), operatorURL, Validators{}); err != nil {
		t.Fatalf("operator's feed: %v", err)
	}
	_, err := s.Fetch(context.Background(), srv.URL+"/typed-by-a-member.xml", Validators{})
	asFetchError(t, err, ClassBlocked)
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.paths) != 1 || log.paths[0] != "/configured.xml" {
		t.Errorf("server saw %v, want only the operator's feed", log.paths)
	}
}
