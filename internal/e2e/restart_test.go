package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/redistest"
)

const (
	guildID   = "900000000000000001"
	channelID = "910000000000000001"
)

// TestSIGKILLMidDeliveryNoReposts subscribes a channel to a feed, lets 30 new items arrive and
// SIGKILLs the bot after the first live message landed but before the last (the fake Discord
// lets one message per channel through every 3 s, so delivery takes several seconds). After a
// restart every story must be in the channel exactly once.
func TestSIGKILLMidDeliveryNoReposts(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	fs := newFeedServer(t, "Restart Outlet")
	fs.add(3)
	fake := fakeDiscord(t, fakediscord.Options{ChannelLimit: 1, ChannelWindow: 3 * time.Second})
	env := botEnv(t, fake, fs.URL(), url, prefix)

	bot := startBot(t, env)
	// The poller's first fetch of a feed is backfill (never posted): add items after it.
	bot.waitLog("polled=1", 60*time.Second)
	subscribeFeed(t, fake, guildID, channelID, fs.URL())
	fresh := fs.add(30)

	if !waitFor(60*time.Second, func() bool { return len(fake.Messages(channelID)) >= 1 }) {
		t.Fatalf("no live post within 60 s of 30 new items")
	}
	bot.kill9()
	atKill := len(fake.Messages(channelID))
	if posted := postedLinks(fake.Messages(channelID)); len(posted) >= len(fresh) {
		t.Fatalf("all %d stories were posted before the SIGKILL (%d messages): the test did not interrupt delivery", len(fresh), atKill)
	}
	t.Logf("SIGKILL after %d of the stories' messages", atKill)

	env["HERALD_HTTP_ADDR"] = freeAddr(t)
	restarted := startBot(t, env)
	restarted.waitLog("herald running", 60*time.Second)
	if !waitFor(90*time.Second, func() bool { return len(postedLinks(fake.Messages(channelID))) >= len(fresh) }) {
		t.Fatalf("after the restart only %d of %d stories were posted; messages:\n%s", len(postedLinks(fake.Messages(channelID))), len(fresh), describeMessages(fake.Messages(channelID)))
	}
	// Give the restarted bot two more retry sweeps (lease 3 s) to post a duplicate if it would.
	quiet(fake, channelID, 7*time.Second)
	t.Logf("messages:\n%s", describeMessages(fake.Messages(channelID)))
	assertEachOnce(t, fake.Messages(channelID), fresh)
}

// quiet returns once the channel has received no message for d (bounded by 4·d), so late
// duplicates have a chance to show before the assertions.
func quiet(fake *fakediscord.Server, channel string, d time.Duration) {
	last, since := len(fake.Messages(channel)), time.Now()
	waitFor(4*d, func() bool {
		if n := len(fake.Messages(channel)); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= d
	})
}

// postedLinks counts each embed URL across msgs.
func postedLinks(msgs []fakediscord.Message) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		for _, e := range m.Embeds {
			out[e.URL]++
		}
	}
	return out
}

// assertEachOnce fails unless msgs carry exactly the links want, each once, and no two
// messages are the same post.
func assertEachOnce(t *testing.T, msgs []fakediscord.Message, want []string) {
	t.Helper()
	got := postedLinks(msgs)
	wantCounts := map[string]int{}
	for _, l := range want {
		wantCounts[l] = 1
	}
	if diff := cmp.Diff(wantCounts, got); diff != "" {
		t.Errorf("stories posted (link → times) (-want +got):\n%s\nmessages:\n%s", diff, describeMessages(msgs))
	}
	assertUniqueNonces(t, msgs)
}

// assertUniqueNonces fails when two messages carry the same nonce: the same post made twice.
func assertUniqueNonces(t *testing.T, msgs []fakediscord.Message) {
	t.Helper()
	nonces := map[string]int{}
	for _, m := range msgs {
		if m.Nonce != "" {
			nonces[m.Nonce]++
		}
	}
	for n, c := range nonces {
		if c > 1 {
			t.Errorf("nonce %s posted %d times", n, c)
		}
	}
}

func describeMessages(msgs []fakediscord.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		var urls []string
		for _, e := range m.Embeds {
			urls = append(urls, strings.TrimPrefix(e.URL, "https://outlet.example/e2e/"))
		}
		sort.Strings(urls)
		fmt.Fprintf(&b, "  #%d id=%s nonce=%s at=%s content=%q stories=%v\n", i, m.ID, m.Nonce, m.Timestamp.Format("15:04:05.000"), m.Content, urls)
	}
	return b.String()
}
