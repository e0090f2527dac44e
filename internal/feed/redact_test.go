package feed

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "https://news.example/rss", "https://news.example/rss"},
		{"user and password", "https://reader:s3cret@news.example/rss", "https://reader:xxxxx@news.example/rss"},
		{"user only", "https://reader@news.example/rss", "https://reader@news.example/rss"},
		{"at sign in the query", "https://news.example/rss?by=a@b", "https://news.example/rss?by=a@b"},
		{"unparseable kept", "http://a b@%zz", "http://a b@%zz"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RedactURL(tc.in); got != tc.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// A failed fetch of a private feed must not put its password in the error text (stored as the
// feed's last error and posted in failure notices) nor in the fetch log line.
func TestFetchErrorAndLogRedactPassword(t *testing.T) {
	const password = "s3cret-feed-password"
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusUnauthorized)
	})
	var logs strings.Builder
	f := newTestFetcher(Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	raw := strings.Replace(srv.URL, "://", "://reader:"+password+"@", 1)
	_, err := f.Fetch(context.Background(), raw, Validators{})
	var fe *Error
	if !errors.As(err, &fe) || fe.Status != http.StatusUnauthorized {
		t.Fatalf("want a 401 *Error, got %v", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error text leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "reader:xxxxx@") {
		t.Errorf("error text %q lost the (redacted) URL", err)
	}
	if !strings.Contains(logs.String(), "feed fetched") || strings.Contains(logs.String(), password) {
		t.Errorf("fetch log missing or leaking the password:\n%s", logs.String())
	}
}
