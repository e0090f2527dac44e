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

func TestRenderSmallBriefing(t *testing.T) {
	in := []story.Story{
		withTopic(st("r1", "Reuters", "Cairo talks on Gaza ceasefire end without agreement", 2*time.Hour), "mideast"),
		withTopic(st("a1", "AP", "Israel-Hamas ceasefire talks in Cairo conclude without agreement", time.Hour), "mideast"),
		st("v1", "The Verge", "Telegram CEO *Pavel Durov* arrested in [France]", 30*time.Minute),
	}
	in[0].Summary = "Lower-level talks will continue.\nSecond line is dropped."
	b := Build(in, Options{Now: fixedNow, TopicTitles: map[string]string{"mideast": "Middle East"},
		StatusLines: []string{"Gaza ceasefire: talks ended without a deal"}, Title: "Morning briefing"})
	want := []message.Message{{Embeds: []message.Embed{
		{Title: "Morning briefing", Description: "• Gaza ceasefire: talks ended without a deal",
			Footer: "2 stories, reported by 3 outlets", Timestamp: now0},
		{Title: "Middle East", Description: "[**Cairo talks on Gaza ceasefire end without agreement**](https://r1.test/a)\n" +
			"Lower-level talks will continue.\n[Reuters](https://r1.test/a) · [AP](https://a1.test/a) · " + message.Timestamp(fixedNow().Add(-time.Hour), 'R')},
		{Title: "Top stories", Description: "[**Telegram CEO \\*Pavel Durov\\* arrested in \\[France\\]**](https://v1.test/a)\n" +
			"[The Verge](https://v1.test/a) · " + message.Timestamp(fixedNow().Add(-30*time.Minute), 'R')},
	}}}
	if diff := cmp.Diff(want, Render(b)); diff != "" {
		t.Errorf("Render (-want +got):\n%s", diff)
	}
}

func TestRenderEmpty(t *testing.T) {
	tests := []struct {
		name  string
		quiet bool
		want  []message.Message
	}{
		{name: "nothing new line", want: []message.Message{{Content: NothingNew}}},
		{name: "quiet", quiet: true, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(Build(nil, Options{Now: fixedNow, QuietWhenEmpty: tt.quiet}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderLargeBriefingFits(t *testing.T) {
	var in []story.Story
	long := strings.Repeat("Detail of the event with many words. ", 40)
	for i := range 60 {
		s := st(fmt.Sprintf("s%02d", i), fmt.Sprintf("Outlet %d", i), fmt.Sprintf("Headline %s %d %s", strings.Repeat("word ", 30), i, long), time.Duration(i)*time.Minute)
		var words []string
		for j := range 60 {
			words = append(words, fmt.Sprintf("w%dx%d", i, j)) // no word shared between stories
		}
		s.Title = strings.Join(words, " ") // over the headline cap
		s.Summary = long
		s.Link = "https://example.com/" + strings.Repeat("p", 250) + fmt.Sprint(i)
		s.Topics = []string{[]string{"", "a", "b"}[i%3]}
		in = append(in, s)
	}
	status := make([]string, 50)
	for i := range status {
		status[i] = fmt.Sprintf("Topic %d: %s", i, long)
	}
	b := Build(in, Options{Now: fixedNow, MaxEntries: 60, StatusLines: status})
	msgs := Render(b)
	if len(msgs) < 2 {
		t.Fatalf("Render gave %d messages, want several", len(msgs))
	}
	continued, entries := 0, 0
	for i, m := range msgs {
		if err := message.Validate(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		for _, e := range m.Embeds {
			if strings.HasSuffix(e.Title, "(continued)") {
				continued++
			}
			entries += strings.Count(e.Description, "[**")
		}
	}
	if continued == 0 {
		t.Error("no section continued in a further embed")
	}
	if entries != len(flat(b)) {
		t.Errorf("rendered %d entries, built %d", entries, len(flat(b)))
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://x.test/a", "https://x.test/a"},
		{"https://en.wikipedia.org/wiki/Gaza_(city)", "https://en.wikipedia.org/wiki/Gaza_%28city%29"},
		{"javascript:alert(1)", ""},
		{"/relative/path", ""},
		{"https://x.test/" + strings.Repeat("a", maxLinkLen), ""},
	}
	for _, tt := range tests {
		if got := safeURL(tt.in); got != tt.want {
			t.Errorf("safeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Israel-Hamas talks [resume](https://x.test)", "Summary *bold*", "Reuters", "https://r.test/a", "status", uint8(3), uint8(20))
	f.Add("", "", "", "", "", uint8(0), uint8(0))
	f.Add(strings.Repeat("long ", 100), strings.Repeat("é", 5000), strings.Repeat("S", 300), "https://x.test/"+strings.Repeat("p", 400), strings.Repeat("s", 5000), uint8(200), uint8(60))
	f.Fuzz(func(t *testing.T, title, summary, source, link, status string, n, statusN uint8) {
		var in []story.Story
		for i := range int(n) {
			s := story.Story{ID: fmt.Sprint(i), Title: fmt.Sprintf("%s %d", title, i%7), Summary: summary,
				Source: fmt.Sprintf("%s%d", source, i%5), Link: link, Published: now0.Add(-time.Duration(i) * time.Minute)}
			if i%2 == 0 {
				s.Topics = []string{title}
			}
			in = append(in, s)
		}
		statuses := make([]string, int(statusN))
		for i := range statuses {
			statuses[i] = status
		}
		b := Build(in, Options{Now: fixedNow, MaxEntries: int(n) % 40, StatusLines: statuses, Title: title,
			TopicTitles: map[string]string{title: summary}})
		for i, m := range Render(b) {
			if err := message.Validate(m); err != nil {
				t.Fatalf("Render message %d: %v", i, err)
			}
		}
		for i, m := range RenderLive(in, now0) {
			if err := message.Validate(m); err != nil {
				t.Fatalf("RenderLive message %d: %v", i, err)
			}
		}
		if len(in) > 0 {
			if err := message.Validate(message.Message{Embeds: []message.Embed{DevelopmentEmbed(in, now0)}}); err != nil {
				t.Fatalf("DevelopmentEmbed: %v", err)
			}
		}
	})
}

func TestEntryText(t *testing.T) {
	b := Briefing{Now: now0}
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{name: "untitled without link", e: Entry{Sources: []Source{{Name: "AP"}}},
			want: "**(untitled)**\nAP"},
		{name: "summary repeating the headline is dropped", e: Entry{Headline: "Talks end", Summary: "Talks end", Sources: []Source{{Name: "AP", Link: "https://a.test"}}, Published: now0.Add(-2 * time.Hour)},
			want: "**Talks end**\n[AP](https://a.test) · <t:" + fmt.Sprint(now0.Add(-2*time.Hour).Unix()) + ":R>"},
		{name: "more than six sources", e: Entry{Headline: "H", Sources: []Source{{Name: "1"}, {Name: "2"}, {Name: "3"}, {Name: "4"}, {Name: "5"}, {Name: "6"}, {Name: "7"}, {Name: "8"}}},
			want: "**H**\n1 · 2 · 3 · 4 · 5 · 6 · +2 more"},
		{name: "markdown in feed text is escaped", e: Entry{Headline: "# Big_news", Summary: "> quoted *x*", Sources: []Source{{Name: "A|B"}}},
			want: "**\\# Big\\_news**\n\\> quoted \\*x\\*\nA\\|B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, entryText(tt.e, b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
