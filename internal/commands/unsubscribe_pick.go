package commands

import (
	"context"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// Steps of /unsubscribe without a subscription option: pick one from a menu, then confirm.
const (
	unsubPick    = "pick"
	unsubConfirm = "do"
	unsubCancel  = "cancel"
)

// Unsubscribe implements /unsubscribe: with the subscription option it removes it at once (as
// typed); without it, it offers the server's subscriptions in a menu, asks to confirm the one
// picked, and removes it only on Confirm. Each step is a component the router checks like the
// command (Manage Channels, server only) and that expires with ComponentLifetime.
func (s Subscriptions) Unsubscribe(ctx context.Context, req Request) (message.Message, error) {
	step := ""
	if req.Component {
		step = req.Options["step"]
	}
	switch {
	case step == unsubPick:
		return s.confirmRemoval(ctx, req)
	case step == unsubCancel:
		return message.Message{Content: "Nothing was removed."}, nil
	case step == unsubConfirm, !req.Component && req.Options["subscription"] != "":
		return s.remove(ctx, req)
	}
	return s.removalMenu(ctx, req)
}

func (s Subscriptions) remove(ctx context.Context, req Request) (message.Message, error) {
	sub, err := s.Service.Unsubscribe(ctx, req.GuildID, req.Options["subscription"])
	if err != nil {
		return message.Message{}, refusal(err)
	}
	return message.Message{Content: message.Truncate("✅ Removed: "+describe(sub, s.Topics)+".", message.MaxContent)}, nil
}

// removalMenu lists the server's subscriptions (the first 25) to pick from.
func (s Subscriptions) removalMenu(ctx context.Context, req Request) (message.Message, error) {
	subs, err := s.Service.List(ctx, store.SubscriptionFilter{GuildID: req.GuildID})
	if err != nil {
		return message.Message{}, err
	}
	if len(subs) == 0 {
		return message.Message{Content: "No subscriptions yet. Add one with /subscribe."}, nil
	}
	sel := &message.Select{ID: message.ComponentID("unsubscribe", map[string]string{"step": unsubPick}, s.Now()),
		Placeholder: "Subscription to remove"}
	for _, sub := range subs[:min(len(subs), message.MaxSelectOptions)] {
		sel.Options = append(sel.Options, message.SelectOption{Label: message.Truncate(describe(sub, s.Topics), 100),
			Value: sub.ID, Description: "in #" + message.Truncate(sub.ChannelID, 90)})
	}
	content := "Which subscription should be removed? You will be asked to confirm."
	if len(subs) > message.MaxSelectOptions {
		content += " (The first 25 are listed; `/unsubscribe subscription:` reaches the others.)"
	}
	return message.Message{Content: content, Select: sel}, nil
}

// confirmRemoval asks to confirm removing the picked subscription.
func (s Subscriptions) confirmRemoval(ctx context.Context, req Request) (message.Message, error) {
	id := req.Options[SelectedOption]
	sub, err := s.Service.Find(ctx, req.GuildID, id)
	if err != nil {
		return message.Message{}, refusal(err)
	}
	now := s.Now()
	return message.Message{
		Content: message.Truncate("Remove "+describe(sub, s.Topics)+"? It stops posting at once.", message.MaxContent),
		Buttons: []message.Button{
			{Label: "Remove", ID: message.ComponentID("unsubscribe", map[string]string{"step": unsubConfirm, "subscription": sub.ID}, now)},
			{Label: "Cancel", ID: message.ComponentID("unsubscribe", map[string]string{"step": unsubCancel}, now)},
		},
	}, nil
}
