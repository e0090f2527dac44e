package console

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name, in, plain, ansi string
	}{
		{name: "bold", in: "**Latest 5 stories**", plain: "Latest 5 stories", ansi: "\x1b[1mLatest 5 stories\x1b[22m"},
		{name: "escaped asterisks stay", in: `Rates cut to 4\*\* by \_central\_ bank`, plain: "Rates cut to 4** by _central_ bank", ansi: "Rates cut to 4** by _central_ bank"},
		{name: "escaped inside bold", in: `**a \*b\* c**`, plain: "a *b* c", ansi: "\x1b[1ma *b* c\x1b[22m"},
		{name: "link", in: "[Talks resume](https://x.example/a_(b))", plain: "Talks resume (https://x.example/a_(b))",
			ansi: "Talks resume (\x1b[4mhttps://x.example/a_(b)\x1b[24m)"},
		{name: "channel and user mentions", in: "Subscribed <#console> for <@123>", plain: "Subscribed #console for @123", ansi: "Subscribed #console for @123"},
		{name: "suppressed embed url", in: "see <https://x.example/>", plain: "see https://x.example/", ansi: "see \x1b[4mhttps://x.example/\x1b[24m"},
		{name: "code and italics", in: "`sub-1` *live* _posts_", plain: "sub-1 live posts", ansi: "sub-1 \x1b[3mlive\x1b[23m \x1b[3mposts\x1b[23m"},
		{name: "snake_case is not italic", in: "feed_url and snake_case_name", plain: "feed_url and snake_case_name", ansi: "feed_url and snake_case_name"},
		{name: "lone asterisk", in: "5 * 3 = 15", plain: "5 * 3 = 15", ansi: "5 * 3 = 15"},
		{name: "heading and subtext", in: "## Briefing\n-# as of today", plain: "Briefing\nas of today", ansi: "\x1b[1mBriefing\x1b[22m\nas of today"},
		{name: "control characters removed", in: "evil\x1b[2Jtitle\r\x07", plain: "evil[2Jtitle", ansi: "evil[2Jtitle"},
		{name: "strike and spoiler", in: "~~old~~ ||new||", plain: "old new", ansi: "old new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.plain, Render(tc.in, false)); diff != "" {
				t.Errorf("plain (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.ansi, Render(tc.in, true)); diff != "" {
				t.Errorf("ansi (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzRender: whatever a feed puts in a title, the terminal gets valid text, no escape
// sequence of the feed's own, and only balanced styles of Herald's.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"**a**", `\*x\*`, "[a](b)", "<#1>", "*a* _b_ __c__", "\x1b[31m", "\\", "**", "\U000F002A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		plain := Render(in, false)
		if strings.ContainsRune(plain, '\x1b') {
			t.Fatalf("plain rendering of %q has an escape: %q", in, plain)
		}
		if utf8.ValidString(in) && !utf8.ValidString(plain) {
			t.Fatalf("invalid UTF-8 from %q: %q", in, plain)
		}
		ansi := Render(in, true)
		for _, pair := range [][2]string{{bold, boldOff}, {italic, italicOff}, {underline, underlineOff}} {
			if strings.Count(ansi, pair[0]) != strings.Count(ansi, pair[1]) {
				t.Fatalf("unbalanced %q in %q from %q", pair[0], ansi, in)
			}
		}
		if n := strings.Count(ansi, "\x1b"); n != 2*(strings.Count(ansi, bold)+strings.Count(ansi, italic)+strings.Count(ansi, underline)) {
			t.Fatalf("escape not Herald's own in %q from %q", ansi, in)
		}
	})
}
