package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
)

// Handler is the part of the command router the console drives.
type Handler interface {
	Handle(ctx context.Context, req commands.Request, resp commands.Responder)
	Definitions() []commands.Command
}

// Console reads commands from in and writes answers to out.
type Console struct {
	handler Handler
	in      io.Reader
	out     io.Writer
	prompt  bool
}

// New builds a console; prompt is true when in is a terminal.
func New(h Handler, in io.Reader, out io.Writer, prompt bool) *Console {
	return &Console{handler: h, in: in, out: out, prompt: prompt}
}

// Run answers each line until EOF, /quit (or /exit) or ctx is done. A bad line gets a
// one-line error and the console goes on.
func (c *Console) Run(ctx context.Context) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go c.read(lines, errc, done)
	for {
		c.showPrompt()
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if quit := c.answer(ctx, line); quit {
				return nil
			}
		}
	}
}

// read feeds lines to Run until EOF or until Run has returned (done), so the reader does not
// stay blocked on a send nobody receives.
func (c *Console) read(lines chan<- string, errc chan<- error, done <-chan struct{}) {
	defer close(lines)
	defer func() {
		if p := recover(); p != nil {
			errc <- fmt.Errorf("console: reader panicked: %v", p)
		}
	}()
	sc := bufio.NewScanner(c.in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		select {
		case lines <- sc.Text():
		case <-done:
			return
		}
	}
	if err := sc.Err(); err != nil {
		errc <- fmt.Errorf("console: reading input: %w", err)
	}
}

func (c *Console) showPrompt() {
	if c.prompt {
		fmt.Fprint(c.out, "> ")
	}
}

// answer runs one line; it reports true for /quit or /exit, which end the session (they were
// once ignored silently, leaving an operator typing /quit at a prompt that never closed).
func (c *Console) answer(ctx context.Context, line string) (quit bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return false
	}
	if line == "/quit" || line == "/exit" {
		return true
	}
	req, err := Parse(line, c.handler.Definitions())
	if err != nil {
		fmt.Fprintln(c.out, "error:", strings.TrimPrefix(err.Error(), "console: "))
		return false
	}
	req.ChannelID, req.GuildID, req.UserID = "console", "console", "console"
	req.Permissions = -1 // the operator at the console may do everything
	c.handler.Handle(ctx, req, &responder{out: c.out})
	return false
}

// responder prints the reply; deferring has nothing to show on a console.
type responder struct{ out io.Writer }

func (r *responder) Defer(context.Context, bool) error { return nil }

func (r *responder) Reply(_ context.Context, m message.Message) error {
	_, err := fmt.Fprintf(r.out, "%s\n\n", strings.TrimRight(message.Text(m), "\n"))
	return err
}
