package console

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
)

func TestParse(t *testing.T) {
	defs := commands.Definitions(ceasefireAlias)
	for _, tc := range []struct {
		name    string
		line    string
		want    commands.Request
		wantErr string
	}{
		{name: "bare", line: "/latest", want: commands.Request{Name: "latest", Options: map[string]string{}}},
		{name: "options", line: "/latest count:3 topic:ceasefire", want: commands.Request{Name: "latest", Options: map[string]string{"count": "3", "topic": "ceasefire"}}},
		{name: "subcommand and multi-word value", line: `/subscribe feed url:https://x.example/rss?a=b include:gaza, hostage deal exclude:"sport"`,
			want: commands.Request{Name: "subscribe", Sub: "feed", Options: map[string]string{"url": "https://x.example/rss?a=b", "include": "gaza, hostage deal", "exclude": "sport"}}},
		{name: "quoted", line: `/subscribe digest time:08:00 timezone:"Europe/London"`,
			want: commands.Request{Name: "subscribe", Sub: "digest", Options: map[string]string{"time": "08:00", "timezone": "Europe/London"}}},
		{name: "case-insensitive command", line: "/LATEST", want: commands.Request{Name: "latest", Options: map[string]string{}}},
		{name: "no slash", line: "latest", wantErr: "slash command"},
		{name: "unknown", line: "/weather", wantErr: "unknown command /weather"},
		{name: "missing sub", line: "/subscribe", wantErr: "needs a subcommand"},
		{name: "positional first option", line: "/latest 3", want: commands.Request{Name: "latest", Options: map[string]string{"count": "3"}}},
		{name: "positional then named", line: "/latest 3 topic:ceasefire", want: commands.Request{Name: "latest", Options: map[string]string{"count": "3", "topic": "ceasefire"}}},
		{name: "positional required option", line: "/status ceasefire", want: commands.Request{Name: "status", Options: map[string]string{"topic": "ceasefire"}}},
		{name: "positional url with colon", line: "/subscribe feed https://x.example/rss include:gaza",
			want: commands.Request{Name: "subscribe", Sub: "feed", Options: map[string]string{"url": "https://x.example/rss", "include": "gaza"}}},
		{name: "help with a command", line: "/help latest", want: commands.Request{Name: "help", Options: map[string]string{"command": "latest"}}},
		{name: "help with a subcommand", line: "/help subscribe feed", want: commands.Request{Name: "help", Options: map[string]string{"command": "subscribe feed"}}},
		{name: "positional and named twice", line: "/latest 3 count:4", wantErr: "given twice"},
		{name: "no options at all", line: "/ceasefire-status now", wantErr: "takes no options"},
		{name: "required", line: "/status", wantErr: "option topic is required"},
		{name: "twice", line: "/latest count:1 count:2", wantErr: "given twice"},
		{name: "unclosed quote", line: `/latest topic:"x`, wantErr: "unclosed quote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.line, defs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"/latest count:3", `/subscribe feed url:"a b"`, "/x:y", "", "/"} {
		f.Add(s)
	}
	defs := commands.Definitions()
	f.Fuzz(func(t *testing.T, line string) {
		req, err := Parse(line, defs)
		if err == nil && req.Name == "" {
			t.Fatalf("accepted %q without a command name", line)
		}
	})
}

// The console answers each line through the router and keeps going after a bad one.
func TestConsoleRun(t *testing.T) {
	r := commands.NewRouter(commands.Definitions(), commands.RouterOptions{})
	r.On("latest", func(_ context.Context, req commands.Request) (message.Message, error) {
		return message.Message{Content: "latest count=" + req.Options["count"] + " perms=" + boolString(req.Permissions&commands.PermManageChannels != 0)}, nil
	})
	var out bytes.Buffer
	err := New(r, strings.NewReader("/latest count:2\n\n# comment\n/oops\n/latest count:4\n"), NewScreen(&out, false)).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "latest count=2 perms=true\n\nerror: unknown command /oops (try /help)\nlatest count=4 perms=true\n\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// /quit and /exit end the session: nothing after them is answered.
func TestConsoleQuit(t *testing.T) {
	for _, word := range []string{"/quit", "/exit", "  /exit  "} {
		t.Run(word, func(t *testing.T) {
			r := commands.NewRouter(commands.Definitions(), commands.RouterOptions{})
			r.On("latest", func(_ context.Context, req commands.Request) (message.Message, error) {
				return message.Message{Content: "latest count=" + req.Options["count"]}, nil
			})
			var out bytes.Buffer
			in := strings.NewReader("/latest count:2\n" + word + "\n/latest count:4\n")
			if err := New(r, in, NewScreen(&out, false)).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("latest count=2\n\n", out.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// ceasefireAlias is the alias config/topics.yaml defines.
var ceasefireAlias = commands.Alias{Name: "ceasefire-status", Title: "Gaza ceasefire"}
