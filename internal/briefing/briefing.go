// Package briefing turns candidate stories into a briefing: the same event from several outlets
// becomes one entry naming its sources, entries are ranked and grouped by topic, and rendered as
// platform-neutral messages that fit Discord's limits by construction. It also renders live
// posts. It knows neither Discord nor the store: callers hand it stories and send its messages.
package briefing

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

// DefaultMaxEntries is how many entries a briefing keeps when Options.MaxEntries is unset: a
// screenful, read in a minute.
const DefaultMaxEntries = 10

// TopStories titles the section of entries that match no topic.
const TopStories = "Top stories"

// Ranking: an entry's score is recency × breadth × topic boost.
const (
	// halfLife halves a story's recency weight: yesterday's news still ranks, below today's.
	halfLife = 12 * time.Hour
	// perOutlet is the boost for each extra outlet carrying the story: coverage signals weight.
	perOutlet = 0.35
	// maxOutletBoost caps breadth, so one wire story syndicated everywhere does not bury the rest.
	maxOutletBoost = 5
	// topicBoost favours stories of the topics the reader configured.
	topicBoost = 1.5
)

// Options tunes Build.
type Options struct {
	// MaxEntries caps the entries kept (DefaultMaxEntries when ≤ 0).
	MaxEntries int
	// Now is the clock (time.Now when nil); ages and recency are measured from it.
	Now func() time.Time
	// TopicTitles maps topic ids to display titles; a topic not in it shows its id.
	TopicTitles map[string]string
	// StatusLines are the tracked topics' status lines, shown at the top. They are Markdown that
	// Herald wrote (tracking.StatusLine bolds the label and escapes the rest) and are rendered as
	// they are: escaping them again showed users literal "\*\*Talks ongoing\*\*".
	StatusLines []string
	// Title heads the briefing ("Your briefing" when empty).
	Title string
	// QuietWhenEmpty makes Render return no message for a briefing without entries.
	QuietWhenEmpty bool
}

// Briefing is a built briefing, ready to render.
type Briefing struct {
	Title          string
	StatusLines    []string
	Sections       []Section
	Now            time.Time
	QuietWhenEmpty bool
}

// Section is the entries of one topic ("" for TopStories), best first.
type Section struct {
	Topic   string
	Title   string
	Entries []Entry
}

// Entry is one event, possibly reported by several outlets.
type Entry struct {
	Headline string
	Summary  string
	Link     string
	Sources  []Source
	// Published is the latest report's time: the entry's age is how fresh its news is.
	Published time.Time
	Topic     string
	// StoryIDs are every member story, so delivery can claim and mark them all seen.
	StoryIDs []string
	score    float64
}

// Source is one outlet carrying an entry, with its own link.
type Source struct {
	Name string
	Link string
}

// Empty reports a briefing without entries.
func (b Briefing) Empty() bool { return len(b.Sections) == 0 }

// StoryIDs lists every member story of every entry, for claiming.
func (b Briefing) StoryIDs() []string {
	var ids []string
	for _, s := range b.Sections {
		for _, e := range s.Entries {
			ids = append(ids, e.StoryIDs...)
		}
	}
	return ids
}

// Build clusters the candidates into events, ranks them by recency, number of outlets and topic
// match, keeps the top MaxEntries and groups them by topic.
func Build(candidates []story.Story, opts Options) Briefing {
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	limit := opts.MaxEntries
	if limit <= 0 {
		limit = DefaultMaxEntries
	}
	title := opts.Title
	if strings.TrimSpace(title) == "" {
		title = "Your briefing"
	}
	stories := dedupe(candidates)
	var entries []Entry
	for _, group := range cluster(stories) {
		entries = append(entries, newEntry(stories, group, opts.TopicTitles, now))
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	if len(entries) > limit {
		entries = entries[:limit]
	}
	return Briefing{Title: title, StatusLines: opts.StatusLines, Sections: sections(entries, opts.TopicTitles),
		Now: now, QuietWhenEmpty: opts.QuietWhenEmpty}
}

func better(a, b Entry) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if !a.Published.Equal(b.Published) {
		return a.Published.After(b.Published)
	}
	if a.Headline != b.Headline {
		return a.Headline < b.Headline
	}
	return a.StoryIDs[0] < b.StoryIDs[0] // a total order: the ranking never depends on input order
}

// dedupe drops repeated story IDs (a story can be offered twice by overlapping queries).
func dedupe(in []story.Story) []story.Story {
	seen := make(map[string]bool, len(in))
	out := make([]story.Story, 0, len(in))
	for _, s := range in {
		if s.ID != "" && seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		out = append(out, s)
	}
	return out
}

// newEntry makes an entry of one cluster: the earliest report gives headline and link (the
// outlet that broke it), the first non-empty summary the summary, each outlet once.
func newEntry(stories []story.Story, group []int, topics map[string]string, now time.Time) Entry {
	members := make([]*story.Story, len(group))
	for i, k := range group {
		members[i] = &stories[k]
	}
	slices.SortStableFunc(members, func(a, b *story.Story) int { return a.Published.Compare(b.Published) })
	lead := members[0]
	e := Entry{Headline: lead.Title, Link: lead.Link, Topic: entryTopic(members, topics)}
	seen := map[string]bool{}
	for _, m := range members {
		e.StoryIDs = append(e.StoryIDs, m.ID)
		if e.Summary == "" {
			e.Summary = m.Summary
		}
		if m.Published.After(e.Published) {
			e.Published = m.Published
		}
		name := sourceName(*m)
		if !seen[strings.ToLower(name)] {
			seen[strings.ToLower(name)] = true
			e.Sources = append(e.Sources, Source{Name: name, Link: m.Link})
		}
	}
	e.score = score(e, now)
	return e
}

func sourceName(s story.Story) string {
	if n := strings.TrimSpace(s.Source); n != "" {
		return n
	}
	return "unknown source"
}

// entryTopic is the first topic of the members that the reader configured, else any topic.
func entryTopic(members []*story.Story, titles map[string]string) string {
	first := ""
	for _, m := range members {
		for _, t := range m.Topics {
			if _, ok := titles[t]; ok {
				return t
			}
			if first == "" {
				first = t
			}
		}
	}
	return first
}

func score(e Entry, now time.Time) float64 {
	age := max(now.Sub(e.Published), 0)
	recency := math.Exp2(-age.Hours() / halfLife.Hours())
	breadth := 1 + perOutlet*float64(min(len(e.Sources), maxOutletBoost)-1)
	s := recency * breadth
	if e.Topic != "" {
		s *= topicBoost
	}
	return s
}

// sections groups ranked entries by topic, sections ordered by their best entry.
func sections(entries []Entry, titles map[string]string) []Section {
	var out []Section
	at := map[string]int{}
	for _, e := range entries {
		k, ok := at[e.Topic]
		if !ok {
			k = len(out)
			at[e.Topic] = k
			out = append(out, Section{Topic: e.Topic, Title: sectionTitle(e.Topic, titles)})
		}
		out[k].Entries = append(out[k].Entries, e)
	}
	return out
}

func sectionTitle(topic string, titles map[string]string) string {
	if topic == "" {
		return TopStories
	}
	if t := strings.TrimSpace(titles[topic]); t != "" {
		return t
	}
	return topic
}

// Age renders how long ago t was from now ("just now", "5m ago", "3h ago", "2d ago"), the
// same wording the commands use, so a story reads the same age everywhere.
func Age(now, t time.Time) string { return message.RelativeAge(now, t) }
