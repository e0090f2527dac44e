package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/redistest"
)

// TestShardCountAuto starts three replicas on one Redis with DISCORD_SHARD_COUNT=auto while
// Discord recommends two shards (GET /gateway/bot): the first two claim shard 0 and 1 of 2,
// the third stands by without a session; when a shard's replica is killed, the standby
// takes the shard over once its lease lapses (30 s).
func TestShardCountAuto(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	fs := newFeedServer(t, "Shard Outlet")
	fake := fakeDiscord(t, fakediscord.Options{Shards: 2})
	var bots []*botProc
	for range 3 {
		env := botEnv(t, fake, fs.URL(), url, prefix)
		env["DISCORD_SHARD_COUNT"] = "auto"
		bots = append(bots, startBot(t, env))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startupWait)
	defer cancel()
	if err := fake.WaitSession(ctx, 2); err != nil {
		t.Fatalf("two shard sessions: %v", err)
	}
	shards := func() [][2]int {
		var out [][2]int
		for _, s := range fake.Sessions() {
			if s.Connected {
				out = append(out, s.Shard)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
		return out
	}
	if got := shards(); len(got) != 2 || got[0] != [2]int{0, 2} || got[1] != [2]int{1, 2} {
		t.Fatalf("connected shards %v, want [0 2] and [1 2]", got)
	}
	standby := -1
	waitFor(10*time.Second, func() bool {
		for i, b := range bots {
			if contains(b.output(), "standing by") {
				standby = i
				return true
			}
		}
		return false
	})
	if standby < 0 {
		t.Fatal("no replica stood by")
	}
	victim := (standby + 1) % len(bots)
	bots[victim].kill9()
	if !waitFor(60*time.Second, func() bool { return contains(bots[standby].output(), "gateway shard assigned") }) {
		t.Fatalf("the standby did not take over the dead replica's shard")
	}
	if !waitFor(20*time.Second, func() bool { return len(shards()) == 2 }) {
		t.Fatalf("connected shards after the takeover: %v, want both", shards())
	}
	if got := shards(); got[0][0] != 0 || got[1][0] != 1 {
		t.Errorf("connected shards %v after the takeover, want 0 and 1", got)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
