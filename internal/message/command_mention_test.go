package message

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func testLinks() *CommandLinks {
	l := NewCommandLinks(map[string][]string{"subscription": {"edit", "pause", "why"}})
	l.SetIDs(map[string]string{"subscription": "111111111111111111", "subscriptions": "222222222222222222",
		"retry-feed": "333333333333333333", "help": "444444444444444444", "bogus": "not-an-id"})
	return l
}

func TestCommandLinksLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
		max              int
	}{
		{name: "command", text: "Try /help.", want: "Try </help:444444444444444444>."},
		{name: "subcommand joins the mention", text: "use /subscription edit instead",
			want: "use </subscription edit:111111111111111111> instead"},
		{name: "a word that is no subcommand stays text", text: "/subscriptions lists them",
			want: "</subscriptions:222222222222222222> lists them"},
		{name: "adjacent names", text: "/help /subscriptions", want: "</help:444444444444444444> </subscriptions:222222222222222222>"},
		{name: "bold and brackets", text: "**/help**: (/retry-feed)", want: "**</help:444444444444444444>**: (</retry-feed:333333333333333333>)"},
		{name: "unknown command stays plain", text: "run /latest now", want: "run /latest now"},
		{name: "malformed id never links", text: "/bogus", want: "/bogus"},
		{name: "urls and paths are left alone", text: "https://x.org/help and a/help and /help/x", want: "https://x.org/help and a/help and /help/x"},
		{name: "options in code stay code", text: "`/retry-feed url:x`", want: "`/retry-feed url:x`"},
		{name: "colon then option is no mention", text: "/retry-feed url:x", want: "</retry-feed:333333333333333333> url:x"},
		{name: "too long stays plain", text: "/help", max: 10, want: "/help"},
	}
	l := testLinks()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, l.Link(tt.text, tt.max)); diff != "" {
				t.Errorf("Link(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// Before registration, in the console, and for a nil or zero CommandLinks, names stay plain.
func TestCommandLinksFallBackToPlainNames(t *testing.T) {
	t.Parallel()
	for name, l := range map[string]*CommandLinks{"nil": nil, "no ids": NewCommandLinks(nil), "zero": {}} {
		if got := l.Mention("subscription edit"); got != "/subscription edit" {
			t.Errorf("%s: Mention = %q, want /subscription edit", name, got)
		}
		if got := l.Link("Try /help.", 0); got != "Try /help." {
			t.Errorf("%s: Link = %q", name, got)
		}
	}
	if got := testLinks().Mention("subscription  edit"); got != "</subscription edit:111111111111111111>" {
		t.Errorf("Mention = %q", got)
	}
}

// The console shows a mention as the name a terminal user types.
func TestTextRendersCommandMentions(t *testing.T) {
	t.Parallel()
	m := Message{Content: testLinks().Link("Use /subscription edit or /help.", 0)}
	if got, want := Text(m), "Use /subscription edit or /help."; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

// FuzzCommandLinks: Link never panics, keeps valid UTF-8, stays within max and changes only
// command names (removing the mentions gives the text back).
func FuzzCommandLinks(f *testing.F) {
	for _, s := range []string{"Try /help.", "/subscription edit", "**/help**", "a/help /x/ /help/", "/retry-feed url:x", "„/help“"} {
		f.Add(s, 60)
	}
	l := testLinks()
	f.Fuzz(func(t *testing.T, text string, max int) {
		if !utf8.ValidString(text) || strings.Contains(text, "</") {
			t.Skip()
		}
		got := l.Link(text, max)
		if !utf8.ValidString(got) {
			t.Fatalf("Link(%q) is not UTF-8", text)
		}
		if max > 0 && got != text && utf8.RuneCountInString(got) > max {
			t.Fatalf("Link(%q, %d) has %d runes", text, max, utf8.RuneCountInString(got))
		}
		if back := commandMentionMarkup.ReplaceAllString(got, "/$1"); back != text {
			t.Fatalf("Link(%q) = %q: unlinking gives %q", text, got, back)
		}
	})
}
