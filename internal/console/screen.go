package console

import (
	"io"
	"sync"
)

// Screen serialises everything an interactive console writes to the terminal (answers, posts,
// logs, the prompt), so a log line or a live post arriving while the operator types never
// lands on the prompt line: the prompt is erased, the text written, and the prompt redrawn.
// Without a terminal there is no prompt and Screen only serialises.
type Screen struct {
	mu          sync.Mutex
	out         io.Writer
	interactive bool
	promptShown bool
}

// prompt is what the operator types after.
const prompt = "> "

// eraseLine returns the cursor to the start of the line and clears it.
const eraseLine = "\r\x1b[K"

// NewScreen writes to out; interactive is true when the operator is at a terminal.
func NewScreen(out io.Writer, interactive bool) *Screen {
	return &Screen{out: out, interactive: interactive}
}

// Interactive reports whether the screen is a terminal with a prompt (and ANSI styles).
func (s *Screen) Interactive() bool { return s.interactive }

// Write prints p above the prompt.
func (s *Screen) Write(p []byte) (int, error) { return s.writeTo(s.out, p) }

// Logs returns a writer for log lines going to w (stderr), kept off the prompt line too.
func (s *Screen) Logs(w io.Writer) io.Writer { return logWriter{s: s, w: w} }

type logWriter struct {
	s *Screen
	w io.Writer
}

func (l logWriter) Write(p []byte) (int, error) { return l.s.writeTo(l.w, p) }

func (s *Screen) writeTo(w io.Writer, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.promptShown {
		return w.Write(p)
	}
	io.WriteString(s.out, eraseLine)
	n, err := w.Write(p)
	io.WriteString(s.out, prompt)
	return n, err
}

// ShowPrompt draws the prompt (interactive only).
func (s *Screen) ShowPrompt() {
	if !s.interactive {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.out, prompt)
	s.promptShown = true
}

// Entered records that the operator pressed Enter: the cursor is on a fresh line.
func (s *Screen) Entered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.promptShown = false
}
