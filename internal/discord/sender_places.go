package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/heraldbot/herald/internal/message"
)

// ErrWebhookGone means a channel webhook Herald posts through was deleted (10015): the
// channel is fine, the webhook must be recreated. Its WebhookGone method lets delivery
// recognise it without importing this package.
var ErrWebhookGone error = webhookGoneError{}

type webhookGoneError struct{}

func (webhookGoneError) Error() string     { return "discord: webhook gone" }
func (webhookGoneError) WebhookGone() bool { return true }

// Webhook is a channel webhook: its id and the token that executes it.
type Webhook struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// Identity is how a webhook post presents itself: name and avatar (empty: the webhook's).
type Identity struct {
	Username, AvatarURL string
}

// placeJob describes the non-message requests the Sender queues like messages.
type placeJob struct {
	kind     placeKind
	name     string // thread or forum post name
	webhook  *Webhook
	identity Identity
	threadID string // a webhook execution into a thread
}

type placeKind int

const (
	placeForumPost placeKind = iota + 1
	placeThread
	placeCrosspost
	placeWebhook
)

// Discord's answers to a thread or crosspost made already: a retry after a lost answer or a
// re-sent post (its nonce returns the first message) meets them, and they mean done.
const (
	codeThreadExists       = 160004
	codeAlreadyCrossposted = 40033
)

// done reports an answer that means this thread or crosspost exists already.
func (p *placeJob) done(r restResponse) bool {
	if r.Status != http.StatusBadRequest {
		return false
	}
	code := parseAPIError(r.Body).Code
	return p.kind == placeThread && code == codeThreadExists || p.kind == placeCrosspost && code == codeAlreadyCrossposted
}

// maxThreadName is Discord's limit on thread names.
const maxThreadName = 100

// request is the HTTP request of a job: a message post or edit, or one of the places.
// URLs are built on c's API root.
func (j *sendJob) request(c *RESTClient) (method, url string, body any) {
	channel := "channels/" + j.channelID
	if j.place == nil {
		if j.messageID != "" {
			return http.MethodPatch, c.endpoint(channel + "/messages/" + j.messageID), j.payload
		}
		return http.MethodPost, c.endpoint(channel + "/messages"), j.payload
	}
	p := j.place
	switch p.kind {
	case placeForumPost:
		return http.MethodPost, c.endpoint(channel + "/threads"), forumPostBody{Name: p.name, Message: j.payload}
	case placeThread:
		return http.MethodPost, c.endpoint(channel + "/messages/" + j.messageID + "/threads"),
			threadBody{Name: p.name, AutoArchiveDuration: 1440}
	case placeCrosspost:
		return http.MethodPost, c.endpoint(channel + "/messages/" + j.messageID + "/crosspost"), nil
	}
	url = c.endpoint("webhooks/" + p.webhook.ID + "/" + p.webhook.Token + "?wait=true")
	if p.threadID != "" {
		url += "&thread_id=" + p.threadID
	}
	return http.MethodPost, url, webhookBody{messagePayload: j.payload, Username: p.identity.Username,
		AvatarURL: p.identity.AvatarURL, ThreadName: p.name}
}

type forumPostBody struct {
	Name    string         `json:"name"`
	Message messagePayload `json:"message"`
}

type threadBody struct {
	Name                string `json:"name"`
	AutoArchiveDuration int    `json:"auto_archive_duration"`
}

type webhookBody struct {
	messagePayload
	Username   string `json:"username,omitempty"`
	AvatarURL  string `json:"avatar_url,omitempty"`
	ThreadName string `json:"thread_name,omitempty"`
}

// ThreadName makes a story title a valid thread name: one line, at most 100 characters,
// never empty.
func ThreadName(title string) string {
	name := strings.Join(strings.Fields(title), " ")
	if name == "" {
		name = "News"
	}
	return message.Truncate(name, maxThreadName)
}

// PostForum creates a post (a thread whose first message is m) named name in a forum or media
// channel and returns the thread's id, which is also its first message's.
func (s *Sender) PostForum(ctx context.Context, forumID, name string, m message.Message) (string, error) {
	return s.queue(ctx, forumID, "", m, &placeJob{kind: placeForumPost, name: ThreadName(name)})
}

// StartThread opens a public thread named name on the bot's message messageID.
func (s *Sender) StartThread(ctx context.Context, channelID, messageID, name string) error {
	_, err := s.queue(ctx, channelID, messageID, message.Message{}, &placeJob{kind: placeThread, name: ThreadName(name)})
	return err
}

// Crosspost publishes the bot's message messageID of an announcement channel to the channels
// following it.
func (s *Sender) Crosspost(ctx context.Context, channelID, messageID string) error {
	_, err := s.queue(ctx, channelID, messageID, message.Message{}, &placeJob{kind: placeCrosspost})
	return err
}

// SendWebhook posts m to channelID through its webhook wh under id; in a forum channel,
// forumName names the new post. A deleted webhook gives ErrWebhookGone.
func (s *Sender) SendWebhook(ctx context.Context, channelID string, wh Webhook, id Identity, forumName string, m message.Message) (string, error) {
	p := &placeJob{kind: placeWebhook, webhook: &wh, identity: id}
	if forumName != "" {
		p.name = ThreadName(forumName)
	}
	return s.queue(ctx, channelID, "", m, p)
}

// queue runs one place job through the channel's queue and waits for it.
func (s *Sender) queue(ctx context.Context, channelID, messageID string, m message.Message, p *placeJob) (string, error) {
	var payload messagePayload
	if p.kind == placeForumPost || p.kind == placeWebhook {
		if err := ValidateMessage(m); err != nil {
			return "", err
		}
		payload = toPayload(m)
		payload.Flags = 0
	}
	j := &sendJob{channelID: channelID, messageID: messageID, payload: payload, place: p, result: make(chan sendResult, 1)}
	if err := s.enqueue(j); err != nil {
		return "", err
	}
	select {
	case r := <-j.result:
		return r.id, r.err
	case <-ctx.Done():
		s.cancel(j)
		return "", fmt.Errorf("discord: %s in %s: %w", p.kindName(), channelID, ctx.Err())
	}
}

func (p *placeJob) kindName() string {
	return [...]string{"", "forum post", "thread", "crosspost", "webhook post"}[p.kind]
}

// CreateWebhook makes a channel webhook named name (needs Manage Webhooks). It is rare and not
// a message, so it bypasses the queue.
func (s *Sender) CreateWebhook(ctx context.Context, channelID, name string) (Webhook, error) {
	url := s.rest.endpoint("channels/" + channelID + "/webhooks")
	r, err := s.rest.do(ctx, http.MethodPost, url, map[string]any{"name": name})
	if err != nil {
		return Webhook{}, err
	}
	if r.Status < 200 || r.Status >= 300 {
		return Webhook{}, statusError(http.MethodPost, url, r)
	}
	var wh Webhook
	if err := json.Unmarshal(r.Body, &wh); err != nil {
		return Webhook{}, fmt.Errorf("discord: decode webhook from %s: %w", url, err)
	}
	if wh.ID == "" || wh.Token == "" {
		return Webhook{}, fmt.Errorf("discord: webhook from %s has no id or token", url)
	}
	return wh, nil
}

// ChannelType is Discord's type number of a channel or thread (GET /channels/{id}).
func (s *Sender) ChannelType(ctx context.Context, channelID string) (int, error) {
	url := s.rest.endpoint("channels/" + channelID)
	r, err := s.rest.do(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if r.Status != http.StatusOK {
		return 0, statusError(http.MethodGet, url, r)
	}
	var ch struct {
		Type int `json:"type"`
	}
	if err := json.Unmarshal(r.Body, &ch); err != nil {
		return 0, fmt.Errorf("discord: decode channel from %s: %w", url, err)
	}
	return ch.Type, nil
}
