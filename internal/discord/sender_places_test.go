package discord

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
)

func story(title string) message.Message {
	return message.WithMention(message.Message{Embeds: []message.Embed{{Title: title, Description: "Details."}}},
		message.Mention{RoleID: "112233445566778899"})
}

// Forum posts, threads, crossposts and webhook posts go through the Sender to the fake, which
// validates each body against Discord's OpenAPI description.
func TestSenderPlaces(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, fakediscord.Options{})
	s := fakeSender(t, f, SenderOptions{})
	ctx := context.Background()
	f.SetChannelType("forum", fakediscord.ChannelForum)
	f.SetChannelType("news", fakediscord.ChannelAnnouncement)

	if typ, err := s.ChannelType(ctx, "forum"); err != nil || typ != fakediscord.ChannelForum {
		t.Errorf("ChannelType(forum) = %d, %v", typ, err)
	}
	long := "Ceasefire holds as talks resume in Cairo, officials say, with more details expected later today from both delegations"
	thread, err := s.PostForum(ctx, "forum", long, story("Ceasefire holds"))
	if err != nil {
		t.Fatalf("PostForum: %v", err)
	}
	ths := f.Threads("forum")
	if len(ths) != 1 || ths[0].ID != thread || len([]rune(ths[0].Name)) > 100 {
		t.Errorf("forum threads %+v, want one named within 100 characters with id %s", ths, thread)
	}
	if msgs := f.Messages(thread); len(msgs) != 1 || msgs[0].Embeds[0].Title != "Ceasefire holds" {
		t.Errorf("forum post messages %+v", msgs)
	}

	id, err := s.Send(ctx, "news", story("Truce"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartThread(ctx, "news", id, "Truce"); err != nil {
		t.Errorf("StartThread: %v", err)
	}
	if err := s.Crosspost(ctx, "news", id); err != nil {
		t.Errorf("Crosspost: %v", err)
	}
	if m, _ := f.Message("news", id); !m.Crossposted {
		t.Errorf("message not crossposted")
	}
	if ths := f.Threads("news"); len(ths) != 1 || ths[0].ID != id || ths[0].Type != fakediscord.ChannelAnnThread {
		t.Errorf("threads of news %+v", ths)
	}
}

func TestSenderWebhookPostAndGone(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, fakediscord.Options{})
	s := fakeSender(t, f, SenderOptions{})
	ctx := context.Background()
	wh, err := s.CreateWebhook(ctx, "c1", "Herald")
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	id, err := s.SendWebhook(ctx, "c1", wh, Identity{Username: "Reuters via Herald", AvatarURL: "https://a.test/r.png"}, "", story("Truce"))
	if err != nil {
		t.Fatalf("SendWebhook: %v", err)
	}
	msgs := f.Messages("c1")
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Username != "Reuters via Herald" || msgs[0].WebhookID != wh.ID {
		t.Fatalf("webhook messages %+v", msgs)
	}
	if p := msgs[0].Pings(); len(p.Roles) != 1 || p.Everyone {
		t.Errorf("webhook post pings %+v, want the one role", p)
	}
	f.DeleteWebhook(wh.ID)
	_, err = s.SendWebhook(ctx, "c1", wh, Identity{}, "", story("Again"))
	if !errors.Is(err, ErrWebhookGone) {
		t.Fatalf("after deletion: %v, want ErrWebhookGone", err)
	}
	if _, err := s.Send(ctx, "c1", story("Bot post"), ""); err != nil {
		t.Errorf("a deleted webhook must not make the channel gone: %v", err)
	}
}
