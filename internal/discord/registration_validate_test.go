package discord

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// TestHeraldDefinitionsAreValid guards every command Herald registers against Discord's rules.
func TestHeraldDefinitionsAreValid(t *testing.T) {
	defs := commands.Definitions()
	if len(defs) == 0 || len(defs) > 100 {
		t.Fatalf("%d commands; Discord allows 1-100 global chat commands", len(defs))
	}
	seen := map[string]bool{}
	for _, d := range defs {
		if seen[d.Name] {
			t.Errorf("command %q defined twice", d.Name)
		}
		seen[d.Name] = true
		if err := ValidateCommand(d); err != nil {
			t.Errorf("ValidateCommand(%q): %v", d.Name, err)
		}
	}
}

func TestValidateCommandRejects(t *testing.T) {
	opt := func(name string) commands.Option {
		return commands.Option{Type: commands.OptionString, Name: name, Description: "d"}
	}
	many := func(n int) []commands.Option {
		var out []commands.Option
		for i := 0; i < n; i++ {
			out = append(out, opt("o"+strings.Repeat("x", i%30)+string(rune('a'+i%26))))
		}
		return out
	}
	choices := func(n int) []commands.Choice {
		var out []commands.Choice
		for i := 0; i < n; i++ {
			out = append(out, commands.Choice{Name: "c", Value: "v"})
		}
		return out
	}
	long := strings.Repeat("d", 100)
	var huge []commands.Option
	for i := 0; i < 25; i++ {
		sub := commands.Option{Type: commands.OptionSubCommand, Name: "s" + string(rune('a'+i)), Description: long}
		for j := 0; j < 4; j++ {
			sub.Options = append(sub.Options, commands.Option{Type: commands.OptionString,
				Name: "o" + string(rune('a'+j)), Description: long})
		}
		huge = append(huge, sub)
	}
	tests := []struct {
		name string
		cmd  commands.Command
		want string
	}{
		{"uppercase name", commands.Command{Name: "Latest", Description: "d"}, "lowercase"},
		{"space in name", commands.Command{Name: "two words", Description: "d"}, "must match"},
		{"name over 32", commands.Command{Name: strings.Repeat("a", 33), Description: "d"}, "must match"},
		{"empty description", commands.Command{Name: "x"}, "description"},
		{"description over 100", commands.Command{Name: "x", Description: long + "d"}, "description"},
		{"26 options", commands.Command{Name: "x", Description: "d", Options: many(26)}, "26 options"},
		{"26 choices", commands.Command{Name: "x", Description: "d", Options: []commands.Option{
			{Type: commands.OptionString, Name: "o", Description: "d", Choices: choices(26)}}}, "26 choices"},
		{"over 8000 characters", commands.Command{Name: "x", Description: "d", Options: huge}, "limit 8000"},
		{"required after optional", commands.Command{Name: "x", Description: "d", Options: []commands.Option{
			opt("a"), {Type: commands.OptionString, Name: "b", Description: "d", Required: true}}}, "required options"},
		{"bad option name", commands.Command{Name: "x", Description: "d", Options: []commands.Option{opt("no!")}}, "must match"},
		{"unknown locale", commands.Command{Name: "x", Description: "d", DescriptionLocalizations: map[string]string{"de-DE": "x"}}, "not one of Discord's locales"},
		{"empty localised description", commands.Command{Name: "x", Description: "d", DescriptionLocalizations: map[string]string{"de": ""}}, "1-100"},
		{"option localised over 100", commands.Command{Name: "x", Description: "d", Options: []commands.Option{
			{Type: commands.OptionString, Name: "o", Description: "d", DescriptionLocalizations: map[string]string{"de": long + "d"}}}}, "1-100"},
		{"choice unknown locale", commands.Command{Name: "x", Description: "d", Options: []commands.Option{
			{Type: commands.OptionString, Name: "o", Description: "d", Choices: []commands.Choice{{Name: "c", Value: "v", NameLocalizations: map[string]string{"xx": "c"}}}}}}, "not one of Discord's locales"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateCommand(tc.cmd)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ValidateCommand = %v, want error containing %q", err, tc.want)
			}
		})
	}
	if err := ValidateCommand(commands.Command{Name: "héraut-日本", Description: "unicode names are fine"}); err != nil {
		t.Errorf("unicode lowercase name rejected: %v", err)
	}
}

// Herald's list of Discord's locales is the one Discord's OpenAPI description gives.
func TestLocalesAreDiscords(t *testing.T) {
	want, err := fakediscord.Locales()
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(Locales()))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Locales (-discord +herald):\n%s", diff)
	}
}
