package discord

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
)

const testGuild = "700000000000000001"

// newFake starts a fake Discord and points discordgo at it for the test.
func newFake(t *testing.T, opts fakediscord.Options) *fakediscord.Server {
	t.Helper()
	f := fakediscord.New(opts)
	t.Cleanup(f.Close)
	useAPIBase(t, f.URL())
	return f
}

// testRouter is the real command router with test handlers: /latest answers at once,
// /status waits for release, /help panics, and /status's topic autocompletes.
func testRouter(deferAfter time.Duration, release <-chan struct{}) *commands.Router {
	r := commands.NewRouter(commands.Definitions(), commands.RouterOptions{DeferAfter: deferAfter})
	r.On("latest", func(ctx context.Context, req commands.Request) (message.Message, error) {
		return message.Message{Content: "latest " + req.Options["count"] + " in " + req.ChannelID,
			Embeds: []message.Embed{{Title: "Ceasefire holds", Description: "Day 3."}}}, nil
	})
	r.On("status", func(ctx context.Context, req commands.Request) (message.Message, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return message.Message{}, ctx.Err()
		}
		return message.Message{Content: "status of " + req.Options["topic"]}, nil
	})
	r.On("help", func(context.Context, commands.Request) (message.Message, error) { panic("boom") })
	r.On("subscribe feed", func(context.Context, commands.Request) (message.Message, error) {
		return message.Message{Content: "subscribed"}, nil
	})
	r.OnAutocomplete("status topic", func(_ context.Context, req commands.Request) []commands.Choice {
		var out []commands.Choice
		for i := 0; i < 30; i++ {
			out = append(out, commands.Choice{Name: "topic " + req.Options["topic"], Value: "t" + string(rune('a'+i%26))})
		}
		return out
	})
	return r
}

// openGateway opens a Gateway on the fake and waits until its commands are registered.
func openGateway(t *testing.T, f *fakediscord.Server, h Handler) (*Gateway, bool) {
	t.Helper()
	synced := make(chan bool, 1)
	g, err := NewGateway(GatewayConfig{Token: f.BotToken(), GuildID: testGuild, Handler: h,
		Definitions: commands.Definitions(), Logger: slog.New(slog.DiscardHandler),
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		OnSynced: func(changed bool, err error) {
			if err != nil {
				t.Errorf("SyncCommands: %v", err)
			}
			synced <- changed
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Open(ctx); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = g.Close() })
	runGateway(t, g)
	select {
	case changed := <-synced:
		return g, changed
	case <-ctx.Done():
		t.Fatal("no command registration after READY")
	}
	return nil, false
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestGatewayRegistersCommandsOnce(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	g, changed := openGateway(t, f, testRouter(time.Second, nil))
	if !changed || f.PutCount() != 1 {
		t.Fatalf("first start: changed=%v puts=%d, want a single PUT", changed, f.PutCount())
	}
	if g.AppID() != f.AppID() {
		t.Errorf("AppID from READY = %q, want %q", g.AppID(), f.AppID())
	}
	if got := len(f.Commands(testGuild)); got != len(commands.Definitions()) {
		t.Errorf("%d commands registered in the guild, want %d", got, len(commands.Definitions()))
	}
	for _, c := range f.Commands(testGuild) {
		if c.DescriptionLocalizations["de"] == "" {
			t.Errorf("/%s registered without a German description: %v", c.Name, c.DescriptionLocalizations)
		}
	}
	_ = g.Close()
	_, changed = openGateway(t, f, testRouter(time.Second, nil))
	if changed || f.PutCount() != 1 {
		t.Errorf("restart with the same definitions: changed=%v puts=%d, want no PUT", changed, f.PutCount())
	}
	if sessions := f.Sessions(); len(sessions) != 2 || sessions[1].Intents != 0 {
		t.Errorf("sessions = %+v, want two identified with intents 0", sessions)
	}
}

func TestSyncCommandsDetectsChanges(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	s, err := discordgo.New("Bot " + f.BotToken())
	if err != nil {
		t.Fatal(err)
	}
	ctx := waitCtx(t)
	defs := commands.Definitions()
	first, err := SyncCommands(ctx, s, f.AppID(), "", defs)
	if err != nil || !first.Changed {
		t.Fatalf("first sync: %v %v", first.Changed, err)
	}
	same, err := SyncCommands(ctx, s, f.AppID(), "", defs)
	if err != nil || same.Changed {
		t.Fatalf("same definitions: %v %v, want no change", same.Changed, err)
	}
	// Mentions need the IDs whether or not the commands were overwritten: the PUT's answer
	// and the list agree, one per command.
	if diff := cmp.Diff(first.IDs, same.IDs); diff != "" || len(first.IDs) != len(defs) {
		t.Errorf("ids after PUT vs after list (-put +list):\n%s\n%d ids for %d commands", diff, len(first.IDs), len(defs))
	}
	for _, c := range f.Commands("") {
		if first.IDs[c.Name] != c.ID {
			t.Errorf("id of /%s = %q, the fake registered %q", c.Name, first.IDs[c.Name], c.ID)
		}
	}
	edited := commands.Definitions()
	edited[0].Options[0].Description = "A different description"
	if reg, err := SyncCommands(ctx, s, f.AppID(), "", edited); err != nil || !reg.Changed {
		t.Errorf("edited description: %v %v, want a PUT", reg.Changed, err)
	}
	perm := int64(0)
	edited[1].DefaultMemberPermissions = &perm
	if reg, err := SyncCommands(ctx, s, f.AppID(), "", edited); err != nil || !reg.Changed {
		t.Errorf("edited permissions: %v %v, want a PUT", reg.Changed, err)
	}
	edited[0].Options[0].DescriptionLocalizations = map[string]string{"de": "Eine andere Beschreibung"}
	if reg, err := SyncCommands(ctx, s, f.AppID(), "", edited); err != nil || !reg.Changed {
		t.Errorf("edited an option's German description: %v %v, want a PUT", reg.Changed, err)
	}
	if reg, err := SyncCommands(ctx, s, f.AppID(), "", edited); err != nil || reg.Changed {
		t.Errorf("same localised options: %v %v, want no change", reg.Changed, err)
	}
	if f.PutCount() != 4 || len(f.Commands("")) != len(defs) {
		t.Errorf("puts=%d global commands=%d", f.PutCount(), len(f.Commands("")))
	}
}

func decodeData(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("response data %s: %v", raw, err)
	}
	return m
}

func TestGatewayInteractions(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	release := make(chan struct{})
	openGateway(t, f, testRouter(150*time.Millisecond, release))

	t.Run("latest answered inline within the deadline", func(t *testing.T) {
		p, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{GuildID: testGuild, ChannelID: "800",
			CommandName: "latest", Options: []fakediscord.Option{{Name: "count", Type: 4, Value: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Type != 4 || resp.Latency > 3*time.Second || resp.Original == nil {
			t.Fatalf("response type %d after %v, want type 4 within 3 s", resp.Type, resp.Latency)
		}
		if resp.Original.Content != "latest 3 in 800" || len(resp.Original.Embeds) != 1 {
			t.Errorf("original = %q with %d embeds", resp.Original.Content, len(resp.Original.Embeds))
		}
		if am := resp.Original.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 {
			t.Errorf("allowed_mentions = %+v, want parse []", am)
		}
	})

	t.Run("slow handler deferred then original edited", func(t *testing.T) {
		p, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{GuildID: testGuild, ChannelID: "800",
			CommandName: "status", Options: []fakediscord.Option{{Name: "topic", Type: 3, Value: "ceasefire"}}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Type != 5 || resp.Latency > 3*time.Second {
			t.Fatalf("first response type %d after %v, want deferred (5) within 3 s", resp.Type, resp.Latency)
		}
		close(release)
		resp, err = p.WaitEdits(waitCtx(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Original == nil || resp.Original.Content != "status of ceasefire" {
			t.Errorf("@original after edit = %+v", resp.Original)
		}
	})

	t.Run("panicking handler gets an error reply and the bot lives", func(t *testing.T) {
		p, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{GuildID: testGuild, ChannelID: "800", CommandName: "help"})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Type != 4 || resp.Original == nil || !strings.Contains(resp.Original.Content, "Something went wrong") || resp.Original.Flags&64 == 0 {
			t.Fatalf("panic reply = type %d %+v, want an ephemeral error", resp.Type, resp.Original)
		}
		p, err = f.InjectInteraction(waitCtx(t), fakediscord.Interaction{GuildID: testGuild, ChannelID: "801", CommandName: "latest"})
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := p.Wait(waitCtx(t)); err != nil || resp.Type != 4 {
			t.Errorf("after the panic: %v type %d, want the bot still answering", err, resp.Type)
		}
	})

	t.Run("member without Manage Channels refused", func(t *testing.T) {
		sub := []fakediscord.Option{{Name: "feed", Type: 1, Options: []fakediscord.Option{{Name: "url", Type: 3, Value: "https://x.test/rss"}}}}
		for _, tc := range []struct {
			perms, want string
		}{{"0", "Manage Channels"}, {"16", "subscribed"}} {
			p, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{GuildID: testGuild, ChannelID: "800",
				CommandName: "subscribe", Permissions: tc.perms, Options: sub})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.Wait(waitCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Original == nil || !strings.Contains(resp.Original.Content, tc.want) {
				t.Errorf("permissions %s: reply %+v, want %q", tc.perms, resp.Original, tc.want)
			}
		}
	})

	t.Run("autocomplete answered with at most 25 choices", func(t *testing.T) {
		p, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{Type: fakediscord.InteractionAutocomplete,
			GuildID: testGuild, ChannelID: "800", CommandName: "status",
			Options: []fakediscord.Option{{Name: "topic", Type: 3, Value: "cease", Focused: true}}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.Wait(waitCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		choices, _ := decodeData(t, resp.Data)["choices"].([]any)
		if resp.Type != 8 || len(choices) != 25 {
			t.Errorf("autocomplete type %d with %d choices, want 8 with 25", resp.Type, len(choices))
		}
	})
}

func TestGatewayFatalCloseStopsReconnecting(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	g, _ := openGateway(t, f, testRouter(time.Second, nil))
	disconnected := make(chan struct{}, 1)
	g.Session().AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		select {
		case disconnected <- struct{}{}:
		default:
		}
	})
	if err := f.CloseGateway(4004); err != nil {
		t.Fatal(err)
	}
	var fatal *FatalCloseError
	select {
	case err := <-g.Done():
		if !errors.As(err, &fatal) || fatal.Code != 4004 {
			t.Fatalf("Done() = %v, want FatalCloseError 4004", err)
		}
	case <-waitCtx(t).Done():
		t.Fatal("no fatal error after close 4004")
	}
	select {
	case <-disconnected:
	case <-waitCtx(t).Done():
		t.Fatal("no disconnect")
	}
	// discordgo reconnects right after emitting Disconnect when it means to; give it a bounded
	// chance to connect a second session and require that it does not.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := f.WaitSession(ctx, 1); err == nil {
		t.Errorf("a session reconnected after 4004 (%d identifies)", f.Identifies())
	}
	if n := f.Identifies(); n != 1 {
		t.Errorf("%d IDENTIFYs, want 1: no reconnect loop", n)
	}
}

func TestGatewayBadTokenIsFatalOnOpen(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	g, err := NewGateway(GatewayConfig{Token: "wrong-token", Handler: testRouter(time.Second, nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	err = g.Open(waitCtx(t))
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Open with a bad token = %v, want ErrUnauthorized", err)
	}
	if !errors.Is(&FatalCloseError{Code: 4004}, ErrUnauthorized) || errors.Is(&FatalCloseError{Code: 4013}, ErrUnauthorized) {
		t.Error("only close 4004 means the token was rejected")
	}
	if n := f.Identifies(); n != 0 {
		t.Errorf("%d identifies accepted with a bad token", n)
	}
}

// runGateway serves g's interactions until the test ends, then waits for Run to return.
func runGateway(t *testing.T, g *Gateway) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// TestGatewayShards runs two shards; each guild's interaction reaches, and is answered by,
// the shard Discord routes it to, and only shard 0 registers commands.
func TestGatewayShards(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	var answered [2]chan string
	for shard := 0; shard < 2; shard++ {
		answered[shard] = make(chan string, 4)
		r := commands.NewRouter(commands.Definitions(), commands.RouterOptions{})
		r.On("latest", func(_ context.Context, req commands.Request) (message.Message, error) {
			answered[shard] <- req.GuildID
			return message.Message{Content: "ok"}, nil
		})
		g, err := NewGateway(GatewayConfig{Token: f.BotToken(), ShardID: shard, ShardCount: 2, Handler: r,
			Definitions: commands.Definitions()})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Open(waitCtx(t)); err != nil {
			t.Fatalf("shard %d: %v", shard, err)
		}
		t.Cleanup(func() { _ = g.Close() })
		runGateway(t, g)
	}
	if err := f.WaitSession(waitCtx(t), 2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		guild string
		shard int
	}{{"41771983427338241", 1}, {"41771983423143937", 0}} {
		p, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{GuildID: tc.guild, ChannelID: "800", CommandName: "latest"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-answered[tc.shard]:
			if got != tc.guild {
				t.Errorf("shard %d answered guild %s, want %s", tc.shard, got, tc.guild)
			}
		default:
			t.Errorf("guild %s not handled by shard %d", tc.guild, tc.shard)
		}
	}
	if n := f.PutCount(); n > 1 {
		t.Errorf("%d command PUTs from two shards, want at most 1 (shard 0 only)", n)
	}
}

// TestGatewayPrivateCommands is issue 11 item 7 through the fake Discord: commands register
// where they work (contexts, integration types), so Discord offers no /subscribe in a DM,
// and a slow /subscribe that fails is deferred ephemerally, its error seen only by its
// invoker, while a slow public command still defers publicly.
func TestGatewayPrivateCommands(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	r := commands.NewRouter(commands.Definitions(), commands.RouterOptions{DeferAfter: 100 * time.Millisecond})
	slowFail := func(ctx context.Context, _ commands.Request) (message.Message, error) {
		time.Sleep(300 * time.Millisecond)
		return message.Message{}, commands.Errorf("Could not subscribe to https://x.test/rss: the feed timed out.")
	}
	r.On("subscribe feed", slowFail)
	r.On("latest", slowFail)
	openGateway(t, f, r)

	contexts := map[string][]int{}
	for _, c := range f.Commands(testGuild) {
		contexts[c.Name] = c.Contexts
		if diff := cmp.Diff([]int{0}, c.IntegrationTypes); diff != "" {
			t.Errorf("/%s integration_types (-want +got):\n%s", c.Name, diff)
		}
	}
	wantContexts := map[string][]int{"latest": {0, 1}, "status": {0, 1}, "subscribe": {0},
		"unsubscribe": {0}, "subscription": {0}, "subscriptions": {0}, "retry-feed": {0}, "briefing": {0, 1}, "help": {0, 1}}
	if diff := cmp.Diff(wantContexts, contexts); diff != "" {
		t.Errorf("registered contexts (-want +got):\n%s", diff)
	}
	sub := []fakediscord.Option{{Name: "feed", Type: 1, Options: []fakediscord.Option{{Name: "url", Type: 3, Value: "https://x.test/rss"}}}}
	if _, err := f.InjectInteraction(waitCtx(t), fakediscord.Interaction{ChannelID: "900", CommandName: "subscribe", Options: sub}); !errors.Is(err, fakediscord.ErrNotOffered) {
		t.Errorf("/subscribe in a DM: %v, want Discord not to offer it", err)
	}

	for _, tc := range []struct {
		name      string
		in        fakediscord.Interaction
		ephemeral bool
	}{
		{"subscribe", fakediscord.Interaction{GuildID: testGuild, ChannelID: "800", CommandName: "subscribe", Permissions: "16", Options: sub}, true},
		{"latest", fakediscord.Interaction{GuildID: testGuild, ChannelID: "800", CommandName: "latest"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.InjectInteraction(waitCtx(t), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.WaitEdits(waitCtx(t), 1)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Type != 5 {
				t.Fatalf("first response type %d, want deferred (5)", resp.Type)
			}
			deferredEphemeral := strings.Contains(string(resp.Data), `"flags":64`)
			if deferredEphemeral != tc.ephemeral {
				t.Errorf("deferral data %s: ephemeral %t, want %t", resp.Data, deferredEphemeral, tc.ephemeral)
			}
			if !strings.Contains(resp.Original.Content, "timed out") || (resp.Original.Flags&64 != 0) != tc.ephemeral {
				t.Errorf("error edit %q flags %d, want ephemeral %t", resp.Original.Content, resp.Original.Flags, tc.ephemeral)
			}
		})
	}
}

// TestGatewayConnectedFollowsTheWebsocket: Connected (what /readyz reports) is cleared when
// the websocket drops and set again once discordgo has reconnected and resumed.
func TestGatewayConnectedFollowsTheWebsocket(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	changes := make(chan bool, 8)
	g, err := NewGateway(GatewayConfig{Token: f.BotToken(), GuildID: testGuild, Handler: testRouter(time.Second, nil),
		Logger: slog.New(slog.DiscardHandler), HTTPClient: &http.Client{Timeout: 5 * time.Second},
		OnConnection: func(up bool) { changes <- up }})
	if err != nil {
		t.Fatal(err)
	}
	if g.Connected() {
		t.Fatal("Connected before Open")
	}
	if err := g.Open(waitCtx(t)); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = g.Close() })
	expect := func(want bool, what string) {
		t.Helper()
		select {
		case up := <-changes:
			if up != want {
				t.Fatalf("%s: connection change to %v, want %v", what, up, want)
			}
		case <-waitCtx(t).Done():
			t.Fatalf("%s: no connection change to %v", what, want)
		}
		if g.Connected() != want {
			t.Fatalf("%s: Connected() = %v, want %v", what, g.Connected(), want)
		}
	}
	expect(true, "READY")
	f.SetGatewayDown(true)
	expect(false, "websocket dropped")
	f.SetGatewayDown(false)
	expect(true, "reconnected")
	if n := f.Identifies(); n != 1 {
		t.Errorf("%d IDENTIFYs, want 1: the session resumed", n)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if g.Connected() {
		t.Error("Connected after Close")
	}
}

// Serve, the gateway's lifecycle part, ends with the reason it was stopped for and leaves the
// session closed: the runner's stop, a fatal close code, or the shard lost to another replica.
func TestGatewayServeEndsAndCloses(t *testing.T) {
	errLost := errors.New("shard 0 taken over")
	for _, tc := range []struct {
		name    string
		stop    func(t *testing.T, f *fakediscord.Server, cancel context.CancelFunc, lost chan<- error)
		wantErr func(error) bool
	}{
		{name: "runner stops it", stop: func(_ *testing.T, _ *fakediscord.Server, cancel context.CancelFunc, _ chan<- error) { cancel() },
			wantErr: func(err error) bool { return err == nil }},
		{name: "fatal close code", stop: func(t *testing.T, f *fakediscord.Server, _ context.CancelFunc, _ chan<- error) {
			if err := f.CloseGateway(4004); err != nil {
				t.Fatal(err)
			}
		}, wantErr: func(err error) bool { var fc *FatalCloseError; return errors.As(err, &fc) && fc.Code == 4004 }},
		{name: "shard lost", stop: func(_ *testing.T, _ *fakediscord.Server, _ context.CancelFunc, lost chan<- error) { lost <- errLost },
			wantErr: func(err error) bool { return errors.Is(err, errLost) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, fakediscord.Options{})
			g, _ := openGateway(t, f, testRouter(time.Second, nil))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			lost := make(chan error, 1)
			served := make(chan error, 1)
			go func() { served <- g.Serve(ctx, lost) }()
			tc.stop(t, f, cancel, lost)
			select {
			case err := <-served:
				if !tc.wantErr(err) {
					t.Errorf("Serve = %v", err)
				}
			case <-waitCtx(t).Done():
				t.Fatal("Serve did not return")
			}
			if g.Connected() {
				t.Error("session still connected after Serve returned")
			}
		})
	}
}
