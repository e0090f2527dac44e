package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Discord permission bits the dashboard checks: Manage Channels is what the subscription
// commands require; Administrator implies every permission.
const (
	permAdministrator  int64 = 1 << 3
	permManageChannels int64 = 1 << 4
)

// errSignedOut: Discord refused the user's token (expired or revoked): the session is over.
var errSignedOut = errors.New("dashboard: discord refused the user's token")

// discordClient is the dashboard's few REST calls. Tokens travel only in headers and bodies,
// never in URLs or errors, so no log line can carry one.
type discordClient struct {
	base         string // e.g. https://discord.com
	appID        string
	clientSecret string
	botToken     string
	http         *http.Client
}

// tokenResponse is the OAuth2 token endpoint's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// user is the part of /users/@me the dashboard shows.
type user struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name"`
}

// partialGuild is one entry of /users/@me/guilds.
type partialGuild struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Owner       bool   `json:"owner"`
	Permissions string `json:"permissions"`
}

// canManage reports whether the member may manage subscriptions: Manage Channels, Administrator
// or ownership.
func (g partialGuild) canManage() bool {
	p, err := strconv.ParseInt(g.Permissions, 10, 64)
	return g.Owner || (err == nil && p&(permAdministrator|permManageChannels) != 0)
}

// channel is one entry of /guilds/{id}/channels.
type channel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type int    `json:"type"`
}

// postable reports text and announcement channels, where Herald can post.
func (c channel) postable() bool { return c.Type == 0 || c.Type == 5 }

// exchange trades an authorization code (with its PKCE verifier) for the user's token.
func (c *discordClient) exchange(ctx context.Context, code, verifier, redirectURI string) (tokenResponse, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}}
	var tok tokenResponse
	if err := c.postForm(ctx, "/api/oauth2/token", form, &tok); err != nil {
		return tok, fmt.Errorf("dashboard: exchanging the sign-in code: %w", err)
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "Bearer") {
		return tok, errors.New("dashboard: exchanging the sign-in code: Discord returned no bearer token")
	}
	return tok, nil
}

// revoke invalidates a user's token at sign-out.
func (c *discordClient) revoke(ctx context.Context, token string) error {
	return c.postForm(ctx, "/api/oauth2/token/revoke", url.Values{"token": {token}, "token_type_hint": {"access_token"}}, nil)
}

func (c *discordClient) postForm(ctx context.Context, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.appID, c.clientSecret)
	return c.do(req, out)
}

func (c *discordClient) me(ctx context.Context, token string) (user, error) {
	var u user
	err := c.get(ctx, "/users/@me", "Bearer "+token, &u)
	return u, err
}

func (c *discordClient) userGuilds(ctx context.Context, token string) ([]partialGuild, error) {
	var gs []partialGuild
	err := c.get(ctx, "/users/@me/guilds", "Bearer "+token, &gs)
	return gs, err
}

func (c *discordClient) botGuilds(ctx context.Context) ([]partialGuild, error) {
	var gs []partialGuild
	err := c.get(ctx, "/users/@me/guilds", "Bot "+c.botToken, &gs)
	return gs, err
}

func (c *discordClient) channels(ctx context.Context, guildID string) ([]channel, error) {
	var chs []channel
	err := c.get(ctx, "/guilds/"+url.PathEscape(guildID)+"/channels", "Bot "+c.botToken, &chs)
	return chs, err
}

func (c *discordClient) get(ctx context.Context, path, auth string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v10"+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	if err := c.do(req, out); err != nil {
		return fmt.Errorf("dashboard: GET %s: %w", path, err)
	}
	return nil
}

// do sends req and decodes a 2xx JSON answer into out; 401 means the token is no longer good.
func (c *discordClient) do(req *http.Request, out any) error {
	req.Header.Set("User-Agent", "DiscordBot (https://github.com/heraldbot/herald, dashboard)")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("discord unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("reading Discord's answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return errSignedOut
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("discord answered %d", resp.StatusCode)
	case out == nil:
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding Discord's answer: %w", err)
	}
	return nil
}
