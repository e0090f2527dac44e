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
	Type        OptionType
	Name        string
	Description string
	// DescriptionLocalizations are the description in other languages, by Discord locale.
	DescriptionLocalizations map[string]string
	Required                 bool
	Autocomplete             bool
	Choices                  []Choice
	MinValue                 *float64
	MaxValue                 *float64
	Options                  []Option
}

// Choice is a fixed or autocompleted option value.
type Choice struct {
	Name  string
	Value string
	// NameLocalizations are the name shown in other languages, by Discord locale.
	NameLocalizations map[string]string
}

func ptrF(v float64) *float64 { return &v }
func ptrI(v int64) *int64     { return &v }

// Alias is a command that answers /status for one tracked topic (/ceasefire-status), named
// in config/topics.yaml; Title is the topic's.
type Alias struct {
	Name, Title string
}

// aliasCommand defines an alias: offered wherever /status is.
func aliasCommand(a Alias) Command {
	desc := "Where the story stands, with evidence: " + a.Title
	if len([]rune(desc)) > 100 { // Discord's limit for a description
		desc = string([]rune(desc)[:99]) + "…"
	}
	de := "Wo die Geschichte steht, mit Belegen: " + a.Title
	if len([]rune(de)) > 100 {
		de = string([]rune(de)[:99]) + "…"
	}
	return Command{Name: a.Name, Description: desc, Contexts: anywhere(), DescriptionLocalizations: map[string]string{German: de}}
}

// Definitions is Herald's full command surface, in the order /help lists it; aliases (from
// the topics' configuration) follow /latest. Each command is defined next to its handler.
func Definitions(aliases ...Alias) []Command {
	out := []Command{latestCommand()}
	for _, a := range aliases {
		out = append(out, aliasCommand(a))
	}
	return localise(append(out, statusCommand(), subscribeCommand(), subscriptionCommand(ptrI(PermManageChannels), serverOnly()),
		unsubscribeCommand(), subscriptionsCommand(), retryFeedCommand(), briefingCommand(), helpCommand()))
}

// topicOpt is the topic option several commands share.
func topicOpt(desc string, required bool) Option {
	return Option{Type: OptionString, Name: "topic", Description: desc, Required: required, Autocomplete: true}
}

// anywhere offers a command in server channels and in DMs with Herald.
func anywhere() []Context { return []Context{ContextGuild, ContextBotDM} }

// serverOnly offers a command in server channels only.
func serverOnly() []Context { return []Context{ContextGuild} }
