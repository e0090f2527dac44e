package briefing

import (
	"fmt"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

// maxLiveSummary keeps a live embed compact: ten of them must read as a list, not a wall.
const maxLiveSummary = 280

// RenderLive renders stories as live posts: one compact embed per story (linked title, source,
// age, summary), oldest first so a channel reads in order, batched ≤10 embeds and ≤6000
// characters per message. Content is left empty for AppendMore.
func RenderLive(stories []story.Story, _ time.Time) []message.Message {
	return Template{}.Live(stories, nil)
}

// StoryEmbed renders one story compactly (linked title, summary, source): the shape of a live
// post and of each /latest entry. Its timestamp is the published time, which Discord shows in
// each reader's own time zone; a frozen "30m ago" would be wrong a minute later, so the time
// argument is no longer used.
func StoryEmbed(s story.Story, _ time.Time) message.Embed {
	title := escapedTitle(s.Title)
	if title == "" {
		title = "(untitled)"
	}
	footer := message.Truncate(sourceName(s), message.MaxAuthorName)
	return message.Embed{
		Title:       title,
		URL:         safeURL(s.Link),
		Description: escape(message.Truncate(s.Summary, maxLiveSummary)),
		Footer:      footer,
		Timestamp:   s.Published,
		Image:       safeURL(s.Image),
	}
}

// More is the "and N more" line for stories left out of a post (e.g. after downtime).
func More(n int) string {
	if n == 1 {
		return "…and 1 more story."
	}
	return fmt.Sprintf("…and %d more stories.", n)
}

// AppendMore adds More(n) to the last message's content, or as a message of its own when the
// content has no room; n ≤ 0 leaves msgs unchanged.
func AppendMore(msgs []message.Message, n int) []message.Message {
	if n <= 0 {
		return msgs
	}
	line := More(n)
	if len(msgs) == 0 {
		return []message.Message{{Content: line}}
	}
	out := append([]message.Message(nil), msgs...)
	last := &out[len(out)-1]
	joined := strings.TrimSpace(last.Content + "\n" + line)
	if runes(joined) > message.MaxContent {
		return append(out, message.Message{Content: line})
	}
	last.Content = joined
	return out
}

// escapedTitle escapes Markdown in a feed title (embed titles render bold and italics) and
// keeps it within the title limit even when escaping doubles its length.
func escapedTitle(t string) string {
	e := escape(message.Truncate(t, message.MaxEmbedTitle))
	if runes(e) > message.MaxEmbedTitle {
		e = escape(message.Truncate(t, message.MaxEmbedTitle/2))
	}
	return e
}
