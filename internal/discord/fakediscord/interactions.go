package fakediscord

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Interaction types Discord sends.
const (
	InteractionPing             = 1
	InteractionApplicationCmd   = 2
	InteractionMessageComponent = 3
	InteractionAutocomplete     = 4
	InteractionModalSubmit      = 5
)

// Interaction describes an interaction the fake delivers. Zero fields get defaults: Type 2,
// generated ID and Token, user "1000000000000000042"/"tester", Permissions "0".
type Interaction struct {
	Type        int
	ID          string
	Token       string
	GuildID     string // empty: a DM (user instead of member)
	ChannelID   string
	UserID      string
	Username    string
	Permissions string // member.permissions bitset as a decimal string, e.g. "8" (administrator)
	// AppPermissions is the bot's own permission bitset in the channel (app_permissions);
	// empty means every permission but Administrator.
	AppPermissions string
	CommandID      string // defaults to the registered command's id when CommandName is known
	CommandName    string
	Options        []Option
	CustomID       string // message components: the clicked component's custom_id
	MessageID      string // message components: the message carrying the component
	// ComponentType is the clicked component's type (2 button, the default; 3 string select)
	// and Values the options chosen in a select menu.
	ComponentType int
	Values        []string
	Locale        string
}

// Option is one command option value; Focused marks the option being autocompleted.
type Option struct {
	Name    string   `json:"name"`
	Type    int      `json:"type"`
	Value   any      `json:"value,omitempty"`
	Focused bool     `json:"focused,omitempty"`
	Options []Option `json:"options,omitempty"`
}

// Response is what the application answered to an interaction.
type Response struct {
	Type      int             // callback type (1 pong, 4 message, 5 deferred, 6, 7, 8 autocomplete, 9 modal)
	Data      json.RawMessage // the callback's data object, if any
	At        time.Time       // when the first response arrived (fake clock)
	Latency   time.Duration   // At minus the moment the interaction was delivered
	Original  *Message        // the @original message after the latest edit (types 4 and 5)
	Edits     []Message       // successive states of @original after each PATCH
	Followups []Message
}

// interaction is the fake's state of one delivered interaction. Guarded by Server.mu.
type interaction struct {
	in              Interaction
	sent            time.Time
	acked           bool
	resp            Response
	changed         chan struct{} // closed and replaced on every change
	originalDeleted bool
}

// Pending lets a test wait for the application's answer to an interaction.
type Pending struct {
	s  *Server
	it *interaction
}

// ID is the interaction's id.
func (p *Pending) ID() string { return p.it.in.ID }

// Token is the interaction token, which is also the token of its webhook routes.
func (p *Pending) Token() string { return p.it.in.Token }

// Wait blocks until the interaction is acknowledged or ctx ends.
func (p *Pending) Wait(ctx context.Context) (Response, error) {
	return p.waitFor(ctx, func(it *interaction) bool { return it.acked })
}

// WaitEdits blocks until @original has been edited at least n times.
func (p *Pending) WaitEdits(ctx context.Context, n int) (Response, error) {
	return p.waitFor(ctx, func(it *interaction) bool { return len(it.resp.Edits) >= n })
}

// WaitFollowups blocks until at least n followup messages were sent.
func (p *Pending) WaitFollowups(ctx context.Context, n int) (Response, error) {
	return p.waitFor(ctx, func(it *interaction) bool { return len(it.resp.Followups) >= n })
}

// Snapshot returns the current state without waiting; ok is false before the first response.
func (p *Pending) Snapshot() (Response, bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return p.it.snapshot(), p.it.acked
}

func (p *Pending) waitFor(ctx context.Context, done func(*interaction) bool) (Response, error) {
	for {
		p.s.mu.Lock()
		if done(p.it) {
			r := p.it.snapshot()
			p.s.mu.Unlock()
			return r, nil
		}
		ch := p.it.changed
		p.s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Response{}, fmt.Errorf("fakediscord: waiting for interaction %s: %w", p.it.in.ID, ctx.Err())
		case <-ch:
		}
	}
}

func (it *interaction) snapshot() Response {
	r := it.resp
	r.Data = slices.Clone(r.Data)
	r.Edits = slices.Clone(r.Edits)
	r.Followups = slices.Clone(r.Followups)
	if r.Original != nil {
		o := *r.Original
		r.Original = &o
	}
	return r
}

func (it *interaction) notify() {
	close(it.changed)
	it.changed = make(chan struct{})
}

func randomToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return "aW50ZXJhY3Rpb246" + base64.RawURLEncoding.EncodeToString(b)
}

// register fills defaults and records the interaction as delivered now.
func (s *Server) register(in Interaction) (*Pending, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Type == 0 {
		in.Type = InteractionApplicationCmd
	}
	if in.ID == "" {
		in.ID = s.newIDLocked()
	}
	if in.Token == "" {
		in.Token = randomToken()
	}
	if in.UserID == "" {
		in.UserID, in.Username = "1000000000000000042", "tester"
	}
	if in.Permissions == "" {
		in.Permissions = "0"
	}
	if in.CommandID == "" && in.CommandName != "" {
		in.CommandID = s.commandIDLocked(in.GuildID, in.CommandName)
	}
	it := &interaction{in: in, sent: s.now(), changed: make(chan struct{})}
	s.interactions[in.Token] = it
	return &Pending{s: s, it: it}, s.interactionPayload(in)
}

// ErrNotOffered is returned for an interaction Discord could not produce: the command's
// registered contexts do not include where it was typed.
var ErrNotOffered = errors.New("fakediscord: the command is not offered in this context")

// checkOffered fails with ErrNotOffered for a command interaction Discord would not offer.
func (s *Server) checkOffered(in Interaction) error {
	if in.Type != 0 && in.Type != InteractionApplicationCmd && in.Type != InteractionAutocomplete {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.offeredLocked(in) {
		return fmt.Errorf("%w: /%s in guild %q", ErrNotOffered, in.CommandName, in.GuildID)
	}
	return nil
}

// offeredLocked reports whether Discord would offer the registered command named in.CommandName
// where in happens: guild commands exist only in their guild, and a command whose contexts
// exclude DMs (or servers) is not shown there, so no interaction for it can arrive. A command
// registered nowhere passes (tests may inject interactions without registering).
func (s *Server) offeredLocked(in Interaction) bool {
	ctx := "1"
	if in.GuildID != "" {
		ctx = "0"
	}
	registered := false
	for scope, cmds := range s.state.commands {
		for _, c := range cmds {
			if c["name"] != in.CommandName {
				continue
			}
			registered = true
			if scope != "" && scope != in.GuildID {
				continue
			}
			ctxs, ok := c["contexts"].([]any)
			if !ok {
				return true
			}
			for _, v := range ctxs {
				if fmt.Sprint(v) == ctx {
					return true
				}
			}
		}
	}
	return !registered
}

func (s *Server) commandIDLocked(guildID, name string) string {
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.state.commands[scope] {
			if c["name"] == name {
				return c["id"].(string)
			}
		}
	}
	return s.newIDLocked()
}

// interactionPayload renders the interaction object as Discord sends it (API v10 shape).
func (s *Server) interactionPayload(in Interaction) map[string]any {
	user := map[string]any{"id": in.UserID, "username": in.Username, "discriminator": "0", "global_name": in.Username, "avatar": nil}
	p := map[string]any{
		"id": in.ID, "application_id": s.opts.AppID, "type": in.Type, "token": in.Token, "version": 1,
		"channel_id": in.ChannelID, "channel": map[string]any{"id": in.ChannelID, "type": 0},
		"locale": orDefault(in.Locale, "en-US"), "app_permissions": orDefault(in.AppPermissions, "2248473465835073"),
		"entitlements": []any{}, "authorizing_integration_owners": map[string]any{"0": in.GuildID},
	}
	if in.GuildID != "" {
		p["guild_id"], p["guild_locale"], p["context"] = in.GuildID, "en-US", 0
		p["member"] = map[string]any{"user": user, "roles": []any{}, "permissions": in.Permissions,
			"joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false, "flags": 0}
	} else {
		p["user"], p["context"] = user, 1
	}
	if data := interactionData(in); data != nil {
		p["data"] = data
	}
	if in.Type == InteractionMessageComponent {
		m := s.componentMessageLocked(in)
		if m == nil {
			m = &Message{ID: orDefault(in.MessageID, in.ID), ChannelID: in.ChannelID, Timestamp: s.now()}
		}
		p["message"] = s.messageJSONLocked(m)
	}
	return p
}

func interactionData(in Interaction) map[string]any {
	switch in.Type {
	case InteractionApplicationCmd, InteractionAutocomplete:
		d := map[string]any{"id": in.CommandID, "name": in.CommandName, "type": 1}
		if len(in.Options) > 0 {
			d["options"] = in.Options
		}
		if in.GuildID != "" {
			d["guild_id"] = in.GuildID
		}
		return d
	case InteractionMessageComponent:
		d := map[string]any{"custom_id": in.CustomID, "component_type": max(in.ComponentType, 2)}
		if in.Values != nil {
			d["values"] = in.Values
		}
		return d
	case InteractionModalSubmit:
		return map[string]any{"custom_id": in.CustomID, "components": []any{}}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// allowedCallbacks lists the callback types Discord accepts for each interaction type.
func allowedCallbacks(interactionType int) []int {
	switch interactionType {
	case InteractionPing:
		return []int{1}
	case InteractionApplicationCmd:
		return []int{4, 5, 9}
	case InteractionMessageComponent:
		return []int{4, 5, 6, 7, 9}
	case InteractionAutocomplete:
		return []int{8}
	case InteractionModalSubmit:
		return []int{4, 5, 6, 7}
	}
	return nil
}

func (s *Server) handleCallback(c *call) {
	body, e := jsonBody(c)
	if e == nil {
		e = s.acknowledge(c.params["interaction_id"], c.params["interaction_token"], body, c.files > 0, c.now)
	}
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// acknowledge applies the first response to an interaction: unknown or late → 10062, second
// → 40060, invalid → 50035/50006.
func (s *Server) acknowledge(id, token string, body []byte, hasFiles bool, now time.Time) *apiError {
	s.mu.Lock()
	it, ok := s.interactions[token]
	var e *apiError
	switch {
	case !ok || it.in.ID != id || now.Sub(it.sent) > s.opts.InteractionDeadline:
		e = newAPIError(http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
	case it.acked:
		e = newAPIError(http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	cb, e := s.parseCallback(it.in.Type, body, hasFiles)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if it.acked { // lost a race with a concurrent ack
		return newAPIError(http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
	}
	it.acked = true
	it.resp.Type, it.resp.Data, it.resp.At, it.resp.Latency = cb.Type, cb.Data, now, now.Sub(it.sent)
	switch cb.Type {
	case 4, 5:
		it.resp.Original = s.interactionMessage(it, cb.msg, cb.Data, now)
	case 7: // UPDATE_MESSAGE edits the message whose component was used
		if m := s.componentMessageLocked(it.in); m != nil {
			applyEdit(m, cb.msg, cb.Data)
			m.EditedAt, m.Edits = now, m.Edits+1
		}
	}
	it.notify()
	return nil
}

// callback is a parsed interaction response.
type callback struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data"`
	msg  *messageBody
}

func (s *Server) parseCallback(interactionType int, body []byte, hasFiles bool) (*callback, *apiError) {
	if e := s.schemas.validate(bodyCallback, body); e != nil {
		return nil, e
	}
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		return nil, invalidForm(formErrorAt(nil, "BASE_TYPE_INVALID", err.Error()))
	}
	if !slices.Contains(allowedCallbacks(interactionType), cb.Type) {
		return nil, invalidForm(formErrorAt([]string{"type"}, "INTERACTION_CALLBACK_TYPE_INVALID",
			fmt.Sprintf("Callback type %d is not valid for interaction type %d", cb.Type, interactionType)))
	}
	cb.msg = &messageBody{}
	if len(cb.Data) > 0 && string(cb.Data) != "null" {
		if err := json.Unmarshal(cb.Data, cb.msg); err != nil {
			return nil, invalidForm(formErrorAt([]string{"data"}, "BASE_TYPE_INVALID", err.Error()))
		}
	}
	if cb.Type == 4 || cb.Type == 7 {
		if tree := checkLimits(cb.msg); !tree.empty() {
			return nil, invalidForm(prefixed("data", tree))
		}
	}
	if cb.Type == 4 && cb.msg.isEmpty() && !hasFiles {
		return nil, newAPIError(http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
	}
	return &cb, nil
}

func prefixed(key string, tree *formError) *formError {
	return &formError{children: map[string]*formError{key: tree}}
}

// interactionMessage creates the @original message of an acknowledged interaction.
func (s *Server) interactionMessage(it *interaction, mb *messageBody, data []byte, now time.Time) *Message {
	m := newMessage(s.newIDLocked(), it.in.ChannelID, mb, data, now)
	m.WebhookID = s.opts.AppID
	return m
}

// componentMessageLocked finds the stored message a component interaction came from: a
// channel message or an interaction's original response or followup.
func (s *Server) componentMessageLocked(in Interaction) *Message {
	if in.MessageID == "" {
		return nil
	}
	for _, m := range s.state.messages[in.ChannelID] {
		if m.ID == in.MessageID {
			return m
		}
	}
	for _, it := range s.interactions {
		if o := it.resp.Original; o != nil && o.ID == in.MessageID {
			return o
		}
		for i := range it.resp.Followups {
			if it.resp.Followups[i].ID == in.MessageID {
				return &it.resp.Followups[i]
			}
		}
	}
	return nil
}

// Message returns a copy of the channel message, interaction response or followup with id.
func (s *Server) Message(channelID, id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.componentMessageLocked(Interaction{ChannelID: channelID, MessageID: id}); m != nil {
		return *m, true
	}
	return Message{}, false
}
