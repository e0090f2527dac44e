package discord

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestSetAPIBaseMovesEveryEndpoint(t *testing.T) {
	const base = "http://127.0.0.1:9999"
	useAPIBase(t, base)
	want := base + "/api/v" + discordgo.APIVersion + "/"
	endpoints := map[string]string{
		"EndpointAPI":                        discordgo.EndpointAPI,
		"EndpointGuilds":                     discordgo.EndpointGuilds,
		"EndpointChannels":                   discordgo.EndpointChannels,
		"EndpointUsers":                      discordgo.EndpointUsers,
		"EndpointGateway":                    discordgo.EndpointGateway,
		"EndpointGatewayBot":                 discordgo.EndpointGatewayBot,
		"EndpointWebhooks":                   discordgo.EndpointWebhooks,
		"EndpointStickers":                   discordgo.EndpointStickers,
		"EndpointApplications":               discordgo.EndpointApplications,
		"EndpointOAuth2":                     discordgo.EndpointOAuth2,
		"EndpointChannelMessages":            discordgo.EndpointChannelMessages("1"),
		"EndpointInteractionResponse":        discordgo.EndpointInteractionResponse("2", "tok"),
		"EndpointInteractionResponseActions": discordgo.EndpointInteractionResponseActions("3", "tok"),
		"EndpointApplicationGlobalCommands":  discordgo.EndpointApplicationGlobalCommands("3"),
		"EndpointApplicationGuildCommands":   discordgo.EndpointApplicationGuildCommands("3", "4"),
		"EndpointGuildCreate":                discordgo.EndpointGuildCreate,
		"EndpointUser":                       discordgo.EndpointUser("@me"),
		"EndpointOAuth2Application":          discordgo.EndpointOAuth2Application("5"),
	}
	for name, got := range endpoints {
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s = %q, want prefix %q", name, got, want)
		}
	}
	if got := discordgo.EndpointUserAvatar("1", "a"); !strings.HasPrefix(got, base+"/cdn/") {
		t.Errorf("CDN endpoint %q not moved to the fake origin", got)
	}
	if got := discordgo.EndpointInteractionResponseActions("3", "tok"); got != want+"webhooks/3/tok/messages/@original" {
		t.Errorf("@original endpoint = %q", got)
	}
}

func TestSetAPIBaseRejectsRelative(t *testing.T) {
	for _, bad := range []string{"", "discord.com", "/api", "://x"} {
		if err := SetAPIBase(bad); err == nil {
			t.Errorf("SetAPIBase(%q) accepted a non-absolute URL", bad)
		}
	}
	if discordgo.EndpointDiscord != DefaultAPIBase {
		t.Errorf("a rejected base changed EndpointDiscord to %q", discordgo.EndpointDiscord)
	}
}
