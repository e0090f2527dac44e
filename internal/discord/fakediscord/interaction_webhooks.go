package fakediscord

import (
	"net/http"
	"time"
)

// webhookInteraction resolves /webhooks/{app}/{token}: unknown → 10015, expired → 50027.
// Callers hold s.mu.
func (s *Server) webhookInteraction(c *call) (*interaction, *apiError) {
	it, ok := s.interactions[c.params["webhook_token"]]
	if !ok || c.params["webhook_id"] != s.opts.AppID {
		return nil, newAPIError(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
	}
	if c.now.Sub(it.sent) > s.opts.InteractionTokenTTL {
		return nil, newAPIError(http.StatusUnauthorized, CodeInvalidWebhookToken, "Invalid Webhook Token")
	}
	return it, nil
}

// original returns @original, which exists only after a type 4 or 5 acknowledgement.
func (s *Server) original(c *call) (*interaction, *apiError) {
	it, e := s.webhookInteraction(c)
	if e != nil {
		return nil, e
	}
	if !it.acked || it.resp.Original == nil || it.originalDeleted {
		return nil, newAPIError(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
	}
	return it, nil
}

func (s *Server) handleGetOriginal(c *call) {
	s.mu.Lock()
	it, e := s.original(c)
	var out map[string]any
	if e == nil {
		out = s.messageJSONLocked(it.resp.Original)
	}
	s.mu.Unlock()
	respond(c, out, e)
}

func (s *Server) handleEditOriginal(c *call) {
	mb, body, ok := s.readMessage(c, bodyWebhookOriginal, true)
	if !ok {
		return
	}
	s.mu.Lock()
	it, e := s.original(c)
	var out map[string]any
	if e == nil {
		e = editOriginal(it, mb, body, c.now)
	}
	if e == nil {
		out = s.messageJSONLocked(it.resp.Original)
	}
	s.mu.Unlock()
	respond(c, out, e)
}

// editOriginal edits @original. A deferred (type 5) original starts empty, so the first edit
// must give it content.
func editOriginal(it *interaction, mb *messageBody, body []byte, now time.Time) *apiError {
	if e := editMessage(it.resp.Original, mb, body, now); e != nil {
		return e
	}
	it.resp.Edits = append(it.resp.Edits, *it.resp.Original)
	it.notify()
	return nil
}

func (s *Server) handleDeleteOriginal(c *call) {
	s.mu.Lock()
	it, e := s.original(c)
	if e == nil {
		it.originalDeleted = true
		it.notify()
	}
	s.mu.Unlock()
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// handleFollowup creates a followup message; Discord requires the interaction to have been
// acknowledged first and always answers with the message (wait is implied).
func (s *Server) handleFollowup(c *call) {
	mb, body, ok := s.readMessage(c, bodyWebhookExecute, c.files > 0)
	if !ok {
		return
	}
	s.mu.Lock()
	it, e := s.webhookInteraction(c)
	if e == nil && !it.acked {
		e = newAPIError(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
	}
	var out map[string]any
	if e == nil {
		m := s.interactionMessage(it, mb, body, c.now)
		it.resp.Followups = append(it.resp.Followups, *m)
		it.notify()
		out = s.messageJSONLocked(m)
	}
	s.mu.Unlock()
	respond(c, out, e)
}

func (s *Server) handleEditFollowup(c *call) {
	mb, body, ok := s.readMessage(c, bodyWebhookMessage, true)
	if !ok {
		return
	}
	s.mu.Lock()
	it, e := s.webhookInteraction(c)
	var out map[string]any
	if e == nil {
		e = newAPIError(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		for i := range it.resp.Followups {
			if m := &it.resp.Followups[i]; m.ID == c.params["message_id"] {
				if e = editMessage(m, mb, body, c.now); e == nil {
					out = s.messageJSONLocked(m)
					it.notify()
				}
				break
			}
		}
	}
	s.mu.Unlock()
	respond(c, out, e)
}

func respond(c *call, out map[string]any, e *apiError) {
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}
