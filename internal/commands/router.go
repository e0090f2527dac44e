package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// Request is one invocation of a command, transport-neutral.
type Request struct {
	// ID identifies the interaction (for logs).
	ID string
	// Name is the command, Sub its subcommand ("" when none).
	Name string
	Sub  string
	// Options holds every option value as a string, by option name.
	Options map[string]string
	// Focused is the option being autocompleted (autocomplete requests only).
	Focused string
	// GuildID is empty in DMs and the console.
	GuildID   string
	ChannelID string
	UserID    string
	// Permissions are the member's resolved permission bits in the channel, as Discord sends
	// them in member.permissions; the console grants everything.
	Permissions int64
	// AppPermissions are Herald's own permission bits in the channel (Discord's
	// app_permissions); the console grants everything.
	AppPermissions int64
	Locale         string
	// Component marks a button press: Issued is when the button was made (ComponentID), and
	// the answer replaces the button's message.
	Component bool
	Issued    time.Time
}

// Responder carries a command's answer back over its transport.
type Responder interface {
	// Defer acknowledges the command without an answer yet (Discord shows "thinking…").
	Defer(ctx context.Context, ephemeral bool) error
	// Reply delivers the answer: the first response, or an edit of it after Defer.
	Reply(ctx context.Context, m message.Message) error
}

// HandlerFunc answers one command.
type HandlerFunc func(ctx context.Context, req Request) (message.Message, error)

// AutocompleteFunc proposes values for the focused option.
type AutocompleteFunc func(ctx context.Context, req Request) []Choice

// UserError is an error whose message is safe and useful to show the user as it is.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// Errorf builds a UserError.
func Errorf(format string, args ...any) error { return &UserError{Msg: fmt.Sprintf(format, args...)} }

// Router dispatches requests to handlers through the middleware chain.
type Router struct {
	defs        []Command
	handlers    map[string]HandlerFunc
	completers  map[string]AutocompleteFunc
	deferAfter  time.Duration
	logger      *slog.Logger
	onCompleted func(name string, d time.Duration, err error)
}

// RouterOptions tunes the router.
type RouterOptions struct {
	// DeferAfter is how long a handler may run before the router defers (default 2 s: Discord
	// kills an interaction not acknowledged within 3 s).
	DeferAfter time.Duration
	Logger     *slog.Logger
	// OnCompleted, when set, observes every command (metrics).
	OnCompleted func(name string, d time.Duration, err error)
}

// NewRouter builds a router over defs; handlers are attached with Handle and Complete.
func NewRouter(defs []Command, opts RouterOptions) *Router {
	if opts.DeferAfter <= 0 {
		opts.DeferAfter = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Router{defs: defs, handlers: map[string]HandlerFunc{}, completers: map[string]AutocompleteFunc{},
		deferAfter: opts.DeferAfter, logger: opts.Logger, onCompleted: opts.OnCompleted}
}

// On attaches the handler of a command ("subscribe feed" for a subcommand).
func (r *Router) On(route string, h HandlerFunc) { r.handlers[route] = h }

// OnAutocomplete attaches a completer for "command option" or "command sub option".
func (r *Router) OnAutocomplete(route string, f AutocompleteFunc) { r.completers[route] = f }

// Definitions returns the commands as data, for registration.
func (r *Router) Definitions() []Command { return r.defs }

// Route names the handler key of a request.
func (req Request) Route() string {
	if req.Sub != "" {
		return req.Name + " " + req.Sub
	}
	return req.Name
}

// Handle runs one command to completion: it never panics, always answers (an error becomes an
// ephemeral reply), and defers on the handler's behalf when it runs long.
func (r *Router) Handle(ctx context.Context, req Request, resp Responder) {
	start := time.Now()
	sr := &serialResponder{inner: resp}
	done := make(chan struct{})
	cmd, _ := r.find(req.Name)
	go r.autoDefer(ctx, sr, done, cmd.Private)
	msg, err := r.run(ctx, req)
	close(done)
	if err != nil {
		msg = errorMessage(err)
	}
	msg.Replace = req.Component && err == nil
	msg = translate(req.Locale, msg)
	msg.Ephemeral = msg.Ephemeral || cmd.Private
	if rerr := sr.Reply(ctx, msg); rerr != nil {
		r.logger.Warn("commands: reply failed", "command", req.Route(), "interaction_id", req.ID, "error", rerr)
	}
	d := time.Since(start)
	r.logger.Info("command", "command", req.Route(), "guild_id", req.GuildID, "channel_id", req.ChannelID,
		"duration_ms", d.Milliseconds(), "deferred", sr.deferred, "error", errString(err))
	if r.onCompleted != nil {
		r.onCompleted(req.Name, d, err)
	}
}

// autoDefer defers on the handler's behalf once it has run for deferAfter; a panic in the
// Responder is logged, never silently dropped: it would otherwise hide why a slow command
// lost its interaction.
func (r *Router) autoDefer(ctx context.Context, sr *serialResponder, done <-chan struct{}, private bool) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("commands: auto-defer panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	t := time.NewTimer(r.deferAfter)
	defer t.Stop()
	select {
	case <-done:
	case <-ctx.Done():
	case <-t.C:
		if err := sr.Defer(ctx, private); err != nil {
			r.logger.Warn("commands: defer failed", "error", err)
		}
	}
}

// run finds the handler, checks permissions and recovers a panic into an error.
func (r *Router) run(ctx context.Context, req Request) (msg message.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("commands: handler panicked", "command", req.Route(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = Errorf("Something went wrong while running /%s. The error was logged; please try again.", req.Route())
		}
	}()
	cmd, ok := r.find(req.Name)
	if !ok {
		return message.Message{}, Errorf("Unknown command /%s. Try /help.", req.Name)
	}
	if req.Component && time.Since(req.Issued) > ComponentLifetime {
		return message.Message{}, Errorf("These buttons have expired. Run /%s again for a fresh page.", req.Name)
	}
	if cmd.GuildOnly() && req.GuildID == "" {
		return message.Message{}, Errorf("/%s works only in a server channel, not in direct messages.", req.Name)
	}
	if cmd.DefaultMemberPermissions != nil && req.Permissions&*cmd.DefaultMemberPermissions != *cmd.DefaultMemberPermissions {
		return message.Message{}, Errorf("You need the Manage Channels permission to use /%s.", req.Name)
	}
	if missing := BotPermissions &^ req.AppPermissions; cmd.PostsHere && missing != 0 {
		return message.Message{}, Errorf("Herald cannot post in this channel: it lacks %s here. Grant it View Channel, "+
			"Send Messages and Embed Links in this channel (or invite it again with those permissions), then try again.", permNames(missing))
	}
	h, ok := r.handlers[req.Route()]
	if !ok {
		return message.Message{}, Errorf("/%s is not available yet in this version of Herald.", req.Route())
	}
	return h(ctx, req)
}

// permNames names the posting permissions in bits.
func permNames(bits int64) string {
	var names []string
	for _, p := range []struct {
		bit  int64
		name string
	}{{PermViewChannel, "View Channel"}, {PermSendMessages, "Send Messages"}, {PermEmbedLinks, "Embed Links"}} {
		if bits&p.bit != 0 {
			names = append(names, p.name)
		}
	}
	return strings.Join(names, " and ")
}

func (r *Router) find(name string) (Command, bool) {
	for _, c := range r.defs {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Autocomplete answers an autocomplete request with at most 25 choices; it never panics.
func (r *Router) Autocomplete(ctx context.Context, req Request) (out []Choice) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("commands: autocomplete panicked", "command", req.Route(), "panic", fmt.Sprint(p))
			out = nil
		}
	}()
	f, ok := r.completers[req.Route()+" "+req.Focused]
	if !ok {
		return nil
	}
	out = f(ctx, req)
	if len(out) > 25 {
		out = out[:25]
	}
	return out
}

// FilterChoices keeps the choices whose name or value contains the typed prefix, sorted, ≤ 25.
func FilterChoices(all []Choice, typed string) []Choice {
	typed = strings.ToLower(strings.TrimSpace(typed))
	var out []Choice
	for _, c := range all {
		if typed == "" || strings.Contains(strings.ToLower(c.Name), typed) || strings.Contains(strings.ToLower(c.Value), typed) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi := strings.HasPrefix(strings.ToLower(out[i].Value), typed)
		pj := strings.HasPrefix(strings.ToLower(out[j].Value), typed)
		return pi && !pj
	})
	if len(out) > 25 {
		out = out[:25]
	}
	return out
}

func errorMessage(err error) message.Message {
	text := "Something went wrong. Please try again."
	switch ue := asUserError(err); {
	case ue != nil:
		text = ue.Msg
	case errors.Is(err, store.ErrUnavailable):
		text = "Herald's store is unavailable right now, so this cannot be answered. Please try again in a minute."
	}
	// A user error may quote user input or a feed server's status text: cut it to fit, or
	// Discord refuses the reply and the user sees no explanation at all.
	return message.Message{Content: message.Truncate("⚠️ "+text, message.MaxContent), Ephemeral: true}
}

// asUserError finds a UserError in err's chain.
func asUserError(err error) *UserError {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// serialResponder makes Defer and Reply safe to call from the auto-defer goroutine and the
// handler's goroutine, and ensures exactly one Reply.
type serialResponder struct {
	mu       sync.Mutex
	inner    Responder
	deferred bool
	replied  bool
}

func (s *serialResponder) Defer(ctx context.Context, ephemeral bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deferred || s.replied {
		return nil
	}
	s.deferred = true
	return s.inner.Defer(ctx, ephemeral)
}

func (s *serialResponder) Reply(ctx context.Context, m message.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replied {
		return nil
	}
	s.replied = true
	return s.inner.Reply(ctx, m)
}
