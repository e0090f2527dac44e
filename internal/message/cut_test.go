package message

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{name: "fits", in: "Israel and Hamas resume talks", max: 40, want: "Israel and Hamas resume talks"},
		{name: "fits after trimming", in: "  short  ", max: 5, want: "short"},
		{name: "word boundary", in: "Ceasefire talks resume in Cairo", max: 20, want: "Ceasefire talks…"},
		{name: "exact fit at boundary", in: "aaa bbb ccc", max: 8, want: "aaa bbb…"},
		{name: "drops trailing punctuation", in: "Talks resume, mediators say", max: 15, want: "Talks resume…"},
		{name: "never cuts a url", in: "Read more at https://example.com/a/very/long/path today", max: 40, want: "Read more at…"},
		{
			name: "never cuts a markdown link",
			in:   "See [the full ceasefire text](https://example.com/text) now",
			max:  30,
			want: "See…",
		},
		{name: "keeps a link that fits", in: "See [text](https://x.test) and more words here", max: 31, want: "See [text](https://x.test) and…"},
		{name: "url alone over the limit", in: "https://example.com/a/very/long/path", max: 10, want: "…"},
		{name: "single long word is cut", in: "Supercalifragilistic", max: 6, want: "Super…"},
		{name: "runes not bytes", in: "ééééé ééééé", max: 8, want: "ééééé…"},
		{name: "max one", in: "abc", max: 1, want: "…"},
		{name: "max zero", in: "abc", max: 0, want: ""},
		{name: "newline is a boundary", in: "line one\nline two", max: 12, want: "line one…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.in, tt.max); got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestChunksPreferParagraphsThenLines(t *testing.T) {
	para := strings.Repeat("word ", 10) // 50 runes with trailing space
	in := strings.TrimSpace(para) + "\n\n" + strings.TrimSpace(para) + "\nshort line\n" + strings.TrimSpace(para)
	got := chunks(in, 80)
	want := []string{strings.TrimSpace(para), strings.TrimSpace(para) + "\nshort line", strings.TrimSpace(para)}
	if len(got) != len(want) {
		t.Fatalf("chunks = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("chunk %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"Ceasefire talks resume in Cairo", "see [a b](https://x.test/(y)) z", "https://a.test/b c", "ééé\n\nx"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 300
		got := Truncate(s, max)
		if n := utf8.RuneCountInString(got); n > max && max >= 0 {
			t.Fatalf("Truncate(%q, %d) = %q: %d runes", s, max, got, n)
		}
		body := strings.TrimSuffix(got, "…")
		if !strings.HasPrefix(strings.TrimSpace(s), body) {
			t.Fatalf("Truncate(%q, %d) = %q is not a prefix", s, max, got)
		}
	})
}
