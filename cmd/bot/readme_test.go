package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/console"
)

// The README is what a newcomer follows; these tests keep its commands in step with the code,
// as internal/ops does for the compose file and .env.example.

func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shellLines returns the lines of the README's ```sh blocks.
func shellLines(readme string) []string {
	var out []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme, -1) {
		out = append(out, strings.Split(strings.TrimSpace(block[1]), "\n")...)
	}
	return out
}

// Every `go run ./cmd/bot` line sets only variables Herald reads, to values it accepts, and
// passes only arguments it knows.
func TestReadmeRunCommands(t *testing.T) {
	runLine := regexp.MustCompile(`^(?:.*\|\s*)?((?:[A-Z_]+=\S+\s+)*)go run \./cmd/bot((?:\s+[^#\s]+)*)`)
	n := 0
	for _, line := range shellLines(repoFile(t, "README.md")) {
		m := runLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n++
		env := map[string]string{}
		for _, kv := range strings.Fields(m[1]) {
			k, v, _ := strings.Cut(kv, "=")
			if !slices.Contains(config.Variables(), k) {
				t.Errorf("%q sets %s, which Herald does not read", line, k)
			}
			env[k] = v
		}
		if _, err := config.Load(func(k string) string { return env[k] }); err != nil {
			t.Errorf("%q: %v", line, err)
		}
		if args := strings.Fields(m[2]); len(args) > 0 && !slices.Contains(subcommands, args[0]) {
			t.Errorf("%q passes %q; the bot knows %v", line, args[0], subcommands)
		}
	}
	if n < 4 {
		t.Fatalf("found %d `go run ./cmd/bot` lines in README's sh blocks, want the quick starts' (4 or more)", n)
	}
}

// Every slash command the README tells people to type parses as the console parses it, and
// the command table lists exactly the registered commands.
func TestReadmeSlashCommands(t *testing.T) {
	readme := repoFile(t, "README.md")
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defs := commands.Definitions(commandAliases(cfg.Topics)...)
	var typed []string
	for _, line := range shellLines(readme) {
		if _, list, ok := strings.Cut(line, "# console mode on the built-in feeds; type "); ok {
			for _, c := range strings.Split(list, ",") {
				typed = append(typed, strings.TrimSpace(c))
			}
		}
		if m := regexp.MustCompile(`printf '([^']*)\\n'`).FindStringSubmatch(line); m != nil {
			typed = append(typed, strings.Split(m[1], `\n`)...)
		}
	}
	quick := readme[:strings.Index(readme, "## Commands")]
	for _, m := range regexp.MustCompile("`(/[a-z-]+(?: [a-z-]+)?)`").FindAllStringSubmatch(quick, -1) {
		typed = append(typed, m[1])
	}
	if len(typed) < 5 {
		t.Fatalf("found only %q", typed)
	}
	for _, line := range typed {
		if _, err := console.Parse(line, defs); err != nil && !strings.Contains(err.Error(), "is required") && !strings.Contains(err.Error(), "needs a subcommand") {
			t.Errorf("README's %q: %v", line, err)
		}
	}
	table := readme[strings.Index(readme, "## Commands"):strings.Index(readme, "## Configuration")]
	var listed []string
	for _, m := range regexp.MustCompile("(?m)`/([a-z-]+)").FindAllStringSubmatch(table, -1) {
		if !slices.Contains(listed, m[1]) {
			listed = append(listed, m[1])
		}
	}
	var registered []string
	for _, d := range defs {
		registered = append(registered, d.Name)
	}
	slices.Sort(listed)
	slices.Sort(registered)
	if !slices.Equal(listed, registered) {
		t.Errorf("README's command table lists %v, Herald registers %v", listed, registered)
	}
}

// The invite URLs ask for the scopes Herald needs and exactly the permissions it checks.
func TestInviteURLMatchesCheckedPermissions(t *testing.T) {
	invite := regexp.MustCompile(`https://discord\.com/oauth2/authorize\?client_id=\S+?&scope=(\S+?)&permissions=(\d+)`)
	for _, name := range []string{"README.md", "docs/self-hosting.md"} {
		ms := invite.FindAllStringSubmatch(repoFile(t, name), -1)
		if len(ms) == 0 {
			t.Errorf("%s has no invite URL", name)
		}
		for _, m := range ms {
			if m[1] != "bot+applications.commands" {
				t.Errorf("%s: invite scopes %q, want bot+applications.commands", name, m[1])
			}
			if m[2] != strconv.FormatInt(commands.InvitePermissions, 10) {
				t.Errorf("%s: invite permissions %s, but Herald checks %d", name, m[2], commands.InvitePermissions)
			}
		}
	}
}

// README names the Go version go.mod requires, the licence, and documents check-feed.
func TestReadmeGoVersionLicenceAndCheckFeed(t *testing.T) {
	readme := repoFile(t, "README.md")
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(repoFile(t, "go.mod"))
	if goVersion == nil || !strings.Contains(readme, "Go "+goVersion[1]+" or later") {
		t.Errorf("README does not say the commands need Go %v or later", goVersion)
	}
	if !strings.HasPrefix(repoFile(t, "LICENSE"), "MIT License") || !strings.Contains(readme, "[MIT licence](LICENSE)") {
		t.Error("LICENSE is not the MIT licence README states")
	}
	if !strings.Contains(readme, "go run ./cmd/bot check-feed URL") {
		t.Error("README does not document check-feed")
	}
}

// TestReadmeCommandTableOptions: every option the command table's first column names
// ("/subscribe topic … [thread] [crosspost]") is an option of that command or subcommand, so
// the table cannot promise an option Herald does not register.
func TestReadmeCommandTableOptions(t *testing.T) {
	readme := repoFile(t, "README.md")
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defs := commands.Definitions(commandAliases(cfg.Topics)...)
	table := readme[strings.Index(readme, "## Commands"):strings.Index(readme, "## Configuration")]
	checked := 0
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 3 {
			continue
		}
		for _, m := range regexp.MustCompile("`(/[^`]+)`").FindAllStringSubmatch(cells[1], -1) {
			words := strings.Fields(m[1])
			opts, path, ok := tableOptions(defs, words)
			if !ok {
				t.Errorf("README's %q: no such command or subcommand", m[1])
				continue
			}
			for _, w := range words[len(strings.Fields(path)):] {
				w = strings.Trim(w, "[]")
				if w == "…" {
					continue
				}
				checked++
				if !slices.Contains(opts, w) {
					t.Errorf("README's %q: %s has no option %q", m[1], path, w)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d options in the command table", checked)
	}
}

// tableOptions finds the command (and subcommand, if it has them) words name and returns its
// option names and its path ("/subscribe feed").
func tableOptions(defs []commands.Command, words []string) ([]string, string, bool) {
	for _, c := range defs {
		if "/"+c.Name != words[0] {
			continue
		}
		names := func(os []commands.Option) []string {
			var out []string
			for _, o := range os {
				out = append(out, o.Name)
			}
			return out
		}
		if len(c.Options) == 0 || c.Options[0].Type != commands.OptionSubCommand {
			return names(c.Options), words[0], true
		}
		for _, sub := range c.Options {
			if len(words) > 1 && sub.Name == words[1] {
				return names(sub.Options), words[0] + " " + sub.Name, true
			}
		}
		return nil, "", len(words) == 1
	}
	return nil, "", false
}
