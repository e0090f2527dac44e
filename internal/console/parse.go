// Package console runs Herald as a console bot: slash commands typed as in Discord
// ("/latest count:3"), answered through the same command router, rendered as text.
package console

import (
	"fmt"
	"strings"

	"github.com/heraldbot/herald/internal/commands"
)

// Parse turns a typed line into a request. Options are name:value; a value runs until the next
// known option name (so "include:gaza, hostages" works), and may be quoted. A value typed
// first without a name belongs to the command's one required option (/status ceasefire,
// /subscribe feed https://…) or, when it has none, to its first option (/latest 3).
func Parse(line string, defs []commands.Command) (commands.Request, error) {
	fields, err := splitQuoted(strings.TrimSpace(line))
	if err != nil {
		return commands.Request{}, err
	}
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "/") || len(fields[0]) < 2 {
		return commands.Request{}, fmt.Errorf("console: type a slash command such as /latest or /help")
	}
	req := commands.Request{Name: strings.ToLower(fields[0][1:]), Options: map[string]string{}}
	cmd, ok := findCommand(defs, req.Name)
	if !ok {
		return commands.Request{}, fmt.Errorf("console: unknown command /%s (try /help)", req.Name)
	}
	opts := cmd.Options
	rest := fields[1:]
	if sub, ok := subcommands(cmd); ok {
		if len(rest) == 0 || !isOptionIn(sub, rest[0]) {
			return commands.Request{}, fmt.Errorf("console: /%s needs a subcommand: %s", req.Name, strings.Join(optionNames(sub), ", "))
		}
		req.Sub = strings.ToLower(rest[0])
		opts = findOption(sub, req.Sub).Options
		rest = rest[1:]
	}
	return req, parseOptions(&req, rest, opts)
}

func parseOptions(req *commands.Request, rest []string, opts []commands.Option) error {
	current := ""
	for _, tok := range rest {
		name, value, hasColon := strings.Cut(tok, ":")
		if hasColon && isOptionIn(opts, name) {
			current = strings.ToLower(name)
			if _, dup := req.Options[current]; dup {
				return fmt.Errorf("console: option %s given twice", current)
			}
			req.Options[current] = value
			continue
		}
		if current == "" {
			pos, ok := positional(opts)
			if !ok {
				return unexpected(tok, opts)
			}
			current = pos
		}
		req.Options[current] = strings.TrimSpace(req.Options[current] + " " + tok)
	}
	for _, o := range opts {
		if _, ok := req.Options[o.Name]; o.Required && !ok {
			return fmt.Errorf("console: option %s is required", o.Name)
		}
	}
	return nil
}

// positional is the option a value typed without a name fills: the only required option, or
// the first option of a command with none required.
func positional(opts []commands.Option) (string, bool) {
	var required []string
	for _, o := range opts {
		if o.Required {
			required = append(required, o.Name)
		}
	}
	switch {
	case len(required) == 1:
		return required[0], true
	case len(required) == 0 && len(opts) > 0:
		return opts[0].Name, true
	}
	return "", false
}

func unexpected(tok string, opts []commands.Option) error {
	if len(opts) == 0 {
		return fmt.Errorf("console: unexpected %q: this command takes no options", tok)
	}
	return fmt.Errorf("console: unexpected %q: options are name:value, one of %s", tok, strings.Join(optionNames(opts), ", "))
}

// splitQuoted splits on spaces, keeping "quoted text" (quotes removed) as one field.
func splitQuoted(s string) ([]string, error) {
	var out []string
	var b strings.Builder
	inQuote, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, started = !inQuote, true
		case (r == ' ' || r == '\t') && !inQuote:
			if started {
				out = append(out, b.String())
				b.Reset()
				started = false
			}
		default:
			b.WriteRune(r)
			started = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("console: unclosed quote")
	}
	if started {
		out = append(out, b.String())
	}
	return out, nil
}

func findCommand(defs []commands.Command, name string) (commands.Command, bool) {
	for _, c := range defs {
		if c.Name == name {
			return c, true
		}
	}
	return commands.Command{}, false
}

func subcommands(c commands.Command) ([]commands.Option, bool) {
	var subs []commands.Option
	for _, o := range c.Options {
		if o.Type == commands.OptionSubCommand {
			subs = append(subs, o)
		}
	}
	return subs, len(subs) > 0
}

func isOptionIn(opts []commands.Option, name string) bool {
	_, ok := lookup(opts, name)
	return ok
}

func findOption(opts []commands.Option, name string) commands.Option {
	o, _ := lookup(opts, name)
	return o
}

func lookup(opts []commands.Option, name string) (commands.Option, bool) {
	for _, o := range opts {
		if strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	return commands.Option{}, false
}

func optionNames(opts []commands.Option) []string {
	names := make([]string, len(opts))
	for i, o := range opts {
		names[i] = o.Name
	}
	return names
}
