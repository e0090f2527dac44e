package commands

import (
	"context"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// subscriptionCommand is /subscription edit|pause|resume: changing a subscription without
// removing and re-making it (which would lose what it has posted and its place in the list).
func subscriptionCommand(manage *int64, server []Context) Command {
	pick := Option{Type: OptionString, Name: "subscription", Description: "One of this server's subscriptions", Required: true, Autocomplete: true}
	edit := append([]Option{pick,
		{Type: OptionString, Name: "include", Description: "Feed: only stories with one of these words (none: all)"},
		{Type: OptionString, Name: "exclude", Description: "Feed: skip stories with any of these words (none: skip none)"},
	}, styleOptions()...)
	edit = append(edit, Option{Type: OptionBoolean, Name: "no_mention", Description: "Stop pinging anyone"})
	// Where posts go, as /subscribe feed|topic place them (a webhook is made only when subscribing).
	edit = append(edit, threadOptions()...)
	return Command{Name: "subscription", Description: "Edit, pause, resume or question one of this server's subscriptions",
		DefaultMemberPermissions: manage, Contexts: server, Private: true, Options: []Option{
			{Type: OptionSubCommand, Name: "edit", Description: "Change filters, mention, look or placement; options left out stay as they are", Options: edit},
			{Type: OptionSubCommand, Name: "pause", Description: "Post nothing until resumed", Options: []Option{pick}},
			{Type: OptionSubCommand, Name: "resume", Description: "Post again; what arrived meanwhile is caught up", Options: []Option{pick}},
			{Type: OptionSubCommand, Name: "why", Description: "Why a story was or was not posted here", Options: []Option{pick,
				{Type: OptionString, Name: "story", Description: "The story's link, or words of its title", Required: true}}},
		}}
}

// editOptions are the options of /subscription edit that change something.
var editOptions = []string{"include", "exclude", "filter", "mention", "mention_user", "mention_filter", "template",
	"color", "thumbnail", "no_mention", "thread", "crosspost"}

// Edit implements /subscription edit: options given replace the subscription's, the others
// stay; each is validated as /subscribe validates it. The placement (thread, crosspost) is
// checked against Discord before the change is stored, and the reply says where posts go.
func (s Subscriptions) Edit(ctx context.Context, req Request) (message.Message, error) {
	changed := false
	for _, o := range editOptions {
		_, ok := req.Options[o]
		changed = changed || ok
	}
	if !changed {
		return message.Message{}, Errorf("Give at least one option to change, e.g. filter, mention or template.")
	}
	var place func(*store.PostStyle)
	_, thread := req.Options["thread"]
	if _, cross := req.Options["crosspost"]; thread || cross {
		found, err := s.Service.Find(ctx, req.GuildID, req.Options["subscription"])
		if err != nil {
			return message.Message{}, refusal(err)
		}
		if place, err = s.editPlacement(ctx, found, req); err != nil {
			return message.Message{}, err
		}
	}
	sub, err := s.Service.Edit(ctx, req.GuildID, req.Options["subscription"], func(sub *store.Subscription) error {
		if err := editSubscription(sub, req); err != nil {
			return err
		}
		if place != nil {
			place(&sub.Style)
		}
		return nil
	})
	if err != nil {
		return message.Message{}, refusal(err)
	}
	return message.Message{Content: message.Truncate("✅ Updated: "+describe(sub, s.Topics)+placeText(sub.Style)+".", message.MaxContent)}, nil
}

// editSubscription applies the options of /subscription edit to sub, validating each.
func editSubscription(sub *store.Subscription, req Request) error {
	if sub.Kind == store.KindDigest {
		return Errorf("Daily briefings have no filters, mentions, templates or threads; only live posts do.")
	}
	if _, ok := req.Options["include"]; ok && sub.Kind == store.KindFeed {
		sub.Include = keywords(noneIsEmpty(req.Options["include"]))
	}
	if _, ok := req.Options["exclude"]; ok && sub.Kind == store.KindFeed {
		sub.Exclude = keywords(noneIsEmpty(req.Options["exclude"]))
	}
	st, err := applyStyle(sub.Style, req)
	if err != nil {
		return err
	}
	sub.Style = st
	return nil
}

// Pause implements /subscription pause.
func (s Subscriptions) Pause(ctx context.Context, req Request) (message.Message, error) {
	return s.SetPaused(ctx, req, true)
}

// Resume implements /subscription resume.
func (s Subscriptions) Resume(ctx context.Context, req Request) (message.Message, error) {
	return s.SetPaused(ctx, req, false)
}

func noneIsEmpty(v string) string {
	if v == clearWord {
		return ""
	}
	return v
}
