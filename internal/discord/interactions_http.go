package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldbot/herald/internal/message"
)

// Limits of the HTTP interactions endpoint.
const (
	maxInteractionBody = 1 << 20
	// maxSignatureSkew rejects replayed requests: Discord signs each with the current time.
	maxSignatureSkew = 5 * time.Minute
	// inlineDeadline is how long the endpoint waits for the handler before answering "deferred",
	// leaving margin within Discord's 3 s.
	inlineDeadline = 2500 * time.Millisecond
)

// InteractionsOptions tunes the HTTP interactions endpoint; zero values take defaults.
type InteractionsOptions struct {
	// Now is the clock used for the timestamp check.
	Now func() time.Time
	// InlineDeadline overrides the 2.5 s wait before answering deferred.
	InlineDeadline time.Duration
	Logger         *slog.Logger
}

// Interactions serves Discord's Interactions Endpoint URL (ServeHTTP); Run runs the commands
// it receives, under Run's context, so a deferred command outlives its POST but not Run.
type Interactions struct {
	key      ed25519.PublicKey
	appID    string
	h        Handler
	rest     *RESTClient
	now      func() time.Time
	deadline time.Duration
	logger   *slog.Logger
	// jobs hands commands to Run; stopped closes when Run returns, so nothing waits for it.
	jobs    chan func(ctx context.Context)
	stopped chan struct{}
	once    sync.Once
}

// NewInteractionsHandler serves POST /interactions: it verifies Discord's Ed25519 signature
// and timestamp (401 on any failure, since Discord probes with bad signatures and removes
// endpoints that accept them), answers PING, and runs commands, answering inline when the
// handler is quick and deferring otherwise; a later reply edits @original through rest.
// Commands run only while Run runs.
func NewInteractionsHandler(publicKey ed25519.PublicKey, appID string, h Handler, rest *RESTClient, opts InteractionsOptions) *Interactions {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.InlineDeadline <= 0 {
		opts.InlineDeadline = inlineDeadline
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Interactions{key: publicKey, appID: appID, h: h, rest: rest, now: opts.Now,
		deadline: opts.InlineDeadline, logger: opts.Logger, jobs: make(chan func(context.Context)), stopped: make(chan struct{})}
}

// Run runs the commands ServeHTTP receives until ctx ends, then waits for those in flight.
// Commands arriving after it returned are not run (the POST gets a deferral that is never
// followed up, as at a crash); call it once.
func (ih *Interactions) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer ih.once.Do(func() { close(ih.stopped) })
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case job := <-ih.jobs:
			wg.Go(func() { job(ctx) })
		}
	}
}

// hand passes job to Run, or drops it once Run has returned.
func (ih *Interactions) hand(job func(ctx context.Context)) {
	select {
	case ih.jobs <- job:
	case <-ih.stopped:
	}
}

func (ih *Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			ih.logger.Error("discord: interactions endpoint panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInteractionBody+1))
	if err != nil || len(body) > maxInteractionBody {
		ih.reject(w, "body unreadable or over 1 MiB", err)
		return
	}
	if err := ih.verify(r.Header, body); err != nil {
		ih.reject(w, "signature", err)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "invalid interaction", http.StatusBadRequest)
		return
	}
	ih.dispatch(w, r, &i)
}

// reject answers 401 for every verification failure, without saying which check failed.
func (ih *Interactions) reject(w http.ResponseWriter, what string, err error) {
	ih.logger.Warn("interaction rejected", "check", what, "error", errString(err))
	http.Error(w, "invalid request signature", http.StatusUnauthorized)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// verify checks the timestamp's age and the Ed25519 signature over timestamp + body.
func (ih *Interactions) verify(h http.Header, body []byte) error {
	ts := h.Get("X-Signature-Timestamp")
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("discord: malformed signature")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("discord: malformed timestamp %q", ts)
	}
	if d := ih.now().Sub(time.Unix(secs, 0)); d > maxSignatureSkew || d < -maxSignatureSkew {
		return fmt.Errorf("discord: timestamp %s off by %s", ts, d)
	}
	if len(ih.key) != ed25519.PublicKeySize {
		return errors.New("discord: no valid public key configured")
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(ih.key, msg, sig) {
		return errors.New("discord: bad signature")
	}
	return nil
}

func (ih *Interactions) dispatch(w http.ResponseWriter, r *http.Request, i *discordgo.Interaction) {
	switch i.Type {
	case discordgo.InteractionPing:
		writeJSON(w, interactionResponse{Type: callbackPong})
	case discordgo.InteractionApplicationCommandAutocomplete:
		ctx, cancel := context.WithTimeout(r.Context(), autocompleteTimeout)
		defer cancel()
		writeJSON(w, autocompleteResponse(ctx, ih.h, i))
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent:
		ih.command(w, r, i)
	default:
		http.Error(w, "unsupported interaction type", http.StatusBadRequest)
	}
}

// command runs the handler in its own goroutine and answers with whatever comes first: its
// reply or deferral, or, at the inline deadline, a deferral of our own. Deferring is the
// router's (commands.AutoDefer, at 2 s); the deadline (2.5 s) stays because this POST must be
// answered inline within Discord's 3 s whatever the handler does, so it is the HTTP response's
// upper bound rather than a second policy.
func (ih *Interactions) command(w http.ResponseWriter, r *http.Request, i *discordgo.Interaction) {
	appID := i.AppID
	if appID == "" {
		appID = ih.appID
	}
	resp := &httpResponder{rest: ih.rest, appID: appID, token: i.Token, logger: ih.logger, first: make(chan interactionResponse, 1),
		component: i.Type == discordgo.InteractionMessageComponent}
	req := ToRequest(i)
	go ih.hand(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, interactionLifetime)
		defer cancel()
		runHandler(ctx, ih.h, req, resp, ih.logger)
	})
	t := time.NewTimer(ih.deadline)
	defer t.Stop()
	select {
	case body := <-resp.first:
		writeJSON(w, body)
	case <-t.C:
		_ = resp.Defer(r.Context(), privateCommand(ih.h, i))
		writeJSON(w, <-resp.first)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// httpResponder turns the first Defer or Reply into the inline HTTP response; what follows a
// deferral goes through REST.
type httpResponder struct {
	rest         *RESTClient
	appID, token string
	logger       *slog.Logger
	first        chan interactionResponse
	// component answers a button press: deferring keeps the button's message (type 6).
	component bool

	mu              sync.Mutex
	acked, answered bool
}

// acknowledge hands body to the waiting HTTP response if nothing has been; reports whether it did.
func (r *httpResponder) acknowledge(body interactionResponse) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acked {
		return false
	}
	r.acked = true
	r.first <- body
	return true
}

func (r *httpResponder) replied() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.answered
}

// Defer answers type 5 inline (no-op if something was already sent).
func (r *httpResponder) Defer(_ context.Context, ephemeral bool) error {
	if r.component {
		r.acknowledge(interactionResponse{Type: callbackDeferredUpdate})
		return nil
	}
	r.acknowledge(deferredResponse(ephemeral))
	return nil
}

// Reply answers type 4 inline, or edits @original after a deferral.
func (r *httpResponder) Reply(ctx context.Context, m message.Message) error {
	m = safeReply(m, r.logger)
	r.mu.Lock()
	r.answered = true
	r.mu.Unlock()
	if r.acknowledge(messageResponse(m)) {
		return nil
	}
	if r.rest == nil {
		return errors.New("discord: deferred reply needs a REST client")
	}
	return r.rest.editOriginal(ctx, r.appID, r.token, toPayload(m))
}
