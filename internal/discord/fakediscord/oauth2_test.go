package fakediscord

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testRedirect = "https://herald.example/dashboard/callback"

// authorize runs the browser half of the flow and returns the redirect's query.
func authorize(t *testing.T, f *Server, q url.Values) (int, url.Values) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(f.URL() + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, loc.Query()
}

func exchange(t *testing.T, f *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.URL()+"/api/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(f.AppID(), f.ClientSecret())
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 && b[0] == '{' {
		_ = json.Unmarshal(b, &out)
	} else {
		out = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, out
}

func getAs(t *testing.T, f *Server, path, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.URL()+"/api/v10"+path, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOAuth2CodeFlowWithPKCE(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	f.AllowRedirect(testRedirect)
	f.AddUser(User{ID: "42", Username: "ada"})
	f.AddGuild(Guild{ID: "g1", Name: "News", BotMember: true, Channels: []Channel{{ID: "c1", Name: "news"}}})
	f.AddGuild(Guild{ID: "g2", Name: "Other"})
	f.SetMember("g1", "42", 16)
	f.SetMember("g2", "42", 0)
	const verifier = "a-verifier-of-at-least-forty-three-characters-long-xyz"
	base := url.Values{"client_id": {f.AppID()}, "response_type": {"code"}, "redirect_uri": {testRedirect},
		"scope": {"identify guilds"}, "state": {"st1"}, "code_challenge": {pkceChallenge(verifier)}, "code_challenge_method": {"S256"}}

	status, q := authorize(t, f, base)
	if status != http.StatusFound || q.Get("state") != "st1" || q.Get("code") == "" {
		t.Fatalf("authorize = %d %v, want a redirect with code and state", status, q)
	}
	code := q.Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
	status, tok := exchange(t, f, form)
	if status != http.StatusOK || tok["token_type"] != "Bearer" || tok["access_token"] == "" {
		t.Fatalf("token = %d %v", status, tok)
	}
	bearer := "Bearer " + tok["access_token"].(string)
	if status, body := getAs(t, f, "/users/@me", bearer); status != 200 || !strings.Contains(body, `"id":"42"`) {
		t.Errorf("/users/@me = %d %s", status, body)
	}
	status, body := getAs(t, f, "/users/@me/guilds", bearer)
	var guilds []struct{ ID, Permissions string }
	_ = json.Unmarshal([]byte(body), &guilds)
	if d := cmp.Diff([]struct{ ID, Permissions string }{{"g1", "16"}, {"g2", "0"}}, guilds); status != 200 || d != "" {
		t.Errorf("/users/@me/guilds = %d, diff (-want +got):\n%s", status, d)
	}
	if status, body := getAs(t, f, "/users/@me/guilds", "Bot "+f.BotToken()); status != 200 || strings.Contains(body, "g2") || !strings.Contains(body, "g1") {
		t.Errorf("the bot's guilds = %d %s, want g1 only", status, body)
	}
	if status, body := getAs(t, f, "/guilds/g1/channels", "Bot "+f.BotToken()); status != 200 || !strings.Contains(body, `"c1"`) {
		t.Errorf("channels = %d %s", status, body)
	}
	if status, _ := getAs(t, f, "/guilds/g2/channels", "Bot "+f.BotToken()); status != http.StatusForbidden {
		t.Errorf("channels of a guild without the bot = %d, want 403", status)
	}
	if status, _ := getAs(t, f, "/channels/c1/messages", bearer); status != http.StatusUnauthorized {
		t.Errorf("a user's token on a bot route = %d, want 401", status)
	}

	tests := []struct {
		name   string
		mutate func(url.Values)
		reuse  bool
	}{
		{name: "reused code", reuse: true},
		{name: "wrong verifier", mutate: func(v url.Values) { v.Set("code_verifier", verifier+"x") }},
		{name: "missing verifier", mutate: func(v url.Values) { v.Del("code_verifier") }},
		{name: "other redirect", mutate: func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
			if !tc.reuse {
				_, q := authorize(t, f, base)
				form.Set("code", q.Get("code"))
			}
			if tc.mutate != nil {
				tc.mutate(form)
			}
			if status, body := exchange(t, f, form); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Errorf("token = %d %v, want 400 invalid_grant", status, body)
			}
		})
	}
	bad := url.Values{}
	for k, v := range base {
		bad[k] = v
	}
	bad.Set("redirect_uri", "https://evil.example/cb")
	if status, q := authorize(t, f, bad); status != http.StatusBadRequest || q != nil {
		t.Errorf("authorize with an unregistered redirect = %d %v, want 400 and no redirect", status, q)
	}
}
