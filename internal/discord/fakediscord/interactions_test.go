package fakediscord

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
)

// interactionSession opens discordgo on srv and forwards each INTERACTION_CREATE to a channel.
func interactionSession(t *testing.T, srv *Server) (*discordgo.Session, <-chan *discordgo.InteractionCreate) {
	t.Helper()
	dg := openSession(t, srv)
	got := make(chan *discordgo.InteractionCreate, 8)
	dg.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	return dg, got
}

func receive(t *testing.T, got <-chan *discordgo.InteractionCreate) *discordgo.InteractionCreate {
	t.Helper()
	select {
	case ic := <-got:
		return ic
	case <-time.After(5 * time.Second):
		t.Fatal("no INTERACTION_CREATE")
		return nil
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestInteractionCreatePayload(t *testing.T) {
	srv := newServer(t, Options{})
	dg, got := interactionSession(t, srv)
	if _, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), testGuild, heraldCommands()); err != nil {
		t.Fatal(err)
	}
	p, err := srv.InjectInteraction(testCtx(t), Interaction{GuildID: testGuild, ChannelID: testChannel,
		Permissions: "16", CommandName: "brief", Options: []Option{{Name: "topic", Type: 3, Value: "ceasefire"}}})
	if err != nil {
		t.Fatal(err)
	}
	ic := receive(t, got)
	if ic.Type != discordgo.InteractionApplicationCommand || ic.ID != p.ID() || ic.Token != p.Token() ||
		ic.AppID != srv.AppID() || ic.GuildID != testGuild || ic.ChannelID != testChannel || ic.Version != 1 {
		t.Errorf("interaction = %+v", ic.Interaction)
	}
	data := ic.ApplicationCommandData()
	if data.Name != "brief" || data.ID != srv.Commands(testGuild)[0].ID || data.CommandType != discordgo.ChatApplicationCommand {
		t.Errorf("data = %+v", data)
	}
	if len(data.Options) != 1 || data.Options[0].StringValue() != "ceasefire" {
		t.Errorf("options = %+v", data.Options)
	}
	if ic.Member == nil || ic.Member.Permissions != discordgo.PermissionManageChannels || ic.Member.User.ID == "" {
		t.Errorf("member = %+v", ic.Member)
	}

	if _, err := srv.InjectInteraction(testCtx(t), Interaction{Type: InteractionMessageComponent, GuildID: testGuild,
		ChannelID: testChannel, CustomID: "mute:ceasefire", MessageID: "1400000000000000001"}); err != nil {
		t.Fatal(err)
	}
	ic = receive(t, got)
	if ic.MessageComponentData().CustomID != "mute:ceasefire" || ic.Message == nil || ic.Message.ID != "1400000000000000001" {
		t.Errorf("component interaction data %+v message %+v", ic.MessageComponentData(), ic.Message)
	}
}

func TestInteractionRespondEditFollowup(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now})
	dg, got := interactionSession(t, srv)
	p, err := srv.InjectInteraction(testCtx(t), Interaction{GuildID: testGuild, ChannelID: testChannel, CommandName: "brief"})
	if err != nil {
		t.Fatal(err)
	}
	ic := receive(t, got)
	clk.Advance(1200 * time.Millisecond)
	if err := dg.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatalf("defer: %v", err)
	}
	resp, err := p.Wait(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != 5 || resp.Latency != 1200*time.Millisecond {
		t.Errorf("response type %d latency %v, want 5 and 1.2s", resp.Type, resp.Latency)
	}
	// Past the 3 s deadline the token still works for edits and followups (15 minutes).
	clk.Advance(10 * time.Minute)
	content := "Briefing: " + strings.Repeat("x", 10)
	if _, err := dg.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content,
		AllowedMentions: noMentions()}); err != nil {
		t.Fatalf("edit @original: %v", err)
	}
	if _, err := dg.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "more", AllowedMentions: noMentions()}); err != nil {
		t.Fatalf("followup: %v", err)
	}
	orig, err := dg.InteractionResponse(ic.Interaction)
	if err != nil || orig.Content != content {
		t.Errorf("GET @original = %+v, %v", orig, err)
	}
	final, err := p.WaitFollowups(testCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	gotState := []string{final.Original.Content, final.Edits[0].Content, final.Followups[0].Content}
	if diff := cmp.Diff([]string{content, content, "more"}, gotState); diff != "" {
		t.Errorf("original/edit/followup (-want +got):\n%s", diff)
	}
	if final.Edits[0].AllowedMentions == nil || final.Edits[0].AllowedMentions.Parse == nil {
		t.Errorf("edit allowed_mentions = %+v, want parse []", final.Edits[0].AllowedMentions)
	}
	clk.Advance(6 * time.Minute)
	_, err = dg.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content})
	if status, code := restCode(t, err); status != 401 || code != CodeInvalidWebhookToken {
		t.Errorf("edit after 16 min: %d/%d, want 401/%d", status, code, CodeInvalidWebhookToken)
	}
}

func TestInteractionAckRules(t *testing.T) {
	message := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "hi", AllowedMentions: noMentions()}}
	tests := []struct {
		name       string
		in         Interaction
		wait       time.Duration
		first      *discordgo.InteractionResponse
		firstCode  int
		secondCode int // 0: no second response
	}{
		{"in time", Interaction{}, 2900 * time.Millisecond, message, 0, 0},
		{"after the deadline", Interaction{}, 3001 * time.Millisecond, message, CodeUnknownInteraction, 0},
		{"double ack", Interaction{}, 0, message, 0, CodeAlreadyAcknowledged},
		{"empty message", Interaction{}, 0, &discordgo.InteractionResponse{Type: 4, Data: &discordgo.InteractionResponseData{}}, CodeEmptyMessage, 0},
		{"content 2001", Interaction{}, 0, &discordgo.InteractionResponse{Type: 4, Data: &discordgo.InteractionResponseData{Content: strings.Repeat("a", 2001)}}, CodeInvalidFormBody, 0},
		{"content 2000 after trimming", Interaction{}, 0, &discordgo.InteractionResponse{Type: 4, Data: &discordgo.InteractionResponseData{Content: "\n" + strings.Repeat("a", 2000) + "  "}}, 0, 0},
		{"autocomplete answered with a message", Interaction{Type: InteractionAutocomplete}, 0, message, CodeInvalidFormBody, 0},
		{"autocomplete choices", Interaction{Type: InteractionAutocomplete}, 0, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Ceasefire", Value: "ceasefire"}}}}, 0, 0},
		{"26 autocomplete choices", Interaction{Type: InteractionAutocomplete}, 0, &discordgo.InteractionResponse{Type: 8,
			Data: &discordgo.InteractionResponseData{Choices: func() []*discordgo.ApplicationCommandOptionChoice {
				cs := make([]*discordgo.ApplicationCommandOptionChoice, 26)
				for i := range cs {
					cs[i] = &discordgo.ApplicationCommandOptionChoice{Name: "c" + strconv.Itoa(i), Value: "v"}
				}
				return cs
			}()}}, CodeInvalidFormBody, 0},
		{"update message on a command", Interaction{}, 0, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage}, CodeInvalidFormBody, 0},
		{"modal", Interaction{}, 0, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
			CustomID: "m", Title: "Feedback", Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{CustomID: "t", Label: "Text", Style: discordgo.TextInputShort}}}}}}, 0, 0},
	}
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now})
	dg, got := interactionSession(t, srv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.GuildID, tt.in.ChannelID, tt.in.CommandName = testGuild, testChannel, "brief"
			p, err := srv.InjectInteraction(testCtx(t), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			ic := receive(t, got)
			clk.Advance(tt.wait)
			checkCode(t, "first", dg.InteractionRespond(ic.Interaction, tt.first), tt.firstCode)
			if _, acked := p.Snapshot(); acked != (tt.firstCode == 0) {
				t.Errorf("acked = %v after first response with code %d", acked, tt.firstCode)
			}
			if tt.secondCode != 0 {
				checkCode(t, "second", dg.InteractionRespond(ic.Interaction, tt.first), tt.secondCode)
			}
		})
	}
}

func checkCode(t *testing.T, what string, err error, want int) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Errorf("%s response: %v", what, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s response accepted, want code %d", what, want)
		return
	}
	if _, code := restCode(t, err); code != want {
		t.Errorf("%s response code %d, want %d (%v)", what, code, want, err)
	}
}

func TestInteractionCallbackUnknown(t *testing.T) {
	srv := newServer(t, Options{})
	status, body := rawDo(t, srv, "POST", "/api/v10/interactions/1/nope/callback", `{"type":5}`)
	if status != 404 || !strings.Contains(string(body), `"code":10062`) {
		t.Errorf("%d %s, want 404/10062", status, body)
	}
	if _, err := srv.InjectInteraction(testCtx(t), Interaction{}); err == nil {
		t.Error("InjectInteraction without a gateway session succeeded")
	}
}

// endpoint is a minimal Interactions Endpoint: it verifies with discordgo.VerifyInteraction
// plus a timestamp-age check (which VerifyInteraction lacks) and answers inline.
func endpoint(t *testing.T, srv *Server, checkAge bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !discordgo.VerifyInteraction(r, srv.PublicKey()) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		ts, _ := strconv.ParseInt(r.Header.Get("X-Signature-Timestamp"), 10, 64)
		if checkAge && time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
			http.Error(w, "stale timestamp", http.StatusUnauthorized)
			return
		}
		var in discordgo.Interaction
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if in.Type == discordgo.InteractionPing {
			_, _ = io.WriteString(w, `{"type":1}`)
			return
		}
		_, _ = io.WriteString(w, `{"type":4,"data":{"content":"hello `+in.ApplicationCommandData().Name+`","allowed_mentions":{"parse":[]}}}`)
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}

func TestHTTPInteractionSignatures(t *testing.T) {
	tests := []struct {
		name     string
		sig      SigMode
		checkAge bool
		want     int
	}{
		{"valid", SigValid, true, 200},
		{"forged", SigForged, true, 401},
		{"missing headers", SigMissing, true, 401},
		{"tampered body", SigTamperedBody, true, 401},
		{"stale timestamp, endpoint checks age", SigStaleTimestamp, true, 401},
		// discordgo.VerifyInteraction alone accepts a replayed request: the fake proves it.
		{"stale timestamp, VerifyInteraction only", SigStaleTimestamp, false, 200},
	}
	srv := newServer(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := endpoint(t, srv, tt.checkAge)
			ping, err := srv.Ping(testCtx(t), ep.URL, tt.sig)
			if err != nil {
				t.Fatal(err)
			}
			if ping.Status != tt.want {
				t.Errorf("PING status %d, want %d (%s)", ping.Status, tt.want, ping.Body)
			}
			if tt.want == 200 && strings.TrimSpace(string(ping.Body)) != `{"type":1}` {
				t.Errorf("PING body %s, want {\"type\":1}", ping.Body)
			}
		})
	}
}

func TestHTTPInteractionInlineResponse(t *testing.T) {
	srv := newServer(t, Options{})
	ep := endpoint(t, srv, true)
	res, err := srv.SendHTTPInteraction(testCtx(t), ep.URL, Interaction{GuildID: testGuild, ChannelID: testChannel, CommandName: "brief"}, SigValid)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.AckErr != nil {
		t.Fatalf("status %d ackErr %v body %s", res.Status, res.AckErr, res.Body)
	}
	resp, err := res.Pending.Wait(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != 4 || resp.Original == nil || resp.Original.Content != "hello brief" {
		t.Errorf("response = %+v", resp)
	}
}

func TestHTTPInteractionDeadlineAndDeferredCallback(t *testing.T) {
	clk := newClock()
	srv := newServer(t, Options{Now: clk.Now})
	var mode string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode {
		case "slow": // takes 4 s of the fake's clock to answer inline
			clk.Advance(4 * time.Second)
			_, _ = io.WriteString(w, `{"type":4,"data":{"content":"late"}}`)
		case "accepted": // answers 202 and will use the callback route
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	t.Cleanup(hs.Close)

	mode = "slow"
	res, err := srv.SendHTTPInteraction(testCtx(t), hs.URL, Interaction{ChannelID: testChannel, CommandName: "brief"}, SigValid)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.AckErr == nil || !strings.Contains(res.AckErr.Error(), "10062") {
		t.Errorf("slow inline answer: status %d AckErr %v, want 10062", res.Status, res.AckErr)
	}
	if _, acked := res.Pending.Snapshot(); acked {
		t.Error("a late inline answer acknowledged the interaction")
	}

	mode = "accepted"
	res, err = srv.SendHTTPInteraction(testCtx(t), hs.URL, Interaction{ChannelID: testChannel, CommandName: "brief"}, SigValid)
	if err != nil || res.Status != http.StatusAccepted {
		t.Fatalf("202 answer: %+v %v", res, err)
	}
	p := res.Pending
	s, b := rawDo(t, srv, "POST", "/api/v10/interactions/"+p.ID()+"/"+p.Token()+"/callback", `{"type":4,"data":{"content":"via callback"}}`)
	if s != 204 {
		t.Fatalf("callback after 202: %d %s", s, b)
	}
	resp, err := p.Wait(testCtx(t))
	if err != nil || resp.Original == nil || resp.Original.Content != "via callback" {
		t.Errorf("response %+v, %v", resp, err)
	}
}
