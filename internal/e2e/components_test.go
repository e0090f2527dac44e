package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

const pagesChannel = "930000000000000031"

// buttonIDs lists the custom_ids of a message's buttons, in order.
func buttonIDs(m fakediscord.Message) []string {
	var out []string
	for _, row := range m.Components {
		r, _ := row.(map[string]any)
		cs, _ := r["components"].([]any)
		for _, c := range cs {
			if b, ok := c.(map[string]any); ok {
				id, _ := b["custom_id"].(string)
				out = append(out, id)
			}
		}
	}
	return out
}

// TestLatestPagesThroughGateway: /latest answers with newer/older buttons; pressing Older
// over the gateway replaces the message with the next page (UPDATE_MESSAGE), which the fake
// validates against Discord's OpenAPI description like every callback.
func TestLatestPagesThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Pages Outlet")
	links := fs.add(6)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 6)

	first := ask(t, fake, command{channel: pagesChannel, name: "latest",
		options: []fakediscord.Option{{Name: "count", Type: 4, Value: 3}}})
	ids := buttonIDs(first.msg)
	if len(ids) != 2 {
		t.Fatalf("/latest buttons %v, want newer and older", ids)
	}
	if got, want := embedURLs(first.msg), newestFirst(links, 3); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("first page %v, want %v", got, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
	defer cancel()
	p, err := fake.InjectInteraction(ctx, fakediscord.Interaction{Type: fakediscord.InteractionMessageComponent,
		GuildID: wiringGuild, ChannelID: pagesChannel, CustomID: ids[1], MessageID: first.msg.ID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("the button press was not answered: %v", err)
	}
	if resp.Type != 7 {
		t.Fatalf("button answered with type %d (%s), want 7 UPDATE_MESSAGE", resp.Type, resp.Data)
	}
	page, ok := fake.Message(pagesChannel, first.msg.ID)
	if !ok || page.Edits != 1 {
		t.Fatalf("the /latest message was not updated: %+v", page)
	}
	if got, want := embedURLs(page), newestFirst(links, 6)[3:]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("second page %v, want %v", got, want)
	}
	if !strings.Contains(page.Content, "from the 4th newest") {
		t.Errorf("second page header %q", page.Content)
	}
}
