package console

import (
	"io"
	"sync"
)

// Screen serialises everything an interactive console writes to the terminal (answers, posts,
// logs, the prompt), so a log line or a live post arriving while the operator types never
// lands on the prompt line: the line in progress (the prompt, or the first poll's progress) is
// erased, the text written, and that line redrawn. Without a terminal there is no prompt or
// progress line and Screen only serialises.
type Screen struct {
	mu          sync.Mutex
	out         io.Writer
	interactive bool
	// transient is the unfinished line on screen ("> ", "polling 3/5 feeds"); "" for none.
	transient string
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
	if s.transient == "" {
		return w.Write(p)
	}
	io.WriteString(s.out, eraseLine)
	n, err := w.Write(p)
	io.WriteString(s.out, s.transient)
	return n, err
}

// ShowPrompt draws the prompt (interactive only).
func (s *Screen) ShowPrompt() { s.setTransient(prompt) }

// Progress replaces the line in progress with text, e.g. "polling 3/5 feeds" (interactive
// only); Progress("") erases it.
func (s *Screen) Progress(text string) { s.setTransient(text) }

func (s *Screen) setTransient(text string) {
	if !s.interactive {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.transient != "" {
		io.WriteString(s.out, eraseLine)
	}
	io.WriteString(s.out, text)
	s.transient = text
}

// Entered records that the operator pressed Enter: the cursor is on a fresh line.
func (s *Screen) Entered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transient = ""
}
