package console

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A log line or a post written while the prompt waits erases the prompt, is written, and
// redraws the prompt below it, so it never shares the prompt's line.
func TestScreenKeepsOutputOffThePromptLine(t *testing.T) {
	var term bytes.Buffer // stdout and stderr on one terminal
	s := NewScreen(&term, true)
	logs := s.Logs(&term)
	fmt.Fprintln(s, "polled 1/1 feeds")
	s.ShowPrompt()
	fmt.Fprintln(logs, "level=WARN msg=slow")
	fmt.Fprintln(s, "── post to #console ──")
	s.Entered()
	fmt.Fprintln(s, "answer")
	want := "polled 1/1 feeds\n> " + eraseLine + "level=WARN msg=slow\n> " + eraseLine + "── post to #console ──\n> answer\n"
	if diff := cmp.Diff(want, term.String()); diff != "" {
		t.Errorf("terminal (-want +got):\n%s", diff)
	}
}

// The first poll's progress line behaves like the prompt: a log line does not run into it.
func TestScreenProgressLine(t *testing.T) {
	var term bytes.Buffer
	s := NewScreen(&term, true)
	s.Progress("polling 1/2 feeds")
	fmt.Fprintln(s.Logs(&term), "level=INFO msg=poll")
	s.Progress("polling 2/2 feeds")
	s.Progress("")
	fmt.Fprintln(s, "polled 2/2 feeds")
	want := "polling 1/2 feeds" + eraseLine + "level=INFO msg=poll\npolling 1/2 feeds" + eraseLine + "polling 2/2 feeds" + eraseLine +
		"polled 2/2 feeds\n"
	if diff := cmp.Diff(want, term.String()); diff != "" {
		t.Errorf("terminal (-want +got):\n%s", diff)
	}
}

func TestScreenPipedHasNoPrompt(t *testing.T) {
	var out bytes.Buffer
	s := NewScreen(&out, false)
	s.ShowPrompt()
	s.Progress("polling 1/1 feeds")
	fmt.Fprintln(s.Logs(&out), "log")
	fmt.Fprintln(s, "answer")
	if diff := cmp.Diff("log\nanswer\n", out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
