package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
)

// Handler is what the transport needs from the command layer (commands.Router satisfies it).
type Handler interface {
	Handle(ctx context.Context, req commands.Request, resp commands.Responder)
	Autocomplete(ctx context.Context, req commands.Request) []commands.Choice
}

// interactionLifetime is how long an interaction token accepts edits after a defer.
const interactionLifetime = 15 * time.Minute

// autocompleteTimeout leaves room inside Discord's 3 s for the callback itself.
const autocompleteTimeout = 2500 * time.Millisecond

// GatewayConfig builds a Gateway.
type GatewayConfig struct {
	// Token is the bot token, without the "Bot " prefix.
	Token               string
	ShardID, ShardCount int
	// AppID is optional: READY carries it.
	AppID string
	// GuildID registers commands in one guild (instant) instead of globally.
	GuildID string
	Handler Handler
	// Definitions are registered on READY by shard 0; nil skips registration.
	Definitions []commands.Command
	// OnSynced observes each registration attempt (metrics, tests).
	OnSynced func(changed bool, err error)
	// OnCommandIDs receives the registered commands' IDs by name after READY (shard 0 from
	// its registration, the others from a read), for clickable command mentions.
	OnCommandIDs func(ids map[string]string)
	// OnConnection observes each change of Connected (tests, metrics); it must not block.
	OnConnection func(connected bool)
	HTTPClient   *http.Client
	Logger       *slog.Logger
}

// Gateway is one shard's gateway session: it receives INTERACTION_CREATE and answers it over
// REST. It needs no intents: interactions arrive regardless.
type Gateway struct {
	cfg    GatewayConfig
	s      *discordgo.Session
	rest   *RESTClient
	logger *slog.Logger

	// jobs carries the work discordgo's callbacks hand over (interactions, command
	// registration) to Run, which owns the context they run under; closed ends the hand-over
	// once the gateway is closed.
	jobs      chan func(ctx context.Context)
	closed    chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	appID string

	watch     *closeWatcher
	fatal     chan error
	fatalOnce sync.Once
	fatalSeen atomic.Bool
	// connected is set by READY and RESUMED and cleared when the websocket drops, so /readyz
	// says whether interactions can arrive now, not whether they once could.
	connected atomic.Bool
}

// NewGateway prepares a session; Open connects it.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	if cfg.Token == "" {
		return nil, errors.New("discord: gateway: empty bot token")
	}
	if cfg.Handler == nil {
		return nil, errors.New("discord: gateway: nil handler")
	}
	if cfg.ShardCount <= 0 {
		cfg.ShardCount = 1
	}
	if cfg.ShardID < 0 || cfg.ShardID >= cfg.ShardCount {
		return nil, fmt.Errorf("discord: gateway: shard %d out of range 0..%d", cfg.ShardID, cfg.ShardCount-1)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: gateway: %w", err)
	}
	if cfg.HTTPClient != nil {
		s.Client = cfg.HTTPClient
	}
	g := &Gateway{cfg: cfg, s: s, rest: RESTClientFromSession(s), logger: cfg.Logger, jobs: make(chan func(context.Context)),
		closed: make(chan struct{}), appID: cfg.AppID, fatal: make(chan error, 1)}
	s.Identify.Intents = 0
	s.ShouldReconnectOnError = true
	s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError
	w := &closeWatcher{onFatal: g.onFatalClose}
	g.watch = w
	s.Dialer = w.dialer()
	s.AddHandler(g.onReady)
	s.AddHandler(g.onInteractionCreate)
	s.AddHandler(g.onDisconnect)
	s.AddHandler(g.onResumed)
	return g, nil
}

// Connected reports whether the session is up: READY or RESUMED received and the websocket
// not dropped since.
func (g *Gateway) Connected() bool { return g.connected.Load() }

// setConnected records the session's state and tells OnConnection when it changed.
func (g *Gateway) setConnected(up bool) {
	if g.connected.Swap(up) != up && g.cfg.OnConnection != nil {
		g.cfg.OnConnection(up)
	}
}

func (g *Gateway) onResumed(_ *discordgo.Session, _ *discordgo.Resumed) {
	defer g.recoverHandler("resumed")
	g.setConnected(true)
	g.logger.Info("gateway resumed", "shard_id", g.cfg.ShardID)
}

// Session exposes the discordgo session (for the Sender's REST client and registration).
func (g *Gateway) Session() *discordgo.Session { return g.s }

// AppID is the application ID, known after READY when not configured.
func (g *Gateway) AppID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.appID
}

// Done delivers a fatal error (a close code after which reconnecting is pointless); main
// should exit with it.
func (g *Gateway) Done() <-chan error { return g.fatal }

// Open connects to the gateway and waits for READY.
func (g *Gateway) Open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("discord: open gateway: %w", err)
	}
	if err := g.s.Open(); err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if reason, fatal := fatalCloseCodes[ce.Code]; fatal {
				return &FatalCloseError{Code: ce.Code, Reason: reason}
			}
		}
		var re *discordgo.RESTError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("discord: open gateway: %w: %w", ErrUnauthorized, err)
		}
		return fmt.Errorf("discord: open gateway: %w", err)
	}
	g.logger.Info("gateway connected", "shard_id", g.cfg.ShardID, "shard_count", g.cfg.ShardCount)
	return nil
}

// Run serves what the session receives (interactions, command registration on READY) until ctx
// ends, each under a context derived from ctx, and returns nil once every one has finished.
// Nothing is answered before Run starts: discordgo's callbacks wait for it.
func (g *Gateway) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case job := <-g.jobs:
			wg.Go(func() { job(ctx) })
		}
	}
}

// Serve is the gateway's lifecycle part: it serves interactions (Run) until ctx ends, the
// session fails for good (Done) or lost delivers (the shard was taken over by another replica;
// nil when the shard is fixed), then waits for the interactions in flight and closes the
// session. It returns the failure that ended it, nil when ctx did.
func (g *Gateway) Serve(ctx context.Context, lost <-chan error) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- g.Run(runCtx) }()
	var fatal error
	select {
	case <-ctx.Done():
	case fatal = <-g.Done():
	case fatal = <-lost:
	}
	cancel()
	if err := <-ran; err != nil && fatal == nil {
		fatal = err
	}
	if err := g.Close(); err != nil {
		g.logger.Warn("discord: closing gateway", "error", err)
	}
	return fatal
}

// hand passes job to Run; it is dropped once the gateway is closed.
func (g *Gateway) hand(job func(ctx context.Context)) {
	select {
	case g.jobs <- job:
	case <-g.closed:
	}
}

// Close disconnects; work in flight ends with Run's context.
// discordgo's listener sees the connection replaced and does not reconnect after Close.
// Dialing is refused first (see closeWatcher.closed), so no reconnect loop outlives Close.
func (g *Gateway) Close() error {
	g.closeOnce.Do(func() { close(g.closed) })
	g.watch.closed.Store(true)
	g.setConnected(false)
	if err := g.s.Close(); err != nil {
		return fmt.Errorf("discord: close gateway: %w", err)
	}
	return nil
}

// onFatalClose runs on discordgo's reading goroutine as the close frame arrives, before
// discordgo decides to reconnect, so switching reconnection off here stops the loop.
func (g *Gateway) onFatalClose(code int) {
	g.s.ShouldReconnectOnError = false
	g.fatalSeen.Store(true)
	err := &FatalCloseError{Code: code, Reason: fatalCloseCodes[code]}
	g.fatalOnce.Do(func() {
		g.logger.Error("gateway closed fatally", "close_code", code, "reason", err.Reason)
		g.fatal <- err
	})
}

func (g *Gateway) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	defer g.recoverHandler("disconnect")
	g.setConnected(false)
	g.logger.Warn("gateway disconnected", "shard_id", g.cfg.ShardID, "fatal", g.fatalSeen.Load())
}

func (g *Gateway) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	defer g.recoverHandler("ready")
	g.setConnected(true)
	g.mu.Lock()
	if g.appID == "" && r.Application != nil {
		g.appID = r.Application.ID
	}
	appID := g.appID
	g.mu.Unlock()
	g.logger.Info("gateway ready", "shard_id", g.cfg.ShardID, "app_id", appID, "session_id", r.SessionID)
	switch {
	case g.cfg.Definitions == nil:
	case g.cfg.ShardID == 0:
		g.hand(func(ctx context.Context) { g.sync(ctx, appID) })
	case g.cfg.OnCommandIDs != nil:
		g.hand(func(ctx context.Context) { g.readIDs(ctx, appID) })
	}
}

// readIDs learns the registered commands' IDs (shards other than 0, which do not register).
func (g *Gateway) readIDs(ctx context.Context, appID string) {
	defer g.recoverHandler("command_ids")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ids, err := CommandIDs(ctx, g.s, appID, g.cfg.GuildID)
	if err != nil {
		g.logger.Warn("reading command ids; commands are named without links", "error", err)
		return
	}
	g.cfg.OnCommandIDs(ids)
}

// sync registers the commands (shard 0, on READY).
func (g *Gateway) sync(ctx context.Context, appID string) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	reg, err := SyncCommands(ctx, g.s, appID, g.cfg.GuildID, g.cfg.Definitions)
	if err != nil {
		g.logger.Error("command registration failed", "error", err)
	} else {
		if g.cfg.OnCommandIDs != nil { // before the log line: tests wait for it
			g.cfg.OnCommandIDs(reg.IDs)
		}
		g.logger.Info("commands registered", "changed", reg.Changed, "guild_id", g.cfg.GuildID, "count", len(g.cfg.Definitions))
	}
	if g.cfg.OnSynced != nil {
		g.cfg.OnSynced(reg.Changed, err)
	}
}

// recoverHandler is the boundary of a discordgo event handler (READY, RESUMED, disconnect):
// discordgo calls them on its own goroutines, where a panic would end the process. Commands
// have theirs in runHandler and the router.
func (g *Gateway) recoverHandler(what string) {
	if p := recover(); p != nil {
		g.logger.Error("discord: gateway handler panicked", "handler", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

func (g *Gateway) onInteractionCreate(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	g.hand(func(ctx context.Context) { g.interaction(ctx, ic.Interaction) })
}

// interaction answers one interaction under ctx (Run's).
func (g *Gateway) interaction(ctx context.Context, i *discordgo.Interaction) {
	appID := i.AppID
	if appID == "" {
		appID = g.AppID()
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent:
		ctx, cancel := context.WithTimeout(ctx, interactionLifetime)
		defer cancel()
		// Deferring a slow command is the router's (commands.AutoDefer, the one owner); the
		// gateway only carries the answer.
		resp := &gatewayResponder{rest: g.rest, appID: appID, id: i.ID, token: i.Token, logger: g.logger,
			component: i.Type == discordgo.InteractionMessageComponent}
		runHandler(ctx, g.cfg.Handler, ToRequest(i), resp, g.logger)
	case discordgo.InteractionApplicationCommandAutocomplete:
		ctx, cancel := context.WithTimeout(ctx, autocompleteTimeout)
		defer cancel()
		body := autocompleteResponse(ctx, g.cfg.Handler, i)
		if err := g.rest.interactionCallback(ctx, i.ID, i.Token, body); err != nil {
			g.logger.Warn("autocomplete response failed", "interaction_id", i.ID, "error", err)
		}
	default:
		g.logger.Debug("ignoring interaction", "type", int(i.Type))
	}
}

// privateCommand reports whether the interaction's command answers privately (see
// commands.Command.Private): the HTTP endpoint's deadline answer must be as private as the
// router's defer, or a failing private command would show its error to the channel.
func privateCommand(h Handler, i *discordgo.Interaction) bool {
	d, ok := h.(interface{ Definitions() []commands.Command })
	if !ok || i.Type != discordgo.InteractionApplicationCommand {
		return false
	}
	return commands.IsPrivate(d.Definitions(), i.ApplicationCommandData().Name)
}

// answerer is a Responder that can tell whether anything was sent yet.
type answerer interface {
	commands.Responder
	replied() bool
}

// runHandler runs the command handler; a panic that escapes it still gets the user an answer.
func runHandler(ctx context.Context, h Handler, req commands.Request, resp answerer, logger *slog.Logger) {
	defer func() {
		if p := recover(); p != nil {
			logger.Error("discord: command handler panicked", "command", req.Route(), "interaction_id", req.ID,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !resp.replied() {
				replyError(ctx, req, resp, logger)
			}
		}
	}()
	h.Handle(ctx, req, resp)
	if !resp.replied() {
		logger.Warn("command handler returned without replying", "command", req.Route(), "interaction_id", req.ID)
		replyError(ctx, req, resp, logger)
	}
}

// replyError sends the generic error answer; a failure is logged, since the user is then left
// with "The application did not respond" and the log is the only trace of why.
func replyError(ctx context.Context, req commands.Request, resp answerer, logger *slog.Logger) {
	if err := resp.Reply(ctx, errorReply()); err != nil {
		logger.Warn("discord: error reply failed", "command", req.Route(), "interaction_id", req.ID, "error", err)
	}
}

func errorReply() message.Message {
	return message.Message{Content: "⚠️ Something went wrong. Please try again.", Ephemeral: true}
}

// autocompleteResponse builds the type-8 answer with at most 25 choices, values typed like
// the focused option. A completer's panic is the router's to recover (commands.Router's
// Autocomplete is the completers' boundary), not the transport's.
func autocompleteResponse(ctx context.Context, h Handler, i *discordgo.Interaction) interactionResponse {
	choices := h.Autocomplete(ctx, ToRequest(i))
	if len(choices) > maxCommandChoices {
		choices = choices[:maxCommandChoices]
	}
	t := focusedType(i.ApplicationCommandData().Options)
	out := make([]choicePayload, 0, len(choices))
	for _, c := range choices {
		out = append(out, choicePayload{Name: c.Name, Value: choiceValue(t, c.Value)})
	}
	return interactionResponse{Type: callbackAutocompleteResponse, Data: autocompleteData{Choices: out}}
}

// safeReply swaps a message Discord would reject for a short explanation, so the user sees
// something rather than "The application did not respond".
func safeReply(m message.Message, logger *slog.Logger) message.Message {
	if err := ValidateMessage(m); err != nil {
		logger.Error("discord: reply rejected before sending", "error", err)
		return message.Message{Content: "⚠️ The answer could not be displayed (" + err.Error() + ").", Ephemeral: true}
	}
	return m
}

// gatewayResponder answers a gateway interaction through REST callbacks.
type gatewayResponder struct {
	rest             *RESTClient
	appID, id, token string
	logger           *slog.Logger
	// component answers a button press: deferring keeps the button's message (type 6).
	component       bool
	mu              sync.Mutex
	acked, answered bool
}

func (r *gatewayResponder) replied() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.answered
}

// Defer acknowledges with type 5 ("thinking…"), buying 15 minutes.
func (r *gatewayResponder) Defer(ctx context.Context, ephemeral bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acked {
		return nil
	}
	body := deferredResponse(ephemeral)
	if r.component {
		body = interactionResponse{Type: callbackDeferredUpdate}
	}
	if err := r.rest.interactionCallback(ctx, r.id, r.token, body); err != nil {
		return err
	}
	r.acked = true
	return nil
}

// Reply answers with type 4, or edits @original after a Defer.
func (r *gatewayResponder) Reply(ctx context.Context, m message.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m = safeReply(m, r.logger)
	r.answered = true
	if !r.acked {
		r.acked = true
		return r.rest.interactionCallback(ctx, r.id, r.token, messageResponse(m))
	}
	return r.rest.editOriginal(ctx, r.appID, r.token, toPayload(m))
}
