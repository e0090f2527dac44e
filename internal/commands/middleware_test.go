package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
)

// Start-up refuses a definition without a handler or an autocompleted option without a
// completer; a complete router passes.
func TestValidate(t *testing.T) {
	t.Parallel()
	defs := []Command{
		{Name: "latest", Options: []Option{{Type: OptionString, Name: "topic", Autocomplete: true}}},
		{Name: "subscribe", Options: []Option{{Type: OptionSubCommand, Name: "feed"}, {Type: OptionSubCommand, Name: "topic"}}},
		aliasCommand(Alias{Name: "ceasefire-status", Title: "Gaza ceasefire"}),
	}
	cases := []struct {
		name    string
		routes  []string
		complet []string
		want    string
	}{
		{name: "complete", routes: []string{"latest", "subscribe feed", "subscribe topic", "ceasefire-status"}, complet: []string{"latest topic"}},
		{name: "alias renamed in config, handler left behind", routes: []string{"latest", "subscribe feed", "subscribe topic", "truce-status"},
			complet: []string{"latest topic"}, want: "commands: /ceasefire-status has no handler"},
		{name: "subcommand and completer missing", routes: []string{"latest", "subscribe feed", "ceasefire-status"},
			want: "commands: /latest topic has no completer; /subscribe topic has no handler"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewRouter(defs, RouterOptions{})
			for _, route := range tc.routes {
				r.On(route, ok)
			}
			for _, c := range tc.complet {
				r.OnAutocomplete(c, func(context.Context, Request) []Choice { return nil })
			}
			if got := errText(r.Validate()); got != tc.want {
				t.Errorf("Validate: %q, want %q", got, tc.want)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The refusal names the permission the member actually lacks, not always Manage Channels.
func TestPermissionRefusalNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	need := PermManageChannels | PermSendMessages
	defs := []Command{{Name: "purge", DefaultMemberPermissions: &need}}
	cases := []struct {
		name  string
		perms int64
		want  string
	}{
		{name: "lacks send messages", perms: PermManageChannels, want: "⚠️ You need the Send Messages permission to use /purge."},
		{name: "lacks both", perms: 0, want: "⚠️ You need the Manage Channels and Send Messages permission to use /purge."},
		{name: "has both", perms: need, want: "done"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewRouter(defs, RouterOptions{})
			r.On("purge", func(context.Context, Request) (message.Message, error) { return message.Message{Content: "done"}, nil })
			rec := &recorder{}
			r.Handle(context.Background(), Request{Name: "purge", GuildID: "g1", Permissions: tc.perms}, rec)
			if rec.reply.Content != tc.want {
				t.Errorf("reply %q, want %q", rec.reply.Content, tc.want)
			}
		})
	}
}

// Use adds middleware inside the built-in chain, in order, and every command passes through it.
func TestUseOrder(t *testing.T) {
	t.Parallel()
	var trace []string
	mark := func(name string) Middleware {
		return func(next Endpoint) Endpoint {
			return func(ctx context.Context, c *Call) (message.Message, error) {
				trace = append(trace, name+">"+c.Route())
				m, err := next(ctx, c)
				trace = append(trace, "<"+name)
				return m, err
			}
		}
	}
	r := NewRouter(Definitions(), RouterOptions{})
	r.Use(mark("a"), mark("b"))
	r.On("latest", func(context.Context, Request) (message.Message, error) {
		trace = append(trace, "handler")
		return message.Message{}, nil
	})
	r.Handle(context.Background(), Request{Name: "latest"}, &recorder{})
	if diff := cmp.Diff("a>latest b>latest handler <b <a", strings.Join(trace, " ")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// An alias from the topics' configuration is a command of its own, offered where /status is.
func TestAliasDefinitions(t *testing.T) {
	t.Parallel()
	defs := Definitions(Alias{Name: "truce-status", Title: "Gaza ceasefire"})
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	if diff := cmp.Diff([]string{"latest", "truce-status", "status"}, names[:3]); diff != "" {
		t.Errorf("first commands (-want +got):\n%s", diff)
	}
	if slices := Definitions(); len(slices) != len(defs)-1 {
		t.Errorf("without aliases %d commands, want %d", len(slices), len(defs)-1)
	}
	if got := defs[1].Description; got != "Where the story stands, with evidence: Gaza ceasefire" {
		t.Errorf("alias description %q", got)
	}
}
