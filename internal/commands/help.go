package commands

import (
	"context"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// Help answers /help from the command definitions, so it never drifts from what is registered:
// the command list, or with the command option ("latest", "/subscribe feed") that command's
// options, each with what it means and whether it is required.
func Help(defs []Command) HandlerFunc {
	return func(_ context.Context, req Request) (message.Message, error) {
		if name := strings.TrimSpace(req.Options["command"]); name != "" {
			return commandHelp(defs, name)
		}
		var b strings.Builder
		for _, c := range defs {
			writeHelp(&b, "/"+c.Name, c)
		}
		b.WriteString("\n/help command shows one command's options.")
		return message.Message{Embeds: []message.Embed{{Title: "Herald: news briefings for Discord",
			Description: strings.TrimSpace(b.String())}}, Ephemeral: true}, nil
	}
}

// commandHelp details one command or subcommand ("subscribe", "subscribe feed").
func commandHelp(defs []Command, name string) (message.Message, error) {
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
			DefaultMemberPermissions: cmd.DefaultMemberPermissions}
	}
	var b strings.Builder
	writeHelp(&b, prefix, cmd)
	for _, o := range cmd.Options {
		if o.Type == OptionSubCommand {
			continue
		}
		need := "optional"
		if o.Required {
			need = "required"
		}
		b.WriteString("• **" + o.Name + "** (" + need + "): " + o.Description + "\n")
	}
	if cmd.DefaultMemberPermissions != nil {
		b.WriteString("Needs the Manage Channels permission.\n")
	}
	return message.Message{Embeds: []message.Embed{{Title: "Help: " + prefix, Description: strings.TrimSpace(b.String())}},
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

func writeHelp(b *strings.Builder, prefix string, c Command) {
	subs := 0
	for _, o := range c.Options {
		if o.Type == OptionSubCommand {
			subs++
			writeHelp(b, prefix+" "+o.Name, Command{Name: o.Name, Description: o.Description, Options: o.Options})
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
	b.WriteString("**: " + c.Description + "\n")
}

// helpCommand defines /help.
func helpCommand() Command {
	return Command{Name: "help", Description: "What Herald can do, or how to use one command", Contexts: anywhere(), Private: true, Options: []Option{
		{Type: OptionString, Name: "command", Description: "A command, e.g. latest or subscribe feed"},
	}}
}
