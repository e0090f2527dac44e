package discord

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/message"
)

// TestInteractionErrorsRedactToken checks that no error from an interaction callback or an
// @original edit carries the interaction token: callers log these errors, and the token lets
// anyone answer as the bot.
func TestInteractionErrorsRedactToken(t *testing.T) {
	const token = "aW50ZXJhY3Rpb246c2VjcmV0LXRva2VuLXZhbHVl"
	tests := []struct {
		name   string
		status int // 0: the server is closed before the call (transport error)
		call   func(ctx context.Context, c *RESTClient) error
	}{
		{"callback 400", http.StatusBadRequest, func(ctx context.Context, c *RESTClient) error {
			return c.interactionCallback(ctx, "123", token, deferredResponse(false))
		}},
		{"edit 404", http.StatusNotFound, func(ctx context.Context, c *RESTClient) error {
			return c.editOriginal(ctx, "app", token, toPayload(message.Message{Content: "x"}))
		}},
		{"callback transport error", 0, func(ctx context.Context, c *RESTClient) error {
			return c.interactionCallback(ctx, "123", token, deferredResponse(false))
		}},
		{"edit cancelled during 429 wait", http.StatusTooManyRequests, func(_ context.Context, c *RESTClient) error {
			// retry_after is 5 s; the deadline ends the wait after the first request.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			return c.editOriginal(ctx, "app", token, toPayload(message.Message{Content: "x"}))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sawToken atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sawToken.Store(strings.Contains(r.URL.Path, token))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(`{"code":10062,"message":"Unknown interaction","retry_after":5}`))
			}))
			if tc.status == 0 {
				srv.Close()
			} else {
				defer srv.Close()
			}
			err := tc.call(context.Background(), restTo(t, srv.URL, "bot-token", srv.Client()))
			if err == nil {
				t.Fatal("want an error, got nil")
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error leaks the interaction token: %v", err)
			}
			if !strings.Contains(err.Error(), redactedToken) {
				t.Errorf("error %q does not show where the token was redacted", err)
			}
			if tc.status != 0 && !sawToken.Load() {
				t.Error("the request did not carry the token in its URL")
			}
			var se *StatusError
			if tc.status == http.StatusBadRequest || tc.status == http.StatusNotFound {
				if !errors.As(err, &se) || se.Status != tc.status || se.Code != 10062 {
					t.Errorf("errors.As StatusError = %+v, want status %d code 10062", se, tc.status)
				}
			}
		})
	}
}
