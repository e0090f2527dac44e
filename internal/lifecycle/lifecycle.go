// Package lifecycle runs Herald's background parts (poller, deliveries, digest schedule,
// upkeep, HTTP, gateway) under one owner: every part is a Run(ctx) error, started in order
// and stopped in reverse order within one shutdown budget, and the runner waits for each
// before it returns, so nothing outlives the store. A part that panics or stops on its own is
// reported (Healthy fails, naming it) instead of vanishing; a critical part that stops takes
// the whole runner down with its error. asynq's Server.Shutdown is the model: stop the
// producers first, then what they feed, each bounded by what is left of the budget.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultShutdownTimeout bounds the ordered stop: docker stop kills after 10 s, and closing
// the store after the runner must still fit under Herald's promised 8 s.
const DefaultShutdownTimeout = 7 * time.Second

// Part is one background part.
type Part struct {
	Name string
	// Run works until ctx ends, then returns nil once the part has stopped; an error or an
	// early return means the part died.
	Run func(ctx context.Context) error
	// Critical parts end the runner when they stop on their own (a gateway that can no
	// longer connect); other parts are reported dead while the rest run on.
	Critical bool
}

// Options tunes a Runner.
type Options struct {
	// ShutdownTimeout bounds the whole ordered stop (DefaultShutdownTimeout when zero).
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// Runner runs parts; build it with New.
type Runner struct {
	parts []Part
	opts  Options

	mu   sync.Mutex
	dead map[string]error
	// running is true from the start of Run until the last part has stopped.
	running bool
}

// New builds a runner over parts, given in start order.
func New(opts Options, parts ...Part) *Runner {
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{parts: parts, opts: opts, dead: map[string]error{}}
}

// Add appends parts (in start order) before Run; a runner can exist before its parts do, so
// the HTTP part can serve the runner's own health.
func (r *Runner) Add(parts ...Part) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parts = append(r.parts, parts...)
}

// exit is a part that returned.
type exit struct {
	index int
	err   error
}

// Run starts every part and blocks until ctx ends or a critical part stops; then it stops the
// parts in reverse order, each within what is left of the shutdown budget, and returns the
// critical part's error (nil after a plain ctx cancellation). A part that does not stop in
// time is logged and left behind, so the process can still exit.
func (r *Runner) Run(ctx context.Context) error {
	parts := r.start()
	defer r.setRunning(false)
	// Each part gets its own context, cancelled in order at shutdown rather than all at once
	// by the signal; values of ctx are kept.
	base := context.WithoutCancel(ctx)
	cancels := make([]context.CancelFunc, len(parts))
	done := make([]chan struct{}, len(parts))
	exits := make(chan exit, len(parts))
	for i, p := range parts {
		pctx, cancel := context.WithCancel(base)
		cancels[i], done[i] = cancel, make(chan struct{})
		go func() {
			defer close(done[i])
			err := r.runPart(pctx, p)
			if pctx.Err() == nil { // stopped on its own: dead
				exits <- exit{index: i, err: err}
			}
		}()
	}
	fatal := r.watch(ctx, parts, exits)
	r.stop(base, parts, cancels, done)
	return fatal
}

// watch waits for ctx or a critical part's end, recording every part that dies meanwhile.
func (r *Runner) watch(ctx context.Context, parts []Part, exits <-chan exit) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-exits:
			p := parts[e.index]
			err := e.err
			if err == nil {
				err = errors.New("lifecycle: returned while Herald was running")
			}
			r.markDead(p.Name, err)
			r.opts.Logger.Error("lifecycle: part stopped on its own", "part", p.Name, "critical", p.Critical, "error", err)
			if p.Critical {
				return fmt.Errorf("lifecycle: %s: %w", p.Name, err)
			}
		}
	}
}

// stop cancels the parts last-started first and waits for each, all within the budget.
func (r *Runner) stop(base context.Context, parts []Part, cancels []context.CancelFunc, done []chan struct{}) {
	start := time.Now()
	budget, cancel := context.WithTimeout(base, r.opts.ShutdownTimeout)
	defer cancel()
	for i := len(parts) - 1; i >= 0; i-- {
		cancels[i]()
		select {
		case <-done[i]:
			r.opts.Logger.Info("lifecycle: part stopped", "part", parts[i].Name, "elapsed_ms", time.Since(start).Milliseconds())
		case <-budget.Done():
			r.opts.Logger.Error("lifecycle: part did not stop within the shutdown budget", "part", parts[i].Name,
				"budget", r.opts.ShutdownTimeout)
		}
	}
}

// runPart runs one part; a panic is the part's death, reported with its stack, never the
// process's. This is the runner's handler boundary: parts themselves do not recover.
func (r *Runner) runPart(ctx context.Context, p Part) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.opts.Logger.Error("lifecycle: part panicked", "part", p.Name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("lifecycle: %s panicked: %v", p.Name, v)
		}
	}()
	return p.Run(ctx)
}

// start marks the runner running and returns its parts.
func (r *Runner) start() []Part {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = true
	return slices.Clone(r.parts)
}

func (r *Runner) setRunning(v bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = v
}

func (r *Runner) markDead(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dead[name] = err
}

// Healthy returns nil while every part runs; otherwise an error naming each dead part and why.
// Before Run and after it returned, the parts are not running, and Healthy says so.
func (r *Runner) Healthy() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return errors.New("lifecycle: not running")
	}
	if len(r.dead) == 0 {
		return nil
	}
	var parts []string
	for _, p := range r.parts {
		if err, ok := r.dead[p.Name]; ok {
			parts = append(parts, p.Name+": "+err.Error())
		}
	}
	return errors.New("lifecycle: stopped parts: " + strings.Join(parts, "; "))
}
