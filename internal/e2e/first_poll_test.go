package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/poller"
)

const firstPollChannel = "930000000000000004"

// TestFirstPollWithinSeconds starts the bot in gateway mode against the fake Discord on a fresh
// embedded store with the default 10-minute interval. The feed is fetched within seconds of
// start, not at an offset of up to ten minutes; /latest asked while that first fetch is held
// says polling is under way, and once the feed answers /latest shows its stories.
func TestFirstPollWithinSeconds(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "First Poll Outlet")
	fs.add(3)
	gate := make(chan struct{})
	var firstRequest atomic.Int64
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		firstRequest.CompareAndSwap(0, time.Now().UnixNano())
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		fs.serve(w, r)
	}))
	t.Cleanup(held.Close)
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, held.URL+"/feed.xml")
	delete(env, "HERALD_POLL_INTERVAL") // the default, 10m
	started := time.Now()
	bot := startBot(t, env)
	waitRegistered(t, bot)
	registered := time.Now()

	if !waitFor(poller.DefaultFirstSpread+5*time.Second, func() bool { return firstRequest.Load() != 0 }) {
		close(gate)
		t.Fatalf("feed not fetched within %v of the bot being ready", poller.DefaultFirstSpread+5*time.Second)
	}
	first := time.Unix(0, firstRequest.Load())
	t.Logf("first poll %v after process start, %v after commands were registered", first.Sub(started).Round(time.Millisecond),
		first.Sub(registered).Round(time.Millisecond))
	if late := first.Sub(registered); late > poller.DefaultFirstSpread+time.Second {
		t.Errorf("first poll %v after the bot was ready, want within %v", late, poller.DefaultFirstSpread)
	}

	a := ask(t, fake, command{channel: firstPollChannel, name: "latest"})
	if !strings.Contains(a.msg.Content, "polling its feeds for the first time") {
		t.Errorf("/latest during the first poll = %q, want it to say polling is under way", a.msg.Content)
	}
	close(gate)
	waitStories(t, env["HERALD_HTTP_ADDR"], 3)
	a = ask(t, fake, command{channel: firstPollChannel, name: "latest"})
	if !strings.Contains(a.msg.Content, "Latest 3 stories") || len(a.msg.Embeds) != 3 {
		t.Errorf("/latest after the first poll: content %q, %d embeds", a.msg.Content, len(a.msg.Embeds))
	}
	t.Logf("/latest showed the stories %v after process start", time.Since(started).Round(time.Millisecond))
}

// TestSubscribeChecksInvitePermissions: Discord says (app_permissions) the bot lacks Embed
// Links in the channel, so /subscribe is refused naming it, instead of every later post
// failing; with the invite URL's permissions it is accepted.
func TestSubscribeChecksInvitePermissions(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Permissions Outlet")
	fs.add(1)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 0)
	topic := []fakediscord.Option{{Name: "topic", Type: 1, Options: []fakediscord.Option{{Name: "topic", Type: 3, Value: "ceasefire"}}}}
	for _, tc := range []struct {
		name, appPermissions, want string
	}{
		{name: "without Embed Links", appPermissions: strconv.FormatInt(commands.PermViewChannel|commands.PermSendMessages, 10),
			want: "Herald cannot post in this channel: it lacks Embed Links here."},
		{name: "with the invite's permissions", appPermissions: strconv.FormatInt(commands.BotPermissions, 10), want: "✅ New stories on"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
		p, err := fake.InjectInteraction(ctx, fakediscord.Interaction{GuildID: wiringGuild, ChannelID: firstPollChannel,
			Permissions: permManageChannels, AppPermissions: tc.appPermissions, CommandName: "subscribe", Options: topic})
		if err != nil {
			cancel()
			t.Fatalf("%s: inject: %v", tc.name, err)
		}
		a := awaitAnswer(ctx, t, "/subscribe topic", p)
		cancel()
		if !strings.Contains(a.msg.Content, tc.want) {
			t.Errorf("%s: answer %q, want it to contain %q", tc.name, a.msg.Content, tc.want)
		}
	}
}
