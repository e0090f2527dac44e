package briefing

import (
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

// FuzzTemplate: no template and no feed text panics the renderer or yields an embed Discord
// would reject, and the template's source round-trips.
func FuzzTemplate(f *testing.F) {
	for _, src := range []string{"", "{title}", "{{{summary}}}", "{published_ago} {link}", "{", "}", "{nope}",
		"{sources}\n{status} {topic}", "{ title }", "**{title}**"} {
		f.Add(src, "Title *x*", "Summary", "https://a.test/x", "Src", int64(1733390000), true)
	}
	f.Fuzz(func(t *testing.T, src, title, summary, link, source string, unix int64, thumb bool) {
		tmpl, err := ParseTemplate(src)
		if err != nil {
			return
		}
		if tmpl.String() != src {
			t.Fatalf("String() = %q, want %q", tmpl.String(), src)
		}
		tmpl.Thumbnail, tmpl.Color = thumb, int(unix)
		s := story.Story{Title: title, Summary: summary, Link: link, Source: source, Image: link,
			Published: time.Unix(unix%(1<<34), 0)}
		e := tmpl.Embed(PostData{Story: s, Sources: []string{source, title}, Topic: title, Status: summary})
		if err := message.Validate(message.Message{Embeds: []message.Embed{e}}); err != nil {
			t.Fatalf("template %q renders an invalid embed: %v", src, err)
		}
		if e.Color < 0 || e.Color > 0xFFFFFF {
			t.Fatalf("colour %d out of range", e.Color)
		}
		// Live posts with {topic} and {status} filled from feed-length text stay valid too.
		about := func(story.Story) (string, string) { return title, summary }
		for _, m := range tmpl.Live([]story.Story{s, s}, about) {
			if err := message.Validate(m); err != nil {
				t.Fatalf("template %q renders an invalid live post: %v", src, err)
			}
		}
	})
}
