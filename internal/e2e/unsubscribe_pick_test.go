package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

const pickChannel = "930000000000000041"

// componentIDs lists the custom_ids of a message's components (buttons and menus), in order,
// and the values a menu offers.
func componentIDs(m fakediscord.Message) (ids, values []string) {
	for _, row := range m.Components {
		r, _ := row.(map[string]any)
		cs, _ := r["components"].([]any)
		for _, c := range cs {
			comp, _ := c.(map[string]any)
			id, _ := comp["custom_id"].(string)
			ids = append(ids, id)
			opts, _ := comp["options"].([]any)
			for _, o := range opts {
				v, _ := o.(map[string]any)["value"].(string)
				values = append(values, v)
			}
		}
	}
	return ids, values
}

// press sends a component interaction on msg and returns the message after Herald's answer,
// which must update it (type 7).
func press(t *testing.T, fake *fakediscord.Server, msg fakediscord.Message, in fakediscord.Interaction) fakediscord.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
	defer cancel()
	in.Type, in.GuildID, in.ChannelID, in.MessageID, in.Permissions = fakediscord.InteractionMessageComponent, wiringGuild, pickChannel, msg.ID, permManageChannels
	p, err := fake.InjectInteraction(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Wait(ctx)
	if err != nil || resp.Type != 7 {
		t.Fatalf("component %s answered type %d (%s), %v; want 7", in.CustomID, resp.Type, resp.Data, err)
	}
	after, _ := fake.Message(pickChannel, msg.ID)
	return after
}

// TestUnsubscribePickAndConfirmThroughGateway: /unsubscribe without an option offers the
// server's subscriptions in a menu; picking one asks to confirm; Remove removes it. A member
// without Manage Channels pressing the same button is refused, as the command would be.
func TestUnsubscribePickAndConfirmThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Pick Outlet")
	fs.add(1)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 0)
	subscribe(t, fake, wiringGuild, pickChannel, "topic", []fakediscord.Option{{Name: "topic", Type: 3, Value: "ceasefire"}}, "posted here")

	menu := ask(t, fake, command{channel: pickChannel, permissions: permManageChannels, name: "unsubscribe"})
	ids, values := componentIDs(menu.msg)
	if len(ids) != 1 || len(values) != 1 {
		t.Fatalf("/unsubscribe menu: ids %v values %v (%q)", ids, values, menu.msg.Content)
	}
	confirm := press(t, fake, menu.msg, fakediscord.Interaction{CustomID: ids[0], ComponentType: 3, Values: values})
	buttons, _ := componentIDs(confirm)
	if !strings.HasPrefix(confirm.Content, "Remove live posts on") || len(buttons) != 2 {
		t.Fatalf("confirmation %q with %v", confirm.Content, buttons)
	}

	ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
	defer cancel()
	p, err := fake.InjectInteraction(ctx, fakediscord.Interaction{Type: fakediscord.InteractionMessageComponent, GuildID: wiringGuild,
		ChannelID: pickChannel, MessageID: confirm.ID, CustomID: buttons[0], Permissions: "0"})
	if err != nil {
		t.Fatal(err)
	}
	refused := awaitAnswer(ctx, t, "Remove without Manage Channels", p)
	if !strings.Contains(refused.msg.Content, "Manage Channels") {
		t.Errorf("a member without Manage Channels: %q", refused.msg.Content)
	}

	done := press(t, fake, confirm, fakediscord.Interaction{CustomID: buttons[0]})
	if !strings.HasPrefix(done.Content, "✅ Removed: live posts on") {
		t.Fatalf("after Remove: %q", done.Content)
	}
	list := ask(t, fake, command{channel: pickChannel, permissions: permManageChannels, name: "subscriptions"})
	if !strings.Contains(list.msg.Content, "No subscriptions yet") {
		t.Errorf("/subscriptions after removal: %q", list.msg.Content)
	}
}
