package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/briefing"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// StoryReader is what /latest needs from the store.
type StoryReader interface {
	RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error)
}

// TopicInfo describes a tracked topic for option validation, autocomplete and /help.
type TopicInfo struct {
	ID    string
	Title string
}

// Latest answers /latest [count] [topic] from stored stories, never touching the network.
type Latest struct {
	Stories StoryReader
	Topics  []TopicInfo
	Now     func() time.Time
	// Feeds says whether the first polls are still running or all failed, so an empty answer
	// gives the reason; nil means unknown.
	Feeds PollProgress
}

// PollProgress reports what this process knows about its feeds' polls.
type PollProgress interface {
	FeedStatus() FeedStatus
}

// FeedStatus counts the feeds being polled, those whose first poll has finished and those
// whose latest poll succeeded.
type FeedStatus struct {
	Feeds, Finished, OK int
}

// Polling reports whether some feed's first poll has not finished yet.
func (s FeedStatus) Polling() bool { return s.Finished < s.Feeds }

// Unreachable reports whether every feed has been tried and none could be fetched.
func (s FeedStatus) Unreachable() bool { return s.Feeds > 0 && !s.Polling() && s.OK == 0 }

func feedStatus(h PollProgress) FeedStatus {
	if h == nil {
		return FeedStatus{}
	}
	return h.FeedStatus()
}

// Handle implements /latest.
func (l Latest) Handle(ctx context.Context, req Request) (message.Message, error) {
	count, err := intOption(req, "count", 5, 1, 10)
	if err != nil {
		return message.Message{}, err
	}
	topic, err := topicOption(req, l.Topics, false)
	if err != nil {
		return message.Message{}, err
	}
	offset, err := intOption(req, "offset", 0, 0, maxLatestOffset)
	if err != nil {
		return message.Message{}, err
	}
	// One more than the page, to know whether an older page exists.
	stories, err := l.Stories.RecentStories(ctx, store.StoryQuery{Topic: topic, Limit: offset + count + 1})
	if err != nil {
		return message.Message{}, fmt.Errorf("commands: latest: %w", err)
	}
	older := len(stories) > offset+count
	stories = stories[min(offset, len(stories)):min(offset+count, len(stories))]
	if len(stories) == 0 {
		return message.Message{Content: noStoriesText(topic, feedStatus(l.Feeds))}, nil
	}
	now := l.Now()
	var embeds []message.Embed
	total := 0
	for _, s := range stories {
		e := briefing.StoryEmbed(s, now)
		// Ten stories with long titles, summaries and source names can exceed the 6000
		// characters one message's embeds may hold; the answer then shows the newest that fit
		// rather than being refused by Discord.
		if total += e.Len(); total > message.MaxEmbedTotal {
			break
		}
		embeds = append(embeds, e)
	}
	head := latestHeader(len(embeds), topic, l.Topics)
	if offset > 0 {
		head += fmt.Sprintf(" (from the %s newest)", ordinal(offset+1))
	}
	return message.Message{Content: head, Embeds: embeds, Buttons: latestButtons(req, offset, count, older, now)}, nil
}

// maxLatestOffset bounds how far back the buttons page: ten pages of ten.
const maxLatestOffset = 90

// latestButtons page /latest: newer (disabled on the first page) and older (disabled when no
// older story exists), each carrying the same count and topic.
func latestButtons(req Request, offset, count int, older bool, now time.Time) []message.Button {
	page := func(to int) string {
		opts := map[string]string{"count": strconv.Itoa(count), "offset": strconv.Itoa(to)}
		if t := req.Options["topic"]; t != "" {
			opts["topic"] = t
		}
		return message.ComponentID("latest", opts, now)
	}
	return []message.Button{
		{Label: "◀ Newer", ID: page(max(offset-count, 0)), Disabled: offset == 0},
		{Label: "Older ▶", ID: page(offset + count), Disabled: !older || offset+count > maxLatestOffset},
	}
}

// ordinal writes 6 as "6th", 21 as "21st".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

func latestHeader(n int, topic string, topics []TopicInfo) string {
	head := fmt.Sprintf("**Latest %d stories", n)
	if n == 1 {
		head = "**The latest story" // not "Latest 1 stories"
	}
	if topic == "" {
		return head + "**"
	}
	return head + " on " + topicTitle(topic, topics) + "**"
}

// noneFetched says that no feed could be fetched, in the right number.
func noneFetched(feeds int) string {
	if feeds == 1 {
		return "Herald's one feed could not be fetched"
	}
	return fmt.Sprintf("none of Herald's %d feeds could be fetched", feeds)
}

// noStoriesText explains an empty /latest: polling under way, no feed reachable, or nothing.
func noStoriesText(topic string, st FeedStatus) string {
	switch {
	case st.Polling():
		return fmt.Sprintf("No stories yet: Herald is polling its feeds for the first time (%d of %d done). Ask again in a few seconds.",
			st.Finished, st.Feeds)
	case st.Unreachable():
		return "No stories: " + noneFetched(st.Feeds) + ". The operator can see why in Herald's output."
	case topic != "":
		return "No recent stories on this topic."
	case st.Feeds == 0:
		return "No stories stored yet."
	}
	return "No stories: the feeds were fetched but had no items."
}

func intOption(req Request, name string, def, min, max int) (int, error) {
	raw, ok := req.Options[name]
	if !ok || strings.TrimSpace(raw) == "" {
		return def, nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || v < min || v > max {
		return 0, Errorf("Option %s must be a whole number from %d to %d (got %q).", name, min, max, raw)
	}
	return v, nil
}

func topicOption(req Request, topics []TopicInfo, required bool) (string, error) {
	raw := strings.ToLower(strings.TrimSpace(req.Options["topic"]))
	if raw == "" {
		if required {
			return "", Errorf("Option topic is required. Known topics: %s.", topicList(topics))
		}
		return "", nil
	}
	for _, t := range topics {
		if t.ID == raw {
			return raw, nil
		}
	}
	return "", Errorf("Unknown topic %q. Known topics: %s.", raw, topicList(topics))
}

func topicList(topics []TopicInfo) string {
	ids := make([]string, len(topics))
	for i, t := range topics {
		ids[i] = t.ID
	}
	if len(ids) == 0 {
		return "none configured"
	}
	return strings.Join(ids, ", ")
}

func topicTitle(id string, topics []TopicInfo) string {
	for _, t := range topics {
		if t.ID == id {
			return t.Title
		}
	}
	return id
}

// TopicChoices proposes the configured topics for autocomplete.
func TopicChoices(topics []TopicInfo) AutocompleteFunc {
	return func(_ context.Context, req Request) []Choice {
		all := make([]Choice, len(topics))
		for i, t := range topics {
			all[i] = Choice{Name: message.Truncate(t.Title+" ("+t.ID+")", 100), Value: t.ID}
		}
		return FilterChoices(all, req.Options[req.Focused])
	}
}

// latestCommand defines /latest.
func latestCommand() Command {
	return Command{Name: "latest", Description: "The newest stories from Herald's feeds", Contexts: anywhere(), Options: []Option{
		{Type: OptionInteger, Name: "count", Description: "How many stories (1-10, default 5)", MinValue: ptrF(1), MaxValue: ptrF(10)},
		topicOpt("Only stories on this tracked topic", false),
	}}
}
