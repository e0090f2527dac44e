package discord

import (
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
)

// ToApplicationCommands converts Herald's command definitions to discordgo's registration type.
func ToApplicationCommands(defs []commands.Command) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(defs))
	for _, d := range defs {
		out = append(out, toApplicationCommand(d))
	}
	return out
}

func toApplicationCommand(d commands.Command) *discordgo.ApplicationCommand {
	ac := &discordgo.ApplicationCommand{
		Type:        discordgo.ChatApplicationCommand,
		Name:        d.Name,
		Description: d.Description,
		Options:     toOptions(d.Options),
	}
	if loc := toLocales(d.DescriptionLocalizations); loc != nil {
		ac.DescriptionLocalizations = &loc
	}
	if d.DefaultMemberPermissions != nil {
		p := *d.DefaultMemberPermissions
		ac.DefaultMemberPermissions = &p
	}
	if len(d.Contexts) > 0 {
		ctxs := make([]discordgo.InteractionContextType, len(d.Contexts))
		for i, c := range d.Contexts {
			ctxs[i] = discordgo.InteractionContextType(c)
		}
		ac.Contexts = &ctxs
	}
	// Herald is installed to servers; a user install would offer it where it cannot post.
	ac.IntegrationTypes = &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}
	return ac
}

func toOptions(opts []commands.Option) []*discordgo.ApplicationCommandOption {
	if len(opts) == 0 {
		return nil
	}
	out := make([]*discordgo.ApplicationCommandOption, 0, len(opts))
	for _, o := range opts {
		do := &discordgo.ApplicationCommandOption{
			Type:         discordgo.ApplicationCommandOptionType(o.Type),
			Name:         o.Name,
			Description:  o.Description,
			Required:     o.Required,
			Autocomplete: o.Autocomplete,
			Options:      toOptions(o.Options),
			// Discord shows members the description in their client's language.
			DescriptionLocalizations: toLocales(o.DescriptionLocalizations),
		}
		if o.MinValue != nil {
			v := *o.MinValue
			do.MinValue = &v
		}
		if o.MaxValue != nil {
			do.MaxValue = *o.MaxValue
		}
		for _, c := range o.Choices {
			do.Choices = append(do.Choices, &discordgo.ApplicationCommandOptionChoice{
				Name: c.Name, Value: choiceValue(o.Type, c.Value), NameLocalizations: toLocales(c.NameLocalizations),
			})
		}
		out = append(out, do)
	}
	return out
}

// toLocales converts a localisation map to discordgo's; nil when empty, so none is sent.
func toLocales(m map[string]string) map[discordgo.Locale]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[discordgo.Locale]string, len(m))
	for k, v := range m {
		out[discordgo.Locale(k)] = v
	}
	return out
}

// choiceValue gives integer options numeric choice values, as Discord requires the value's
// JSON type to match the option type.
func choiceValue(t commands.OptionType, v string) any {
	if t == commands.OptionInteger {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return v
}

// ToRequest converts a command or autocomplete interaction into a transport-neutral request.
// A DM has no member, so its permissions are zero: permission-gated commands are refused there.
func ToRequest(i *discordgo.Interaction) commands.Request {
	req := commands.Request{
		ID:             i.ID,
		GuildID:        i.GuildID,
		ChannelID:      i.ChannelID,
		Locale:         string(i.Locale),
		Options:        map[string]string{},
		AppPermissions: i.AppPermissions,
	}
	switch {
	case i.Member != nil:
		req.Permissions = i.Member.Permissions
		if i.Member.User != nil {
			req.UserID = i.Member.User.ID
		}
	case i.User != nil:
		req.UserID = i.User.ID
	}
	if i.Type == discordgo.InteractionMessageComponent {
		// A button of Herald's carries the command it repeats (commands.ComponentID); the
		// router then checks it like the command. A foreign id routes nowhere.
		data := i.MessageComponentData()
		if name, sub, opts, issued, ok := message.ParseComponentID(data.CustomID); ok {
			req.Name, req.Sub, req.Options, req.Component, req.Issued = name, sub, opts, true, issued
			req.OnPrivateMessage = i.Message != nil && i.Message.Flags&discordgo.MessageFlagsEphemeral != 0
			if len(data.Values) > 0 {
				req.Options[commands.SelectedOption] = data.Values[0]
			}
		}
		return req
	}
	if i.Type != discordgo.InteractionApplicationCommand && i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		return req
	}
	data := i.ApplicationCommandData()
	req.Name = data.Name
	flattenOptions(&req, data.Options)
	return req
}

// flattenOptions copies option values into req.Options, descending into a subcommand (or a
// subcommand group, whose name is joined with the subcommand's) to fill req.Sub.
func flattenOptions(req *commands.Request, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	for _, o := range opts {
		if o == nil {
			continue
		}
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			req.Sub = strings.TrimSpace(req.Sub + " " + o.Name)
			flattenOptions(req, o.Options)
			continue
		}
		req.Options[o.Name] = optionString(o.Value)
		if o.Focused {
			req.Focused = o.Name
		}
	}
}

func optionString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		return ""
	}
}

// focusedType reports the type of the focused option, so autocomplete choices for an integer
// option are sent as numbers.
func focusedType(opts []*discordgo.ApplicationCommandInteractionDataOption) commands.OptionType {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if o.Focused {
			return commands.OptionType(o.Type)
		}
		if t := focusedType(o.Options); t != 0 {
			return t
		}
	}
	return 0
}
