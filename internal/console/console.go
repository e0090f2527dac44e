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

// Console reads commands from in and writes answers to the screen.
type Console struct {
	handler Handler
	in      io.Reader
	screen  *Screen
}

// New builds a console answering on screen (with a prompt when the screen is interactive).
func New(h Handler, in io.Reader, screen *Screen) *Console {
	return &Console{handler: h, in: in, screen: screen}
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
		c.screen.ShowPrompt()
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			c.screen.Entered()
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
		fmt.Fprintln(c.screen, "error:", strings.TrimPrefix(err.Error(), "console: "))
		return false
	}
	req.ChannelID, req.GuildID, req.UserID = "console", "console", "console"
	req.Permissions, req.AppPermissions = -1, -1 // the operator at the console may do everything
	c.handler.Handle(ctx, req, &responder{screen: c.screen})
	return false
}

// responder prints the reply, its Markdown rendered for the terminal; deferring has nothing
// to show on a console.
type responder struct{ screen *Screen }

func (r *responder) Defer(context.Context, bool) error { return nil }

func (r *responder) Reply(_ context.Context, m message.Message) error {
	_, err := fmt.Fprintf(r.screen, "%s\n\n", strings.TrimRight(Render(message.Text(m), r.screen.Interactive()), "\n"))
	return err
}
