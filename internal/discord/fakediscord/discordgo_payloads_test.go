package fakediscord

import (
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestDiscordgoPayloadsAccepted sends the payload shapes discordgo v0.29.0 produces (with its
// nulls for nil slices and zero values) and checks that the fake, like Discord, accepts them.
func TestDiscordgoPayloadsAccepted(t *testing.T) {
	button := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Read", Style: discordgo.LinkButton, URL: "https://example.com/story"},
		discordgo.Button{Label: "Mute", Style: discordgo.SecondaryButton, CustomID: "mute:ceasefire"},
	}}
	embed := &discordgo.MessageEmbed{Title: "Ceasefire", URL: "https://example.com/a", Description: "d", Color: 0x3366ff,
		Timestamp: "2026-11-25T12:00:00Z", Footer: &discordgo.MessageEmbedFooter{Text: "Herald"},
		Author: &discordgo.MessageEmbedAuthor{Name: "Reuters"}, Thumbnail: &discordgo.MessageEmbedThumbnail{URL: "https://example.com/t.png"},
		Fields: []*discordgo.MessageEmbedField{{Name: "Sources", Value: "3", Inline: true}}}
	min1 := 1.0
	cmds := []*discordgo.ApplicationCommand{{
		Name: "latest", Description: "Latest stories", NameLocalizations: &map[discordgo.Locale]string{discordgo.French: "derniers"},
		Contexts:         &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild},
		IntegrationTypes: &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall},
		NSFW:             ptr(false), DMPermission: ptr(false),
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "count", Description: "How many", MinValue: &min1, MaxValue: 10},
			{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Where", ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText}},
			{Type: discordgo.ApplicationCommandOptionString, Name: "query", Description: "Search", MinLength: ptr(2), MaxLength: 100},
			{Type: discordgo.ApplicationCommandOptionBoolean, Name: "quiet", Description: "Ephemeral"},
		}}, {Name: "Report story", Type: discordgo.MessageApplicationCommand}}

	srv := newServer(t, Options{ChannelLimit: 100})
	dg, got := interactionSession(t, srv)
	respondTo := func(t *testing.T, typ int) *discordgo.Interaction {
		if _, err := srv.InjectInteraction(testCtx(t), Interaction{Type: typ, GuildID: testGuild, ChannelID: testChannel, CommandName: "latest"}); err != nil {
			t.Fatal(err)
		}
		return receive(t, got).Interaction
	}
	tests := []struct {
		name string
		call func(t *testing.T) error
	}{
		{"ChannelMessageSend", func(*testing.T) error { _, err := dg.ChannelMessageSend(testChannel, "x"); return err }},
		{"ChannelMessageSendEmbed", func(*testing.T) error { _, err := dg.ChannelMessageSendEmbed(testChannel, embed); return err }},
		{"complex with components, reply, nil parse", func(*testing.T) error {
			_, err := dg.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{Content: "x", Embeds: []*discordgo.MessageEmbed{embed},
				Components: []discordgo.MessageComponent{button}, AllowedMentions: &discordgo.MessageAllowedMentions{},
				Reference: &discordgo.MessageReference{MessageID: "1", ChannelID: testChannel}, Flags: discordgo.MessageFlagsSuppressNotifications})
			return err
		}},
		{"bulk overwrite with every option kind", func(*testing.T) error {
			_, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), testGuild, cmds)
			return err
		}},
		{"ephemeral embed response, edit, followup", func(t *testing.T) error {
			in := respondTo(t, InteractionApplicationCmd)
			if err := dg.InteractionRespond(in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{embed}, Flags: discordgo.MessageFlagsEphemeral,
					Components: []discordgo.MessageComponent{button}}}); err != nil {
				return err
			}
			embeds := []*discordgo.MessageEmbed{embed}
			if _, err := dg.InteractionResponseEdit(in, &discordgo.WebhookEdit{Embeds: &embeds}); err != nil {
				return err
			}
			m, err := dg.FollowupMessageCreate(in, true, &discordgo.WebhookParams{Embeds: embeds, Flags: discordgo.MessageFlagsEphemeral})
			if err != nil {
				return err
			}
			content := "edited"
			_, err = dg.FollowupMessageEdit(in, m.ID, &discordgo.WebhookEdit{Content: &content})
			return err
		}},
		{"autocomplete with integer choices", func(t *testing.T) error {
			in := respondTo(t, InteractionAutocomplete)
			return dg.InteractionRespond(in, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "five", Value: 5}}}})
		}},
		{"empty autocomplete", func(t *testing.T) error {
			in := respondTo(t, InteractionAutocomplete)
			return dg.InteractionRespond(in, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}})
		}},
		{"component update message", func(t *testing.T) error {
			in := respondTo(t, InteractionMessageComponent)
			return dg.InteractionRespond(in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
				Data: &discordgo.InteractionResponseData{Content: "muted"}})
		}},
		{"component deferred update", func(t *testing.T) error {
			in := respondTo(t, InteractionMessageComponent)
			return dg.InteractionRespond(in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(t); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}
