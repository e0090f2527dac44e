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
	// OnPrivateMessage says the pressed component is on a message only the member sees: a
	// private command's answer may replace only such a message, never one the channel sees.
	OnPrivateMessage bool
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
	defs       []Command
	handlers   map[string]HandlerFunc
	completers map[string]AutocompleteFunc
	logger     *slog.Logger
	// chain wraps the dispatch to the handler, outermost first (Use appends).
	chain []Middleware
}

// RouterOptions tunes the router.
type RouterOptions struct {
	// DeferAfter is how long a handler may run before the router defers (default 2 s: Discord
	// kills an interaction not acknowledged within 3 s).
	DeferAfter time.Duration
	Logger     *slog.Logger
	// OnCompleted, when set, observes every command (metrics).
	OnCompleted func(name string, d time.Duration, err error)
	// Links, when set, turn command names in replies into clickable command mentions once
	// Discord has told the commands' IDs (nil: the names stay plain, as in the console).
	Links *message.CommandLinks
}

// Call is one command on its way through the middleware: the request, the definition of its
// command (zero when the command is unknown) and the responder, safe to use from several
// goroutines.
type Call struct {
	Request
	Command   Command
	Responder Responder
	// deferred is the responder's record of whether the command was deferred.
	serial *serialResponder
}

// Deferred reports whether the call was acknowledged with a defer.
func (c *Call) Deferred() bool { return c.serial.wasDeferred() }

// Endpoint answers a call.
type Endpoint func(ctx context.Context, c *Call) (message.Message, error)

// Middleware wraps an endpoint with behaviour every command shares.
type Middleware func(next Endpoint) Endpoint

// NewRouter builds a router over defs with Herald's middleware, outermost first: Observe (log
// and metrics), Respond (the one reply), Recover, AutoDefer (the one owner of deferring) and
// Guard (unknown commands, DMs, permissions). Handlers are attached with On and
// OnAutocomplete; Use adds middleware inside these.
func NewRouter(defs []Command, opts RouterOptions) *Router {
	if opts.DeferAfter <= 0 {
		opts.DeferAfter = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Router{defs: defs, handlers: map[string]HandlerFunc{}, completers: map[string]AutocompleteFunc{}, logger: opts.Logger}
	r.Use(Observe(opts.Logger, opts.OnCompleted), Respond(opts.Logger, opts.Links), Recover(opts.Logger), AutoDefer(opts.DeferAfter, opts.Logger), Guard())
	return r
}

// Links returns the command links for defs: the subcommands each command has, so that
// "/subscription edit" becomes one mention. IDs are set once Discord registers the commands.
func Links(defs []Command) *message.CommandLinks {
	subs := map[string][]string{}
	for _, c := range defs {
		for _, o := range subcommands(c) {
			subs[c.Name] = append(subs[c.Name], o.Name)
		}
	}
	return message.NewCommandLinks(subs)
}

// Use appends middleware to the chain; the first added is the outermost.
func (r *Router) Use(mw ...Middleware) { r.chain = append(r.chain, mw...) }

// On attaches the handler of a command ("subscribe feed" for a subcommand).
func (r *Router) On(route string, h HandlerFunc) { r.handlers[route] = h }

// OnAutocomplete attaches a completer for "command option" or "command sub option".
func (r *Router) OnAutocomplete(route string, f AutocompleteFunc) { r.completers[route] = f }

// Definitions returns the commands as data, for registration.
func (r *Router) Definitions() []Command { return r.defs }

// Validate checks that every route the definitions offer (each command, or each subcommand)
// has a handler and every autocompleted option a completer: Herald refuses to start rather
// than register a command that answers "not available".
func (r *Router) Validate() error {
	var missing []string
	for _, c := range r.defs {
		routes := []string{c.Name}
		opts := map[string][]Option{c.Name: c.Options}
		if subs := subcommands(c); len(subs) > 0 {
			routes = routes[:0]
			for _, s := range subs {
				route := c.Name + " " + s.Name
				routes = append(routes, route)
				opts[route] = s.Options
			}
			delete(opts, c.Name)
		}
		for _, route := range routes {
			if _, ok := r.handlers[route]; !ok {
				missing = append(missing, "/"+route+" has no handler")
			}
			for _, o := range opts[route] {
				if _, ok := r.completers[route+" "+o.Name]; o.Autocomplete && !ok {
					missing = append(missing, "/"+route+" "+o.Name+" has no completer")
				}
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("commands: %s", strings.Join(missing, "; "))
	}
	return nil
}

func subcommands(c Command) []Option {
	var out []Option
	for _, o := range c.Options {
		if o.Type == OptionSubCommand {
			out = append(out, o)
		}
	}
	return out
}

// Route names the handler key of a request.
func (req Request) Route() string {
	if req.Sub != "" {
		return req.Name + " " + req.Sub
	}
	return req.Name
}

// Handle runs one command through the middleware to its handler: it never panics and always
// answers (an error becomes an ephemeral reply).
func (r *Router) Handle(ctx context.Context, req Request, resp Responder) {
	cmd, _ := r.find(req.Name)
	sr := &serialResponder{inner: resp}
	call := &Call{Request: req, Command: cmd, Responder: sr, serial: sr}
	end := Endpoint(r.dispatch)
	for i := len(r.chain) - 1; i >= 0; i-- {
		end = r.chain[i](end)
	}
	_, _ = end(ctx, call)
}

// dispatch is the end of the chain: the route's handler.
func (r *Router) dispatch(ctx context.Context, c *Call) (message.Message, error) {
	h, ok := r.handlers[c.Route()]
	if !ok {
		return message.Message{}, Errorf("/%s is not available yet in this version of Herald.", c.Route())
	}
	return h(ctx, c.Request)
}

// Observe logs every command and reports it to onCompleted (metrics), after the reply.
func Observe(logger *slog.Logger, onCompleted func(name string, d time.Duration, err error)) Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, c *Call) (message.Message, error) {
			start := time.Now()
			msg, err := next(ctx, c)
			d := time.Since(start)
			logger.Info("command", "command", c.Route(), "guild_id", c.GuildID, "channel_id", c.ChannelID,
				"duration_ms", d.Milliseconds(), "deferred", c.Deferred(), "error", errString(err))
			if onCompleted != nil {
				onCompleted(c.Name, d, err)
			}
			return msg, err
		}
	}
}

// Respond sends the one reply: the handler's message, or its error as an ephemeral message;
// a private command's reply is always ephemeral. The reply is translated into the member's
// language where Herald has a translation, then the command names in its text become
// clickable mentions (links; nil leaves them plain). Replies keep feed text out of Content
// (stories are embeds), so only Herald's own words are linked.
func Respond(logger *slog.Logger, links *message.CommandLinks) Middleware {
	tr := newTranslator()
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, c *Call) (message.Message, error) {
			msg, err := next(ctx, c)
			if err != nil {
				msg = errorMessage(err)
			}
			msg.Replace = c.Component && err == nil && (!c.Command.Private || c.OnPrivateMessage)
			msg = tr.translate(c.Locale, msg)
			msg.Content = links.Link(msg.Content, message.MaxContent)
			msg.Ephemeral = msg.Ephemeral || c.Command.Private
			if rerr := c.Responder.Reply(ctx, msg); rerr != nil {
				logger.Warn("commands: reply failed", "command", c.Route(), "interaction_id", c.ID, "error", rerr)
			}
			return msg, err
		}
	}
}

// Recover is the handlers' boundary: a panic becomes an error the user sees and a logged stack.
func Recover(logger *slog.Logger) Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, c *Call) (msg message.Message, err error) {
			defer func() {
				if p := recover(); p != nil {
					logger.Error("commands: handler panicked", "command", c.Route(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					err = Errorf("Something went wrong while running /%s. The error was logged; please try again.", c.Route())
				}
			}()
			return next(ctx, c)
		}
	}
}

// AutoDefer defers on the handler's behalf once it has run for after (privately for a private
// command): the one place Herald decides to defer.
func AutoDefer(after time.Duration, logger *slog.Logger) Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, c *Call) (message.Message, error) {
			done := make(chan struct{})
			go autoDefer(ctx, c, done, after, logger)
			defer close(done)
			return next(ctx, c)
		}
	}
}

// autoDefer waits for the handler or the deadline; a panic in the Responder is logged, never
// silently dropped: it would otherwise hide why a slow command lost its interaction.
func autoDefer(ctx context.Context, c *Call, done <-chan struct{}, after time.Duration, logger *slog.Logger) {
	defer func() {
		if p := recover(); p != nil {
			logger.Error("commands: auto-defer panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-done:
	case <-ctx.Done():
	case <-t.C:
		if err := c.Responder.Defer(ctx, c.Command.Private); err != nil {
			logger.Warn("commands: defer failed", "error", err)
		}
	}
}

// Guard refuses what the definitions rule out before a handler runs: unknown commands,
// guild-only commands in DMs, members without the command's permissions (named), and
// subscriptions where Herald cannot post.
func Guard() Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, c *Call) (message.Message, error) {
			if err := guardRefusal(c); err != nil {
				return message.Message{}, err
			}
			return next(ctx, c)
		}
	}
}

func guardRefusal(c *Call) error {
	cmd := c.Command
	switch {
	case cmd.Name == "":
		return Errorf("Unknown command /%s. Try /help.", c.Name)
	case c.Component && time.Since(c.Issued) > ComponentLifetime:
		return Errorf("These buttons have expired. Run /%s again for a fresh page.", c.Name)
	case cmd.GuildOnly() && c.GuildID == "":
		return Errorf("/%s works only in a server channel, not in direct messages.", c.Name)
	}
	if need := cmd.DefaultMemberPermissions; need != nil && c.Permissions&*need != *need {
		return Errorf("You need the %s permission to use /%s.", permNames(*need&^c.Permissions), c.Name)
	}
	if missing := BotPermissions &^ c.AppPermissions; cmd.PostsHere && missing != 0 {
		return Errorf("Herald cannot post in this channel: it lacks %s here. Grant it View Channel, "+
			"Send Messages and Embed Links in this channel (or invite it again with those permissions), then try again.", permNames(missing))
	}
	return nil
}

// permNames names the permissions in bits, in Discord's words.
func permNames(bits int64) string {
	var names []string
	for _, p := range []struct {
		bit  int64
		name string
	}{{PermManageChannels, "Manage Channels"}, {PermViewChannel, "View Channel"}, {PermSendMessages, "Send Messages"}, {PermEmbedLinks, "Embed Links"}} {
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

func (s *serialResponder) wasDeferred() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deferred
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
