package fakediscord

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
)

func TestForumPostsAreThreads(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	srv.SetChannelType("forum", ChannelForum)
	_, err := dg.ChannelMessageSendComplex("forum", &discordgo.MessageSend{Content: "x", AllowedMentions: noMentions()})
	if status, code := restCode(t, err); status != 400 || code != CodeNonTextChannel {
		t.Errorf("plain message to a forum: %d/%d, want 400/%d", status, code, CodeNonTextChannel)
	}
	th, err := dg.ForumThreadStartComplex("forum", &discordgo.ThreadStart{Name: "Ceasefire holds"},
		&discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "Ceasefire holds"}}, AllowedMentions: noMentions()})
	if err != nil {
		t.Fatalf("forum post: %v", err)
	}
	if th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != "forum" || th.Name != "Ceasefire holds" {
		t.Errorf("thread %+v", th)
	}
	msgs := srv.Messages(th.ID)
	if len(msgs) != 1 || msgs[0].ID != th.ID || msgs[0].Embeds[0].Title != "Ceasefire holds" {
		t.Errorf("forum post messages %+v, want the first message with the thread's id", msgs)
	}
	_, err = dg.ForumThreadStartComplex("forum", &discordgo.ThreadStart{Name: ""}, &discordgo.MessageSend{Content: "x"})
	if status, code := restCode(t, err); status != 400 || code != CodeInvalidFormBody {
		t.Errorf("forum post without a name: %d/%d, want 400/50035 from the OpenAPI schema", status, code)
	}
}

func TestThreadFromMessageOnce(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	m, err := dg.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Content: "story", AllowedMentions: noMentions()})
	if err != nil {
		t.Fatal(err)
	}
	th, err := dg.MessageThreadStartComplex("c1", m.ID, &discordgo.ThreadStart{Name: "Story", AutoArchiveDuration: 1440})
	if err != nil {
		t.Fatalf("thread from message: %v", err)
	}
	if th.ID != m.ID || th.ParentID != "c1" {
		t.Errorf("thread %+v: want id %s under c1", th, m.ID)
	}
	if _, err := dg.ChannelMessageSendComplex(th.ID, &discordgo.MessageSend{Content: "in thread", AllowedMentions: noMentions()}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(th.ID); len(got) != 1 || got[0].Content != "in thread" {
		t.Errorf("thread messages %+v", got)
	}
	_, err = dg.MessageThreadStartComplex("c1", m.ID, &discordgo.ThreadStart{Name: "Again"})
	if status, code := restCode(t, err); status != 400 || code != 160004 {
		t.Errorf("second thread: %d/%d, want 400/160004", status, code)
	}
	_, err = dg.MessageThreadStartComplex("c1", "404", &discordgo.ThreadStart{Name: "x"})
	if status, code := restCode(t, err); status != 404 || code != CodeUnknownMessage {
		t.Errorf("thread of an unknown message: %d/%d", status, code)
	}
}

func TestWebhookCreateExecuteDelete(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	if _, err := dg.WebhookCreate("c1", "Discord News", ""); err == nil {
		t.Error("a webhook named Discord… was accepted")
	}
	wh, err := dg.WebhookCreate("c1", "Herald", "")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	hooks, err := dg.ChannelWebhooks("c1")
	if err != nil || len(hooks) != 1 || hooks[0].ID != wh.ID {
		t.Fatalf("list = %+v, %v", hooks, err)
	}
	m, err := dg.WebhookExecute(wh.ID, wh.Token, true, &discordgo.WebhookParams{Content: "hello <@&1>",
		Username: "Reuters via Herald", AvatarURL: "https://a.test/r.png", AllowedMentions: noMentions()})
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	got := srv.Messages("c1")
	if len(got) != 1 || got[0].ID != m.ID || got[0].WebhookID != wh.ID || got[0].Username != "Reuters via Herald" ||
		got[0].AvatarURL != "https://a.test/r.png" || !got[0].Pings().None() {
		t.Errorf("executed message %+v", got)
	}
	if _, err := dg.WebhookExecute(wh.ID, "wrong", true, &discordgo.WebhookParams{Content: "x"}); err == nil {
		t.Error("a wrong token was accepted")
	}
	srv.DeleteWebhook(wh.ID)
	_, err = dg.WebhookExecute(wh.ID, wh.Token, true, &discordgo.WebhookParams{Content: "x", AllowedMentions: noMentions()})
	if status, code := restCode(t, err); status != 404 || code != CodeUnknownWebhook {
		t.Errorf("deleted webhook: %d/%d, want 404/%d", status, code, CodeUnknownWebhook)
	}
}

func TestWebhookInForumNeedsThread(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	srv.SetChannelType("forum", ChannelForum)
	wh, err := dg.WebhookCreate("forum", "Herald", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = dg.WebhookExecute(wh.ID, wh.Token, true, &discordgo.WebhookParams{Content: "x", AllowedMentions: noMentions()})
	if status, code := restCode(t, err); status != 400 || code != 220001 {
		t.Errorf("forum webhook without a thread: %d/%d, want 400/220001", status, code)
	}
	m, err := dg.WebhookExecute(wh.ID, wh.Token, true, &discordgo.WebhookParams{Content: "story", ThreadName: "Story title", AllowedMentions: noMentions()})
	if err != nil {
		t.Fatalf("forum post by webhook: %v", err)
	}
	ths := srv.Threads("forum")
	if len(ths) != 1 || ths[0].Name != "Story title" || ths[0].ID != m.ChannelID {
		t.Errorf("threads %+v, message in %s", ths, m.ChannelID)
	}
	if _, err := dg.WebhookThreadExecute(wh.ID, wh.Token, true, ths[0].ID, &discordgo.WebhookParams{Content: "update", AllowedMentions: noMentions()}); err != nil {
		t.Fatalf("post into the thread: %v", err)
	}
	if n := len(srv.Messages(ths[0].ID)); n != 2 {
		t.Errorf("%d messages in the forum post, want 2", n)
	}
}

func TestCrosspost(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	srv.SetChannelType("news", ChannelAnnouncement)
	m, err := dg.ChannelMessageSendComplex("news", &discordgo.MessageSend{Content: "story", AllowedMentions: noMentions()})
	if err != nil {
		t.Fatal(err)
	}
	out, err := dg.ChannelMessageCrosspost("news", m.ID)
	if err != nil || out.Flags&discordgo.MessageFlagsCrossPosted == 0 {
		t.Fatalf("crosspost = %+v, %v", out, err)
	}
	_, err = dg.ChannelMessageCrosspost("news", m.ID)
	if status, code := restCode(t, err); status != 400 || code != CodeAlreadyCrossposted {
		t.Errorf("second crosspost: %d/%d", status, code)
	}
	txt, _ := dg.ChannelMessageSendComplex("c1", &discordgo.MessageSend{Content: "story", AllowedMentions: noMentions()})
	_, err = dg.ChannelMessageCrosspost("c1", txt.ID)
	if status, code := restCode(t, err); status != 400 || code != CodeWrongChannelType {
		t.Errorf("crosspost in a text channel: %d/%d", status, code)
	}
}

// A button on a channel message: the component interaction carries that message, and an
// UPDATE_MESSAGE callback edits it.
func TestComponentInteractionUpdatesItsMessage(t *testing.T) {
	srv := newServer(t, Options{})
	dg, got := interactionSession(t, srv)
	m, err := dg.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{Content: "page 1", AllowedMentions: noMentions(),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Older", Style: discordgo.SecondaryButton, CustomID: "latest:older:1"}}}}})
	if err != nil {
		t.Fatalf("send with a button: %v", err)
	}
	p, err := srv.InjectInteraction(testCtx(t), Interaction{Type: InteractionMessageComponent, GuildID: testGuild,
		ChannelID: testChannel, CustomID: "latest:older:1", MessageID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	ic := receive(t, got)
	if ic.Message == nil || ic.Message.ID != m.ID || len(ic.Message.Components) != 1 || ic.MessageComponentData().CustomID != "latest:older:1" {
		t.Fatalf("component interaction %+v", ic.Interaction)
	}
	if err := dg.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: "page 2", AllowedMentions: noMentions()}}); err != nil {
		t.Fatalf("update message: %v", err)
	}
	if _, err := p.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	after, _ := srv.Message(testChannel, m.ID)
	if diff := cmp.Diff([]any{"page 2", 1}, []any{after.Content, after.Edits}); diff != "" {
		t.Errorf("message after UPDATE_MESSAGE (-want +got):\n%s", diff)
	}
}
