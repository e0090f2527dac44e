package briefing

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

func templateStory() story.Story {
	s := st("r1", "Reuters", "Ceasefire *holds*", time.Hour)
	s.Summary = "Talks resume in Cairo."
	s.Image = "https://r1.test/i.jpg"
	return s
}

func TestTemplateEmbed(t *testing.T) {
	t.Parallel()
	s := templateStory()
	ts := "<t:" + strconv.FormatInt(s.Published.Unix(), 10)
	tests := []struct {
		name, src string
		color     int
		thumb     bool
		data      PostData
		want      message.Embed
	}{
		{name: "default is StoryEmbed", data: PostData{Story: s}, want: StoryEmbed(s, now0)},
		{name: "placeholders", src: "{summary}\n{source} · {published_ago} · {published}\n{link}",
			data: PostData{Story: s},
			want: message.Embed{Title: "Ceasefire \\*holds\\*", URL: s.Link, Timestamp: s.Published, Image: s.Image,
				Description: "Talks resume in Cairo.\nReuters · " + ts + ":R> · " + ts + ":f>\n" + s.Link}},
		{name: "topic status sources braces", src: "{{{topic}}}: {STATUS} ({sources}) {title}",
			data: PostData{Story: s, Topic: "Gaza", Status: "holding", Sources: []string{"Reuters", "AP"}},
			want: message.Embed{Title: "Ceasefire \\*holds\\*", URL: s.Link, Timestamp: s.Published, Image: s.Image,
				Description: "{Gaza}: holding (Reuters, AP) Ceasefire \\*holds\\*"}},
		{name: "colour and thumbnail", src: "{summary}", color: 0x1F8B4C, thumb: true, data: PostData{Story: s},
			want: message.Embed{Title: "Ceasefire \\*holds\\*", URL: s.Link, Timestamp: s.Published, Thumbnail: s.Image,
				Color: 0x1F8B4C, Description: "Talks resume in Cairo."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseTemplate(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			tmpl.Color, tmpl.Thumbnail = tt.color, tt.thumb
			got := tmpl.Embed(tt.data)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Embed (-want +got):\n%s", diff)
			}
			if err := message.Validate(message.Message{Embeds: []message.Embed{got}}); err != nil {
				t.Error(err)
			}
		})
	}
}

// {topic} and {status} of a live post come from the lookup, per story, and only when the
// template shows them (a topic's status costs a read).
func TestTemplateLiveFillsTopicAndStatus(t *testing.T) {
	t.Parallel()
	s := templateStory()
	s.Topics = []string{"gaza"}
	other := templateStory()
	other.Published, other.Title = s.Published.Add(time.Minute), "Markets rally"
	about := func(st story.Story) (string, string) {
		if len(st.Topics) == 0 {
			return "", ""
		}
		return "Gaza ceasefire", "Ceasefire in effect"
	}
	tests := []struct {
		name, src string
		want      []string
		calls     int
	}{
		{name: "status and topic", src: "{title}\n{topic}: {status}", calls: 2,
			want: []string{"Ceasefire \\*holds\\*\nGaza ceasefire: Ceasefire in effect", "Markets rally\n:"}},
		{name: "not shown, not looked up", src: "{title}", want: []string{"Ceasefire \\*holds\\*", "Markets rally"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseTemplate(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			counted := func(st story.Story) (string, string) { calls++; return about(st) }
			msgs := tmpl.Live([]story.Story{other, s}, counted)
			var got []string
			for _, e := range msgs[0].Embeds {
				got = append(got, e.Description)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || calls != tt.calls {
				t.Errorf("descriptions (-want +got):\n%s\nlookups %d, want %d", diff, calls, tt.calls)
			}
		})
	}
}

func TestParseTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{name: "unknown", src: "{headline}", want: "unknown placeholder {headline}; use {title} {link}"},
		{name: "unclosed", src: "a {title", want: "{ at 3 is never closed"},
		{name: "lone close", src: "a } b", want: "a lone } at 3"},
		{name: "too long", src: strings.Repeat("x", MaxTemplate+1), want: "at most 1500"},
		{name: "bad utf8", src: "\xff", want: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseTemplate(tt.src)
			if !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseTemplate(%q) = %v, want ErrTemplate saying %q", tt.src, err, tt.want)
			}
		})
	}
}

// A template repeating the longest placeholder still renders within the description limit.
func TestTemplateStaysWithinLimits(t *testing.T) {
	t.Parallel()
	s := templateStory()
	s.Summary = strings.Repeat("_*", 3000)
	tmpl, err := ParseTemplate(strings.Repeat("{summary}", 100))
	if err != nil {
		t.Fatal(err)
	}
	e := tmpl.Embed(PostData{Story: s})
	if n := utf8.RuneCountInString(e.Description); n > message.MaxEmbedDescription {
		t.Errorf("description is %d runes", n)
	}
}

func BenchmarkTemplateEmbed(b *testing.B) {
	tmpl, err := ParseTemplate("{source} reports: {title}\n{summary}\n{published_ago} · {link}")
	if err != nil {
		b.Fatal(err)
	}
	s := templateStory()
	b.ReportAllocs()
	for b.Loop() {
		tmpl.Embed(PostData{Story: s})
	}
}
