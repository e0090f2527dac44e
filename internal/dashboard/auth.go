package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/heraldbot/herald/internal/store"
)

// Cookies: the signed-in session, and the short-lived sign-in under way (state and PKCE
// verifier stay server-side; the cookie only names them).
const (
	sessionCookie = "herald_session"
	loginCookie   = "herald_login"
	loginTTL      = 10 * time.Minute
	maxFormBytes  = 64 << 10
	// maxCachedSessions is when the server-list cache starts dropping stale entries.
	maxCachedSessions = 1024
)

type handler func(w http.ResponseWriter, r *http.Request, sess store.Session)

type guildHandler func(w http.ResponseWriter, r *http.Request, sess store.Session, g guild)

// guild is a server the signed-in user may manage and Herald is in.
type guild struct {
	ID, Name string
}

// randomString is n random bytes, base64url: cookie values, states, verifiers, CSRF tokens.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// storeID is what the store keys a session by: a hash of the cookie, so the store's content
// does not sign anyone in.
func storeID(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (d *Dashboard) redirectURI() string { return d.opts.BaseURL + "/dashboard/callback" }

func (d *Dashboard) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/dashboard/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteLaxMode})
}

func (d *Dashboard) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/dashboard/", MaxAge: -1,
		HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteLaxMode})
}

// login starts Sign in with Discord: a fresh state and PKCE verifier, kept in the store under
// a new cookie, and a redirect to Discord's authorize page.
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	cookie, state, verifier := randomString(32), randomString(24), randomString(32)
	pending := store.Session{ID: storeID(cookie), State: state, Verifier: verifier, Expires: d.opts.Now().Add(loginTTL)}
	if err := d.opts.Store.PutSession(r.Context(), pending); err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable, so you cannot sign in right now.", err)
		return
	}
	d.setCookie(w, loginCookie, cookie, loginTTL)
	q := url.Values{"client_id": {d.opts.AppID}, "response_type": {"code"}, "redirect_uri": {d.redirectURI()},
		"scope": {"identify guilds"}, "state": {state}, "code_challenge": {pkceChallenge(verifier)},
		"code_challenge_method": {"S256"}, "prompt": {"none"}}
	http.Redirect(w, r, d.discord.base+"/oauth2/authorize?"+q.Encode(), http.StatusFound)
}

// callback finishes the sign-in: the state must be the one this browser's login cookie names
// (single use), the code is exchanged with the verifier, and a new session replaces the
// pending one.
func (d *Dashboard) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pending, ok := d.pendingLogin(r)
	d.clearCookie(w, loginCookie)
	q := r.URL.Query()
	switch {
	case !ok || pending.State == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pending.State)) != 1:
		d.fail(w, r, http.StatusBadRequest, "This sign-in link is not valid any more (or was started in another browser). Please sign in again.", nil)
		return
	case q.Get("error") != "":
		d.fail(w, r, http.StatusForbidden, "Discord did not sign you in ("+q.Get("error")+"). Please try again.", nil)
		return
	}
	tok, err := d.discord.exchange(ctx, q.Get("code"), pending.Verifier, d.redirectURI())
	if err != nil {
		d.fail(w, r, http.StatusBadGateway, "Discord did not confirm the sign-in. Please try again.", err)
		return
	}
	u, err := d.discord.me(ctx, tok.AccessToken)
	if err != nil {
		d.fail(w, r, http.StatusBadGateway, "Discord did not say who you are. Please try again.", err)
		return
	}
	d.startSession(w, r, tok, u)
}

func (d *Dashboard) pendingLogin(r *http.Request) (store.Session, bool) {
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return store.Session{}, false
	}
	id := storeID(c.Value)
	sess, ok, err := d.opts.Store.GetSession(r.Context(), id)
	if err != nil || !ok {
		return store.Session{}, false
	}
	if err := d.opts.Store.DeleteSession(r.Context(), id); err != nil {
		return store.Session{}, false // a state that cannot be spent must not be accepted
	}
	return sess, true
}

func (d *Dashboard) startSession(w http.ResponseWriter, r *http.Request, tok tokenResponse, u user) {
	ttl := d.opts.SessionTTL
	if tok.ExpiresIn > 0 {
		ttl = min(ttl, time.Duration(tok.ExpiresIn)*time.Second)
	}
	name := u.GlobalName
	if name == "" {
		name = u.Username
	}
	cookie := randomString(32)
	sess := store.Session{ID: storeID(cookie), UserID: u.ID, Username: name, AccessToken: tok.AccessToken,
		CSRF: randomString(24), Expires: d.opts.Now().Add(ttl)}
	if err := d.opts.Store.PutSession(r.Context(), sess); err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable, so you cannot sign in right now.", err)
		return
	}
	d.setCookie(w, sessionCookie, cookie, ttl)
	d.opts.Logger.Info("dashboard: signed in", "user_id", u.ID)
	http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
}

// session returns the signed-in session of r, if any.
func (d *Dashboard) session(r *http.Request) (store.Session, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return store.Session{}, false, nil
	}
	sess, ok, err := d.opts.Store.GetSession(r.Context(), storeID(c.Value))
	if err != nil || !ok || sess.UserID == "" {
		return store.Session{}, false, err
	}
	return sess, true, nil
}

// signedIn runs h with the session, or sends the browser to the sign-in page.
func (d *Dashboard) signedIn(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, ok, err := d.session(r)
		if err != nil {
			d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
			return
		}
		if !ok {
			http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}

// write guards every state change: a session, a same-origin request and the session's CSRF
// token in the form. A failure changes nothing.
func (d *Dashboard) write(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			d.fail(w, r, http.StatusBadRequest, "That form could not be read.", nil)
			return
		}
		sess, ok, err := d.session(r)
		if err != nil {
			d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Nothing was changed.", err)
			return
		}
		if !ok || !d.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(sess.CSRF)) != 1 {
			d.fail(w, r, http.StatusForbidden, "This form has expired or did not come from this dashboard. Nothing was changed; reload the page and try again.", nil)
			return
		}
		h(w, r, sess)
	}
}

// sameOrigin refuses a request another site's page sent (Origin, or Sec-Fetch-Site where the
// browser gives it); requests without either (non-browsers) rely on the CSRF token alone.
func (d *Dashboard) sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != d.origin {
		return false
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

// inGuild runs h for a server the user may manage (the list may be up to GuildCacheTTL old).
func (d *Dashboard) inGuild(h guildHandler) http.HandlerFunc {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, sess store.Session) {
		if g, ok := d.guildOf(w, r, sess, false); ok {
			h(w, r, sess, g)
		}
	})
}

// guildWrite re-asks Discord, for every write, whether the user may still manage the server.
func (d *Dashboard) guildWrite(h guildHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, sess store.Session) {
		if g, ok := d.guildOf(w, r, sess, true); ok {
			h(w, r, sess, g)
		}
	}
}

func (d *Dashboard) guildOf(w http.ResponseWriter, r *http.Request, sess store.Session, fresh bool) (guild, bool) {
	list, err := d.manageable(r.Context(), sess, fresh)
	if err != nil {
		d.discordFailed(w, r, sess, err)
		return guild{}, false
	}
	i := slices.IndexFunc(list, func(g guild) bool { return g.ID == r.PathValue("guild") })
	if i < 0 {
		d.fail(w, r, http.StatusForbidden, "You cannot manage Herald in that server: you need the Manage Channels permission there, and Herald must be a member. Nothing was changed.", nil)
		return guild{}, false
	}
	return list[i], true
}

// discordFailed answers a failed Discord call: a refused token ends the session.
func (d *Dashboard) discordFailed(w http.ResponseWriter, r *http.Request, sess store.Session, err error) {
	if errors.Is(err, errSignedOut) {
		d.endSession(r.Context(), w, sess)
		d.fail(w, r, http.StatusUnauthorized, "Discord signed you out. Please sign in again.", nil)
		return
	}
	d.fail(w, r, http.StatusBadGateway, "Discord could not be asked which servers you manage. Nothing was changed; please try again.", err)
}

// manageable lists the servers the user may manage where Herald is: Manage Channels (or
// Administrator, or ownership) by Discord's own answer; operators get every server of Herald's.
func (d *Dashboard) manageable(ctx context.Context, sess store.Session, fresh bool) ([]guild, error) {
	now := d.opts.Now()
	if !fresh {
		d.mu.Lock()
		c, ok := d.guilds[sess.ID]
		d.mu.Unlock()
		if ok && now.Sub(c.at) < d.opts.GuildCacheTTL {
			return c.list, nil
		}
	}
	mine, err := d.discord.userGuilds(ctx, sess.AccessToken)
	if err != nil {
		return nil, err
	}
	bots, err := d.discord.botGuilds(ctx)
	if err != nil {
		return nil, err
	}
	var list []guild
	for _, b := range bots {
		i := slices.IndexFunc(mine, func(g partialGuild) bool { return g.ID == b.ID })
		if d.isOperator(sess.UserID) || (i >= 0 && mine[i].canManage()) {
			list = append(list, guild{ID: b.ID, Name: b.Name})
		}
	}
	d.mu.Lock()
	d.guilds[sess.ID] = cachedGuilds{list: list, at: now}
	if len(d.guilds) > maxCachedSessions {
		for id, c := range d.guilds {
			if now.Sub(c.at) >= d.opts.GuildCacheTTL {
				delete(d.guilds, id) // sessions that went quiet: keep the map bounded
			}
		}
	}
	d.mu.Unlock()
	return list, nil
}

// logout revokes the user's token at Discord (best effort) and forgets the session.
func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, sess store.Session) {
	if err := d.discord.revoke(r.Context(), sess.AccessToken); err != nil {
		d.opts.Logger.Warn("dashboard: revoking the token at sign-out", "user_id", sess.UserID, "error", err)
	}
	d.endSession(r.Context(), w, sess)
	http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
}

func (d *Dashboard) endSession(ctx context.Context, w http.ResponseWriter, sess store.Session) {
	if err := d.opts.Store.DeleteSession(ctx, sess.ID); err != nil {
		d.opts.Logger.Warn("dashboard: deleting a session", "user_id", sess.UserID, "error", err)
	}
	d.mu.Lock()
	delete(d.guilds, sess.ID)
	d.mu.Unlock()
	d.clearCookie(w, sessionCookie)
}

// flash keeps a one-time notice for the next page.
func (d *Dashboard) flash(ctx context.Context, sess store.Session, text string) {
	sess.Flash = text
	if err := d.opts.Store.PutSession(ctx, sess); err != nil {
		d.opts.Logger.Warn("dashboard: saving a notice", "user_id", sess.UserID, "error", err)
	}
}

// takeFlash returns the pending notice and clears it.
func (d *Dashboard) takeFlash(ctx context.Context, sess store.Session) string {
	if sess.Flash == "" {
		return ""
	}
	text := sess.Flash
	sess.Flash = ""
	if err := d.opts.Store.PutSession(ctx, sess); err != nil {
		d.opts.Logger.Warn("dashboard: clearing a notice", "user_id", sess.UserID, "error", err)
	}
	return text
}
