package delivery

import (
	"context"

	"github.com/heraldbot/herald/internal/briefing"
	"github.com/heraldbot/herald/internal/filter"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// style is a subscription's PostStyle compiled once per delivery: the filter every story must
// pass, the one mention its posts may carry and the layout.
type style struct {
	filter        *filter.Filter
	filterErr     error
	mention       message.Mention
	mentionFilter *filter.Filter
	tmpl          briefing.Template
	place         placement
	// about fills {topic} and {status} (nil: the template shows neither, or no labels).
	about briefing.TopicOf
}

// TopicLabels names a tracked topic and says where it stands (tracking's status label), for
// templates' {topic} and {status}; ok is false for a topic it does not know.
type TopicLabels interface {
	TopicLabel(ctx context.Context, topicID string) (title, status string, ok bool)
}

// styleOf compiles sub's style for one delivery and, when its template shows {topic} or
// {status}, attaches the topic lookup: a topic subscription's own topic, or for a feed
// subscription the first tracked topic the story is tagged with. Each topic is looked up once
// per delivery.
func (l *Live) styleOf(ctx context.Context, sub store.Subscription) style {
	st := compileStyle(sub)
	if !st.tmpl.Uses("topic", "status") {
		return st
	}
	type label struct {
		title, status string
		ok            bool
	}
	seen := map[string]label{}
	lookup := func(id string) label {
		lb, done := seen[id]
		if !done && l.opts.Topics != nil {
			lb.title, lb.status, lb.ok = l.opts.Topics.TopicLabel(ctx, id)
			seen[id] = lb
		}
		return lb
	}
	st.about = func(s story.Story) (string, string) {
		if sub.Kind == store.KindTopic {
			if lb := lookup(sub.Topic); lb.ok {
				return lb.title, lb.status
			}
			return sub.Topic, ""
		}
		for _, id := range s.Topics {
			if lb := lookup(id); lb.ok {
				return lb.title, lb.status
			}
		}
		return "", ""
	}
	return st
}

// topicOf is a story's {topic} and {status}: empty when the template shows neither, and a
// topic subscription's topic id when no labels are known.
func (st style) topicOf(s story.Story) (string, string) {
	if st.about == nil {
		return "", ""
	}
	return st.about(s)
}

// compileStyle compiles sub.Style. Filters and templates are validated when stored, so an
// error here means a store edited by hand: a filter that does not compile posts nothing (and
// says so in WhyFiltered), a template that does not parse falls back to the default layout.
func compileStyle(sub store.Subscription) style {
	var st style
	st.filter, st.filterErr = filter.Compile(sub.Style.Filter)
	st.mention = message.Mention{RoleID: sub.Style.MentionRole, UserID: sub.Style.MentionUser}
	if mf, err := filter.Compile(sub.Style.MentionFilter); err == nil {
		st.mentionFilter = mf
	} else {
		st.mention = message.Mention{} // a broken condition never pings everyone's stories
	}
	if t, err := briefing.ParseTemplate(sub.Style.Template); err == nil {
		st.tmpl = t
	}
	st.tmpl.Color, st.tmpl.Thumbnail = sub.Style.Color, sub.Style.Thumbnail
	st.place = placementOf(sub.Style)
	if sub.Kind == store.KindTopic {
		// Topic posts are edited as outlets add to them, and only Herald's own messages can be
		// edited by Herald: never through a webhook.
		st.place.webhook = nil
	}
	return st
}

// passes applies the subscription's keyword lists (feed subscriptions) and its filter.
func (st style) passes(sub store.Subscription, s story.Story) bool {
	return st.why(sub, s) == ""
}

// why names the rule that keeps s out of sub's posts, "" when none does.
func (st style) why(sub store.Subscription, s story.Story) string {
	if sub.Kind == store.KindFeed && !story.MatchesKeywords(s, sub.Include, sub.Exclude) {
		return "the include/exclude words (" + filter.FromKeywords(sub.Include, sub.Exclude) + ")"
	}
	if st.filterErr != nil {
		return "the filter, which no longer compiles: " + st.filterErr.Error()
	}
	if ok, why := st.filter.Explain(s); !ok {
		return "the filter: " + why
	}
	return ""
}

// withMention adds the subscription's mention to m when any of stories passes the mention
// condition: the only way a Herald post pings anyone.
func (st style) withMention(m message.Message, stories []story.Story) message.Message {
	if st.mention.IsZero() {
		return m
	}
	for _, s := range stories {
		if st.mentionFilter.Match(s) {
			return message.WithMention(m, st.mention)
		}
	}
	return m
}

// WhyFiltered names the filter rule that keeps s out of sub's live posts ("" when none does):
// the answer to "why was this story not posted here?" when Eligibility says Filtered.
func WhyFiltered(sub store.Subscription, s story.Story) string {
	return compileStyle(sub).why(sub, s)
}
