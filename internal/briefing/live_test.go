package briefing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

func TestRenderLiveEmbed(t *testing.T) {
	s := st("r1", "Reuters", "Cairo talks end without agreement", 90*time.Minute)
	s.Summary = "Lower-level talks will _continue_."
	s.Image = "https://r1.test/i.jpg"
	want := []message.Message{{Embeds: []message.Embed{{
		Title: "Cairo talks end without agreement", URL: "https://r1.test/a",
		Description: "Lower-level talks will \\_continue\\_.", Footer: "Reuters",
		Timestamp: s.Published, Image: "https://r1.test/i.jpg",
	}}}}
	if diff := cmp.Diff(want, RenderLive([]story.Story{s}, now0)); diff != "" {
		t.Errorf("RenderLive (-want +got):\n%s", diff)
	}
}

func TestRenderLiveBatchesOldestFirst(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		summary string
		want    []int // embeds per message
	}{
		{name: "none", n: 0, want: nil},
		{name: "one", n: 1, want: []int{1}},
		{name: "ten fit one message", n: 10, want: []int{10}},
		{name: "twenty-three", n: 23, want: []int{10, 10, 3}},
		// each embed: title 249 + summary 275 + footer 112 = 636 runes; ten would be 6360 > 6000
		{name: "long embeds split by total", n: 10, summary: strings.Repeat("word ", 100), want: []int{9, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []story.Story
			for i := range tt.n {
				s := st(fmt.Sprintf("s%02d", i), "AP", fmt.Sprintf("Story %02d", i), time.Duration(i)*time.Minute) // newest first
				if tt.summary != "" {
					s.Summary = tt.summary
					s.Title += " " + strings.Repeat("x", 240)
					s.Source = strings.Repeat("S", 100)
				}
				in = append(in, s)
			}
			msgs := RenderLive(in, now0)
			var got []int
			var titles []string
			for i, m := range msgs {
				if err := message.Validate(m); err != nil {
					t.Errorf("message %d: %v", i, err)
				}
				if m.Content != "" {
					t.Errorf("message %d has content %q", i, m.Content)
				}
				got = append(got, len(m.Embeds))
				for _, e := range m.Embeds {
					titles = append(titles, e.Title)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("embeds per message (-want +got):\n%s", diff)
			}
			for i := range titles {
				if want := fmt.Sprintf("Story %02d", tt.n-1-i); !strings.HasPrefix(titles[i], want) {
					t.Errorf("embed %d is %q, want %q (oldest first)", i, titles[i], want)
				}
			}
		})
	}
}

func TestAppendMore(t *testing.T) {
	full := strings.Repeat("x", message.MaxContent-5)
	tests := []struct {
		name string
		in   []message.Message
		n    int
		want []message.Message
	}{
		{name: "zero leaves as is", in: []message.Message{{Content: "a"}}, n: 0, want: []message.Message{{Content: "a"}}},
		{name: "onto empty content", in: []message.Message{{Embeds: []message.Embed{{Title: "t"}}}}, n: 3,
			want: []message.Message{{Content: "…and 3 more stories.", Embeds: []message.Embed{{Title: "t"}}}}},
		{name: "singular", in: nil, n: 1, want: []message.Message{{Content: "…and 1 more story."}}},
		{name: "no room", in: []message.Message{{Content: full}}, n: 2,
			want: []message.Message{{Content: full}, {Content: "…and 2 more stories."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendMore(tt.in, tt.n)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for i, m := range got {
				if err := message.Validate(m); err != nil {
					t.Errorf("message %d: %v", i, err)
				}
			}
		})
	}
}

func TestEscapedTitle(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Talks end", "Talks end"},
		{"markdown", "*Breaking* _news_", "\\*Breaking\\* \\_news\\_"},
		{"escaping past the limit", strings.Repeat("*", 200), strings.Repeat("\\*", 127) + "…"}, // a 128-rune cut, escaped
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := escapedTitle(tt.in)
			if runes(got) > message.MaxEmbedTitle {
				t.Fatalf("%d runes", runes(got))
			}
			if got != tt.want {
				t.Errorf("escapedTitle(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
