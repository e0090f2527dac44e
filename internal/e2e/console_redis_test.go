package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/redistest"
)

// TestConsoleRestartOnRedis runs the console bot twice on the same Redis prefix: the second run
// must revalidate the feed with the stored ETag (answered 304) and still answer /latest from
// the stories the first run stored.
func TestConsoleRestartOnRedis(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	fs := newFeedServer(t, "Console Outlet")
	fs.add(7)
	env := map[string]string{"HERALD_FEEDS": fs.URL(), "HERALD_ALLOW_PRIVATE_FEEDS": "true",
		"REDIS_URL": url, "HERALD_REDIS_PREFIX": prefix}
	want := []string{"E2E story number 7", "E2E story number 6", "E2E story number 5", "E2E story number 4", "E2E story number 3"}

	first := runConsole(t, env)
	if got := storyLines(first); !cmp.Equal(got, want) {
		t.Fatalf("first run /latest (-want +got):\n%s", cmp.Diff(want, got))
	}
	if full, notMod := fs.counts(); full != 1 || notMod != 0 {
		t.Fatalf("first run: feed answered %d full, %d not-modified; want 1 and 0", full, notMod)
	}

	second := runConsole(t, env)
	if full, notMod := fs.counts(); full != 1 || notMod != 1 {
		t.Errorf("second run: feed answered %d full, %d not-modified in total; want 1 and 1 (conditional request from the stored ETag)", full, notMod)
	}
	if !strings.Contains(second, "Store: Redis") {
		t.Errorf("second run does not say it uses Redis:\n%s", second)
	}
	if got := storyLines(second); !cmp.Equal(got, want) {
		t.Errorf("second run /latest must print the stored stories (-want +got):\n%s", cmp.Diff(want, got))
	}
}

// runConsole runs the console bot with "/latest" on stdin and returns its stdout.
func runConsole(t *testing.T, env map[string]string) string {
	t.Helper()
	p := startBotInput(t, env, strings.NewReader("/latest\n"))
	code, ran := p.wait(60 * time.Second)
	if code != 0 {
		t.Fatalf("console run exited %d after %s\nstdout:\n%s\nstderr:\n%s", code, ran, p.stdout.String(), p.stderr.String())
	}
	return p.stdout.String()
}

// storyLines returns the test feed's headlines in the order printed.
func storyLines(out string) []string {
	var got []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "E2E story number"); i >= 0 {
			got = append(got, strings.TrimSpace(line[i:]))
		}
	}
	return got
}
