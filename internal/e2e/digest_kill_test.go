package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/redistest"
)

const digestChannel = "910000000000000002"

// TestSIGKILLDuringDigest SIGKILLs the bot while its daily digest is being sent (the fake
// Discord answers a global 429, so the post waits) and restarts it: the digest slot, left
// leased by the dead process, must be delivered by the new one once the claim lease
// (HERALD_CLAIM_LEASE, 3 s) expires, exactly once. The 429's wait is recorded in the budget
// the replicas share through Redis, so the new process must not post before it ends either.
func TestSIGKILLDuringDigest(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	fs := newFeedServer(t, "Digest Outlet")
	fs.add(3)
	fake := fakeDiscord(t, fakediscord.Options{})
	env := botEnv(t, fake, fs.URL(), url, prefix)

	bot := startBot(t, env)
	bot.waitLog("polled=1", 60*time.Second)
	fs.add(4)
	slot := nextSlot(time.Now().UTC(), 10*time.Second)
	subscribe(t, fake, guildID, digestChannel, "digest", []fakediscord.Option{
		{Name: "time", Type: 3, Value: slot.Format("15:04")}, {Name: "timezone", Type: 3, Value: "UTC"}}, "every day at")
	t.Logf("digest slot %s", slot.Format(time.TimeOnly))

	// Just before the slot, make Discord refuse everything for long enough to kill mid-send.
	waitFor(time.Until(slot)+time.Second, func() bool { return time.Until(slot) < 2*time.Second })
	const pause = 12 * time.Second
	fake.ForceGlobal429(pause)
	pauseEnd := time.Now().Add(pause)
	if !waitFor(time.Until(slot)+30*time.Second, func() bool { return digestAttempted(fake) }) {
		t.Fatalf("the digest due at %s was never attempted", slot.Format(time.TimeOnly))
	}
	bot.kill9()
	if n := len(fake.Messages(digestChannel)); n != 0 {
		t.Fatalf("%d digest messages landed while Discord answered 429", n)
	}

	env["HERALD_HTTP_ADDR"] = freeAddr(t)
	restarted := startBot(t, env)
	restarted.waitLog("herald running", 60*time.Second)
	if !waitFor(45*time.Second, func() bool { return len(fake.Messages(digestChannel)) > 0 }) {
		t.Fatalf("the interrupted digest was not delivered within 45 s of the restart")
	}
	quiet(fake, digestChannel, 7*time.Second)
	for _, r := range fake.Requests() {
		if r.Status == http.StatusTooManyRequests && r.Time.After(pauseEnd.Add(-pause/2)) && strings.Contains(r.Path, digestChannel) {
			t.Errorf("a post to the digest channel %v after the global 429 began: the restarted bot ignored the shared pause",
				r.Time.Sub(pauseEnd.Add(-pause)).Round(time.Millisecond))
		}
	}
	msgs := fake.Messages(digestChannel)
	t.Logf("messages:\n%s", describeMessages(msgs))
	headers := 0
	for _, m := range msgs {
		for _, e := range m.Embeds {
			if strings.HasPrefix(e.Title, "Your briefing") {
				headers++
			}
		}
	}
	if headers != 1 {
		t.Errorf("%d briefing headers in the channel; want exactly 1", headers)
	}
	for link, n := range postedLinks(msgs) {
		if link != "" && n > 1 {
			t.Errorf("story %s posted %d times", link, n)
		}
	}
	assertUniqueNonces(t, msgs)
}

// nextSlot is the next whole minute at least margin away from now.
func nextSlot(now time.Time, margin time.Duration) time.Time {
	slot := now.Truncate(time.Minute).Add(time.Minute)
	if slot.Sub(now) < margin {
		slot = slot.Add(time.Minute)
	}
	return slot
}

// digestAttempted reports whether the bot tried to post in the digest channel (and got a 429).
func digestAttempted(fake *fakediscord.Server) bool {
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/channels/"+digestChannel+"/messages") {
			return true
		}
	}
	return false
}
