package fakediscord

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const testChannel = "1200000000000000001"

func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func TestChannelMessageLimitsThroughDiscordgo(t *testing.T) {
	field := func(n int) []*discordgo.MessageEmbedField {
		fs := make([]*discordgo.MessageEmbedField, n)
		for i := range fs {
			fs[i] = &discordgo.MessageEmbedField{Name: "n", Value: "v"}
		}
		return fs
	}
	tests := []struct {
		name     string
		msg      discordgo.MessageSend
		wantCode int // 0: accepted
	}{
		{"plain", discordgo.MessageSend{Content: "hello"}, 0},
		{"2000 runes of 2 bytes", discordgo.MessageSend{Content: strings.Repeat("é", 2000)}, 0},
		{"2000 plus surrounding whitespace", discordgo.MessageSend{Content: "  " + strings.Repeat("a", 2000) + "\n"}, 0},
		{"2001 runes", discordgo.MessageSend{Content: strings.Repeat("a", 2001)}, CodeInvalidFormBody},
		{"empty", discordgo.MessageSend{Content: ""}, CodeEmptyMessage},
		{"only whitespace", discordgo.MessageSend{Content: "   "}, CodeEmptyMessage},
		{"embed only", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t"}}}, 0},
		{"description 4096", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("d", 4096)}}}, 0},
		{"description 4097", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("d", 4097)}}}, CodeInvalidFormBody},
		{"title 257", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: strings.Repeat("t", 257)}}}, CodeInvalidFormBody},
		{"25 fields", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t", Fields: field(25)}}}, 0},
		{"26 fields", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t", Fields: field(26)}}}, CodeInvalidFormBody},
		{"empty field value", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: " "}}}}}, CodeInvalidFormBody},
		{"footer 2049", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Footer: &discordgo.MessageEmbedFooter{Text: strings.Repeat("f", 2049)}}}}, CodeInvalidFormBody},
		{"total exactly 6000", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{
			{Description: strings.Repeat("a", 4000)}, {Description: strings.Repeat("b", 2000)}}}, 0},
		{"total 6001 over two embeds", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{
			{Description: strings.Repeat("a", 4000)}, {Description: strings.Repeat("b", 2000), Title: "x"}}}, CodeInvalidFormBody},
		{"11 embeds", discordgo.MessageSend{Embeds: func() []*discordgo.MessageEmbed {
			es := make([]*discordgo.MessageEmbed, 11)
			for i := range es {
				es[i] = &discordgo.MessageEmbed{Title: "t"}
			}
			return es
		}()}, CodeInvalidFormBody},
		{"color out of range", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t", Color: 1 << 24}}}, CodeInvalidFormBody},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, Options{})
			dg := newSession(t, srv)
			tt.msg.AllowedMentions = noMentions()
			ch := testChannel + strconv.Itoa(i)
			m, err := dg.ChannelMessageSendComplex(ch, &tt.msg)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				stored := srv.Messages(ch)
				if len(stored) != 1 || stored[0].ID != m.ID || stored[0].Content != tt.msg.Content {
					t.Errorf("stored %+v, want the sent message %s", stored, m.ID)
				}
				return
			}
			status, code := restCode(t, err)
			if status != http.StatusBadRequest || code != tt.wantCode {
				t.Errorf("got %d/%d, want 400/%d (%v)", status, code, tt.wantCode, err)
			}
			if n := len(srv.Messages(ch)); n != 0 {
				t.Errorf("rejected message was stored (%d)", n)
			}
		})
	}
}

func TestInvalidFormBodyNamesTheField(t *testing.T) {
	tests := []struct {
		name string
		body string
		path []string
	}{
		{"content too long", `{"content":"` + strings.Repeat("a", 2001) + `"}`, []string{"content"}},
		{"content wrong type", `{"content":5}`, []string{"content"}},
		{"embed description", `{"embeds":[{"title":"ok"},{"description":"` + strings.Repeat("a", 4097) + `"}]}`, []string{"embeds", "1", "description"}},
		{"embed total", `{"embeds":[{"description":"` + strings.Repeat("a", 4096) + `"},{"description":"` + strings.Repeat("a", 1905) + `"}]}`, []string{"embeds"}},
		{"field missing value", `{"embeds":[{"fields":[{"name":"n"}]}]}`, []string{"embeds", "0", "fields", "0", "value"}},
		{"bad mention type", `{"content":"x","allowed_mentions":{"parse":["nobody"]}}`, []string{"allowed_mentions", "parse", "0"}},
		{"nonce too long", `{"content":"x","nonce":"` + strings.Repeat("n", 26) + `"}`, []string{"nonce"}},
	}
	srv := newServer(t, Options{GlobalLimit: 1000, ChannelLimit: 1000})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawDo(t, srv, "POST", "/api/v10/channels/"+testChannel+"/messages", tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			var e struct {
				Code    int            `json:"code"`
				Message string         `json:"message"`
				Errors  map[string]any `json:"errors"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Code != CodeInvalidFormBody || e.Message != "Invalid Form Body" {
				t.Errorf("got %d %q, want 50035 Invalid Form Body", e.Code, e.Message)
			}
			node := any(e.Errors)
			for _, p := range tt.path {
				m, _ := node.(map[string]any)
				node = m[p]
			}
			if m, _ := node.(map[string]any); m["_errors"] == nil {
				t.Errorf("errors %s has no _errors at %v", body, tt.path)
			}
		})
	}
}

// rawDo sends an authenticated request with a JSON body and returns status and body.
func rawDo(t testing.TB, srv *Server, method, path, body string) (int, []byte) {
	t.Helper()
	resp := rawResp(t, srv, method, path, body, "Bot "+srv.BotToken())
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func rawResp(t testing.TB, srv *Server, method, path, body, auth string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestAuthorization(t *testing.T) {
	tests := []struct {
		name, path, auth string
		want             int
	}{
		{"no token", "/api/v9/gateway", "", 401},
		{"bare token", "/api/v9/gateway", "fake-bot-token", 401},
		{"wrong token", "/api/v9/gateway", "Bot nope", 401},
		{"bot token", "/api/v9/gateway", "Bot fake-bot-token", 200},
		{"v10", "/api/v10/users/@me", "Bot fake-bot-token", 200},
		{"unversioned", "/api/gateway", "Bot fake-bot-token", 404},
		{"webhook without auth", "/api/v9/webhooks/1100000000000000001/unknown-token/messages/@original", "", 404},
		{"webhook with wrong auth", "/api/v9/webhooks/1100000000000000001/unknown-token/messages/@original", "Bot nope", 401},
	}
	srv := newServer(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rawResp(t, srv, "GET", tt.path, "", tt.auth).StatusCode; got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}

func TestEnforceNonceDeduplicates(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now, ChannelLimit: 100})
	dg := newSession(t, srv)
	send := func(nonce string, enforce bool) *discordgo.Message {
		t.Helper()
		body := map[string]any{"content": "brief", "nonce": nonce, "enforce_nonce": enforce,
			"allowed_mentions": map[string]any{"parse": []string{}}}
		ep := discordgo.EndpointChannelMessages(testChannel)
		raw, err := dg.RequestWithBucketID("POST", ep, body, ep)
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		var m discordgo.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	first := send("story-42", true)
	again := send("story-42", true)
	if again.ID != first.ID {
		t.Errorf("repeat with same nonce created %s, want the first message %s", again.ID, first.ID)
	}
	other := send("story-43", true)
	loose := send("story-42", false)
	clk.Advance(3 * time.Minute)
	late := send("story-42", true)
	ids := map[string]bool{first.ID: true, other.ID: true, loose.ID: true, late.ID: true}
	if len(ids) != 4 {
		t.Errorf("ids %v: want distinct messages for other nonce, no enforce, and after the window", ids)
	}
	if n := len(srv.Messages(testChannel)); n != 4 {
		t.Errorf("stored %d messages, want 4", n)
	}
}

func TestChannelRateLimit(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now})
	for i := range 5 {
		resp := rawResp(t, srv, "POST", "/api/v9/channels/"+testChannel+"/messages", `{"content":"m"}`, "Bot fake-bot-token")
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(4-i) {
			t.Fatalf("message %d: status %d remaining %q", i, resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
	}
	resp := rawResp(t, srv, "POST", "/api/v9/channels/"+testChannel+"/messages", `{"content":"m"}`, "Bot fake-bot-token")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("6th message: status %d, want 429", resp.StatusCode)
	}
	wantHeaders := map[string]string{
		"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "5.000",
		"X-RateLimit-Scope": "user", "Retry-After": "5", "X-RateLimit-Global": "",
		"X-RateLimit-Reset": strconv.FormatInt(clk.Now().Add(5*time.Second).Unix(), 10) + ".000",
	}
	for h, want := range wantHeaders {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if resp.Header.Get("X-RateLimit-Bucket") == "" {
		t.Error("no X-RateLimit-Bucket")
	}
	var body struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.RetryAfter != 5 || body.Global || body.Message == "" {
		t.Errorf("429 body = %+v, want retry_after 5, global false", body)
	}
	if other := rawResp(t, srv, "POST", "/api/v9/channels/999/messages", `{"content":"m"}`, "Bot fake-bot-token"); other.StatusCode != 200 {
		t.Errorf("another channel: status %d, want 200 (buckets are per channel)", other.StatusCode)
	}
	clk.Advance(5 * time.Second)
	if again := rawResp(t, srv, "POST", "/api/v9/channels/"+testChannel+"/messages", `{"content":"m"}`, "Bot fake-bot-token"); again.StatusCode != 200 {
		t.Errorf("after the window: status %d, want 200", again.StatusCode)
	}
	if srv.Count429() != 1 {
		t.Errorf("Count429 = %d, want 1", srv.Count429())
	}
}

// Two discordgo sessions share a bot (as two processes would); the second has never seen the
// bucket headers and meets the 429 that discordgo turns into a RateLimitError.
func TestChannelRateLimitThroughDiscordgo(t *testing.T) {
	srv := newServer(t, Options{})
	first := newSession(t, srv)
	for i := range 5 {
		if _, err := first.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{Content: "m" + strconv.Itoa(i), AllowedMentions: noMentions()}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	second := newSession(t, srv)
	second.ShouldRetryOnRateLimit = false
	_, err := second.ChannelMessageSend(testChannel, "sixth")
	rl, ok := err.(*discordgo.RateLimitError)
	if !ok {
		t.Fatalf("6th message error = %v (%T), want *discordgo.RateLimitError", err, err)
	}
	if rl.RetryAfter <= 0 || rl.RetryAfter > 5*time.Second {
		t.Errorf("RetryAfter = %v, want in (0, 5s]", rl.RetryAfter)
	}
	if srv.Count429() != 1 || len(srv.Messages(testChannel)) != 5 {
		t.Errorf("Count429 %d, messages %d; want 1 and 5", srv.Count429(), len(srv.Messages(testChannel)))
	}
}

func TestGlobalRateLimit(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now, GlobalLimit: 3})
	for i := range 3 {
		if s, b := rawDo(t, srv, "POST", "/api/v9/channels/"+strconv.Itoa(i)+"/messages", `{"content":"m"}`); s != 200 {
			t.Fatalf("request %d: %d %s", i, s, b)
		}
	}
	resp := rawResp(t, srv, "GET", "/api/v9/gateway", "", "Bot fake-bot-token")
	if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Global") != "true" || resp.Header.Get("X-RateLimit-Scope") != "global" {
		t.Errorf("4th request: %d global=%q scope=%q, want a global 429", resp.StatusCode,
			resp.Header.Get("X-RateLimit-Global"), resp.Header.Get("X-RateLimit-Scope"))
	}
	if got := srv.MaxRequestsPerSecond(); got != 4 {
		t.Errorf("MaxRequestsPerSecond = %d, want 4", got)
	}
	clk.Advance(time.Second)
	srv.ForceGlobal429(2 * time.Second)
	s, b := rawDo(t, srv, "GET", "/api/v9/gateway", "")
	if s != 429 || !strings.Contains(string(b), `"global":true`) {
		t.Errorf("forced: %d %s, want global 429", s, b)
	}
	clk.Advance(2 * time.Second)
	if s, _ := rawDo(t, srv, "GET", "/api/v9/gateway", ""); s != 200 {
		t.Errorf("after the forced window: %d, want 200", s)
	}
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		name      string
		status, n int
		wantErr   bool
		wantCalls int
	}{
		{"502 is retried by discordgo", 502, 2, false, 3},
		{"500 is not retried", 500, 1, true, 1},
		{"429 is retried after retry_after", 429, 1, false, 2},
		{"502 beyond discordgo's retries", 502, 4, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, Options{})
			dg := newSession(t, srv)
			srv.FailNext("POST", "/channels/", tt.status, tt.n)
			_, err := dg.ChannelMessageSend(testChannel, "hello")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got := len(srv.Requests()); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestChannelErrors(t *testing.T) {
	tests := []struct {
		code, status int
	}{
		{CodeMissingAccess, 403}, {CodeMissingPermissions, 403}, {CodeUnknownChannel, 404},
	}
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			ch := "77" + strconv.Itoa(tt.code)
			if err := srv.SetChannelError(ch, tt.code); err != nil {
				t.Fatal(err)
			}
			_, err := dg.ChannelMessageSend(ch, "hello")
			status, code := restCode(t, err)
			if status != tt.status || code != tt.code {
				t.Errorf("got %d/%d, want %d/%d", status, code, tt.status, tt.code)
			}
			_ = srv.SetChannelError(ch, 0)
			if _, err := dg.ChannelMessageSend(ch, "hello"); err != nil {
				t.Errorf("after clearing: %v", err)
			}
		})
	}
	if err := srv.SetChannelError("1", 12345); err == nil {
		t.Error("SetChannelError accepted an unsupported code")
	}
}

func TestEditChannelMessage(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	m, err := dg.ChannelMessageSend(testChannel, "draft")
	if err != nil {
		t.Fatal(err)
	}
	edited, err := dg.ChannelMessageEdit(testChannel, m.ID, "final")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Content != "final" || edited.EditedTimestamp == nil {
		t.Errorf("edited = %q edited_at %v", edited.Content, edited.EditedTimestamp)
	}
	if _, err := dg.ChannelMessageEdit(testChannel, "404", "x"); err == nil {
		t.Error("editing an unknown message succeeded")
	}
	got := srv.Messages(testChannel)
	if diff := cmp.Diff([]string{"final"}, []string{got[0].Content}); diff != "" {
		t.Error(diff)
	}
	if err := dg.ChannelMessageDelete(testChannel, m.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages(testChannel)); n != 0 {
		t.Errorf("%d messages after delete", n)
	}
	if _, code := restCode(t, dg.ChannelMessageDelete(testChannel, m.ID)); code != CodeUnknownMessage {
		t.Errorf("second delete code %d, want %d", code, CodeUnknownMessage)
	}
}

func TestCloudflareBanAfterInvalidRequests(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now, InvalidRequestLimit: 3})
	if err := srv.SetChannelError("locked", CodeMissingAccess); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if s, _ := rawDo(t, srv, "POST", "/api/v9/channels/locked/messages", `{"content":"m"}`); s != 403 {
			t.Fatalf("attempt %d: status %d, want 403", i, s)
		}
	}
	if !srv.Banned() || srv.InvalidRequests() != 3 {
		t.Fatalf("Banned %v InvalidRequests %d, want banned after 3", srv.Banned(), srv.InvalidRequests())
	}
	resp := rawResp(t, srv, "GET", "/api/v9/gateway", "", "Bot fake-bot-token")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 429 || string(body) != "error code: 1015" || resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("while banned: %d %q, want Cloudflare's plain 429", resp.StatusCode, body)
	}
	clk.Advance(10 * time.Minute)
	if s, _ := rawDo(t, srv, "GET", "/api/v9/gateway", ""); s != 200 || srv.Banned() {
		t.Errorf("after 10 minutes: status %d banned %v, want 200 and lifted", s, srv.Banned())
	}
}

func TestInteractionEndpointsIgnoreGlobalLimit(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now, GlobalLimit: 1})
	if s, _ := rawDo(t, srv, "GET", "/api/v9/gateway", ""); s != 200 {
		t.Fatal("first request limited")
	}
	if s, _ := rawDo(t, srv, "GET", "/api/v9/gateway", ""); s != 429 {
		t.Fatal("global limit of 1 not applied")
	}
	p, _ := srv.register(Interaction{ChannelID: testChannel, CommandName: "brief"})
	s, b := rawDo(t, srv, "POST", "/api/v9/interactions/"+p.ID()+"/"+p.Token()+"/callback", `{"type":5}`)
	if s != 204 {
		t.Fatalf("callback under an exhausted global limit: %d %s", s, b)
	}
	s, b = rawDo(t, srv, "PATCH", "/api/v9/webhooks/"+srv.AppID()+"/"+p.Token()+"/messages/@original", `{"content":"done"}`)
	if s != 200 {
		t.Errorf("edit @original under an exhausted global limit: %d %s", s, b)
	}
	if got := srv.MaxRequestsPerSecond(); got != 2 {
		t.Errorf("MaxRequestsPerSecond = %d, want 2 (interaction endpoints excluded)", got)
	}
}

func TestMultipartPayloadJSON(t *testing.T) {
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	_, err := dg.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{Content: strings.Repeat("a", 2001),
		Files: []*discordgo.File{{Name: "story.txt", ContentType: "text/plain", Reader: strings.NewReader("body")}}})
	if _, code := restCode(t, err); code != CodeInvalidFormBody {
		t.Errorf("multipart with 2001 characters: code %d, want 50035", code)
	}
	m, err := dg.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{Content: "with file", AllowedMentions: noMentions(),
		Files: []*discordgo.File{{Name: "story.txt", ContentType: "text/plain", Reader: strings.NewReader("body")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(testChannel); len(got) != 1 || got[0].ID != m.ID || got[0].Content != "with file" {
		t.Errorf("stored %+v", got)
	}
	if _, err := dg.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{
		Files: []*discordgo.File{{Name: "only.txt", ContentType: "text/plain", Reader: strings.NewReader("x")}}}); err != nil {
		t.Errorf("file-only message: %v, want accepted (a file is content)", err)
	}
}

func TestFailNextAfterCommitAndNonceRetry(t *testing.T) {
	srv := newServer(t, Options{})
	srv.FailNextAfterCommit("POST", "/channels/", 502, 1)
	body := `{"content":"story 7","nonce":"story-7","enforce_nonce":true}`
	if s, _ := rawDo(t, srv, "POST", "/api/v9/channels/"+testChannel+"/messages", body); s != 502 {
		t.Fatalf("first attempt: %d, want the injected 502", s)
	}
	if n := len(srv.Messages(testChannel)); n != 1 {
		t.Fatalf("after a lost response %d messages exist, want 1 (the request took effect)", n)
	}
	s, b := rawDo(t, srv, "POST", "/api/v9/channels/"+testChannel+"/messages", body)
	var m struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &m)
	if s != 200 || m.ID != srv.Messages(testChannel)[0].ID || len(srv.Messages(testChannel)) != 1 {
		t.Errorf("retry: %d %s; want the first message back and still one message", s, b)
	}
}

func TestParsesMentions(t *testing.T) {
	tests := []struct {
		name string
		am   *AllowedMentions
		want bool
	}{
		{"omitted", nil, true},
		{"null parse", &AllowedMentions{}, true},
		{"empty parse", &AllowedMentions{Parse: []string{}}, false},
		{"everyone", &AllowedMentions{Parse: []string{"everyone"}}, true},
		{"explicit user", &AllowedMentions{Parse: []string{}, Users: []string{"1"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Message{AllowedMentions: tt.am}).ParsesMentions(); got != tt.want {
				t.Errorf("ParsesMentions = %v, want %v", got, tt.want)
			}
		})
	}
	// Through discordgo: a nil Parse slice serialises as null and still parses everything.
	srv := newServer(t, Options{})
	dg := newSession(t, srv)
	for _, am := range []*discordgo.MessageAllowedMentions{{}, noMentions()} {
		if _, err := dg.ChannelMessageSendComplex(testChannel, &discordgo.MessageSend{Content: "@everyone look", AllowedMentions: am}); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Messages(testChannel)
	if !got[0].ParsesMentions() || got[1].ParsesMentions() {
		t.Errorf("nil Parse → %v, empty Parse → %v; want true, false", got[0].ParsesMentions(), got[1].ParsesMentions())
	}
}

func TestRequestsAreRecorded(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now})
	rawDo(t, srv, "POST", "/api/v9/channels/"+testChannel+"/messages", `{"content":"one"}`)
	clk.Advance(time.Second)
	rawResp(t, srv, "GET", "/api/v10/gateway", "", "")
	got := srv.Requests()
	if len(got) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(got))
	}
	want := []Request{
		{Method: "POST", Path: "/api/v9/channels/" + testChannel + "/messages", Route: routeChannelMessages,
			Body: []byte(`{"content":"one"}`), Time: clk.Now().Add(-time.Second), Status: 200},
		{Method: "GET", Path: "/api/v10/gateway", Route: "/gateway", Body: []byte{}, Time: clk.Now(), Status: 401},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Request{}, "Header")); diff != "" {
		t.Errorf("Requests() (-want +got):\n%s", diff)
	}
	if got[0].Header.Get("Authorization") != "Bot fake-bot-token" {
		t.Errorf("recorded headers %v lack the Authorization", got[0].Header)
	}
}
