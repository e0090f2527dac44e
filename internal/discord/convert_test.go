package discord

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
)

func loadInteraction(t *testing.T, name string) *discordgo.Interaction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(b, &i); err != nil {
		t.Fatalf("unmarshal %s: %v", name, err)
	}
	return &i
}

func TestToRequest(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    commands.Request
	}{
		{
			name:    "guild subcommand with member permissions",
			fixture: "interaction_subcommand.json",
			want: commands.Request{ID: "900000000000000001", Name: "subscribe", Sub: "digest",
				Options: map[string]string{"time": "07:30", "timezone": "Europe/London"},
				GuildID: "700000000000000001", ChannelID: "800000000000000001", UserID: "600000000000000001",
				Permissions: 2147483647, Locale: "en-GB"},
		},
		{
			name:    "DM has no member and zero permissions; numbers and booleans flattened",
			fixture: "interaction_dm.json",
			want: commands.Request{ID: "900000000000000002", Name: "latest",
				Options:   map[string]string{"count": "3", "verbose": "true"},
				ChannelID: "800000000000000002", UserID: "600000000000000002"},
		},
		{
			name:    "autocomplete reports the focused option",
			fixture: "interaction_autocomplete.json",
			want: commands.Request{ID: "900000000000000003", Name: "status", Focused: "topic",
				Options: map[string]string{"topic": "cease"}, GuildID: "700000000000000001",
				ChannelID: "800000000000000001", UserID: "600000000000000003"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ToRequest(loadInteraction(t, tc.fixture))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ToRequest mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestToApplicationCommandsJSON(t *testing.T) {
	perm := commands.PermManageChannels
	one, ten := 1.0, 10.0
	defs := []commands.Command{{
		Name: "subscribe", Description: "Subscribe", DefaultMemberPermissions: &perm,
		Options: []commands.Option{{Type: commands.OptionSubCommand, Name: "feed", Description: "A feed",
			Options: []commands.Option{
				{Type: commands.OptionInteger, Name: "count", Description: "How many", MinValue: &one, MaxValue: &ten,
					Choices: []commands.Choice{{Name: "three", Value: "3"}}},
				{Type: commands.OptionString, Name: "url", Description: "URL", Required: true, Autocomplete: true},
			}}},
	}}
	b, err := json.Marshal(ToApplicationCommands(defs))
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if p := got[0]["default_member_permissions"]; p != "16" {
		t.Errorf("default_member_permissions = %#v, want \"16\"", p)
	}
	sub := got[0]["options"].([]any)[0].(map[string]any)
	count := sub["options"].([]any)[0].(map[string]any)
	wantCount := map[string]any{"type": 4.0, "name": "count", "description": "How many", "min_value": 1.0,
		"max_value": 10.0, "required": false, "autocomplete": false, "channel_types": nil, "options": nil,
		"choices": []any{map[string]any{"name": "three", "value": 3.0}}}
	if diff := cmp.Diff(wantCount, count); diff != "" {
		t.Errorf("integer option JSON (-want +got):\n%s", diff)
	}
}

func TestPayloadJSON(t *testing.T) {
	ts := mustTime(t, "2026-11-25T08:00:00Z")
	tests := []struct {
		name string
		in   message.Message
		want string
	}{
		{
			name: "mentions never parsed, even for @everyone",
			in:   message.Message{Content: "@everyone ceasefire holds"},
			want: `{"content":"@everyone ceasefire holds","embeds":[],"allowed_mentions":{"parse":[]}}`,
		},
		{
			name: "ephemeral is flag 64 and embeds map field by field",
			in: message.Message{Ephemeral: true, Embeds: []message.Embed{{Title: "T", URL: "https://x.test/a",
				Description: "D", Color: 5, Timestamp: ts, Footer: "F", Author: "A", Image: "https://x.test/i.png",
				Fields: []message.Field{{Name: "n", Value: "v", Inline: true}}}}},
			want: `{"content":"","embeds":[{"title":"T","url":"https://x.test/a","description":"D","color":5,` +
				`"timestamp":"2026-11-25T08:00:00Z","fields":[{"name":"n","value":"v","inline":true}],` +
				`"footer":{"text":"F"},"author":{"name":"A"},"image":{"url":"https://x.test/i.png"}}],` +
				`"allowed_mentions":{"parse":[]},"flags":64}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(toPayload(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(b)); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}
