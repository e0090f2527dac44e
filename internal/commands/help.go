package commands

import (
	"context"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// Help answers /help from the command definitions, so it never drifts from what is registered.
func Help(defs []Command) HandlerFunc {
	return func(context.Context, Request) (message.Message, error) {
		var b strings.Builder
		for _, c := range defs {
			writeHelp(&b, "/"+c.Name, c)
		}
		return message.Message{Embeds: []message.Embed{{Title: "Herald: news briefings for Discord",
			Description: strings.TrimSpace(b.String())}}, Ephemeral: true}, nil
	}
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
