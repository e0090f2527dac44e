package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldbot/herald/internal/discord"
)

// TestExplainDiscordError is issue 11 item 8: a DNS failure at start was reported as
// "connecting to the gateway (check DISCORD_TOKEN)". The token is named only when Discord
// rejected it.
func TestExplainDiscordError(t *testing.T) {
	_, dnsErr := net.DefaultResolver.LookupHost(context.Background(), "herald-test.invalid")
	if dnsErr == nil {
		t.Fatal("herald-test.invalid resolved")
	}
	rest := func(code int) error {
		return &discordgo.RESTError{Response: &http.Response{StatusCode: code}, ResponseBody: []byte(`{}`)}
	}
	for _, tc := range []struct {
		name      string
		err       error
		want      string
		wantNoTok bool
	}{
		{"dns failure", fmt.Errorf("get gateway: %w", dnsErr), "could not be reached (check the network, DNS and DISCORD_API_URL)", true},
		{"bad token on the gateway", fmt.Errorf("open: %w", discord.ErrUnauthorized), "Discord rejected the token (check DISCORD_TOKEN)", false},
		{"bad token over REST", rest(http.StatusUnauthorized), "Discord rejected the token (check DISCORD_TOKEN)", false},
		{"wrong application", rest(http.StatusForbidden), "check DISCORD_APP_ID", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := explainDiscordError("connecting to the gateway", "https://discord.com", tc.err).Error()
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
			if tc.wantNoTok && strings.Contains(got, "DISCORD_TOKEN") {
				t.Errorf("got %q: a network failure blamed on DISCORD_TOKEN", got)
			}
		})
	}
}
