package fakediscord

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OAuth2 as Discord runs it for "Sign in with Discord" (authorization code grant): the browser
// visits /oauth2/authorize, the signed-in Discord user approves, and Discord redirects to a
// registered redirect URI with ?code&state; the application exchanges the code at
// POST /api/oauth2/token (client id and secret; the PKCE code_verifier when the authorize
// request carried a code_challenge) for a Bearer token that reads /users/@me (scope identify)
// and /users/@me/guilds (scope guilds, each guild with the user's permissions as a string).

// Lifetimes Discord uses: codes are short-lived, access tokens last a week.
const (
	oauthCodeTTL  = 10 * time.Minute
	oauthTokenTTL = 7 * 24 * time.Hour
)

// User is a Discord user who can sign in to the application.
type User struct {
	ID       string
	Username string
}

// Guild is a server known to the fake: its channels, and whether the bot is a member.
type Guild struct {
	ID       string
	Name     string
	Channels []Channel
	// BotMember makes the guild appear in the bot's /users/@me/guilds and lets the bot list
	// its channels.
	BotMember bool
}

// Channel is one guild channel (type 0: text).
type Channel struct {
	ID   string
	Name string
	Type int
}

type oauthCode struct {
	userID, redirectURI, challenge string
	scopes                         []string
	expires                        time.Time
}

type oauthToken struct {
	userID  string
	scopes  []string
	expires time.Time
}

// oauthState is the fake's OAuth2 and guild-membership state, guarded by Server.mu.
type oauthState struct {
	redirects []string
	users     map[string]User
	guilds    []Guild
	members   map[string]map[string]int64 // guild → user → permissions
	browser   string                      // the user signed in to Discord in "the browser"
	codes     map[string]*oauthCode
	tokens    map[string]*oauthToken
}

func newOAuthState() *oauthState {
	return &oauthState{users: map[string]User{}, members: map[string]map[string]int64{},
		codes: map[string]*oauthCode{}, tokens: map[string]*oauthToken{}}
}

// ClientSecret is the application's OAuth2 client secret (Options.ClientSecret).
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// AllowRedirect registers uri as an OAuth2 redirect, as the developer portal does; authorize
// refuses any other.
func (s *Server) AllowRedirect(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.redirects = append(s.oauth.redirects, uri)
}

// AddUser makes u known and the one signed in to Discord in the browser, so the next
// authorize request is approved as u.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.users[u.ID] = u
	s.oauth.browser = u.ID
}

// AddGuild adds or replaces a guild.
func (s *Server) AddGuild(g Guild) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.guilds = slices.DeleteFunc(s.oauth.guilds, func(o Guild) bool { return o.ID == g.ID })
	s.oauth.guilds = append(s.oauth.guilds, g)
}

// SetMember makes userID a member of guildID with the given permission bits (a change takes
// effect on the next /users/@me/guilds, as on Discord); a negative value removes the member.
func (s *Server) SetMember(guildID, userID string, permissions int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if permissions < 0 {
		delete(s.oauth.members[guildID], userID)
		return
	}
	if s.oauth.members[guildID] == nil {
		s.oauth.members[guildID] = map[string]int64{}
	}
	s.oauth.members[guildID][userID] = permissions
}

// isOAuthPage reports the browser-facing authorize page, which lives outside the versioned API.
func isOAuthPage(p string) bool {
	return p == "/oauth2/authorize" || p == "/api/oauth2/authorize" || p == "/api/v10/oauth2/authorize"
}

// isOAuthToken reports the token endpoints (unversioned, as Discord documents them, or v10).
func isOAuthToken(p string) bool {
	for _, base := range []string{"/api", "/api/v10"} {
		if p == base+"/oauth2/token" || p == base+"/oauth2/token/revoke" {
			return true
		}
	}
	return false
}

// handleAuthorize approves the request as the browser's user and redirects with a code.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	redirect := q.Get("redirect_uri")
	switch {
	case q.Get("client_id") != s.opts.AppID:
		http.Error(w, "Unknown Application", http.StatusBadRequest)
		return
	case !slices.Contains(s.oauth.redirects, redirect):
		http.Error(w, "Invalid OAuth2 redirect_uri", http.StatusBadRequest)
		return
	}
	fail := func(code, desc string) {
		v := url.Values{"error": {code}, "error_description": {desc}}
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		http.Redirect(w, r, redirect+"?"+v.Encode(), http.StatusFound)
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case len(scopes) == 0:
		fail("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case s.oauth.browser == "":
		http.Error(w, "fakediscord: no user signed in to Discord (AddUser)", http.StatusUnauthorized)
		return
	}
	code := randomOAuthToken()
	s.oauth.codes[code] = &oauthCode{userID: s.oauth.browser, redirectURI: redirect, scopes: scopes,
		challenge: q.Get("code_challenge"), expires: s.now().Add(oauthCodeTTL)}
	v := url.Values{"code": {code}}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	http.Redirect(w, r, redirect+"?"+v.Encode(), http.StatusFound)
}

// handleToken exchanges a code for a token, or revokes a token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": "405: Method Not Allowed", "code": 0})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.clientAuthenticated(r, form) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	if strings.HasSuffix(r.URL.Path, "/revoke") {
		delete(s.oauth.tokens, form.Get("token"))
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	s.exchangeLocked(w, form)
}

func (s *Server) clientAuthenticated(r *http.Request, form url.Values) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	return id == s.opts.AppID && subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
}

func (s *Server) exchangeLocked(w http.ResponseWriter, form url.Values) {
	if form.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	code, ok := s.oauth.codes[form.Get("code")]
	delete(s.oauth.codes, form.Get("code")) // a code is single-use, even when the exchange fails
	switch {
	case !ok || !code.expires.After(s.now()):
		oauthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "code" in request.`)
		return
	case form.Get("redirect_uri") != code.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "redirect_uri" in request.`)
		return
	case code.challenge != "" && pkceChallenge(form.Get("code_verifier")) != code.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "code_verifier" in request.`)
		return
	}
	token := randomOAuthToken()
	s.oauth.tokens[token] = &oauthToken{userID: code.userID, scopes: code.scopes, expires: s.now().Add(oauthTokenTTL)}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": token, "token_type": "Bearer",
		"expires_in": int(oauthTokenTTL.Seconds()), "refresh_token": randomOAuthToken(), "scope": strings.Join(code.scopes, " ")})
}

// pkceChallenge is the S256 challenge of a verifier (RFC 7636).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]any{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, status, body)
}

func randomOAuthToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// bearerLocked returns the live token an Authorization header carries, if any.
func (s *Server) bearerLocked(auth string) (*oauthToken, bool) {
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return nil, false
	}
	t, ok := s.oauth.tokens[raw]
	if !ok || !t.expires.After(s.now()) {
		return nil, false
	}
	return t, true
}

// bearer is bearerLocked for handlers, which run without the lock.
func (s *Server) bearer(c *call) (*oauthToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bearerLocked(c.r.Header.Get("Authorization"))
}

// handleMyGuilds lists the guilds of the token's user (scope guilds) or, for the bot token,
// the bot's; each with the caller's permissions as a decimal string, as Discord sends them.
func (s *Server) handleMyGuilds(c *call) {
	userID := s.opts.AppID
	if t, ok := s.bearer(c); ok {
		if !slices.Contains(t.scopes, "guilds") {
			writeAPIError(c.w, newAPIError(http.StatusForbidden, CodeMissingAccess, "Missing Access"))
			return
		}
		userID = t.userID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, g := range s.oauth.guilds {
		perms, member := s.oauth.members[g.ID][userID]
		if userID == s.opts.AppID {
			perms, member = 0, g.BotMember
		}
		if member {
			out = append(out, map[string]any{"id": g.ID, "name": g.Name, "icon": nil, "owner": false,
				"permissions": strconv.FormatInt(perms, 10), "features": []string{}})
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

// handleGuildChannels lists a guild's channels to the bot, if it is a member.
func (s *Server) handleGuildChannels(c *call) {
	if _, ok := s.bearer(c); ok {
		writeAPIError(c.w, newAPIError(http.StatusForbidden, CodeMissingAccess, "Missing Access"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.oauth.guilds, func(g Guild) bool { return g.ID == c.params["guild_id"] })
	if i < 0 {
		writeAPIError(c.w, newAPIError(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild"))
		return
	}
	g := s.oauth.guilds[i]
	if !g.BotMember {
		writeAPIError(c.w, newAPIError(http.StatusForbidden, CodeMissingAccess, "Missing Access"))
		return
	}
	out := []map[string]any{}
	for pos, ch := range g.Channels {
		out = append(out, map[string]any{"id": ch.ID, "type": ch.Type, "guild_id": g.ID, "name": ch.Name,
			"position": pos, "permission_overwrites": []any{}})
	}
	writeJSON(c.w, http.StatusOK, out)
}

// userJSON is /users/@me for a signed-in user (scope identify).
func (s *Server) userJSON(t *oauthToken) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.oauth.users[t.userID]
	if !ok || !slices.Contains(t.scopes, "identify") {
		return nil, false
	}
	return map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "global_name": u.Username,
		"avatar": nil, "flags": 0}, true
}
