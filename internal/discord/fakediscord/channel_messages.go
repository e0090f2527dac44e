package fakediscord

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Message is a message the bot created, as the fake stored it.
type Message struct {
	ID              string
	ChannelID       string
	Content         string
	Embeds          []Embed
	AllowedMentions *AllowedMentions // nil when the bot sent none (Discord then parses all)
	Components      []any
	Flags           int64
	Nonce           string
	WebhookID       string // set for interaction responses and followups (the application id) and webhook executions
	// Username and AvatarURL are a webhook execution's overrides of the webhook's identity.
	Username, AvatarURL string
	Crossposted         bool // published to following channels (POST …/crosspost)
	Timestamp           time.Time
	EditedAt            time.Time // zero unless edited
	Edits               int       // accepted PATCHes of the message
	Body                []byte    // the JSON body that created (or last edited) it
}

// ParsesMentions reports whether Discord would turn @everyone, roles and users in this
// message into pings: true unless the bot sent allowed_mentions with an empty parse list and
// no explicit users or roles. A news bot echoing foreign text must always get false.
func (m Message) ParsesMentions() bool {
	am := m.AllowedMentions
	return am == nil || am.Parse == nil || len(am.Parse) > 0 || len(am.Users) > 0 || len(am.Roles) > 0
}

// store is the fake's persistent state. It is guarded by Server.mu.
type store struct {
	messages    map[string][]*Message // by channel id, oldest first
	nonces      map[string]nonceEntry // channel id + "\x00" + nonce
	channelErrs map[string]int        // channel id → Discord error code
	commands    map[string][]map[string]any
	putCount    int
	threads     map[string]*Thread  // by thread id
	webhooks    map[string]*Webhook // by webhook id
	chanTypes   map[string]int      // channel id → type, set by SetChannelType
}

type nonceEntry struct {
	msg *Message
	at  time.Time
}

func newStore() *store {
	return &store{
		messages:    map[string][]*Message{},
		nonces:      map[string]nonceEntry{},
		channelErrs: map[string]int{},
		commands:    map[string][]map[string]any{},
		threads:     map[string]*Thread{},
		webhooks:    map[string]*Webhook{},
		chanTypes:   map[string]int{},
	}
}

// channelErrorStatus maps the configurable per-channel failures to status and message.
func channelErrorStatus(code int) (status int, msg string, ok bool) {
	switch code {
	case CodeMissingAccess:
		return http.StatusForbidden, "Missing Access", true
	case CodeMissingPermissions:
		return http.StatusForbidden, "Missing Permissions", true
	case CodeUnknownChannel:
		return http.StatusNotFound, "Unknown Channel", true
	}
	return 0, "", false
}

// SetChannelError makes every message request to channelID fail with a Discord error: 50001
// (403 Missing Access), 50013 (403 Missing Permissions) or 10003 (404 Unknown Channel). Code 0
// clears it. Other codes are rejected with an error.
func (s *Server) SetChannelError(channelID string, code int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.state.channelErrs, channelID)
		return nil
	}
	if _, _, ok := channelErrorStatus(code); !ok {
		return errors.New("fakediscord: SetChannelError: unsupported code " + strconv.Itoa(code))
	}
	s.state.channelErrs[channelID] = code
	return nil
}

// Messages returns copies of the messages created in channelID through
// POST /channels/{id}/messages, oldest first. Interaction responses are on their Pending.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.state.messages[channelID]))
	for _, m := range s.state.messages[channelID] {
		out = append(out, *m)
	}
	return out
}

func (s *Server) channelError(channelID string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code, ok := s.state.channelErrs[channelID]; ok {
		status, msg, _ := channelErrorStatus(code)
		return newAPIError(status, code, msg)
	}
	return nil
}

// jsonBody returns the JSON payload of a request, which discordgo sends either as the body or,
// with files, as the payload_json part of a multipart form.
func jsonBody(c *call) ([]byte, *apiError) {
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return c.body, nil
	}
	payload := []byte("{}")
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return payload, nil
		}
		if err != nil {
			return nil, newAPIError(http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
		}
		if p.FormName() == "payload_json" {
			if payload, err = io.ReadAll(p); err != nil {
				return nil, newAPIError(http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
			}
		} else if p.FileName() != "" {
			c.files++ // an uploaded file makes a message non-empty
		}
	}
}

// readMessage reads and validates a message body against schema; on failure it has already
// answered with Discord's error and ok is false.
func (s *Server) readMessage(c *call, schema string, allowEmpty bool) (mb *messageBody, body []byte, ok bool) {
	body, e := jsonBody(c)
	if e == nil {
		mb, e = s.parseMessage(schema, body, allowEmpty)
	}
	if e != nil {
		writeAPIError(c.w, e)
		return nil, nil, false
	}
	return mb, body, true
}

// parseMessage validates a message-shaped body: schema, rune limits, then emptiness.
func (s *Server) parseMessage(schema string, body []byte, allowEmpty bool) (*messageBody, *apiError) {
	if e := s.schemas.validate(schema, body); e != nil {
		return nil, e
	}
	var mb messageBody
	if err := json.Unmarshal(body, &mb); err != nil {
		return nil, invalidForm(formErrorAt(nil, "BASE_TYPE_INVALID", err.Error()))
	}
	if tree := checkLimits(&mb); !tree.empty() {
		return nil, invalidForm(tree)
	}
	if !allowEmpty && mb.isEmpty() {
		return nil, newAPIError(http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
	}
	return &mb, nil
}

func formErrorAt(path []string, code, msg string) *formError {
	f := &formError{}
	f.add(path, code, msg)
	return f
}

func (s *Server) handleCreateMessage(c *call) {
	channelID := c.params["channel_id"]
	if e := s.channelError(channelID); e != nil {
		writeAPIError(c.w, e)
		return
	}
	body, e := jsonBody(c)
	if e == nil {
		e = s.checkPostable(channelID)
	}
	if e == nil {
		var mb *messageBody
		mb, e = s.parseMessage(bodyMessageCreate, body, c.files > 0)
		if e == nil {
			writeJSON(c.w, http.StatusOK, s.messageJSON(s.createMessage(channelID, mb, body, c.now)))
			return
		}
	}
	writeAPIError(c.w, e)
}

// createMessage stores a channel message, or returns the first one with the same nonce when
// enforce_nonce is set and the first is within NonceWindow.
func (s *Server) createMessage(channelID string, mb *messageBody, body []byte, now time.Time) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	nonce := mb.nonceKey()
	key := channelID + "\x00" + nonce
	enforce := nonce != "" && mb.EnforceNonce != nil && *mb.EnforceNonce
	if enforce {
		if prev, ok := s.state.nonces[key]; ok && now.Sub(prev.at) < s.opts.NonceWindow {
			return prev.msg
		}
	}
	m := newMessage(s.newIDLocked(), channelID, mb, body, now)
	m.Nonce = nonce
	s.state.messages[channelID] = append(s.state.messages[channelID], m)
	if enforce {
		s.state.nonces[key] = nonceEntry{msg: m, at: now}
	}
	return m
}

func newMessage(id, channelID string, mb *messageBody, body []byte, now time.Time) *Message {
	m := &Message{ID: id, ChannelID: channelID, Timestamp: now}
	applyEdit(m, mb, body)
	return m
}

// applyEdit overwrites the fields the body carries, as Discord's PATCH semantics do.
func applyEdit(m *Message, mb *messageBody, body []byte) {
	var present map[string]json.RawMessage
	_ = json.Unmarshal(body, &present)
	if _, ok := present["content"]; ok {
		m.Content = mb.content()
	}
	if _, ok := present["embeds"]; ok {
		m.Embeds = mb.Embeds
	}
	if _, ok := present["allowed_mentions"]; ok {
		m.AllowedMentions = mb.AllowedMentions
	}
	if _, ok := present["components"]; ok {
		m.Components = mb.Components
	}
	if mb.Flags != nil {
		m.Flags = *mb.Flags
	}
	m.Body = bytes.Clone(body)
}

func (s *Server) handleListMessages(c *call) {
	channelID := c.params["channel_id"]
	if e := s.channelError(channelID); e != nil {
		writeAPIError(c.w, e)
		return
	}
	limit := 50
	if n, err := strconv.Atoi(c.r.URL.Query().Get("limit")); err == nil && n >= 1 && n <= 100 {
		limit = n
	}
	msgs := s.Messages(channelID)
	out := []map[string]any{}
	for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.messageJSON(&msgs[i]))
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Server) handleEditMessage(c *call) {
	channelID := c.params["channel_id"]
	if e := s.channelError(channelID); e != nil {
		writeAPIError(c.w, e)
		return
	}
	mb, body, ok := s.readMessage(c, bodyMessageEdit, true)
	if !ok {
		return
	}
	s.mu.Lock()
	var found *Message
	for _, m := range s.state.messages[channelID] {
		if m.ID == c.params["message_id"] {
			found = m
		}
	}
	e := editMessage(found, mb, body, c.now)
	var out map[string]any
	if e == nil {
		out = s.messageJSONLocked(found)
	}
	s.mu.Unlock()
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Server) handleDeleteMessage(c *call) {
	channelID := c.params["channel_id"]
	if e := s.channelError(channelID); e != nil {
		writeAPIError(c.w, e)
		return
	}
	s.mu.Lock()
	msgs := s.state.messages[channelID]
	idx := slices.IndexFunc(msgs, func(m *Message) bool { return m.ID == c.params["message_id"] })
	if idx >= 0 {
		s.state.messages[channelID] = slices.Delete(msgs, idx, idx+1)
	}
	s.mu.Unlock()
	if idx < 0 {
		writeAPIError(c.w, newAPIError(http.StatusNotFound, CodeUnknownMessage, "Unknown Message"))
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// editMessage applies an edit unless the message is unknown or the edit would empty it.
func editMessage(m *Message, mb *messageBody, body []byte, now time.Time) *apiError {
	if m == nil {
		return newAPIError(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
	}
	edited := *m
	applyEdit(&edited, mb, body)
	if edited.Content == "" && len(edited.Embeds) == 0 && len(edited.Components) == 0 {
		return newAPIError(http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
	}
	edited.EditedAt = now
	edited.Edits++
	*m = edited
	return nil
}

func (s *Server) messageJSON(m *Message) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messageJSONLocked(m)
}

// messageJSONLocked renders a message object the way Discord returns it to the author.
func (s *Server) messageJSONLocked(m *Message) map[string]any {
	embeds := m.Embeds
	if embeds == nil {
		embeds = []Embed{}
	}
	components := m.Components
	if components == nil {
		components = []any{}
	}
	out := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "type": 0, "content": m.Content, "embeds": embeds,
		"author":    s.botUser(),
		"timestamp": m.Timestamp.UTC().Format(time.RFC3339Nano), "edited_timestamp": nil,
		"tts": false, "mention_everyone": false, "mentions": []any{}, "mention_roles": []any{},
		"attachments": []any{}, "pinned": false, "flags": m.Flags, "components": components,
	}
	if !m.EditedAt.IsZero() {
		out["edited_timestamp"] = m.EditedAt.UTC().Format(time.RFC3339Nano)
	}
	if m.Nonce != "" {
		out["nonce"] = m.Nonce
	}
	if m.WebhookID != "" {
		out["webhook_id"] = m.WebhookID
	}
	return out
}

func (s *Server) botUser() map[string]any {
	return map[string]any{"id": s.opts.AppID, "username": s.opts.BotUsername, "discriminator": "0",
		"global_name": nil, "avatar": nil, "bot": true}
}

func (s *Server) handleMe(c *call) {
	if t, ok := s.bearer(c); ok {
		u, ok := s.userJSON(t)
		if !ok {
			writeAPIError(c.w, newAPIError(http.StatusUnauthorized, CodeUnauthorized, "401: Unauthorized"))
			return
		}
		writeJSON(c.w, http.StatusOK, u)
		return
	}
	u := s.botUser()
	u["verified"] = true
	u["flags"] = 0
	writeJSON(c.w, http.StatusOK, u)
}
