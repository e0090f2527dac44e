package commands

import (
	"context"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// Help answers /help from the command definitions, so it never drifts from what is registered:
// the command list, or with the command option ("latest", "/subscribe feed") that command's
// options, each with what it means and whether it is required. It speaks the member's
// language where the definitions have it (German) and makes each command name a clickable
// mention once links know the IDs (nil: plain names).
func Help(defs []Command, links *message.CommandLinks) HandlerFunc {
	return func(_ context.Context, req Request) (message.Message, error) {
		words := helpWords(req.Locale)
		name := strings.TrimSpace(req.Options["command"])
		if name == "" {
			m := commandList(defs, req.Locale, words)
			m.Embeds[0].Description = links.Link(m.Embeds[0].Description, message.MaxEmbedDescription)
			return m, nil
		}
		m, err := commandHelp(defs, name, req.Locale, words)
		if err != nil {
			return m, err
		}
		m.Embeds[0].Description = links.Link(m.Embeds[0].Description, message.MaxEmbedDescription)
		return m, nil
	}
}

// commandList is /help without a command: every command and subcommand with its options.
func commandList(defs []Command, locale string, text helpText) message.Message {
	var b strings.Builder
	for _, c := range defs {
		writeHelp(&b, "/"+c.Name, c, locale)
	}
	b.WriteString("\n" + text.more)
	return message.Message{Embeds: []message.Embed{{Title: text.title, Description: strings.TrimSpace(b.String())}}, Ephemeral: true}
}

// helpText is /help's own wording in one language.
type helpText struct {
	title, more, heading, optional, required, manage string
}

func helpWords(locale string) helpText {
	if isGerman(locale) {
		return helpText{title: "Herald: Nachrichten-Briefings für Discord", more: "/help command zeigt die Optionen eines Befehls.",
			heading: "Hilfe: ", optional: "optional", required: "Pflicht", manage: "Braucht die Berechtigung „Kanäle verwalten“."}
	}
	return helpText{title: "Herald: news briefings for Discord", more: "/help command shows one command's options.",
		heading: "Help: ", optional: "optional", required: "required", manage: "Needs the Manage Channels permission."}
}

// commandHelp details one command or subcommand ("subscribe", "subscribe feed").
func commandHelp(defs []Command, name, locale string, text helpText) (message.Message, error) {
	words := strings.Fields(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "/")))
	cmd, ok := Command{}, false
	for _, c := range defs {
		if len(words) > 0 && c.Name == words[0] {
			cmd, ok = c, true
		}
	}
	if !ok {
		return message.Message{}, Errorf("No command /%s. Commands: %s.", strings.Join(words, " "), commandNames(defs))
	}
	prefix := "/" + cmd.Name
	if len(words) > 1 {
		sub, found := subcommand(cmd, words[1])
		if !found {
			return message.Message{}, Errorf("/%s has no subcommand %q.", cmd.Name, words[1])
		}
		prefix, cmd = prefix+" "+sub.Name, Command{Name: sub.Name, Description: sub.Description, Options: sub.Options,
			DescriptionLocalizations: sub.DescriptionLocalizations, DefaultMemberPermissions: cmd.DefaultMemberPermissions}
	}
	var b strings.Builder
	writeHelp(&b, prefix, cmd, locale)
	for _, o := range cmd.Options {
		if o.Type == OptionSubCommand {
			continue
		}
		need := text.optional
		if o.Required {
			need = text.required
		}
		b.WriteString("• **" + o.Name + "** (" + need + "): " + described(o.Description, o.DescriptionLocalizations, locale) + "\n")
	}
	if cmd.DefaultMemberPermissions != nil {
		b.WriteString(text.manage + "\n")
	}
	return message.Message{Embeds: []message.Embed{{Title: text.heading + prefix, Description: strings.TrimSpace(b.String())}},
		Ephemeral: true}, nil
}

func subcommand(c Command, name string) (Option, bool) {
	for _, o := range c.Options {
		if o.Type == OptionSubCommand && o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

func commandNames(defs []Command) string {
	names := make([]string, len(defs))
	for i, c := range defs {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func writeHelp(b *strings.Builder, prefix string, c Command, locale string) {
	subs := 0
	for _, o := range c.Options {
		if o.Type == OptionSubCommand {
			subs++
			writeHelp(b, prefix+" "+o.Name, Command{Name: o.Name, Description: o.Description, Options: o.Options,
				DescriptionLocalizations: o.DescriptionLocalizations}, locale)
		}
	}
	if subs > 0 {
		return
	}
	b.WriteString("**" + prefix)
	for _, o := range c.Options {
		if o.Required {
			b.WriteString(" " + o.Name)
		} else {
			b.WriteString(" [" + o.Name + "]")
		}
	}
	b.WriteString("**: " + described(c.Description, c.DescriptionLocalizations, locale) + "\n")
}

// helpCommand defines /help.
func helpCommand() Command {
	return Command{Name: "help", Description: "What Herald can do, or how to use one command", Contexts: anywhere(), Private: true, Options: []Option{
		{Type: OptionString, Name: "command", Description: "A command, e.g. latest or subscribe feed"},
	}}
}
