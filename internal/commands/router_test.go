package commands

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/message"
)

// recorder is a Responder that records what the router did, in order.
type recorder struct {
	mu     sync.Mutex
	events []string
	reply  message.Message
	at     []time.Duration
	start  time.Time
}

func (r *recorder) Defer(_ context.Context, ephemeral bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, map[bool]string{false: "defer", true: "defer-ephemeral"}[ephemeral])
	r.at = append(r.at, time.Since(r.start))
	return nil
}

func (r *recorder) Reply(_ context.Context, m message.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "reply")
	r.at = append(r.at, time.Since(r.start))
	r.reply = m
	return nil
}

func testRouter(h HandlerFunc) *Router {
	r := NewRouter(Definitions(), RouterOptions{})
	r.On("latest", h)
	r.On("subscribe topic", h)
	return r
}

func ok(context.Context, Request) (message.Message, error) {
	return message.Message{Content: "fine"}, nil
}

func TestRouterMiddleware(t *testing.T) {
	for _, tc := range []struct {
		name        string
		req         Request
		handler     HandlerFunc
		wantEvents  string
		wantContent string
		ephemeral   bool
	}{
		{name: "answers", req: Request{Name: "latest"}, handler: ok, wantEvents: "reply", wantContent: "fine"},
		{name: "panic becomes an ephemeral error", req: Request{Name: "latest"},
			handler:    func(context.Context, Request) (message.Message, error) { panic("boom") },
			wantEvents: "reply", wantContent: "Something went wrong while running /latest", ephemeral: true},
		{name: "user error shown as is", req: Request{Name: "latest"},
			handler: func(context.Context, Request) (message.Message, error) {
				return message.Message{}, Errorf("Bad count.")
			},
			wantEvents: "reply", wantContent: "Bad count.", ephemeral: true},
		{name: "internal error hidden", req: Request{Name: "latest"},
			handler: func(context.Context, Request) (message.Message, error) {
				return message.Message{}, context.DeadlineExceeded
			},
			wantEvents: "reply", wantContent: "Something went wrong. Please try again.", ephemeral: true},
		{name: "unknown command", req: Request{Name: "nope"}, handler: ok, wantEvents: "reply", wantContent: "Unknown command /nope", ephemeral: true},
		{name: "not available yet", req: Request{Name: "briefing"}, handler: ok, wantEvents: "reply", wantContent: "not available yet", ephemeral: true},
		{name: "manage channels refused", req: Request{Name: "subscribe", Sub: "topic", GuildID: "g1", Permissions: 1 << 11}, handler: ok,
			wantEvents: "reply", wantContent: "Manage Channels", ephemeral: true},
		{name: "manage channels allowed, answered privately", req: Request{Name: "subscribe", Sub: "topic", GuildID: "g1", Permissions: PermManageChannels | 1<<11,
			AppPermissions: BotPermissions}, handler: ok, wantEvents: "reply", wantContent: "fine", ephemeral: true},
		{name: "bot cannot post here", req: Request{Name: "subscribe", Sub: "topic", GuildID: "g1", Permissions: PermManageChannels,
			AppPermissions: PermViewChannel | PermSendMessages | 1<<4}, handler: ok, wantEvents: "reply",
			wantContent: "Herald cannot post in this channel: it lacks Embed Links here.", ephemeral: true},
		{name: "bot lacks everything", req: Request{Name: "subscribe", Sub: "digest", GuildID: "g1", Permissions: PermManageChannels}, handler: ok,
			wantEvents: "reply", wantContent: "it lacks View Channel and Send Messages and Embed Links here", ephemeral: true},
		{name: "replies need no channel permission", req: Request{Name: "latest"}, handler: ok, wantEvents: "reply", wantContent: "fine"},
		{name: "subscribe in a DM is for servers, not a permission error", req: Request{Name: "subscribe", Sub: "topic"}, handler: ok,
			wantEvents: "reply", wantContent: "/subscribe works only in a server channel", ephemeral: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{start: time.Now()}
			testRouter(tc.handler).Handle(context.Background(), tc.req, rec)
			if got := strings.Join(rec.events, ","); got != tc.wantEvents {
				t.Errorf("events %q, want %q", got, tc.wantEvents)
			}
			if !strings.Contains(rec.reply.Content, tc.wantContent) || rec.reply.Ephemeral != tc.ephemeral {
				t.Errorf("reply %+v, want content containing %q, ephemeral %t", rec.reply, tc.wantContent, tc.ephemeral)
			}
		})
	}
}

// A slow handler is deferred after DeferAfter, then answered once.
func TestRouterAutoDefer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := func(ctx context.Context, _ Request) (message.Message, error) {
			time.Sleep(5 * time.Second)
			return message.Message{Content: "late"}, nil
		}
		rec := &recorder{start: time.Now()}
		testRouter(slow).Handle(context.Background(), Request{Name: "latest"}, rec)
		if got := strings.Join(rec.events, ","); got != "defer,reply" {
			t.Fatalf("events %q, want defer,reply", got)
		}
		if rec.at[0] != 2*time.Second || rec.at[1] != 5*time.Second {
			t.Errorf("deferred at %s and replied at %s, want 2s and 5s", rec.at[0], rec.at[1])
		}
	})
}

// TestRouterPrivateCommandDefersEphemerally is issue 11 item 7: a slow /subscribe feed that
// failed showed its error to the whole channel, because the auto-defer was public and Discord
// cannot make an edit of a public "thinking…" ephemeral.
func TestRouterPrivateCommandDefersEphemerally(t *testing.T) {
	for _, tc := range []struct {
		name, command, sub string
		wantEvents         string
	}{
		{"private command", "subscribe", "topic", "defer-ephemeral,reply"},
		{"public command", "latest", "", "defer,reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				slowFail := func(ctx context.Context, _ Request) (message.Message, error) {
					time.Sleep(5 * time.Second)
					return message.Message{}, Errorf("Could not subscribe: the feed timed out.")
				}
				rec := &recorder{start: time.Now()}
				testRouter(slowFail).Handle(context.Background(), Request{Name: tc.command, Sub: tc.sub, GuildID: "g1", Permissions: -1, AppPermissions: -1}, rec)
				if got := strings.Join(rec.events, ","); got != tc.wantEvents {
					t.Errorf("events %q, want %q", got, tc.wantEvents)
				}
				if !rec.reply.Ephemeral {
					t.Errorf("error reply %+v is not ephemeral", rec.reply)
				}
			})
		})
	}
}

func TestRouterFastHandlerNotDeferred(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		quick := func(ctx context.Context, _ Request) (message.Message, error) {
			time.Sleep(1900 * time.Millisecond)
			return message.Message{Content: "quick"}, nil
		}
		rec := &recorder{start: time.Now()}
		testRouter(quick).Handle(context.Background(), Request{Name: "latest"}, rec)
		time.Sleep(3 * time.Second) // a late auto-defer would show up here
		if got := strings.Join(rec.events, ","); got != "reply" {
			t.Fatalf("events %q, want only a reply", got)
		}
	})
}

func TestAutocompleteCapsAndRecovers(t *testing.T) {
	r := NewRouter(Definitions(), RouterOptions{})
	r.OnAutocomplete("subscribe digest timezone", TimeZoneChoices)
	r.OnAutocomplete("latest topic", func(context.Context, Request) []Choice { panic("boom") })
	got := r.Autocomplete(context.Background(), Request{Name: "subscribe", Sub: "digest", Focused: "timezone", Options: map[string]string{"timezone": ""}})
	if len(got) != 25 {
		t.Errorf("want 25 choices at most and here exactly 25, got %d", len(got))
	}
	got = r.Autocomplete(context.Background(), Request{Name: "subscribe", Sub: "digest", Focused: "timezone", Options: map[string]string{"timezone": "kolk"}})
	if len(got) != 1 || got[0].Value != "Asia/Kolkata" {
		t.Errorf("kolk → %v", got)
	}
	if got := r.Autocomplete(context.Background(), Request{Name: "latest", Focused: "topic"}); got != nil {
		t.Errorf("a panicking completer must yield no choices, got %v", got)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	m, err := Help(Definitions(Alias{Name: "ceasefire-status", Title: "Gaza ceasefire"}), nil)(context.Background(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	text := m.Embeds[0].Description
	for _, want := range []string{"/latest [count] [topic]", "/ceasefire-status", "/status topic", "/subscribe digest [time] [timezone] [topic]",
		"/subscribe feed url [include] [exclude]", "/subscribe topic topic", "/unsubscribe [subscription]", "/subscriptions", "/briefing [topic]", "/help"} {
		if !strings.Contains(text, want) {
			t.Errorf("help lacks %q:\n%s", want, text)
		}
	}
	if err := message.Validate(m); err != nil {
		t.Errorf("help is not a valid message: %v", err)
	}
}

// panickyDefer is a Responder whose Defer panics, as a broken transport might.
type panickyDefer struct{ recorder }

func (p *panickyDefer) Defer(context.Context, bool) error { panic("transport exploded") }

// A panic in the auto-defer goroutine is logged with the stack, and the handler's reply still
// goes out: it is neither lost nor silently swallowed.
func TestRouterAutoDeferPanicLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs strings.Builder
		var logMu sync.Mutex
		logger := slog.New(slog.NewJSONHandler(lockedWriter{&logMu, &logs}, nil))
		r := NewRouter(Definitions(), RouterOptions{Logger: logger})
		r.On("latest", func(context.Context, Request) (message.Message, error) {
			time.Sleep(5 * time.Second)
			return message.Message{Content: "late"}, nil
		})
		resp := &panickyDefer{recorder{start: time.Now()}}
		r.Handle(context.Background(), Request{Name: "latest"}, resp)
		if got := strings.Join(resp.events, ","); got != "reply" || resp.reply.Content != "late" {
			t.Errorf("events %q reply %q, want the handler's reply", got, resp.reply.Content)
		}
		logMu.Lock()
		defer logMu.Unlock()
		if !strings.Contains(logs.String(), `"msg":"commands: auto-defer panicked"`) ||
			!strings.Contains(logs.String(), "transport exploded") {
			t.Errorf("auto-defer panic not logged; logs:\n%s", logs.String())
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
