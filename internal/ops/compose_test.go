package ops

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/heraldbot/herald/config"
	"github.com/heraldbot/herald/internal/commands"
)

// composeFile is the part of the Compose specification these checks read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Restart     string            `yaml:"restart"`
	EnvFile     string            `yaml:"env_file"`
	Environment map[string]string `yaml:"environment"`
	Secrets     []string          `yaml:"secrets"`
	Command     []string          `yaml:"command"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(readRepoFile(t, "docker-compose.yml")))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	names := make([]string, 0, len(c.Services))
	for n := range c.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"herald", "redis"}, names); diff != "" {
		t.Fatalf("services (-want +got):\n%s", diff)
	}
	for _, n := range names {
		if r := c.Services[n].Restart; r != "unless-stopped" && r != "always" {
			t.Errorf("%s: restart %q, want unless-stopped or always", n, r)
		}
		if c.Services[n].Healthcheck == nil || len(c.Services[n].Healthcheck.Test) == 0 {
			t.Errorf("%s: no healthcheck", n)
		}
	}
}

// TestComposeRedisPersistence: Redis 7 with the append-only file on a named volume.
func TestComposeRedisPersistence(t *testing.T) {
	c := loadCompose(t)
	r := c.Services["redis"]
	if !strings.HasPrefix(r.Image, "redis:7") {
		t.Errorf("redis image %q, want redis:7…", r.Image)
	}
	if i := slices.Index(r.Command, "--appendonly"); i < 0 || i+1 >= len(r.Command) || r.Command[i+1] != "yes" {
		t.Errorf("redis command %q lacks --appendonly yes", r.Command)
	}
	var named bool
	for _, v := range r.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		if _, ok := c.Volumes[src]; ok && strings.HasPrefix(dst, "/data") {
			named = true
		}
	}
	if !named {
		t.Errorf("redis volumes %q: want a named top-level volume on /data (volumes: %v)", r.Volumes, c.Volumes)
	}
}

// TestComposeHerald: configuration from the env file, the token as a compose secret through
// DISCORD_TOKEN_FILE, Redis on the compose network, the image's own health check.
func TestComposeHerald(t *testing.T) {
	c := loadCompose(t)
	h := c.Services["herald"]
	if h.EnvFile != ".env" {
		t.Errorf("env_file %q, want .env (documented by .env.example)", h.EnvFile)
	}
	if _, ok := h.Environment["DISCORD_TOKEN"]; ok {
		t.Error("DISCORD_TOKEN in the compose environment: the token must come from a secret file")
	}
	path := h.Environment["DISCORD_TOKEN_FILE"]
	secret, ok := strings.CutPrefix(path, "/run/secrets/")
	if !ok || !slices.Contains(h.Secrets, secret) || c.Secrets[secret].File == "" {
		t.Errorf("DISCORD_TOKEN_FILE=%q, service secrets %v, top-level secrets %v: want /run/secrets/NAME of a file secret",
			path, h.Secrets, c.Secrets)
	}
	u, err := url.Parse(h.Environment["REDIS_URL"])
	if err != nil || u.Scheme != "redis" || u.Hostname() != "redis" {
		t.Errorf("REDIS_URL=%q, want redis://redis:6379/N (the compose service)", h.Environment["REDIS_URL"])
	}
	if h.DependsOn["redis"].Condition != "service_healthy" {
		t.Errorf("depends_on redis %+v, want condition service_healthy", h.DependsOn)
	}
	for k := range h.Environment {
		if !slices.Contains(config.Variables(), k) {
			t.Errorf("compose sets %s, which Herald does not read", k)
		}
	}
	want := dockerfileHealthcheck(t)
	if h.Healthcheck == nil || !slices.Equal(h.Healthcheck.Test, want) {
		t.Errorf("herald healthcheck %v, want the Dockerfile's %q", h.Healthcheck, want)
	}
	if !slices.ContainsFunc(h.Ports, func(p string) bool { return strings.HasSuffix(p, ":8080") }) {
		t.Errorf("ports %q: want the container's :8080 (HERALD_HTTP_ADDR in the image) published", h.Ports)
	}
}

var healthRe = regexp.MustCompile(`(?m)^HEALTHCHECK .*CMD (\[.*\])\s*$`)

func dockerfileHealthcheck(t *testing.T) []string {
	t.Helper()
	m := healthRe.FindStringSubmatch(readRepoFile(t, "Dockerfile"))
	if m == nil {
		t.Fatal("Dockerfile: no exec-form HEALTHCHECK … CMD [...] (distroless has no shell)")
	}
	var cmd []string
	if err := yaml.Unmarshal([]byte(m[1]), &cmd); err != nil {
		t.Fatalf("Dockerfile HEALTHCHECK %s: %v", m[1], err)
	}
	return append([]string{"CMD"}, cmd...)
}

// envLineRe matches `NAME=value` and the commented default `# NAME=value`; prose never starts
// with an upper-case word followed by "=".
var envLineRe = regexp.MustCompile(`^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$`)

// envExample returns every variable .env.example mentions and the values of the active lines.
func envExample(text string) (names []string, active map[string]string) {
	active = map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		m := envLineRe.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		names = append(names, m[2])
		if m[1] == "" {
			active[m[2]] = m[3]
		}
	}
	return sortedUnique(names), active
}

var readmeVarRe = regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")

// readmeVariables returns the variables named in the first column of README's table whose
// header starts with "| variable |".
func readmeVariables(text string) []string {
	var names []string
	inTable := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "| variable |"):
			inTable = true
		case inTable && !strings.HasPrefix(line, "|"):
			inTable = false
		case inTable:
			first := strings.SplitN(strings.TrimPrefix(line, "|"), "|", 2)[0]
			for _, m := range readmeVarRe.FindAllStringSubmatch(first, -1) {
				names = append(names, m[1])
			}
		}
	}
	return sortedUnique(names)
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func TestEnvAndReadmeParsers(t *testing.T) {
	cases := []struct {
		name  string
		parse func(string) []string
		in    string
		want  []string
	}{
		{name: "env active and commented", parse: func(s string) []string { n, _ := envExample(s); return n },
			in: "# prose: set FOO=1 here\nLOG_LEVEL=info\n# REDIS_URL=\n#HERALD_FEEDS=a,b\n", want: []string{"HERALD_FEEDS", "LOG_LEVEL", "REDIS_URL"}},
		{name: "readme first column only", parse: readmeVariables,
			in: "| variable | default |\n|---|---|\n| `A_B` / `A_B_FILE` | `C_D` |\n\n| `NOT_TABLE` |\n", want: []string{"A_B", "A_B_FILE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.parse(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvExampleMatchesConfig: .env.example names exactly the variables Herald reads, and its
// active lines are a valid configuration.
func TestEnvExampleMatchesConfig(t *testing.T) {
	names, active := envExample(readRepoFile(t, ".env.example"))
	want := sortedUnique(slices.Clone(config.Variables()))
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf(".env.example vs config.Variables() (-read by Herald +in .env.example):\n%s", diff)
	}
	if _, err := config.Load(func(k string) string { return active[k] }); err != nil {
		t.Errorf(".env.example's active lines do not load: %v", err)
	}
}

func TestReadmeListsEveryVariable(t *testing.T) {
	got := readmeVariables(readRepoFile(t, "README.md"))
	want := sortedUnique(slices.Clone(config.Variables()))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README's configuration table vs config.Variables() (-read by Herald +in README):\n%s", diff)
	}
}

// TestSelfHostingGuide: the guide names every variable and gives the invite URL with the scopes
// and the permission integer of every permission Herald checks (commands.InvitePermissions).
func TestSelfHostingGuide(t *testing.T) {
	guide := readRepoFile(t, "docs/self-hosting.md")
	for _, v := range config.Variables() {
		if !strings.Contains(guide, "`"+v+"`") {
			t.Errorf("docs/self-hosting.md does not mention `%s`", v)
		}
	}
	want := fmt.Sprintf("scope=bot+applications.commands&permissions=%d", commands.InvitePermissions)
	if !strings.Contains(guide, want) {
		t.Errorf("docs/self-hosting.md lacks the invite URL part %q", want)
	}
	if !strings.Contains(readRepoFile(t, "README.md"), "(docs/self-hosting.md)") {
		t.Error("README does not link docs/self-hosting.md")
	}
}

// TestDocsDockerRunUsesComposeImage: every `docker run` of Herald's image in the docs names the
// tag compose builds (herald:${HERALD_VERSION:-dev} → herald:dev), not an image nobody built.
func TestDocsDockerRunUsesComposeImage(t *testing.T) {
	image := loadCompose(t).Services["herald"].Image
	m := regexp.MustCompile(`^([^:]+):\$\{HERALD_VERSION:-([^}]+)\}$`).FindStringSubmatch(image)
	if m == nil {
		t.Fatalf("compose image %q is not name:${HERALD_VERSION:-default}", image)
	}
	want := m[1] + ":" + m[2]
	runs := 0
	for _, name := range []string{"README.md", "docs/self-hosting.md", "docs/architecture.md", "docs/performance.md"} {
		text := strings.Join(strings.Fields(readRepoFile(t, name)), " ") // commands wrap across lines
		for _, cmd := range regexp.MustCompile("docker run [^`]*").FindAllString(text, -1) {
			tok := runImage(strings.Fields(cmd)[2:])
			if tok == m[1] || strings.HasPrefix(tok, m[1]+":") {
				runs++
				if tok != want {
					t.Errorf("%s: %q runs image %q; compose builds %q", name, cmd, tok, want)
				}
			}
		}
	}
	if runs == 0 {
		t.Error("no `docker run` of Herald's image found in the docs; the console-in-the-image instructions are gone")
	}
}

// runImage is the image of `docker run ARGS`: the first argument that is neither an option nor
// the value of one.
func runImage(args []string) string {
	withValue := map[string]bool{"-v": true, "-e": true, "-p": true, "-w": true, "-u": true, "--name": true,
		"--volume": true, "--env": true, "--publish": true, "--user": true, "--network": true, "--env-file": true}
	for i := 0; i < len(args); i++ {
		switch {
		case withValue[args[i]]:
			i++
		case strings.HasPrefix(args[i], "-"):
		default:
			return args[i]
		}
	}
	return ""
}
