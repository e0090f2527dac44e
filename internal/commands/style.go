package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/heraldbot/herald/internal/briefing"
	"github.com/heraldbot/herald/internal/filter"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Option types for mentions: Discord's role and user pickers.
const (
	OptionUser OptionType = 6
	OptionRole OptionType = 8
)

// templateOptionText describes the template option: the placeholders members reach for most
// (briefing.Placeholders has them all; /help and an invalid template's reply list them).
const templateOptionText = "Post text with {title} {link} {source} {summary} {published_ago} {topic} {status} …"

// clearWord empties a text option when editing ("filter:none").
const clearWord = "none"

// styleOptions shape a live subscription's posts: /subscribe feed|topic and /subscription edit
// take them. Descriptions stay short: a command's text counts toward Discord's 8000 limit.
func styleOptions() []Option {
	return []Option{
		{Type: OptionString, Name: "filter", Description: `Words, "phrases", /regex/, title: summary: author: category:, NOT or -`},
		{Type: OptionRole, Name: "mention", Description: "A role to ping with each post"},
		{Type: OptionUser, Name: "mention_user", Description: "A member to ping with each post (instead of a role)"},
		{Type: OptionString, Name: "mention_filter", Description: "Ping only for stories passing this filter"},
		{Type: OptionString, Name: "template", Description: templateOptionText},
		{Type: OptionString, Name: "color", Description: "Embed colour, e.g. #1F8B4C"},
		{Type: OptionBoolean, Name: "thumbnail", Description: "Show the story image small, beside the text"},
	}
}

// applyStyle reads the style options present in req onto st, validating each: a filter must
// compile, a template parse, a colour be #RRGGBB, a mention name a Discord id. "none" clears a
// text option. The errors are user errors that say how to fix the option.
func applyStyle(st store.PostStyle, req Request) (store.PostStyle, error) {
	opt := func(name string) (string, bool) {
		v, ok := req.Options[name]
		return strings.TrimSpace(v), ok
	}
	if v, ok := opt("filter"); ok {
		f, err := compileFilter("filter", v)
		if err != nil {
			return st, err
		}
		st.Filter = f
	}
	if v, ok := opt("mention_filter"); ok {
		f, err := compileFilter("mention_filter", v)
		if err != nil {
			return st, err
		}
		st.MentionFilter = f
	}
	if err := applyMention(&st, req); err != nil {
		return st, err
	}
	if v, ok := opt("template"); ok {
		if strings.EqualFold(v, clearWord) {
			v = ""
		}
		v = strings.ReplaceAll(v, `\n`, "\n") // a slash-command option is one line
		if _, err := briefing.ParseTemplate(v); err != nil {
			return st, Errorf("The template is not valid: %s.", strings.TrimPrefix(err.Error(), briefing.ErrTemplate.Error()+": "))
		}
		st.Template = v
	}
	if v, ok := opt("color"); ok {
		c, err := parseColor(v)
		if err != nil {
			return st, err
		}
		st.Color = c
	}
	if v, ok := opt("thumbnail"); ok {
		st.Thumbnail = v == "true"
	}
	return st, nil
}

// compileFilter validates a filter option and returns its canonical form.
func compileFilter(name, v string) (string, error) {
	if strings.EqualFold(v, clearWord) {
		return "", nil
	}
	f, err := filter.Compile(v)
	if err != nil {
		return "", Errorf("The %s is not valid: %s.", name, strings.TrimPrefix(err.Error(), filter.ErrSyntax.Error()+": "))
	}
	return f.String(), nil
}

// applyMention sets the role or user to ping; a role replaces a user and the other way round.
func applyMention(st *store.PostStyle, req Request) error {
	if req.Options["no_mention"] == "true" {
		st.MentionRole, st.MentionUser = "", ""
	}
	if v, ok := req.Options["mention"]; ok {
		if !message.IsSnowflake(v) {
			return Errorf("Pick a role from the list for mention.")
		}
		if v == req.GuildID {
			return Errorf("Herald never pings @everyone: pick a role.")
		}
		st.MentionRole, st.MentionUser = v, ""
	}
	if v, ok := req.Options["mention_user"]; ok {
		if !message.IsSnowflake(v) {
			return Errorf("Pick a member from the list for mention_user.")
		}
		st.MentionRole, st.MentionUser = "", v
	}
	return nil
}

// parseColor reads "#1F8B4C", "1f8b4c" or "none" (Discord's default colour).
func parseColor(v string) (int, error) {
	if strings.EqualFold(v, clearWord) || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(v, "#"), 16, 32)
	if err != nil || len(strings.TrimPrefix(v, "#")) != 6 {
		return 0, Errorf("Write the colour as six hex digits, e.g. #1F8B4C.")
	}
	return int(n), nil
}

// styleText describes a style for confirmations and /subscriptions: "; filter: …; pings
// <@&id> for …". Mentions in a reply never ping: replies allow no mentions.
func styleText(st store.PostStyle) string {
	var parts []string
	if st.Filter != "" {
		parts = append(parts, "filter `"+st.Filter+"`")
	}
	if m := (message.Mention{RoleID: st.MentionRole, UserID: st.MentionUser}).Markup(); m != "" {
		p := "pings " + m
		if st.MentionFilter != "" {
			p += " for `" + st.MentionFilter + "`"
		}
		parts = append(parts, p)
	}
	if st.Template != "" {
		parts = append(parts, "own template")
	}
	if st.Color != 0 {
		parts = append(parts, fmt.Sprintf("colour #%06X", st.Color))
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, "; ") + "]"
}

// passesStyle is the preview's version of delivery's rule: the keyword lists and the filter.
func passesStyle(s story.Story, sub store.Subscription) bool {
	if sub.Kind == store.KindFeed && !story.MatchesKeywords(s, sub.Include, sub.Exclude) {
		return false
	}
	f, err := filter.Compile(sub.Style.Filter)
	return err == nil && f.Match(s)
}

// TopicLabels names a tracked topic and says where it stands, for the preview's {topic} and
// {status} (delivery.TopicLabels: the posts use the same lookup).
type TopicLabels interface {
	TopicLabel(ctx context.Context, topicID string) (title, status string, ok bool)
}

// previewEmbed renders a story as the subscription will post it: {topic} and {status} are the
// first tracked topic the story is tagged with, as delivery fills them.
func (s Subscriptions) previewEmbed(ctx context.Context, it story.Story, st store.PostStyle) message.Embed {
	t, err := briefing.ParseTemplate(st.Template)
	if err != nil {
		t = briefing.Template{}
	}
	t.Color, t.Thumbnail = st.Color, st.Thumbnail
	d := briefing.PostData{Story: it}
	if s.Labels != nil && t.Uses("topic", "status") {
		for _, id := range it.Topics {
			if title, status, ok := s.Labels.TopicLabel(ctx, id); ok {
				d.Topic, d.Status = title, status
				break
			}
		}
	}
	return t.Embed(d)
}
