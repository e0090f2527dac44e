package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/redistest"
)

// The wiring tests use their own guild and channels so they never read the restart tests' posts.
const (
	wiringGuild    = "920000000000000001"
	refusedChannel = "930000000000000001" // a member without Manage Channels tries /subscribe here
	liveChannel    = "930000000000000002" // a manager subscribes this channel to the feed
	httpChannel    = "930000000000000003"

	// wiringToken is a distinctive bot token, so a leak in the logs cannot hide behind a
	// common word. Every process run in this package with it is checked for it.
	wiringToken = "MTE5MDAwMDAwMDAwMDAwMDA.e2e-secret.Tok3n_never_logged"

	permManageChannels = "16"
	flagEphemeral      = 64
	interactionWait    = 20 * time.Second
	startupWait        = 60 * time.Second
)

// wiringFake is a fake Discord using wiringToken.
func wiringFake(t *testing.T) *fakediscord.Server {
	t.Helper()
	return fakeDiscord(t, fakediscord.Options{BotToken: wiringToken})
}

// embeddedEnv is a gateway-mode environment on the embedded store in a fresh temp dir: these
// tests need no Redis, so they always run. The caller may swap in Redis with useRedis.
func embeddedEnv(t *testing.T, fake *fakediscord.Server, feedURL string) map[string]string {
	t.Helper()
	return map[string]string{
		"DISCORD_API_URL":            fake.URL(),
		"DISCORD_TOKEN":              fake.BotToken(),
		"DISCORD_APP_ID":             fake.AppID(),
		"HERALD_HTTP_ADDR":           freeAddr(t),
		"HERALD_FEEDS":               feedURL,
		"HERALD_POLL_INTERVAL":       "1s",
		"HERALD_ALLOW_PRIVATE_FEEDS": "true",
		"HERALD_CLAIM_LEASE":         "3s",
		"HERALD_DATA_DIR":            t.TempDir(),
		"LOG_LEVEL":                  "debug",
	}
}

// useRedis moves env onto Redis under a unique prefix (skipping without REDIS_URL).
func useRedis(t *testing.T, env map[string]string) {
	t.Helper()
	url := redistest.URL(t)
	env["REDIS_URL"] = url
	env["HERALD_REDIS_PREFIX"] = redistest.Prefix(t, url)
	delete(env, "HERALD_DATA_DIR")
}

// addTitled appends one item with the given title to fs (published now) and returns its link.
// The harness's add only makes numbered titles; this reaches into the same fields.
func addTitled(fs *feedServer, title string) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k := len(fs.items) + 1
	it := feedItem{n: k, title: title, link: fmt.Sprintf("https://outlet.example/e2e/%d", k),
		published: time.Now().UTC().Truncate(time.Second)}
	fs.items = append(fs.items, it)
	fs.version++
	return it.link
}

// command describes a chat-input command invocation for ask.
type command struct {
	channel     string
	permissions string
	name        string
	options     []fakediscord.Option
	locale      string // the member's client language; "" is the fake's en-US
}

// answer is the bot's reply to one interaction.
type answer struct {
	resp fakediscord.Response // the first acknowledgement (type, latency)
	msg  fakediscord.Message  // @original in its final state
}

// ask injects c over the gateway and waits for the bot's final answer: the inline message, or
// for a deferred acknowledgement, the first edit of @original.
func ask(t *testing.T, fake *fakediscord.Server, c command) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
	defer cancel()
	p, err := fake.InjectInteraction(ctx, fakediscord.Interaction{GuildID: wiringGuild, ChannelID: c.channel,
		Permissions: c.permissions, CommandName: c.name, Options: c.options, Locale: c.locale})
	if err != nil {
		t.Fatalf("inject /%s: %v", c.name, err)
	}
	return awaitAnswer(ctx, t, "/"+c.name, p)
}

func awaitAnswer(ctx context.Context, t *testing.T, what string, p *fakediscord.Pending) answer {
	t.Helper()
	first, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("%s never acknowledged: %v", what, err)
	}
	final := first
	if first.Type == 5 {
		if final, err = p.WaitEdits(ctx, 1); err != nil {
			t.Fatalf("%s deferred but never answered: %v", what, err)
		}
	}
	if final.Original == nil {
		t.Fatalf("%s: acknowledged with type %d and no message (data %s)", what, first.Type, first.Data)
	}
	return answer{resp: first, msg: *final.Original}
}

// embedURLs lists the embeds' URLs in order.
func embedURLs(m fakediscord.Message) []string {
	var out []string
	for _, e := range m.Embeds {
		out = append(out, e.URL)
	}
	return out
}

// newestFirst reverses links (the feed server's are oldest first) and keeps the first n.
func newestFirst(links []string, n int) []string {
	var out []string
	for i := len(links) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, links[i])
	}
	return out
}

// startGatewayBot starts the built binary in gateway mode on the embedded store against fake,
// polling feedURL, and returns once its commands are registered and its first poll stored at
// least stories stories (0: no wait for stories).
func startGatewayBot(t *testing.T, fake *fakediscord.Server, feedURL string, stories float64) {
	t.Helper()
	env := embeddedEnv(t, fake, feedURL)
	waitRegistered(t, startBot(t, env))
	if stories > 0 {
		waitStories(t, env["HERALD_HTTP_ADDR"], stories)
	}
}

// waitRegistered waits for the bot's "commands registered" log line, which comes after READY
// and the comparison with (or overwrite of) Discord's command list.
func waitRegistered(t *testing.T, bot *botProc) {
	t.Helper()
	bot.waitLog("herald running", startupWait)
	bot.waitLog("commands registered", startupWait)
}

// waitStories waits until the store answers /latest with at least n stories, by watching the
// ingest counter on /metrics (the poller's first cycle runs at start).
func waitStories(t *testing.T, addr string, n float64) {
	t.Helper()
	var got float64
	if !waitFor(30*time.Second, func() bool {
		got = scrape(t, addr)["herald_stories_ingested_total"]
		return got >= n
	}) {
		t.Fatalf("herald_stories_ingested_total = %v after 30 s, want >= %v", got, n)
	}
}

// TestGatewayWiring drives the real binary over the fake gateway: command registration (and no
// second PUT on a restart), /latest within the deadline, /help, the Manage Channels check on
// /subscribe, the preview, live posts of new items, and mention-proof delivery of a headline
// containing @everyone. It runs on each store: the embedded one always, Redis with REDIS_URL.
func TestGatewayWiring(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			gatewayWiring(t, store == "redis")
		})
	}
}

func gatewayWiring(t *testing.T, onRedis bool) {
	fs := newFeedServer(t, "Wiring Outlet")
	initial := fs.add(3)
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, fs.URL())
	if onRedis {
		useRedis(t, env)
	}

	bot := startBot(t, env)
	waitRegistered(t, bot)
	if got := fake.PutCount(); got != 1 {
		t.Errorf("first start: %d command PUTs, want 1", got)
	}
	assertRegistered(t, fake)
	waitStories(t, env["HERALD_HTTP_ADDR"], 3)

	checkLatest(t, fake, initial)
	checkHelp(t, fake)
	checkSubscribeRefused(t, fake)
	checkSubscribeAllowed(t, fake, fs.URL(), initial[len(initial)-1])

	plain := fs.add(1)[0]
	loud := addTitled(fs, "@everyone Breaking: E2E ping test <@&123456789012345678>")
	checkLivePosts(t, fake, []string{plain, loud})
	if n := len(fake.Messages(refusedChannel)); n != 0 {
		t.Errorf("the refused /subscribe still got %d messages into its channel", n)
	}

	bot.signal(sigterm)
	if code, _ := bot.wait(10 * time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit code %d, want 0", code)
	}
	assertNoToken(t, bot)

	env["HERALD_HTTP_ADDR"] = freeAddr(t)
	again := startBot(t, env)
	waitRegistered(t, again)
	if got := fake.PutCount(); got != 1 {
		t.Errorf("after a restart with the same definitions: %d command PUTs in total, want 1 (the restart must compare, not overwrite)", got)
	}
	if !strings.Contains(again.output(), "changed=false") {
		t.Errorf("restart did not log commands registered changed=false")
	}
}

// assertRegistered checks the global command set holds the commands the tests use.
func assertRegistered(t *testing.T, fake *fakediscord.Server) {
	t.Helper()
	names := map[string]bool{}
	for _, c := range fake.Commands("") {
		names[c.Name] = true
	}
	for _, want := range []string{"latest", "help", "subscribe", "unsubscribe", "subscriptions", "status", "briefing"} {
		if !names[want] {
			t.Errorf("command /%s not registered globally; have %v", want, names)
		}
	}
}

func checkLatest(t *testing.T, fake *fakediscord.Server, links []string) {
	t.Helper()
	a := ask(t, fake, command{channel: refusedChannel, name: "latest"})
	if a.resp.Latency >= 3*time.Second {
		t.Errorf("/latest acknowledged after %s, past Discord's 3 s deadline", a.resp.Latency)
	}
	t.Logf("/latest acknowledged in %s (type %d)", a.resp.Latency, a.resp.Type)
	if a.msg.ParsesMentions() {
		t.Errorf("/latest answer would parse mentions: allowed_mentions %+v", a.msg.AllowedMentions)
	}
	if diff := cmp.Diff(newestFirst(links, 5), embedURLs(a.msg)); diff != "" {
		t.Errorf("/latest stories (-want +got):\n%s\ncontent %q", diff, a.msg.Content)
	}
	if !strings.Contains(a.msg.Content, fmt.Sprintf("Latest %d stories", len(links))) {
		t.Errorf("/latest content = %q, want the 'Latest %d stories' header", a.msg.Content, len(links))
	}
}

func checkHelp(t *testing.T, fake *fakediscord.Server) {
	t.Helper()
	a := ask(t, fake, command{channel: refusedChannel, name: "help"})
	if a.msg.Flags&flagEphemeral == 0 {
		t.Errorf("/help flags = %d, want ephemeral", a.msg.Flags)
	}
	if len(a.msg.Embeds) != 1 {
		t.Fatalf("/help: %d embeds, want 1", len(a.msg.Embeds))
	}
	ids := map[string]string{}
	for _, c := range fake.Commands("") {
		ids[c.Name] = c.ID
	}
	// Each command is a clickable mention carrying the ID its registration returned.
	for _, want := range []string{"</latest:" + ids["latest"] + ">", "</subscribe feed:" + ids["subscribe"] + "> url", "</help:" + ids["help"] + ">"} {
		if !strings.Contains(a.msg.Embeds[0].Description, want) {
			t.Errorf("/help does not mention %q:\n%s", want, a.msg.Embeds[0].Description)
		}
	}
}

func subscribeFeedCommand(channel, perms, url string) command {
	return command{channel: channel, permissions: perms, name: "subscribe", options: []fakediscord.Option{
		{Name: "feed", Type: 1, Options: []fakediscord.Option{{Name: "url", Type: 3, Value: url}}}}}
}

func checkSubscribeRefused(t *testing.T, fake *fakediscord.Server) {
	t.Helper()
	a := ask(t, fake, subscribeFeedCommand(refusedChannel, "0", "https://outlet.example/other.xml"))
	if a.msg.Flags&flagEphemeral == 0 {
		t.Errorf("refused /subscribe: flags %d, want ephemeral", a.msg.Flags)
	}
	if !strings.Contains(a.msg.Content, "Manage Channels") {
		t.Errorf("refused /subscribe content = %q, want it to name the Manage Channels permission", a.msg.Content)
	}
}

func checkSubscribeAllowed(t *testing.T, fake *fakediscord.Server, url, newest string) {
	t.Helper()
	a := ask(t, fake, subscribeFeedCommand(liveChannel, permManageChannels, url))
	if !strings.Contains(a.msg.Content, "New stories from "+url) {
		t.Fatalf("/subscribe feed content = %q, want the confirmation", a.msg.Content)
	}
	if diff := cmp.Diff([]string{newest}, embedURLs(a.msg)); diff != "" {
		t.Errorf("/subscribe feed preview (-want +got):\n%s", diff)
	}
	if a.msg.ParsesMentions() {
		t.Errorf("/subscribe answer would parse mentions: allowed_mentions %+v", a.msg.AllowedMentions)
	}
}

// checkLivePosts waits for every link in want to be posted to liveChannel once, and checks each
// post's request body carried allowed_mentions {"parse":[]}.
func checkLivePosts(t *testing.T, fake *fakediscord.Server, want []string) {
	t.Helper()
	if !waitFor(30*time.Second, func() bool { return len(postedLinks(fake.Messages(liveChannel))) >= len(want) }) {
		t.Fatalf("live posts after 30 s: %v, want %v", postedLinks(fake.Messages(liveChannel)), want)
	}
	msgs := fake.Messages(liveChannel)
	assertEachOnce(t, msgs, want)
	for _, m := range msgs {
		if m.ParsesMentions() {
			t.Errorf("live post %s would ping: allowed_mentions %+v", m.ID, m.AllowedMentions)
		}
	}
	bodies := postBodies(t, fake, liveChannel)
	if len(bodies) != len(msgs) {
		t.Errorf("%d recorded 200 POSTs to the channel, %d messages", len(bodies), len(msgs))
	}
	sawLoud := false
	for _, b := range bodies {
		var body struct {
			AllowedMentions json.RawMessage `json:"allowed_mentions"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("recorded body is not JSON: %v\n%s", err, b)
		}
		if got := compactJSON(body.AllowedMentions); got != `{"parse":[]}` {
			t.Errorf("allowed_mentions sent = %s, want {\"parse\":[]}\nbody %s", got, b)
		}
		sawLoud = sawLoud || strings.Contains(string(b), "@everyone")
	}
	if !sawLoud {
		t.Errorf("no post body contains the @everyone headline: the test did not exercise it")
	}
}

// postBodies are the JSON bodies of successful message creations in channel.
func postBodies(t *testing.T, fake *fakediscord.Server, channel string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && r.Route == "/channels/{channel_id}/messages" &&
			strings.Contains(r.Path, "/channels/"+channel+"/") && r.Status == http.StatusOK {
			out = append(out, r.Body)
		}
	}
	return out
}

func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "<absent>"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "<invalid: " + string(raw) + ">"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// assertNoToken fails if the bot token appears anywhere in the output of a run that logged at
// debug level (so the check saw the chattiest logs).
func assertNoToken(t *testing.T, bot *botProc) {
	t.Helper()
	assertTokenNotPrinted(t, bot)
	if !strings.Contains(bot.output(), "level=DEBUG") {
		t.Errorf("%s logged nothing at debug level: the token check did not see debug logs", bot.name)
	}
}

// TestHTTPInteractionsMode runs the bot with DISCORD_PUBLIC_KEY: no gateway, commands
// registered over REST, and Discord's signed POSTs to /interactions verified before anything
// else happens.
func TestHTTPInteractionsMode(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "HTTP Outlet")
	links := fs.add(2)
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, fs.URL())
	env["DISCORD_PUBLIC_KEY"] = fake.PublicKeyHex()
	addr := env["HERALD_HTTP_ADDR"]
	endpoint := "http://" + addr + "/interactions"

	bot := startBot(t, env)
	bot.waitLog("herald running", startupWait)
	if code, body := get(t, addr, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %q once running in HTTP mode, want 200", code, body)
	}
	if got := fake.PutCount(); got != 1 {
		t.Errorf("HTTP mode: %d command PUTs, want 1", got)
	}
	if n := len(fake.Sessions()); n != 0 {
		t.Errorf("HTTP mode opened %d gateway sessions, want none", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
	defer cancel()

	for _, tc := range []struct {
		name string
		sig  fakediscord.SigMode
	}{
		{"forged signature", fakediscord.SigForged},
		{"stale timestamp", fakediscord.SigStaleTimestamp},
		{"no signature", fakediscord.SigMissing},
		{"tampered body", fakediscord.SigTamperedBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fake.SendHTTPInteraction(ctx, endpoint, fakediscord.Interaction{GuildID: wiringGuild,
				ChannelID: httpChannel, CommandName: "latest"}, tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusUnauthorized {
				t.Errorf("status %d body %q, want 401", res.Status, res.Body)
			}
			if strings.Contains(string(res.Body), `"type"`) {
				t.Errorf("the bot answered an interaction with a bad signature: %s", res.Body)
			}
		})
	}

	ping, err := fake.Ping(ctx, endpoint, fakediscord.SigValid)
	if err != nil {
		t.Fatal(err)
	}
	if ping.Status != http.StatusOK || compactJSON(ping.Body) != `{"type":1}` {
		t.Errorf("PING: %d %s, want 200 {\"type\":1}", ping.Status, ping.Body)
	}

	waitStories(t, addr, 2)
	res, err := fake.SendHTTPInteraction(ctx, endpoint, fakediscord.Interaction{GuildID: wiringGuild,
		ChannelID: httpChannel, CommandName: "latest"}, fakediscord.SigValid)
	if err != nil {
		t.Fatal(err)
	}
	if res.AckErr != nil || (res.Status != http.StatusOK && res.Status != http.StatusAccepted) {
		t.Fatalf("/latest over HTTP: status %d body %s ack error %v", res.Status, res.Body, res.AckErr)
	}
	a := awaitAnswer(ctx, t, "/latest over HTTP", res.Pending)
	t.Logf("/latest over HTTP: status %d, acknowledged in %s (endpoint answered in %s)", res.Status, a.resp.Latency, res.Latency)
	if a.resp.Latency >= 3*time.Second {
		t.Errorf("/latest acknowledged after %s, past the 3 s deadline", a.resp.Latency)
	}
	if diff := cmp.Diff(newestFirst(links, 5), embedURLs(a.msg)); diff != "" {
		t.Errorf("/latest over HTTP (-want +got):\n%s", diff)
	}
	bot.signal(sigterm)
	if code, _ := bot.wait(10 * time.Second); code != 0 {
		t.Errorf("SIGTERM: exit code %d, want 0", code)
	}
	assertNoToken(t, bot)
}

// TestFatalGatewayCloseExits closes the gateway with 4004 (authentication failed): reconnecting
// cannot help, so the process must exit non-zero with a message naming the cause, without
// identifying again.
func TestFatalGatewayCloseExits(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Fatal Outlet")
	fs.add(1)
	fake := wiringFake(t)
	bot := startBot(t, embeddedEnv(t, fake, fs.URL()))
	waitRegistered(t, bot)
	idents, resumes := fake.Identifies(), totalResumes(fake)

	closed := time.Now()
	if err := fake.CloseGateway(4004); err != nil {
		t.Fatal(err)
	}
	code, _ := bot.wait(15 * time.Second)
	t.Logf("exited %d, %s after the 4004 close", code, time.Since(closed).Round(time.Millisecond))
	if code == 0 || code == -1 {
		t.Errorf("exit code %d after a 4004 close, want a non-zero exit of the bot itself", code)
	}
	if msg := exitMessage(bot); !strings.Contains(msg, "4004") || !strings.Contains(msg, "authentication failed") {
		t.Errorf("exit message = %q, want a \"herald: …\" line naming close code 4004 and the failed authentication", msg)
	}
	if got := fake.Identifies(); got != idents {
		t.Errorf("IDENTIFY count went from %d to %d after a fatal close: the bot reconnected", idents, got)
	}
	if got := totalResumes(fake); got != resumes {
		t.Errorf("RESUME count went from %d to %d after a fatal close: the bot reconnected", resumes, got)
	}
	assertNoToken(t, bot)
}

// exitMessage is the plain "herald: …" line main prints to stderr when it exits with an error
// (the logs around it are structured), or "" if there is none.
func exitMessage(bot *botProc) string {
	for _, line := range strings.Split(bot.stderr.String(), "\n") {
		if strings.HasPrefix(line, "herald: ") {
			return line
		}
	}
	return ""
}

// TestSubscribeBeforeFirstPollPostsNewItems subscribes a channel to a configured feed before
// the poller's first fetch of it (on a fresh store), then publishes two items. /subscribe
// already recorded the feed's items as known, so the two are new and must be posted; before
// the fix the poller's first fetch took every item, these two included, for backfill and they
// were silently never posted.
func TestSubscribeBeforeFirstPollPostsNewItems(t *testing.T) {
	t.Parallel()
	const interval = 4 * time.Second
	fs := newFeedServer(t, "Late Poll Outlet")
	fs.add(3)
	// The poller places a never-polled feed at a URL-derived offset within its first-poll
	// spread (3 s); pick a query string that puts the first poll at least 2 s after start,
	// leaving time to subscribe first. (This mirrors poller.spreadOffset: fnv-64a of the URL
	// mod the spread.)
	url := urlPolledLate(fs.URL(), poller.DefaultFirstSpread, 2*time.Second)
	fake := wiringFake(t)
	env := embeddedEnv(t, fake, url)
	env["HERALD_POLL_INTERVAL"] = interval.String()
	bot := startBot(t, env)
	waitRegistered(t, bot)
	started := time.Now()

	a := ask(t, fake, subscribeFeedCommand(liveChannel, permManageChannels, url))
	if !strings.Contains(a.msg.Content, "New stories from") {
		t.Fatalf("/subscribe feed content = %q", a.msg.Content)
	}
	fresh := fs.add(2)
	if full, _ := fs.counts(); full != 1 {
		t.Fatalf("feed fetched %d times %s after start; want only /subscribe's fetch before the first poll (test timing assumption broken)", full, time.Since(started))
	}
	if !waitFor(2*interval+10*time.Second, func() bool { return len(postedLinks(fake.Messages(liveChannel))) >= len(fresh) }) {
		t.Fatalf("items published after /subscribe but before the first poll were not posted: got %v, want %v",
			postedLinks(fake.Messages(liveChannel)), fresh)
	}
	quiet(fake, liveChannel, 2*time.Second)
	assertEachOnce(t, fake.Messages(liveChannel), fresh)
}

// urlPolledLate returns base with a query string whose spread offset within spread is at
// least min.
func urlPolledLate(base string, interval, min time.Duration) string {
	for k := 0; ; k++ {
		u := fmt.Sprintf("%s?k=%d", base, k)
		h := fnv.New64a()
		h.Write([]byte(u))
		if time.Duration(h.Sum64()%uint64(interval)) >= min {
			return u
		}
	}
}

func totalResumes(fake *fakediscord.Server) int {
	n := 0
	for _, s := range fake.Sessions() {
		n += s.Resumes
	}
	return n
}

// TestWrongTokenExitsWithoutLeakingIt starts the bot with a token Discord rejects, in both
// modes: it must exit non-zero with a message pointing at DISCORD_TOKEN, without printing the
// token it tried, instead of retrying forever.
func TestWrongTokenExitsWithoutLeakingIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		http bool
	}{
		{"gateway", false},
		{"http interactions", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFeedServer(t, "Token Outlet")
			fs.add(1)
			fake := fakeDiscord(t, fakediscord.Options{BotToken: "the-token-discord-expects"})
			env := embeddedEnv(t, fake, fs.URL())
			env["DISCORD_TOKEN"] = wiringToken
			if tc.http {
				env["DISCORD_PUBLIC_KEY"] = fake.PublicKeyHex()
			}
			bot := startBot(t, env)
			code, ran := bot.wait(30 * time.Second)
			t.Logf("exit %d after %s: %s", code, ran.Round(time.Millisecond), exitMessage(bot))
			if code == 0 || code == -1 {
				t.Errorf("exit code %d with a rejected token, want the bot's own non-zero exit", code)
			}
			if msg := exitMessage(bot); !strings.Contains(msg, "DISCORD_TOKEN") || !strings.Contains(msg, "401") {
				t.Errorf("exit message %q does not say Discord answered 401 and point at DISCORD_TOKEN", msg)
			}
			assertTokenNotPrinted(t, bot)
		})
	}
}

// assertTokenNotPrinted fails if the bot token appears anywhere in the process's output.
func assertTokenNotPrinted(t *testing.T, bot *botProc) {
	t.Helper()
	out := bot.output()
	if i := strings.Index(out, wiringToken); i >= 0 {
		t.Errorf("%s printed the bot token: …%s…", bot.name, out[max(0, i-200):min(len(out), i+len(wiringToken)+50)])
	}
}

// TestSubscribeDuringFirstPollPostsNewItems holds the poller's first fetch of a feed open while
// a channel subscribes and two items are published, then lets it finish: that in-flight fetch
// started before the feed was known, but what it brings back after /subscribe recorded the
// feed is new and must be posted, once.
func TestSubscribeDuringFirstPollPostsNewItems(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "In-flight Outlet")
	fs.add(3)
	first, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held := false
		once.Do(func() { held = true; close(first) })
		if held {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		fs.serve(w, r)
	}))
	t.Cleanup(gate.Close)
	url := gate.URL + "/feed.xml"
	fake := wiringFake(t)
	startGatewayBot(t, fake, url, 0)
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatalf("the poller never fetched the feed")
	}

	a := ask(t, fake, subscribeFeedCommand(liveChannel, permManageChannels, url))
	if !strings.Contains(a.msg.Content, "New stories from") {
		t.Fatalf("/subscribe feed content = %q", a.msg.Content)
	}
	fresh := fs.add(2)
	close(release)
	if !waitFor(20*time.Second, func() bool { return len(postedLinks(fake.Messages(liveChannel))) >= len(fresh) }) {
		t.Fatalf("items returned by a poll in flight during /subscribe were not posted: got %v, want %v",
			postedLinks(fake.Messages(liveChannel)), fresh)
	}
	quiet(fake, liveChannel, 2*time.Second)
	assertEachOnce(t, fake.Messages(liveChannel), fresh)
}
