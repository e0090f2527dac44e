package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
)

// TestSignInShowsOnlyManageableServers: ada manages g1 (Herald present) and g3 (Herald absent)
// and is a plain member of g2: she sees g1 only.
func TestSignInShowsOnlyManageableServers(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be.open(t), nil)
			b := e.browser(t)
			b.signIn()
			_, body := b.get("/dashboard/")
			if !strings.Contains(body, "Newsroom") || strings.Contains(body, "Elsewhere") || strings.Contains(body, "No Herald") {
				t.Errorf("server list should hold Newsroom only:\n%s", body)
			}
		})
	}
}

// TestForeignSubscriptionByID: another server's subscription can be neither read nor changed by
// id, whichever server the URL names.
func TestForeignSubscriptionByID(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be.open(t), nil)
			foreign := e.createSub(t, store.Subscription{GuildID: "g2", ChannelID: "c9", Kind: store.KindTopic, Topic: "ceasefire"})
			b := e.browser(t)
			b.signIn()
			reads := []struct {
				name, path string
				want       int
			}{
				{"other server's page", "/dashboard/g/g2/", http.StatusForbidden},
				{"other server's deliveries", "/dashboard/g/g2/deliveries?subscription=" + foreign.ID, http.StatusForbidden},
				{"foreign id under own server", "/dashboard/g/g1/deliveries?subscription=" + foreign.ID, http.StatusNotFound},
				{"foreign subscription page", "/dashboard/g/g1/subscriptions/" + foreign.ID, http.StatusNotFound},
				{"other server's subscription page", "/dashboard/g/g2/subscriptions/" + foreign.ID, http.StatusForbidden},
			}
			for _, tc := range reads {
				t.Run(tc.name, func(t *testing.T) {
					status, body := b.get(tc.path)
					if status != tc.want || strings.Contains(body, "#other") {
						t.Errorf("GET %s = %d, want %d without the foreign channel:\n%s", tc.path, status, tc.want, body)
					}
				})
			}
			for _, action := range []string{"pause", "delete", "filters"} {
				for _, g := range []string{"g1", "g2"} {
					t.Run(action+" via "+g, func(t *testing.T) {
						status, _ := b.post("/dashboard/g/"+g+"/subscriptions/"+foreign.ID+"/"+action, url.Values{}, nil)
						if status < 400 {
							t.Errorf("%s of a foreign subscription via %s = %d, want a refusal", action, g, status)
						}
						if got := e.listSubs(t, "g2"); len(got) != 1 || got[0].Paused {
							t.Errorf("the foreign subscription changed: %+v", got)
						}
					})
				}
			}
		})
	}
}

// TestWriteNeedsCSRFAndOwnSession: a write without the session's CSRF token, with another
// session's token, from another origin or without a session changes nothing.
func TestWriteNeedsCSRFAndOwnSession(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be.open(t), nil)
			ada := e.browser(t)
			ada.signIn()
			ada.get("/dashboard/g/g1/")
			e.fake.AddUser(fakediscord.User{ID: userBob, Username: "bob"}) // bob now signs in
			e.fake.SetMember("g1", userBob, 16)
			bob := e.browser(t)
			bob.signIn()
			bob.get("/dashboard/g/g1/")
			if ada.csrf == "" || bob.csrf == "" || ada.csrf == bob.csrf {
				t.Fatalf("each session needs its own CSRF token: %q %q", ada.csrf, bob.csrf)
			}
			anon := e.browser(t)
			create := func(csrf string) url.Values {
				v := url.Values{"kind": {"topic"}, "channel": {"c1"}, "topic": {"ceasefire"}}
				v["csrf"] = []string{csrf}
				if csrf == "-" {
					v["csrf"] = nil // present for post, so it adds none; absent from the body
				}
				return v
			}
			tests := []struct {
				name   string
				b      *browser
				form   url.Values
				header http.Header
			}{
				{"no token", ada, create("-"), nil},
				{"empty token", ada, create(""), nil},
				{"another session's token", ada, create(bob.csrf), nil},
				{"no session", anon, create(ada.csrf), nil},
				{"cross-site origin", ada, create(ada.csrf), http.Header{"Origin": {"https://evil.example"}}},
				{"cross-site fetch", ada, create(ada.csrf), http.Header{"Sec-Fetch-Site": {"cross-site"}}},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					status, _ := tc.b.post("/dashboard/g/g1/subscriptions", tc.form, tc.header)
					if status != http.StatusForbidden {
						t.Errorf("status = %d, want 403", status)
					}
					if got := e.listSubs(t, "g1"); len(got) != 0 {
						t.Fatalf("a refused write created %+v", got)
					}
				})
			}
			status, loc := ada.post("/dashboard/g/g1/subscriptions", create(ada.csrf), nil)
			if status != http.StatusSeeOther || loc != "/dashboard/g/g1/" || len(e.listSubs(t, "g1")) != 1 {
				t.Fatalf("the genuine write = %d %q, subscriptions %+v", status, loc, e.listSubs(t, "g1"))
			}
			if _, body := ada.get("/dashboard/g/g1/"); !strings.Contains(body, "Gaza ceasefire from every feed will be posted here") {
				t.Errorf("the page lacks the command's own confirmation:\n%s", body)
			}
		})
	}
}

// TestLostManageChannelsRefusedOnNextWrite: permissions are re-read from Discord on every write,
// even while pages still use the cached server list.
func TestLostManageChannelsRefusedOnNextWrite(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be.open(t), nil)
			sub := e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c1", Kind: store.KindTopic, Topic: "ceasefire"})
			b := e.browser(t)
			b.signIn()
			b.get("/dashboard/g/g1/")
			if status, _ := b.post("/dashboard/g/g1/subscriptions/"+sub.ID+"/pause", url.Values{}, nil); status != http.StatusSeeOther {
				t.Fatalf("pause while allowed = %d", status)
			}
			e.fake.SetMember("g1", userAda, 1<<10) // Manage Channels taken away
			status, body := b.post("/dashboard/g/g1/subscriptions/"+sub.ID+"/resume", url.Values{}, nil)
			if status != http.StatusForbidden || !strings.Contains(body, "Manage Channels") {
				t.Errorf("resume after losing the permission = %d:\n%s", status, body)
			}
			if got := e.listSubs(t, "g1"); len(got) != 1 || !got[0].Paused {
				t.Errorf("the refused resume changed the subscription: %+v", got)
			}
		})
	}
}

// TestSignInRejectsForgedCallbacks: the state must be this browser's, and single-use.
func TestSignInRejectsForgedCallbacks(t *testing.T) {
	e := newEnv(t, openBolt(t), nil)
	noFollow := func(b *browser) {
		b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	t.Run("no login cookie", func(t *testing.T) {
		b := e.browser(t)
		if status, _ := b.get("/dashboard/callback?code=x&state=y"); status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", status)
		}
	})
	t.Run("wrong state", func(t *testing.T) {
		b := e.browser(t)
		noFollow(b)
		b.get("/dashboard/login") // sets the login cookie, stops at Discord's redirect
		if status, body := b.get("/dashboard/callback?code=x&state=forged"); status != http.StatusBadRequest || strings.Contains(body, "Your servers") {
			t.Errorf("status = %d, want 400", status)
		}
	})
	t.Run("replayed callback", func(t *testing.T) {
		b := e.browser(t)
		noFollow(b)
		resp, err := b.c.Get(e.srv.URL + "/dashboard/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = b.c.Get(resp.Header.Get("Location")) // Discord approves
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		callback := resp.Header.Get("Location")
		first, err := b.c.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		first.Body.Close()
		if first.StatusCode != http.StatusSeeOther {
			t.Fatalf("the genuine callback = %d, want 303", first.StatusCode)
		}
		again, err := b.c.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusBadRequest {
			t.Errorf("the replayed callback = %d, want 400", again.StatusCode)
		}
	})
}

// TestSecretsStayOut: the client secret, the user's access token and cookie values appear in
// no page and no log line; cookies are HttpOnly, SameSite=Lax, and Secure behind https.
func TestSecretsStayOut(t *testing.T) {
	e := newEnv(t, openBolt(t), nil)
	b := e.browser(t)
	b.signIn()
	var pages strings.Builder
	for _, p := range []string{"/dashboard/", "/dashboard/g/g1/", "/dashboard/g/g1/feeds", "/dashboard/g/g1/deliveries", "/dashboard/status"} {
		status, body := b.get(p)
		if status != http.StatusOK {
			t.Errorf("GET %s = %d", p, status)
		}
		pages.WriteString(body)
	}
	b.post("/dashboard/g/g1/subscriptions", url.Values{"kind": {"topic"}, "channel": {"c1"}, "topic": {"ukraine"}}, nil)
	b.post("/dashboard/logout", url.Values{}, nil)
	var secrets []string
	for _, r := range e.fake.Requests() {
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			secrets = append(secrets, strings.TrimPrefix(a, "Bearer "))
		}
	}
	if len(secrets) == 0 {
		t.Fatal("no Bearer token reached the fake: the test proves nothing")
	}
	u, _ := url.Parse(e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		secrets = append(secrets, c.Value)
	}
	secrets = append(secrets, e.fake.ClientSecret(), e.fake.BotToken())
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(e.log.String(), s) {
			t.Errorf("the log contains a secret %q…", s[:4])
		}
		if strings.Contains(pages.String(), s) {
			t.Errorf("a page contains a secret %q…", s[:4])
		}
	}
	if !strings.Contains(e.log.String(), "signed in") {
		t.Error("the log is empty: the test proves nothing")
	}
}

// TestHeadersAndCookies: strict CSP and friends on every answer; login cookies flagged.
func TestHeadersAndCookies(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base       string
		wantSecure bool
	}{{"http", "", false}, {"https", "https://herald.example.org", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, openBolt(t), func(o *Options) {
				if tc.base != "" {
					o.BaseURL = tc.base
				}
			})
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(e.srv.URL + "/dashboard/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
				t.Errorf("CSP = %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("headers = %v", h)
			}
			cookies := resp.Cookies()
			if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Secure != tc.wantSecure {
				t.Errorf("login cookie = %+v, want HttpOnly, SameSite=Lax, Secure=%v", cookies, tc.wantSecure)
			}
			loc, _ := url.Parse(h.Get("Location"))
			q := loc.Query()
			if q.Get("state") == "" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("scope") != "identify guilds" {
				t.Errorf("authorize URL lacks state or PKCE: %s", loc)
			}
			if strings.Contains(loc.String(), e.fake.ClientSecret()) {
				t.Error("the authorize URL carries the client secret")
			}
		})
	}
}
