package fakediscord

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Channel types the fake distinguishes (Discord's numbers).
const (
	ChannelText         = 0
	ChannelAnnouncement = 5
	ChannelAnnThread    = 10
	ChannelPublicThread = 11
	ChannelPrivThread   = 12
	ChannelForum        = 15
	ChannelMedia        = 16
)

// Thread is a thread the bot created: a forum post, a thread from a message or a thread
// without one. Its messages are under its id, like any channel's.
type Thread struct {
	ID       string
	ParentID string
	Name     string
	Type     int
	// StarterID is the message the thread was started from (for forum posts, the post's
	// first message, whose id equals the thread's).
	StarterID string
}

// Webhook is a channel webhook the bot created.
type Webhook struct {
	ID, Token, ChannelID, Name string
	Avatar                     string // data URI as sent, "" for the default
}

// SetChannelType makes channelID a channel of that type (text when never set), so tests can
// stand up forum and announcement channels.
func (s *Server) SetChannelType(channelID string, typ int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.chanTypes[channelID] = typ
}

// Threads returns copies of the threads created under parentID, oldest first.
func (s *Server) Threads(parentID string) []Thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Thread
	for _, t := range s.state.threads {
		if t.ParentID == parentID {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(a, b Thread) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Webhooks returns copies of channelID's webhooks.
func (s *Server) Webhooks(channelID string) []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhooksLocked(channelID)
}

func (s *Server) webhooksLocked(channelID string) []Webhook {
	var out []Webhook
	for _, w := range s.state.webhooks {
		if w.ChannelID == channelID {
			out = append(out, *w)
		}
	}
	slices.SortFunc(out, func(a, b Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// DeleteWebhook removes a webhook as a server admin would; executing it then fails with
// 10015 Unknown Webhook.
func (s *Server) DeleteWebhook(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.state.webhooks, id)
}

// channelTypeLocked is the type of a channel or thread id.
func (s *Server) channelTypeLocked(id string) int {
	if t, ok := s.state.threads[id]; ok {
		return t.Type
	}
	if t, ok := s.state.chanTypes[id]; ok {
		return t
	}
	for _, g := range s.oauth.guilds {
		for _, c := range g.Channels {
			if c.ID == id {
				return c.Type
			}
		}
	}
	return ChannelText
}

func isForum(typ int) bool { return typ == ChannelForum || typ == ChannelMedia }

// checkPostable refuses a plain message to a forum or media channel (50008), as Discord does:
// posts there are threads.
func (s *Server) checkPostable(channelID string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if isForum(s.channelTypeLocked(channelID)) {
		return newAPIError(http.StatusBadRequest, CodeNonTextChannel, "Cannot send messages in a non-text channel")
	}
	return nil
}

// threadBody is the union of the thread-creating bodies.
type threadBody struct {
	Name    string          `json:"name"`
	Type    *int            `json:"type"`
	Message json.RawMessage `json:"message"`
}

// handleCreateThread: POST /channels/{id}/threads. In a forum or media channel it creates a
// post (a thread and its first message, required); elsewhere a thread without a message.
func (s *Server) handleCreateThread(c *call) {
	parent := c.params["channel_id"]
	if e := s.channelError(parent); e != nil {
		writeAPIError(c.w, e)
		return
	}
	body, e := jsonBody(c)
	if e == nil {
		e = s.schemas.validate(bodyThreadCreate, body)
	}
	var tb threadBody
	if e == nil && json.Unmarshal(body, &tb) != nil {
		e = invalidForm(formErrorAt(nil, "BASE_TYPE_INVALID", "invalid thread body"))
	}
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	s.mu.Lock()
	forum := isForum(s.channelTypeLocked(parent))
	s.mu.Unlock()
	if !forum {
		typ := ChannelPrivThread
		if tb.Type != nil {
			typ = *tb.Type
		}
		writeJSON(c.w, http.StatusCreated, s.threadJSON(s.addThread(parent, tb.Name, typ, ""), nil))
		return
	}
	if len(tb.Message) == 0 || string(tb.Message) == "null" {
		writeAPIError(c.w, invalidForm(formErrorAt([]string{"message"}, "BASE_TYPE_REQUIRED", "This field is required")))
		return
	}
	mb, e := s.parseMessage(bodyMessageCreate, tb.Message, c.files > 0)
	if e != nil {
		if e.Errors != nil {
			e = invalidForm(prefixed("message", e.Errors))
		}
		writeAPIError(c.w, e)
		return
	}
	t, m := s.addForumPost(parent, tb.Name, mb, tb.Message, c.now)
	writeJSON(c.w, http.StatusCreated, s.threadJSON(t, m))
}

// addForumPost creates a forum post: a public thread whose first message shares its id.
func (s *Server) addForumPost(parent, name string, mb *messageBody, body []byte, now time.Time) (*Thread, *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newIDLocked()
	t := &Thread{ID: id, ParentID: parent, Name: name, Type: ChannelPublicThread, StarterID: id}
	s.state.threads[id] = t
	m := newMessage(id, id, mb, body, now)
	s.state.messages[id] = append(s.state.messages[id], m)
	return t, m
}

func (s *Server) addThread(parent, name string, typ int, starter string) *Thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := starter
	if id == "" {
		id = s.newIDLocked()
	}
	t := &Thread{ID: id, ParentID: parent, Name: name, Type: typ, StarterID: starter}
	s.state.threads[id] = t
	return t
}

// handleThreadFromMessage: POST /channels/{id}/messages/{mid}/threads, a thread whose id is
// the message's; 160004 if the message has one already.
func (s *Server) handleThreadFromMessage(c *call) {
	parent, mid := c.params["channel_id"], c.params["message_id"]
	if e := s.channelError(parent); e != nil {
		writeAPIError(c.w, e)
		return
	}
	body, e := jsonBody(c)
	if e == nil {
		e = s.schemas.validate(bodyThreadOfMessage, body)
	}
	var tb threadBody
	if e == nil && json.Unmarshal(body, &tb) != nil {
		e = invalidForm(formErrorAt(nil, "BASE_TYPE_INVALID", "invalid thread body"))
	}
	s.mu.Lock()
	exists := slices.ContainsFunc(s.state.messages[parent], func(m *Message) bool { return m.ID == mid })
	_, taken := s.state.threads[mid]
	typ := ChannelPublicThread
	if s.channelTypeLocked(parent) == ChannelAnnouncement {
		typ = ChannelAnnThread
	}
	s.mu.Unlock()
	switch {
	case e != nil:
	case !exists:
		e = newAPIError(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
	case taken:
		e = newAPIError(http.StatusBadRequest, 160004, "A thread has already been created for this message")
	}
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	writeJSON(c.w, http.StatusCreated, s.threadJSON(s.addThread(parent, tb.Name, typ, mid), nil))
}

func (s *Server) threadJSON(t *Thread, first *Message) map[string]any {
	out := map[string]any{"id": t.ID, "type": t.Type, "parent_id": t.ParentID, "name": t.Name,
		"owner_id": s.opts.AppID, "message_count": 0, "member_count": 1,
		"thread_metadata": map[string]any{"archived": false, "auto_archive_duration": 1440, "locked": false,
			"archive_timestamp": s.now().UTC().Format(time.RFC3339)}}
	if first != nil {
		out["message"] = s.messageJSON(first)
	}
	return out
}

// handleCreateWebhook: POST /channels/{id}/webhooks. Names containing "clyde" or "discord"
// are refused, as Discord does.
func (s *Server) handleCreateWebhook(c *call) {
	ch := c.params["channel_id"]
	if e := s.channelError(ch); e != nil {
		writeAPIError(c.w, e)
		return
	}
	if e := s.schemas.validate(bodyWebhookCreate, c.body); e != nil {
		writeAPIError(c.w, e)
		return
	}
	var wb struct {
		Name   string  `json:"name"`
		Avatar *string `json:"avatar"`
	}
	_ = json.Unmarshal(c.body, &wb)
	if n := strings.ToLower(wb.Name); strings.Contains(n, "clyde") || strings.Contains(n, "discord") {
		writeAPIError(c.w, invalidForm(formErrorAt([]string{"name"}, "WEBHOOK_INVALID_USERNAME", `Username cannot contain "clyde" or "discord"`)))
		return
	}
	s.mu.Lock()
	w := &Webhook{ID: s.newIDLocked(), Token: randomToken(), ChannelID: ch, Name: wb.Name}
	if wb.Avatar != nil {
		w.Avatar = *wb.Avatar
	}
	s.state.webhooks[w.ID] = w
	out := s.webhookJSON(w)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Server) handleListWebhooks(c *call) {
	s.mu.Lock()
	out := []map[string]any{}
	for _, w := range s.webhooksLocked(c.params["channel_id"]) {
		out = append(out, s.webhookJSON(&w))
	}
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Server) handleDeleteWebhook(c *call) {
	s.mu.Lock()
	_, ok := s.state.webhooks[c.params["webhook_id"]]
	delete(s.state.webhooks, c.params["webhook_id"])
	s.mu.Unlock()
	if !ok {
		writeAPIError(c.w, newAPIError(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook"))
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Server) webhookJSON(w *Webhook) map[string]any {
	var avatar any
	if w.Avatar != "" {
		avatar = "a" + w.ID
	}
	return map[string]any{"id": w.ID, "type": 1, "token": w.Token, "channel_id": w.ChannelID,
		"name": w.Name, "avatar": avatar, "application_id": s.opts.AppID, "user": s.botUser()}
}

// executeBody is what a webhook execution adds to a message body.
type executeBody struct {
	Username   string `json:"username"`
	AvatarURL  string `json:"avatar_url"`
	ThreadName string `json:"thread_name"`
}

// handleExecuteWebhook: POST /webhooks/{id}/{token} of a channel webhook. ?thread_id= posts
// in a thread of the webhook's channel; thread_name creates a forum post; ?wait=true answers
// with the message, else 204.
func (s *Server) handleExecuteWebhook(c *call) {
	mb, body, ok := s.readMessage(c, bodyWebhookExecute, c.files > 0)
	if !ok {
		return
	}
	var xb executeBody
	_ = json.Unmarshal(body, &xb)
	q := c.r.URL.Query()
	s.mu.Lock()
	w, known := s.state.webhooks[c.params["webhook_id"]]
	var e *apiError
	target := ""
	switch {
	case !known:
		e = newAPIError(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
	case w.Token != c.params["webhook_token"]:
		e = newAPIError(http.StatusUnauthorized, CodeInvalidWebhookToken, "Invalid Webhook Token")
	default:
		target, e = s.webhookTargetLocked(w, q.Get("thread_id"), xb.ThreadName)
	}
	s.mu.Unlock()
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	var m *Message
	if target == "" { // a forum post named by thread_name
		_, m = s.addForumPost(w.ChannelID, xb.ThreadName, mb, body, c.now)
	} else {
		m = s.createMessage(target, mb, body, c.now)
	}
	s.mu.Lock()
	m.WebhookID, m.Username, m.AvatarURL = w.ID, xb.Username, xb.AvatarURL
	s.mu.Unlock()
	if q.Get("wait") != "true" {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(c.w, http.StatusOK, s.messageJSON(m))
}

// webhookTargetLocked is where an execution posts: the webhook's channel, one of its threads,
// or "" for a new forum post. A forum webhook needs thread_id or thread_name (220001).
func (s *Server) webhookTargetLocked(w *Webhook, threadID, threadName string) (string, *apiError) {
	forum := isForum(s.channelTypeLocked(w.ChannelID))
	switch {
	case threadID != "":
		t, ok := s.state.threads[threadID]
		if !ok || t.ParentID != w.ChannelID {
			return "", newAPIError(http.StatusBadRequest, CodeUnknownChannel, "Unknown Channel")
		}
		return threadID, nil
	case forum && strings.TrimSpace(threadName) == "":
		return "", newAPIError(http.StatusBadRequest, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id")
	case forum:
		return "", nil
	}
	return w.ChannelID, nil
}

// handleExecute routes POST /webhooks/{id}/{token}: the application's own id is an
// interaction followup, any other id a channel webhook.
func (s *Server) handleExecute(c *call) {
	if c.params["webhook_id"] == s.opts.AppID {
		s.handleFollowup(c)
		return
	}
	s.handleExecuteWebhook(c)
}

// handleCrosspost: POST /channels/{id}/messages/{mid}/crosspost publishes an announcement
// channel's message to the channels following it.
func (s *Server) handleCrosspost(c *call) {
	ch, mid := c.params["channel_id"], c.params["message_id"]
	if e := s.channelError(ch); e != nil {
		writeAPIError(c.w, e)
		return
	}
	s.mu.Lock()
	var e *apiError
	var found *Message
	for _, m := range s.state.messages[ch] {
		if m.ID == mid {
			found = m
		}
	}
	switch {
	case s.channelTypeLocked(ch) != ChannelAnnouncement:
		e = newAPIError(http.StatusBadRequest, CodeWrongChannelType, "Cannot execute action on this channel type")
	case found == nil:
		e = newAPIError(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
	case found.Crossposted:
		e = newAPIError(http.StatusBadRequest, CodeAlreadyCrossposted, "This message has already been crossposted.")
	default:
		found.Crossposted = true
		found.Flags |= 1 // CROSSPOSTED
	}
	var out map[string]any
	if e == nil {
		out = s.messageJSONLocked(found)
	}
	s.mu.Unlock()
	respond(c, out, e)
}

// handleGetChannel: GET /channels/{id}, the channel's (or thread's) type and parent.
func (s *Server) handleGetChannel(c *call) {
	id := c.params["channel_id"]
	if e := s.channelError(id); e != nil {
		writeAPIError(c.w, e)
		return
	}
	s.mu.Lock()
	out := map[string]any{"id": id, "type": s.channelTypeLocked(id)}
	if t, ok := s.state.threads[id]; ok {
		out["parent_id"], out["name"] = t.ParentID, t.Name
	}
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}
