package discord

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldbot/herald/internal/commands"
)

// Registration is what SyncCommands found or did: whether it overwrote Discord's commands,
// and the registered commands' IDs by name, which clickable command mentions need.
type Registration struct {
	Changed bool
	IDs     map[string]string
}

// SyncCommands makes Discord's registered commands equal defs. It reads the current set and
// bulk-overwrites only when they differ semantically, so a restart with the same definitions
// sends no PUT (global registrations take up to an hour to propagate, and each PUT counts
// against a daily creation limit). Commands are global unless guildID is set. The IDs come
// from the overwrite's answer, or from the list when nothing changed.
func SyncCommands(ctx context.Context, s *discordgo.Session, appID, guildID string, defs []commands.Command) (Registration, error) {
	if appID == "" {
		return Registration{}, fmt.Errorf("discord: sync commands: application ID unknown")
	}
	for _, d := range defs {
		if err := ValidateCommand(d); err != nil {
			return Registration{}, err
		}
	}
	want := ToApplicationCommands(defs)
	have, err := s.ApplicationCommands(appID, guildID, discordgo.WithContext(ctx))
	if err != nil {
		return Registration{}, fmt.Errorf("discord: list commands: %w", err)
	}
	// The normalised forms hold only plain values: reflect.DeepEqual is enough, and keeps a
	// test library out of the binary.
	if reflect.DeepEqual(normalizeCommands(have), normalizeCommands(want)) {
		return Registration{IDs: commandIDs(have)}, nil
	}
	put, err := s.ApplicationCommandBulkOverwrite(appID, guildID, want, discordgo.WithContext(ctx))
	if err != nil {
		return Registration{}, fmt.Errorf("discord: overwrite commands: %w", err)
	}
	return Registration{Changed: true, IDs: commandIDs(put)}, nil
}

// CommandIDs reads the registered commands' IDs by name without changing them: shards other
// than 0, which do not register, still write clickable command mentions.
func CommandIDs(ctx context.Context, s *discordgo.Session, appID, guildID string) (map[string]string, error) {
	have, err := s.ApplicationCommands(appID, guildID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord: list commands: %w", err)
	}
	return commandIDs(have), nil
}

// commandIDs maps the slash commands among cs to their IDs.
func commandIDs(cs []*discordgo.ApplicationCommand) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		if c != nil && c.ID != "" && (c.Type == 0 || c.Type == discordgo.ChatApplicationCommand) {
			out[c.Name] = c.ID
		}
	}
	return out
}

// normCommand is the part of a command Herald controls, in a comparable form: Discord echoes
// back server-set fields (id, version, …) and omits false/empty ones. Contexts and
// integration types are Herald's: a change of either must be registered.
type normCommand struct {
	Name, Description string
	Permissions       string
	Contexts          string
	IntegrationTypes  string
	Localizations     string
	Options           []normOption
}

type normOption struct {
	Type                   int
	Name, Description      string
	Required, Autocomplete bool
	Min, Max               string
	Localizations          string
	Choices                []string
	Options                []normOption
}

func normalizeCommands(cs []*discordgo.ApplicationCommand) map[string]normCommand {
	out := map[string]normCommand{}
	for _, c := range cs {
		if c == nil || (c.Type != 0 && c.Type != discordgo.ChatApplicationCommand) {
			continue
		}
		n := normCommand{Name: c.Name, Description: c.Description, Options: normalizeOptions(c.Options)}
		if c.DefaultMemberPermissions != nil {
			n.Permissions = strconv.FormatInt(*c.DefaultMemberPermissions, 10)
		}
		if c.Contexts != nil {
			n.Contexts = fmt.Sprint(*c.Contexts)
		}
		if c.IntegrationTypes != nil {
			n.IntegrationTypes = fmt.Sprint(*c.IntegrationTypes)
		}
		if c.DescriptionLocalizations != nil && len(*c.DescriptionLocalizations) > 0 {
			n.Localizations = fmt.Sprint(*c.DescriptionLocalizations) // fmt sorts map keys
		}
		out[c.Name] = n
	}
	return out
}

func normalizeOptions(os []*discordgo.ApplicationCommandOption) []normOption {
	var out []normOption
	for _, o := range os {
		if o == nil {
			continue
		}
		n := normOption{Type: int(o.Type), Name: o.Name, Description: o.Description, Required: o.Required,
			Autocomplete: o.Autocomplete, Options: normalizeOptions(o.Options)}
		if o.MinValue != nil {
			n.Min = strconv.FormatFloat(*o.MinValue, 'f', -1, 64)
		}
		if o.MaxValue != 0 {
			n.Max = strconv.FormatFloat(o.MaxValue, 'f', -1, 64)
		}
		if len(o.DescriptionLocalizations) > 0 {
			n.Localizations = fmt.Sprint(o.DescriptionLocalizations) // fmt sorts map keys
		}
		for _, c := range o.Choices {
			choice := c.Name + "=" + fmt.Sprint(c.Value)
			if len(c.NameLocalizations) > 0 {
				choice += fmt.Sprint(c.NameLocalizations)
			}
			n.Choices = append(n.Choices, choice)
		}
		out = append(out, n)
	}
	return out
}

// Discord's rules for application command names: lowercase letters (any script), digits,
// - _ and '.
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// Registration limits from Discord's documentation.
const (
	maxCommandOptions = 25
	maxCommandChoices = 25
	maxCommandChars   = 8000
	maxDescription    = 100
	maxChoiceName     = 100
	maxChoiceValue    = 100
)

// ValidateCommand checks one definition against Discord's registration rules, so a bad
// definition fails at start-up with a clear message rather than as a 400 on the PUT.
func ValidateCommand(c commands.Command) error {
	if err := validateNamed(c.Name, c.Description); err != nil {
		return fmt.Errorf("discord: command %q: %w", c.Name, err)
	}
	if err := validateLocalizations("description", c.DescriptionLocalizations, maxDescription); err != nil {
		return fmt.Errorf("discord: command %q: %w", c.Name, err)
	}
	total, err := validateOptions(c.Options, 1)
	if err != nil {
		return fmt.Errorf("discord: command %q: %w", c.Name, err)
	}
	total += utf8.RuneCountInString(c.Name) + utf8.RuneCountInString(c.Description)
	if total > maxCommandChars {
		return fmt.Errorf("discord: command %q is %d characters, limit %d", c.Name, total, maxCommandChars)
	}
	return nil
}

// Locales are Discord's locales: the only keys a localisation map may have.
func Locales() []string {
	return []string{"ar", "bg", "cs", "da", "de", "el", "en-GB", "en-US", "es-419", "es-ES", "fi", "fr", "he", "hi", "hr", "hu",
		"id", "it", "ja", "ko", "lt", "nl", "no", "pl", "pt-BR", "ro", "ru", "sv-SE", "th", "tr", "uk", "vi", "zh-CN", "zh-TW"}
}

// validateLocalizations checks a localisation map: Discord's locales as keys, each text
// 1-max characters.
func validateLocalizations(what string, m map[string]string, max int) error {
	for loc, text := range m {
		if !slices.Contains(Locales(), loc) {
			return fmt.Errorf("%s localisation: %q is not one of Discord's locales", what, loc)
		}
		if n := utf8.RuneCountInString(text); n < 1 || n > max {
			return fmt.Errorf("%s localisation %s must be 1-%d characters, is %d", what, loc, max, n)
		}
	}
	return nil
}

func validateNamed(name, desc string) error {
	if !commandName.MatchString(name) {
		return fmt.Errorf("name %q must match %s", name, commandName)
	}
	if strings.ToLower(name) != name {
		return fmt.Errorf("name %q must be lowercase", name)
	}
	if n := utf8.RuneCountInString(desc); n < 1 || n > maxDescription {
		return fmt.Errorf("%q: description must be 1-%d characters, is %d", name, maxDescription, n)
	}
	return nil
}

// validateOptions checks a level of options and returns its character count.
func validateOptions(opts []commands.Option, depth int) (int, error) {
	if len(opts) > maxCommandOptions {
		return 0, fmt.Errorf("%d options, limit %d", len(opts), maxCommandOptions)
	}
	total, seen, requiredDone := 0, map[string]bool{}, false
	for _, o := range opts {
		if err := validateNamed(o.Name, o.Description); err != nil {
			return 0, fmt.Errorf("option: %w", err)
		}
		if seen[o.Name] {
			return 0, fmt.Errorf("option %q declared twice", o.Name)
		}
		seen[o.Name] = true
		if o.Required && requiredDone {
			return 0, fmt.Errorf("option %q: required options must come before optional ones", o.Name)
		}
		requiredDone = requiredDone || !o.Required
		n, err := validateOption(o, depth)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func validateOption(o commands.Option, depth int) (int, error) {
	n := utf8.RuneCountInString(o.Name) + utf8.RuneCountInString(o.Description)
	if err := validateLocalizations("description", o.DescriptionLocalizations, maxDescription); err != nil {
		return 0, fmt.Errorf("option %q: %w", o.Name, err)
	}
	if len(o.Choices) > maxCommandChoices {
		return 0, fmt.Errorf("option %q: %d choices, limit %d", o.Name, len(o.Choices), maxCommandChoices)
	}
	if len(o.Choices) > 0 && o.Autocomplete {
		return 0, fmt.Errorf("option %q: choices and autocomplete are exclusive", o.Name)
	}
	for _, ch := range o.Choices {
		if l := utf8.RuneCountInString(ch.Name); l < 1 || l > maxChoiceName {
			return 0, fmt.Errorf("option %q: choice name %q must be 1-%d characters", o.Name, ch.Name, maxChoiceName)
		}
		if err := validateLocalizations("choice name", ch.NameLocalizations, maxChoiceName); err != nil {
			return 0, fmt.Errorf("option %q: %w", o.Name, err)
		}
		if utf8.RuneCountInString(ch.Value) > maxChoiceValue {
			return 0, fmt.Errorf("option %q: choice value %q longer than %d", o.Name, ch.Value, maxChoiceValue)
		}
		n += utf8.RuneCountInString(ch.Name) + utf8.RuneCountInString(ch.Value)
	}
	if o.Type != commands.OptionSubCommand {
		if len(o.Options) > 0 {
			return 0, fmt.Errorf("option %q: only subcommands have options", o.Name)
		}
		return n, nil
	}
	if depth > 2 {
		return 0, fmt.Errorf("option %q: subcommands nested too deep", o.Name)
	}
	sub, err := validateOptions(o.Options, depth+1)
	if err != nil {
		return 0, fmt.Errorf("subcommand %q: %w", o.Name, err)
	}
	return n + sub, nil
}
