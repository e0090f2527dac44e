package fakediscord

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const testGuild = "1300000000000000001"

func heraldCommands() []*discordgo.ApplicationCommand {
	manage := int64(discordgo.PermissionManageChannels)
	return []*discordgo.ApplicationCommand{
		{Name: "brief", Description: "Post a briefing now", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "topic", Description: "Topic to brief", Autocomplete: true},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "hours", Description: "Look-back window",
				Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "6 hours", Value: 6}, {Name: "24 hours", Value: 24}}},
		}},
		{Name: "subscribe", Description: "Subscribe this channel", DefaultMemberPermissions: &manage, Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "topic", Description: "A topic", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "name", Description: "Topic name", Required: true},
			}},
		}},
	}
}

func TestBulkOverwriteRoundTripsThroughDiscordgo(t *testing.T) {
	for _, guild := range []string{testGuild, ""} {
		t.Run("guild="+guild, func(t *testing.T) {
			srv := newServer(t, Options{})
			dg := newSession(t, srv)
			put, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), guild, heraldCommands())
			if err != nil {
				t.Fatalf("bulk overwrite: %v", err)
			}
			got, err := dg.ApplicationCommands(srv.AppID(), guild)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if diff := cmp.Diff(put, got); diff != "" {
				t.Errorf("GET differs from PUT response (-put +get):\n%s", diff)
			}
			for _, c := range got {
				if c.ID == "" || c.ApplicationID != srv.AppID() || c.GuildID != guild || c.Version == "" {
					t.Errorf("command %s: id %q app %q guild %q version %q", c.Name, c.ID, c.ApplicationID, c.GuildID, c.Version)
				}
			}
			if got[1].DefaultMemberPermissions == nil || *got[1].DefaultMemberPermissions != discordgo.PermissionManageChannels {
				t.Errorf("default_member_permissions = %v, want %d", got[1].DefaultMemberPermissions, discordgo.PermissionManageChannels)
			}
			stored := srv.Commands(guild)
			want := []Command{
				{Type: 1, Name: "brief", Description: "Post a briefing now", IntegrationTypes: []int{0}, Options: []CommandOption{
					{Type: 3, Name: "topic", Description: "Topic to brief", Autocomplete: true},
					{Type: 4, Name: "hours", Description: "Look-back window", Choices: []CommandChoice{{Name: "6 hours", Value: float64(6)}, {Name: "24 hours", Value: float64(24)}}},
				}},
				{Type: 1, Name: "subscribe", Description: "Subscribe this channel", DefaultMemberPermissions: ptr("16"), IntegrationTypes: []int{0}, Options: []CommandOption{
					{Type: 1, Name: "topic", Description: "A topic", Options: []CommandOption{{Type: 3, Name: "name", Description: "Topic name", Required: true}}},
				}},
			}
			if diff := cmp.Diff(want, stored, cmpopts.IgnoreFields(Command{}, "ID", "ApplicationID", "GuildID", "Version")); diff != "" {
				t.Errorf("Commands(%q) (-want +got):\n%s", guild, diff)
			}
			// A second overwrite keeps ids of commands that still exist.
			again, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), guild, heraldCommands()[:1])
			if err != nil {
				t.Fatal(err)
			}
			if len(again) != 1 || again[0].ID != put[0].ID {
				t.Errorf("re-put = %+v, want brief with id %s", again, put[0].ID)
			}
			if srv.PutCount() != 2 || len(srv.Commands(guild)) != 1 {
				t.Errorf("PutCount %d, commands %d; want 2 and 1", srv.PutCount(), len(srv.Commands(guild)))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestBulkOverwriteRejectsInvalidCommands(t *testing.T) {
	long := strings.Repeat("x", 101)
	opts := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"type":3,"name":"o` + strings.Repeat("o", i%20) + string(rune('a'+i%26)) + `","description":"d"}`)
		}
		return b.String()
	}
	bigChoices := func(n, size int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"name":"` + strings.Repeat("c", 100) + `","value":"` + strings.Repeat(string(rune('a'+i%26)), size) + `"}`)
		}
		return b.String()
	}
	tests := []struct {
		name, body string
		wantStatus int
		wantCode   int
	}{
		{"valid string permissions", `[{"name":"brief","description":"d","default_member_permissions":"16"}]`, 200, 0},
		{"valid integer permissions", `[{"name":"brief","description":"d","default_member_permissions":16}]`, 200, 0},
		{"non-numeric permissions", `[{"name":"brief","description":"d","default_member_permissions":"manage"}]`, 400, CodeInvalidFormBody},
		{"uppercase name", `[{"name":"Brief","description":"d"}]`, 400, CodeInvalidFormBody},
		{"space in name", `[{"name":"my brief","description":"d"}]`, 400, CodeInvalidFormBody},
		{"name 33", `[{"name":"` + strings.Repeat("a", 33) + `","description":"d"}]`, 400, CodeInvalidFormBody},
		{"unicode name", `[{"name":"résumé","description":"d"}]`, 200, 0},
		{"no description", `[{"name":"brief"}]`, 400, CodeInvalidFormBody},
		{"description 101", `[{"name":"brief","description":"` + long + `"}]`, 400, CodeInvalidFormBody},
		{"user command has no description", `[{"name":"Report Story","type":2}]`, 200, 0},
		{"duplicate", `[{"name":"brief","description":"d"},{"name":"brief","description":"e"}]`, 400, CodeInvalidFormBody},
		{"25 options", `[{"name":"brief","description":"d","options":[` + opts(25) + `]}]`, 200, 0},
		{"26 options", `[{"name":"brief","description":"d","options":[` + opts(26) + `]}]`, 400, CodeInvalidFormBody},
		{"26 choices", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","choices":[` + bigChoices(26, 1) + `]}]}]`, 400, CodeInvalidFormBody},
		{"over 8000 characters", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","choices":[` + bigChoices(25, 300) + `]}]}]`, 400, CodeInvalidFormBody},
		{"autocomplete with choices", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","autocomplete":true,"choices":[` + bigChoices(1, 1) + `]}]}]`, 400, CodeInvalidFormBody},
		{"not an array", `{"name":"brief"}`, 400, CodeInvalidFormBody},
		{"german description", `[{"name":"brief","description":"d","description_localizations":{"de":"Kurz"}}]`, 200, 0},
		{"unknown locale", `[{"name":"brief","description":"d","description_localizations":{"german":"Kurz"}}]`, 400, CodeInvalidFormBody},
		{"regional german is no discord locale", `[{"name":"brief","description":"d","description_localizations":{"de-DE":"Kurz"}}]`, 400, CodeInvalidFormBody},
		{"empty localised description", `[{"name":"brief","description":"d","description_localizations":{"de":""}}]`, 400, CodeInvalidFormBody},
		{"localised description 101", `[{"name":"brief","description":"d","description_localizations":{"de":"` + long + `"}}]`, 400, CodeInvalidFormBody},
		{"option localised", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","description_localizations":{"fr":"Le sujet"}}]}]`, 200, 0},
		{"option unknown locale", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","description_localizations":{"xx":"x"}}]}]`, 400, CodeInvalidFormBody},
		{"subcommand option unknown locale", `[{"name":"brief","description":"d","options":[{"type":1,"name":"s","description":"d","options":[{"type":3,"name":"x","description":"d","description_localizations":{"klingon":"x"}}]}]}]`, 400, CodeInvalidFormBody},
		{"choice name localised", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","choices":[{"name":"a","value":"a","name_localizations":{"de":"` + strings.Repeat("ä", 100) + `"}}]}]}]`, 200, 0},
		{"choice unknown locale", `[{"name":"brief","description":"d","options":[{"type":3,"name":"t","description":"d","choices":[{"name":"a","value":"a","name_localizations":{"deutsch":"A"}}]}]}]`, 400, CodeInvalidFormBody},
		{"localised name 33", `[{"name":"brief","description":"d","name_localizations":{"de":"` + strings.Repeat("a", 33) + `"}}]`, 400, CodeInvalidFormBody},
		{"101 global", "[" + strings.TrimSuffix(strings.Repeat(`{"name":"NAME","description":"d"},`, 101), ",") + "]", 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, Options{})
			body := tt.body
			if strings.Contains(body, "NAME") {
				body = numberNames(body)
			}
			status, resp := rawDo(t, srv, "PUT", "/api/v9/applications/"+srv.AppID()+"/commands", body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, resp)
			}
			if tt.wantCode != 0 && !strings.Contains(string(resp), `"code":50035`) {
				t.Errorf("body %s, want code %d", resp, tt.wantCode)
			}
			if status != http.StatusOK && srv.PutCount() != 0 {
				t.Error("rejected PUT was counted")
			}
		})
	}
}

// numberNames replaces each NAME with a distinct valid name.
func numberNames(s string) string {
	for i := 0; strings.Contains(s, "NAME"); i++ {
		s = strings.Replace(s, "NAME", "cmd"+strings.Repeat("x", i/26)+string(rune('a'+i%26)), 1)
	}
	return s
}

func TestCommandsWrongApplication(t *testing.T) {
	srv := newServer(t, Options{})
	status, _ := rawDo(t, srv, "PUT", "/api/v9/applications/42/commands", `[]`)
	if status != http.StatusForbidden {
		t.Errorf("status %d, want 403", status)
	}
}
