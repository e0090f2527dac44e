package briefing

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

// Cluster groups stories reporting the same development (same canonical link, or similar
// titles close in time), as digests and /briefing do. It returns groups of indexes into
// stories, each in index order, groups ordered by their first member.
func Cluster(stories []story.Story) [][]int { return cluster(stories) }

// DevelopmentEmbed renders one development of a live post: the earliest report's embed (the
// outlet that broke it) and, once others report it too, a "Reported by" line linking each
// outlet once (at most maxSources, then "+N more"). A single report renders as StoryEmbed,
// so a live post that later gains outlets keeps its shape.
func DevelopmentEmbed(members []story.Story, now time.Time) message.Embed {
	sorted := slices.Clone(members)
	slices.SortStableFunc(sorted, func(a, b story.Story) int { return a.Published.Compare(b.Published) })
	e := StoryEmbed(sorted[0], now)
	var srcs []string
	seen := map[string]bool{}
	for _, m := range sorted {
		name := sourceName(m)
		if seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		if len(srcs) == maxSources {
			srcs = append(srcs, "") // counted below
			continue
		}
		link := escape(message.Truncate(name, maxSourceName))
		if u := safeURL(m.Link); u != "" {
			link = "[" + link + "](" + u + ")"
		}
		srcs = append(srcs, link)
	}
	if len(seen) < 2 {
		return e
	}
	shown := srcs[:min(len(srcs), maxSources)]
	line := "**Reported by** " + strings.Join(shown, " · ")
	if extra := len(seen) - len(shown); extra > 0 {
		line += fmt.Sprintf(" · +%d more", extra)
	}
	if e.Description != "" {
		line = e.Description + "\n\n" + line
	}
	e.Description = message.Truncate(line, message.MaxEmbedDescription)
	return e
}
