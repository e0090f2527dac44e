// Package dashboard is Herald's web dashboard, served by the bot on HERALD_HTTP_ADDR under
// /dashboard/: Sign in with Discord (OAuth2 code flow with state and PKCE), the servers a user
// may manage, their subscriptions (created, paused, resumed and deleted through the same
// service as the slash commands), feed health with retry, why stories were or were not
// posted, and where tracked stories stand.
//
// Pages are server-rendered html/template with embedded assets and no script, under a strict
// Content-Security-Policy. Sessions live in the store; every form carries the session's CSRF
// token; every write re-asks Discord whether the user may still manage the server.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Store is what the dashboard reads, and its sessions. Subscriptions change only through
// Subscriptions, never here.
type Store interface {
	PutSession(ctx context.Context, s store.Session) error
	GetSession(ctx context.Context, id string) (store.Session, bool, error)
	DeleteSession(ctx context.Context, id string) error
	ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error)
	SubscriptionPage(ctx context.Context, guildID string, offset, limit int) ([]store.Subscription, int, error)
	GuildFeedURLs(ctx context.Context, guildID string) ([]string, error)
	GetSubscription(ctx context.Context, guildID, id string) (store.Subscription, error)
	ListFeedStates(ctx context.Context) ([]store.FeedState, error)
	GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error)
	RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error)
	Unseen(ctx context.Context, channelID string, ids []string) ([]string, error)
}

// Subscriptions is the service behind /subscribe, /unsubscribe and /subscriptions
// (commands.Subscriptions): the dashboard and the slash commands share one code path.
type Subscriptions interface {
	Digest(ctx context.Context, req commands.Request) (message.Message, error)
	Feed(ctx context.Context, req commands.Request) (message.Message, error)
	Topic(ctx context.Context, req commands.Request) (message.Message, error)
	Unsubscribe(ctx context.Context, req commands.Request) (message.Message, error)
	SetPaused(ctx context.Context, req commands.Request, paused bool) (message.Message, error)
	SetFilters(ctx context.Context, req commands.Request) (message.Message, error)
	Describe(sub store.Subscription) string
}

// StatusSource tells where a tracked topic stands, as /status shows it.
type StatusSource interface {
	StatusEmbed(ctx context.Context, topicID string) (message.Embed, error)
}

// FeedRetrier polls a feed at once (poller.Poller).
type FeedRetrier interface {
	Retry(ctx context.Context, feedURL string) error
}

// Options configure the dashboard. BaseURL, AppID, ClientSecret, BotToken, Store and
// Subscriptions are required.
type Options struct {
	// BaseURL is the dashboard's public URL (HERALD_DASHBOARD_URL), without /dashboard.
	BaseURL string
	// DiscordURL is Discord's base URL (DISCORD_API_URL; the fake in tests).
	DiscordURL   string
	AppID        string
	ClientSecret string
	BotToken     string
	// Operators see every server Herald is in, and the global feed view.
	Operators     []string
	Store         Store
	Subscriptions Subscriptions
	Status        StatusSource
	Topics        []commands.TopicInfo
	Feeds         FeedRetrier
	// Verdicts say why each story was or was not posted: delivery's one verdict, which
	// /subscription why gives in Discord too.
	Verdicts delivery.Explainer
	// SessionTTL is how long a sign-in lasts (default 24 h, never beyond the Discord token).
	SessionTTL time.Duration
	// GuildCacheTTL is how long a page may reuse a user's server list and a server's channels
	// (default 30 s), which Discord rate-limits; writes always ask Discord afresh.
	GuildCacheTTL time.Duration
	HTTPClient    *http.Client
	Now           func() time.Time
	Logger        *slog.Logger
}

// Dashboard serves the pages. Build it with New.
type Dashboard struct {
	opts    Options
	discord *discordClient
	secure  bool // BaseURL is https: cookies are Secure
	origin  string
	pages   *pages

	mu       sync.Mutex
	guilds   map[string]cachedGuilds   // by session id
	channels map[string]cachedChannels // by guild id
}

type cachedChannels struct {
	list []channel
	at   time.Time
}

type cachedGuilds struct {
	list []guild
	at   time.Time
}

// New checks opts and builds the dashboard.
func New(opts Options) (*Dashboard, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dashboard: base URL %q: want http(s)://host", opts.BaseURL)
	}
	if opts.AppID == "" || opts.ClientSecret == "" || opts.BotToken == "" || opts.Store == nil || opts.Subscriptions == nil {
		return nil, errors.New("dashboard: app id, client secret, bot token, store and subscriptions are required")
	}
	opts = withDefaults(opts)
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Dashboard{opts: opts, secure: u.Scheme == "https", origin: u.Scheme + "://" + u.Host, pages: p,
		guilds: map[string]cachedGuilds{}, channels: map[string]cachedChannels{},
		discord: &discordClient{base: strings.TrimRight(opts.DiscordURL, "/"), appID: opts.AppID,
			clientSecret: opts.ClientSecret, botToken: opts.BotToken, http: opts.HTTPClient}}, nil
}

func withDefaults(o Options) Options {
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Verdicts.Store == nil { // delivery's default age limit, over the dashboard's store
		o.Verdicts.Store = o.Store
	}
	if o.DiscordURL == "" {
		o.DiscordURL = "https://discord.com"
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 24 * time.Hour
	}
	if o.GuildCacheTTL <= 0 {
		o.GuildCacheTTL = 30 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Verdicts.Now == nil {
		o.Verdicts.Now = o.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Handler serves everything under /dashboard/.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dashboard/{$}", d.home)
	mux.HandleFunc("GET /dashboard/login", d.login)
	mux.HandleFunc("GET /dashboard/callback", d.callback)
	mux.HandleFunc("POST /dashboard/logout", d.write(d.logout))
	mux.Handle("GET /dashboard/static/", http.StripPrefix("/dashboard/", http.FileServerFS(staticFS)))
	mux.HandleFunc("GET /dashboard/status", d.signedIn(d.statusPage))
	mux.HandleFunc("GET /dashboard/feeds", d.signedIn(d.allFeedsPage))
	mux.HandleFunc("POST /dashboard/feeds/retry", d.write(d.retryAnyFeed))
	mux.HandleFunc("GET /dashboard/g/{guild}/{$}", d.inGuild(d.subscriptionsPage))
	mux.HandleFunc("GET /dashboard/g/{guild}/feeds", d.inGuild(d.feedsPage))
	mux.HandleFunc("GET /dashboard/g/{guild}/deliveries", d.inGuild(d.deliveriesPage))
	mux.HandleFunc("GET /dashboard/g/{guild}/subscriptions/{id}", d.inGuild(d.subscriptionPage))
	mux.HandleFunc("POST /dashboard/g/{guild}/subscriptions", d.write(d.guildWrite(d.create)))
	mux.HandleFunc("POST /dashboard/g/{guild}/subscriptions/{id}/{action}", d.write(d.guildWrite(d.change)))
	mux.HandleFunc("POST /dashboard/g/{guild}/feeds/retry", d.write(d.guildWrite(d.retryFeed)))
	return d.secureHeaders(mux)
}

// secureHeaders sets the headers every answer carries and recovers a handler's panic: the
// dashboard must never take the bot down.
func (d *Dashboard) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				d.opts.Logger.Error("dashboard: handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				http.Error(w, "Something went wrong; it was logged.", http.StatusInternalServerError)
			}
		}()
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: under no-referrer browsers send "Origin: null" on form
		// posts, which sameOrigin must refuse; the callback URL never leaves as a Referer either way.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if d.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// isOperator reports whether the user sees every server.
func (d *Dashboard) isOperator(userID string) bool { return slices.Contains(d.opts.Operators, userID) }
