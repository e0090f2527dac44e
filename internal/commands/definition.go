// Package commands is Herald's command layer: the slash commands as data, a small router
// with middleware (recover, log, auto-defer, permissions), and the handlers. Discord's gateway,
// its HTTP interactions endpoint and the console all drive the same Router, so a command
// behaves the same wherever it is typed.
package commands

import "slices"

// OptionType uses Discord's application command option type numbers, so the transport can
// convert definitions without a lookup table.
type OptionType int

// Option types Herald uses.
const (
	OptionSubCommand OptionType = 1
	OptionString     OptionType = 3
	OptionInteger    OptionType = 4
	OptionBoolean    OptionType = 5
)

// PermManageChannels is Discord's Manage Channels permission bit: subscription changes need it.
const PermManageChannels int64 = 1 << 4

// Discord's permission bits for posting in a channel.
const (
	PermViewChannel  int64 = 1 << 10
	PermSendMessages int64 = 1 << 11
	PermEmbedLinks   int64 = 1 << 14
)

// BotPermissions are the permissions Herald needs, and checks, in a channel it posts to:
// View Channel + Send Messages + Embed Links = 19456. The invite URL in README asks for
// exactly these (a test keeps them equal); interaction replies need none.
const BotPermissions = PermViewChannel | PermSendMessages | PermEmbedLinks

// Context is where Discord offers a command (Discord's interaction context type numbers).
type Context int

// Contexts Herald's commands use. Herald is installed to servers only (integration type 0),
// so the private-channel context (2), which needs a user install, is never listed.
const (
	ContextGuild Context = 0 // a server channel
	ContextBotDM Context = 1 // a direct message with Herald
)

// Command is one slash command, as data.
type Command struct {
	Name        string
	Description string
	// DescriptionLocalizations are the description in other languages, by Discord locale.
	DescriptionLocalizations map[string]string
	Options                  []Option
	// DefaultMemberPermissions hides the command from members lacking these bits; the router
	// still checks them on every interaction, since server admins can override the default.
	DefaultMemberPermissions *int64
	// PostsHere marks commands that make Herald post in the channel later (subscriptions):
	// the router refuses them unless Discord says the bot holds BotPermissions there, so a
	// subscription never fails silently at its first post.
	PostsHere bool
	// Contexts are where Discord shows the command, so it is offered only where it works; the
	// router still refuses a guild-only command elsewhere (clients may be out of date).
	Contexts []Context
	// Private commands answer only the member who typed them: the router defers them
	// ephemerally, so a slow one that fails does not show its error to the whole channel
	// (an ephemeral flag cannot be added when editing a public "thinking…" message).
	Private bool
}

// GuildOnly reports whether the command works only in a server channel.
func (c Command) GuildOnly() bool {
	return len(c.Contexts) > 0 && !slices.Contains(c.Contexts, ContextBotDM)
}

// IsPrivate reports whether the command named name among defs answers privately: the
// transports' fallback defers (when the router has not deferred in time) must match.
func IsPrivate(defs []Command, name string) bool {
	for _, c := range defs {
		if c.Name == name {
			return c.Private
		}
	}
	return false
}

// Option is one option or subcommand of a command.
type Option struct {
	Type         OptionType
	Name         string
	Description  string
	Required     bool
	Autocomplete bool
	Choices      []Choice
	MinValue     *float64
	MaxValue     *float64
	Options      []Option
}

// Choice is a fixed or autocompleted option value.
type Choice struct {
	Name  string
	Value string
}

func ptrF(v float64) *float64 { return &v }
func ptrI(v int64) *int64     { return &v }

// Definitions is Herald's full command surface, in the order /help lists it.
func Definitions() []Command {
	topicOpt := func(desc string, required bool) Option {
		return Option{Type: OptionString, Name: "topic", Description: desc, Required: required, Autocomplete: true}
	}
	manage := ptrI(PermManageChannels)
	anywhere := []Context{ContextGuild, ContextBotDM}
	server := []Context{ContextGuild}
	return localise([]Command{
		{Name: "latest", Description: "The newest stories from Herald's feeds", Contexts: anywhere, Options: []Option{
			{Type: OptionInteger, Name: "count", Description: "How many stories (1-10, default 5)", MinValue: ptrF(1), MaxValue: ptrF(10)},
			topicOpt("Only stories on this tracked topic", false),
		}},
		{Name: "ceasefire-status", Description: "Where the Israel-Hamas ceasefire negotiations stand, with evidence", Contexts: anywhere},
		{Name: "status", Description: "Where a tracked story stands, with evidence", Contexts: anywhere, Options: []Option{
			topicOpt("The tracked topic", true),
		}},
		{Name: "subscribe", Description: "Subscribe this channel to briefings or live posts", DefaultMemberPermissions: manage, PostsHere: true,
			Contexts: server, Private: true, Options: []Option{
				{Type: OptionSubCommand, Name: "digest", Description: "A daily briefing in this channel", Options: []Option{
					{Type: OptionString, Name: "time", Description: "Local time such as 08:00, 20:30 or 8:30 pm (default 08:00)"},
					{Type: OptionString, Name: "timezone", Description: "IANA time zone, e.g. Europe/London (default UTC)", Autocomplete: true},
					topicOpt("Only this tracked topic", false),
				}},
				{Type: OptionSubCommand, Name: "feed", Description: "Live posts of new stories from one feed", Options: append([]Option{
					{Type: OptionString, Name: "url", Description: "The feed's URL (RSS, Atom, JSON Feed)", Required: true},
					{Type: OptionString, Name: "include", Description: "Only stories with one of these comma-separated words"},
					{Type: OptionString, Name: "exclude", Description: "Skip stories with any of these comma-separated words"},
				}, append(styleOptions(), placementOptions()...)...)},
				{Type: OptionSubCommand, Name: "topic", Description: "Live posts of new stories on a tracked topic", Options: append([]Option{
					topicOpt("The tracked topic", true),
				}, styleOptions()...)},
			}},
		subscriptionCommand(manage, server),
		{Name: "unsubscribe", Description: "Remove one of this server's subscriptions", DefaultMemberPermissions: manage,
			Contexts: server, Private: true, Options: []Option{
				{Type: OptionString, Name: "subscription", Description: "The subscription to remove", Required: true, Autocomplete: true},
			}},
		{Name: "subscriptions", Description: "This channel's subscriptions, their next runs and their feeds' health", Contexts: server, Private: true},
		{Name: "retry-feed", Description: "Try a paused feed again; if it works, Herald polls it again", DefaultMemberPermissions: manage,
			Contexts: server, Private: true, Options: []Option{
				{Type: OptionString, Name: "url", Description: "The feed's URL, as /subscriptions shows it", Required: true},
			}},
		{Name: "briefing", Description: "A briefing of what this channel has not seen yet", Contexts: anywhere, Options: []Option{
			topicOpt("Only this tracked topic", false),
		}},
		{Name: "help", Description: "What Herald can do, or how to use one command", Contexts: anywhere, Private: true, Options: []Option{
			{Type: OptionString, Name: "command", Description: "A command, e.g. latest or subscribe feed"},
		}},
	})
}
