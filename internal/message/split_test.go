package message

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// stream is the message's text in reading order without whitespace, Blank or backticks (Split
// may close and reopen a code block): what a reader gets. Split must keep it exactly.
func stream(ms ...Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Content)
		for _, e := range m.Embeds {
			b.WriteString(e.Author + e.Title + e.Description)
			for _, f := range e.Fields {
				b.WriteString(f.Name + f.Value)
			}
			b.WriteString(e.Footer)
		}
	}
	s := strings.ReplaceAll(strings.ReplaceAll(b.String(), Blank, ""), "`", "")
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func words(n int, prefix string) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return strings.Join(ws, " ")
}

func lines(n int, width int) string {
	ls := make([]string, n)
	for i := range ls {
		ls[i] = fmt.Sprintf("%04d %s", i, strings.Repeat("x", width-5))
	}
	return strings.Join(ls, "\n")
}

func TestSplit(t *testing.T) {
	manyEmbeds := make([]Embed, 23)
	for i := range manyEmbeds {
		manyEmbeds[i] = Embed{Title: fmt.Sprintf("story %d", i)}
	}
	bigEmbeds := make([]Embed, 4)
	for i := range bigEmbeds {
		bigEmbeds[i] = Embed{Title: fmt.Sprintf("big %d", i), Description: strings.Repeat("d", 2500)}
	}
	tests := []struct {
		name string
		in   Message
		// shape is, per output message, the content rune count and the embed count.
		shape [][2]int
	}{
		{name: "valid unchanged", in: Message{Content: "hello"}, shape: [][2]int{{5, 0}}},
		{name: "empty yields nothing", in: Message{Content: "  "}, shape: nil},
		{name: "content split on lines", in: Message{Content: lines(50, 80)}, shape: [][2]int{{24*81 - 1, 0}, {24*81 - 1, 0}, {2*81 - 1, 0}}},
		{name: "23 embeds in 3 messages", in: Message{Embeds: manyEmbeds}, shape: [][2]int{{0, 10}, {0, 10}, {0, 3}}},
		{name: "6000 total forces new message", in: Message{Embeds: bigEmbeds}, shape: [][2]int{{0, 2}, {0, 2}}},
		{
			name:  "long description continues",
			in:    Message{Embeds: []Embed{{Title: "T", Description: lines(100, 100)}}},
			shape: [][2]int{{0, 1}, {0, 1}, {0, 1}}, // 1+4039, 4039, 2019 runes
		},
		{
			name:  "content then embeds keep order",
			in:    Message{Content: lines(30, 100), Embeds: manyEmbeds[:2]},
			shape: [][2]int{{19*101 - 1, 0}, {11*101 - 1, 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Split(tt.in)
			var shape [][2]int
			for i, m := range out {
				if err := Validate(m); err != nil {
					t.Errorf("message %d invalid: %v", i, err)
				}
				shape = append(shape, [2]int{runes(m.Content), len(m.Embeds)})
			}
			if diff := cmp.Diff(tt.shape, shape); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
			if got, want := stream(out...), stream(tt.in); got != want {
				t.Errorf("text changed: got %d runes, want %d", len(got), len(want))
			}
		})
	}
}

func TestSplitEmbedParts(t *testing.T) {
	link := "[the full text](https://example.com/ceasefire/text)"
	// The link straddles the 4096 limit: the cut must fall before it.
	desc := strings.Repeat("a", 4080) + " " + link + " tail"
	in := Message{Embeds: []Embed{{
		Title:       words(60, "title"), // ~ 400 runes: overflows into the description
		URL:         "https://example.com/story",
		Description: desc,
		Fields:      append(fields(30, "name", "v"), Field{Name: "long", Value: words(300, "w")}),
		Footer:      "footer",
		Color:       7,
		Image:       "https://example.com/i.png",
	}}}
	out := Split(in)
	var es []Embed
	for i, m := range out {
		if err := Validate(m); err != nil {
			t.Fatalf("message %d invalid: %v", i, err)
		}
		es = append(es, m.Embeds...)
	}
	if got, want := stream(out...), stream(in); got != want {
		t.Fatalf("text changed:\n got %q\nwant %q", got, want)
	}
	first, last := es[0], es[len(es)-1]
	if first.URL != "https://example.com/story" || !strings.HasPrefix(first.Title, "title0 title1") || strings.Contains(first.Title, "…") {
		t.Errorf("first embed title/url = %q %q", first.Title, first.URL)
	}
	if !strings.HasPrefix(first.Description, "title") {
		t.Errorf("title overflow should start the description, got %.40q", first.Description)
	}
	found := false
	for _, e := range es {
		if e.Color != 7 {
			t.Errorf("continuation lost its colour: %+v", e.Color)
		}
		if strings.Contains(e.Description, link) {
			found = true
		}
		if e.Title != "" && e.URL != first.URL {
			t.Errorf("continuation has a title: %q", e.Title)
		}
	}
	if !found {
		t.Errorf("link %q was cut", link)
	}
	if last.Footer != "footer" || last.Image == "" {
		t.Errorf("last embed footer/image = %q %q", last.Footer, last.Image)
	}
	var longParts int
	for _, e := range es {
		for _, f := range e.Fields {
			if f.Name == "long" || (f.Name == Blank && strings.HasPrefix(f.Value, "w")) {
				longParts++
			}
		}
	}
	if longParts < 2 {
		t.Errorf("long field value not continued: %d parts", longParts)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("hello\nworld", "Title", "Para one.\n\nPara two [x](https://x.test/a(b)c)", "name", "value", "footer", "author", uint8(1), uint8(1), uint16(1))
	f.Add("word ", "t ", "d\n", "", " ", "f", "", uint8(12), uint8(30), uint16(700))
	f.Add("https://example.com/very/long ", "é ", "[a b c](https://x.test) ", "n ", "v\n", "f ", "a ", uint8(3), uint8(26), uint16(1200))
	f.Add("```go\nx := 1\n", "t", "```\ncode line\n", "n", "```a b```", "f", "a", uint8(2), uint8(3), uint16(400))
	f.Fuzz(func(t *testing.T, content, title, desc, name, value, footer, author string, nEmbeds, nFields uint8, rep uint16) {
		r := int(rep % 1500)
		grow := func(s string) string {
			if len(s)*r > 1<<13 {
				return s
			}
			return strings.Repeat(s, r)
		}
		in := Message{Content: grow(content)}
		for i := range int(nEmbeds % 14) {
			e := Embed{Title: grow(title), Description: grow(desc), Footer: grow(footer), Author: grow(author), Color: i}
			for range int(nFields % 30) {
				e.Fields = append(e.Fields, Field{Name: grow(name), Value: grow(value)})
			}
			in.Embeds = append(in.Embeds, e)
		}
		out := Split(in)
		for i, m := range out {
			if err := Validate(m); err != nil {
				t.Fatalf("message %d of %d invalid: %v", i, len(out), err)
			}
		}
		if got, want := stream(out...), stream(in); got != want {
			t.Fatalf("text changed: got %d bytes, want %d", len(got), len(want))
		}
	})
}

func TestSplitKeepsCodeBlocks(t *testing.T) {
	code := "```go\n" + lines(60, 60) + "\n```"
	in := Message{Content: "Status:\n" + code + "\nend"}
	out := Split(in)
	if len(out) < 2 {
		t.Fatalf("got %d messages, want ≥ 2", len(out))
	}
	for i, m := range out {
		if err := Validate(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		if n := strings.Count(m.Content, "```"); n%2 != 0 {
			t.Errorf("message %d has %d fences: a code block left open", i, n)
		}
	}
	if !strings.HasPrefix(out[1].Content, "```\n") {
		t.Errorf("continuation does not reopen the code block: %.20q", out[1].Content)
	}
	if got, want := stream(out...), stream(in); got != want {
		t.Errorf("text changed")
	}
}
