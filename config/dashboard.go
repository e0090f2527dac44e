package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Dashboard configures the web dashboard, which is off unless HERALD_DASHBOARD_URL is set.
type Dashboard struct {
	// URL is where browsers reach the dashboard (HERALD_DASHBOARD_URL); its /dashboard/callback
	// must be registered as an OAuth2 redirect of the application.
	URL string
	// ClientSecret is the application's OAuth2 client secret (DISCORD_CLIENT_SECRET[_FILE]).
	ClientSecret string
	// Operators are Discord user ids who see every server and the global views.
	Operators []string
}

// Enabled reports whether the dashboard is configured.
func (d Dashboard) Enabled() bool { return d.URL != "" }

// parseDashboard reads the dashboard's variables; a URL without the secret or the application
// id it needs is an error rather than a dashboard whose sign-in always fails.
func parseDashboard(cfg *Config, getenv func(string) string) error {
	secret, err := secret(getenv, "DISCORD_CLIENT_SECRET")
	if err != nil {
		return err
	}
	d := Dashboard{URL: strings.TrimRight(strings.TrimSpace(getenv("HERALD_DASHBOARD_URL")), "/"), ClientSecret: secret}
	for _, id := range strings.Split(getenv("HERALD_DASHBOARD_OPERATORS"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if strings.Trim(id, "0123456789") != "" {
			return fmt.Errorf("config: HERALD_DASHBOARD_OPERATORS: %q is not a Discord user id (digits)", id)
		}
		d.Operators = append(d.Operators, id)
	}
	cfg.Dashboard = d
	if d.URL == "" {
		return nil
	}
	if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: HERALD_DASHBOARD_URL=%q: want the dashboard's public http(s) URL such as https://herald.example.org", d.URL)
	}
	if d.ClientSecret == "" || cfg.DiscordAppID == "" {
		return errors.New("config: HERALD_DASHBOARD_URL needs DISCORD_CLIENT_SECRET (or _FILE) and DISCORD_APP_ID for Sign in with Discord")
	}
	return nil
}
