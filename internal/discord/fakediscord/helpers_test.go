package fakediscord

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// pointDiscordgo reassigns discordgo's endpoint variables to base for the duration of the test.
// The endpoint helpers are closures over these variables, so the string bases are all that
// needs moving. Tests using it must not run in parallel (the variables are process-global).
func pointDiscordgo(t testing.TB, base string) {
	t.Helper()
	vars := []*string{
		&discordgo.EndpointDiscord, &discordgo.EndpointAPI, &discordgo.EndpointGuilds,
		&discordgo.EndpointChannels, &discordgo.EndpointUsers, &discordgo.EndpointGateway,
		&discordgo.EndpointGatewayBot, &discordgo.EndpointWebhooks, &discordgo.EndpointStickers,
		&discordgo.EndpointStageInstances, &discordgo.EndpointSKUs, &discordgo.EndpointVoice,
		&discordgo.EndpointVoiceRegions, &discordgo.EndpointApplications, &discordgo.EndpointGuildCreate,
		&discordgo.EndpointOAuth2, &discordgo.EndpointOAuth2Applications, &discordgo.EndpointNitroStickersPacks,
		&discordgo.EndpointOauth2, &discordgo.EndpointOauth2Applications,
	}
	saved := make([]string, len(vars))
	for i, v := range vars {
		saved[i] = *v
		*v = strings.Replace(*v, "https://discord.com", base, 1)
	}
	t.Cleanup(func() {
		for i, v := range vars {
			*v = saved[i]
		}
	})
}

// newSession returns a discordgo session pointed at srv. It does not reconnect on its own, so a
// test ends without a background reconnect loop.
func newSession(t testing.TB, srv *Server) *discordgo.Session {
	t.Helper()
	pointDiscordgo(t, srv.URL())
	dg, err := discordgo.New("Bot " + srv.BotToken())
	if err != nil {
		t.Fatalf("discordgo.New: %v", err)
	}
	dg.ShouldReconnectOnError = false
	dg.Client = &http.Client{Timeout: 10 * time.Second}
	return dg
}

// openSession opens the gateway and closes it at the end of the test.
func openSession(t testing.TB, srv *Server) *discordgo.Session {
	t.Helper()
	dg := newSession(t, srv)
	if err := dg.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() })
	return dg
}

// clock is a manual clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

// restCode extracts Discord's JSON error code from a discordgo error.
func restCode(t testing.TB, err error) (status, code int) {
	t.Helper()
	re, ok := err.(*discordgo.RESTError)
	if !ok {
		t.Fatalf("error %v (%T) is not a *discordgo.RESTError", err, err)
	}
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}
