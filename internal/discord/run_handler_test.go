package discord

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
)

// brokenResponder records replies and refuses them, as an expired interaction token would.
type brokenResponder struct {
	mu      sync.Mutex
	replies []message.Message
}

func (b *brokenResponder) Defer(context.Context, bool) error { return nil }
func (b *brokenResponder) Reply(_ context.Context, m message.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.replies = append(b.replies, m)
	return errors.New("discord: PATCH <interaction-token>: status 404 code 10015: Unknown Webhook")
}
func (b *brokenResponder) replied() bool { return false }

// handlerFunc adapts a function to Handler.
type handlerFunc func(ctx context.Context, req commands.Request, resp commands.Responder)

func (f handlerFunc) Handle(ctx context.Context, req commands.Request, resp commands.Responder) {
	f(ctx, req, resp)
}
func (handlerFunc) Autocomplete(context.Context, commands.Request) []commands.Choice { return nil }

// When a handler panics or returns without replying, runHandler sends the generic error reply;
// if that fails too, the failure is logged rather than dropped.
func TestRunHandlerLogsFailedErrorReply(t *testing.T) {
	tests := []struct {
		name    string
		handler handlerFunc
	}{
		{"panics", func(context.Context, commands.Request, commands.Responder) { panic("boom") }},
		{"returns silently", func(context.Context, commands.Request, commands.Responder) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			resp := &brokenResponder{}
			runHandler(context.Background(), tc.handler, commands.Request{ID: "i1", Name: "latest"}, resp,
				slog.New(slog.NewTextHandler(&logs, nil)))
			if len(resp.replies) != 1 || !resp.replies[0].Ephemeral || !strings.Contains(resp.replies[0].Content, "Something went wrong") {
				t.Errorf("replies %+v, want one ephemeral error reply", resp.replies)
			}
			if !strings.Contains(logs.String(), `msg="discord: error reply failed"`) || !strings.Contains(logs.String(), "Unknown Webhook") {
				t.Errorf("the failed error reply was not logged:\n%s", logs.String())
			}
		})
	}
}
