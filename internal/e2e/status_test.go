package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// statusChannel is where the status tests ask; they only read the interaction answers.
const statusChannel = "930000000000000010"

// trackedItem is one headline of the status streams: which outlet publishes it, how long
// before the test starts, and whether the status may quote it as its latest development.
type trackedItem struct {
	outlet int
	ago    time.Duration
	title  string
	latest bool
}

// The streams are AUTHORED headlines (from internal/tracking/testdata/authored), each with the
// state a careful editor gives: Ukraine talks held and a one-sided acceptance (talks, not an
// agreement), with a Gaza distractor; a Gaza deal, then the ceasefire taking effect, with a
// Ukraine distractor and a call for a ceasefire.
var (
	ukraineTalks = []trackedItem{
		{0, 72 * time.Hour, "US and Russian officials meet in Riyadh for talks on ending the war in Ukraine", true},
		{1, 50 * time.Hour, "Ukraine agrees to US proposal for 30-day ceasefire after Jeddah talks", true},
		{2, 30 * time.Hour, "Russia and Ukraine hold first direct peace talks in three years, agree to prisoner swap", true},
		{1, 20 * time.Hour, "Opinion: Europe must not be a bystander to a Ukraine deal", false},
	}
	gazaInEffect = []trackedItem{
		{0, 60 * time.Hour, "Israel and Hamas agree to Gaza ceasefire and hostage release deal, Qatar says", false},
		{1, 59 * time.Hour, "Israel and Hamas agree to a cease-fire, raising hopes of ending 15-month war", false},
		{2, 40 * time.Hour, "Protesters in London march to demand Gaza ceasefire", false},
		{0, 20 * time.Hour, "Gaza ceasefire takes effect after delay over hostage names", true},
		{2, 10 * time.Hour, "Three Israeli hostages freed as cease-fire begins; Palestinians return to ruins", true},
	}
)

// TestStatusCommands runs the real binary with three outlets' feeds holding both streams, and
// asks /status ukraine-peace and /ceasefire-status over the fake gateway: each answer is one
// embed whose title is the topic and the editor's label, whose description opens with that
// label's configured sentence, and whose latest development is a headline of the label's kind.
// The embedded store always; Redis too with REDIS_URL.
func TestStatusCommands(t *testing.T) {
	t.Parallel()
	t.Run("bolt", func(t *testing.T) { statusCommands(t, false) })
	t.Run("redis", func(t *testing.T) { statusCommands(t, true) })
}

func statusCommands(t *testing.T, onRedis bool) {
	outlets := []*feedServer{newFeedServer(t, "Wire One"), newFeedServer(t, "Wire Two"), newFeedServer(t, "Wire Three")}
	now := time.Now().UTC().Truncate(time.Second)
	n := 0
	for _, items := range [][]trackedItem{ukraineTalks, gazaInEffect} {
		for _, it := range items {
			addAt(outlets[it.outlet], it.title, now.Add(-it.ago), n)
			n++
		}
	}
	var urls []string
	for _, o := range outlets {
		urls = append(urls, o.URL())
	}
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, strings.Join(urls, ","))
	if onRedis {
		useRedis(t, env)
	}
	bot := startBot(t, env)
	waitRegistered(t, bot)
	waitStories(t, env["HERALD_HTTP_ADDR"], float64(n))

	checkStatus(t, fake, command{channel: statusChannel, name: "status",
		options: []fakediscord.Option{{Name: "topic", Type: 3, Value: "ukraine-peace"}}},
		"Russia–Ukraine peace talks: Talks ongoing", "Russia and Ukraine are in talks or answering peace proposals", ukraineTalks)
	checkStatus(t, fake, command{channel: statusChannel, name: "ceasefire-status"},
		"Gaza ceasefire: Ceasefire in effect", "The Gaza ceasefire is in effect", gazaInEffect)

	bot.signal(sigterm)
	if code, _ := bot.wait(10 * time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, bot.output())
	}
	assertNoToken(t, bot)
}

// addAt appends one item published at `at`, with a link unique across the test's outlets.
func addAt(fs *feedServer, title string, at time.Time, n int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k := len(fs.items) + 1
	fs.items = append(fs.items, feedItem{n: k, title: title, link: fmt.Sprintf("https://outlet.example/status/%d", n), published: at})
	fs.version++
}

// checkStatus asks c and checks the embed: title, the sentence's opening, and that the latest
// development quotes one of items marked latest (the label and its evidence agree).
func checkStatus(t *testing.T, fake *fakediscord.Server, c command, title, lead string, items []trackedItem) {
	t.Helper()
	a := ask(t, fake, c)
	if len(a.msg.Embeds) != 1 {
		t.Fatalf("/%s: %d embeds, want 1: %+v", c.name, len(a.msg.Embeds), a.msg)
	}
	e := a.msg.Embeds[0]
	if e.Title != title {
		t.Errorf("/%s: title %q, want %q (description %q)", c.name, e.Title, title, e.Description)
	}
	if !strings.HasPrefix(e.Description, lead) {
		t.Errorf("/%s: description %q, want it to open with %q", c.name, e.Description, lead)
	}
	var latest string
	for _, f := range e.Fields {
		if f.Name == "Latest development" {
			latest = f.Value
		}
	}
	if latest == "" {
		t.Fatalf("/%s: no latest development in %+v", c.name, e.Fields)
	}
	for _, it := range items {
		if strings.Contains(latest, it.title) {
			if !it.latest {
				t.Errorf("/%s: latest development %q is not of the label's kind", c.name, it.title)
			}
			return
		}
	}
	t.Errorf("/%s: latest development %q quotes none of the stream's headlines", c.name, latest)
}
