package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxResponseBody caps how much of a Discord response Herald reads.
const maxResponseBody = 1 << 20

// RESTClient makes raw Discord REST calls and hands every status, 429 included, back to the
// caller. Herald does not use discordgo's request path for posting because its limiter
// retries a 429 forever, ignores the bucket and global headers and retries no 5xx but 502;
// the Sender needs to see each of those to schedule correctly.
type RESTClient struct {
	// api is the versioned API root every URL is built on ("https://discord.com/api/v10/"):
	// the client's own, so clients aimed at different fakes can run side by side.
	api       string
	token     string
	client    *http.Client
	userAgent string
}

// NewRESTClient builds a client for the Discord API at base (an origin such as DefaultAPIBase
// or a fake's URL, optionally with a path prefix), authenticating as the bot token (without
// the "Bot " prefix).
func NewRESTClient(base, token string, client *http.Client) (*RESTClient, error) {
	root, err := apiRoot(base)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	return &RESTClient{api: root + "api/v" + discordgo.APIVersion + "/", token: token, client: client,
		userAgent: "DiscordBot (https://github.com/heraldbot/herald, 1)"}, nil
}

// RESTClientFromSession reuses a discordgo session's token and HTTP client, and its API root:
// discordgo has no per-session base, so that is its endpoint variables' (SetAPIBase).
func RESTClientFromSession(s *discordgo.Session) *RESTClient {
	return &RESTClient{api: discordgo.EndpointAPI, token: s.Token /* already "Bot …" */, client: s.Client,
		userAgent: "DiscordBot (https://github.com/heraldbot/herald, 1)"}
}

// endpoint is the URL of path (such as "channels/1/messages") under the client's API root.
func (c *RESTClient) endpoint(path string) string { return c.api + path }

// restResponse is what the caller needs from one REST call.
type restResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends one request; a non-2xx status is not an error here, only transport failures are.
func (c *RESTClient) do(ctx context.Context, method, url string, body any) (restResponse, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return restResponse{}, fmt.Errorf("discord: encode %s %s: %w", method, url, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return restResponse{}, fmt.Errorf("discord: build %s %s: %w", method, url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", authHeader(c.token))
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return restResponse{}, fmt.Errorf("discord: %s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return restResponse{}, fmt.Errorf("discord: read %s %s: %w", method, url, err)
	}
	return restResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

func authHeader(token string) string {
	if strings.HasPrefix(token, "Bot ") || strings.HasPrefix(token, "Bearer ") {
		return token
	}
	return "Bot " + token
}

// apiError is Discord's JSON error body.
type apiError struct {
	Code    int     `json:"code"`
	Message string  `json:"message"`
	Retry   float64 `json:"retry_after"`
	Global  bool    `json:"global"`
}

func parseAPIError(b []byte) apiError {
	var e apiError
	_ = json.Unmarshal(b, &e)
	return e
}

// StatusError is a Discord REST call that failed with a status Herald does not retry.
type StatusError struct {
	Method, URL string
	Status      int
	Code        int
	Message     string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("discord: %s %s: status %d code %d: %s", e.Method, e.URL, e.Status, e.Code, e.Message)
}

func statusError(method, url string, r restResponse) *StatusError {
	ae := parseAPIError(r.Body)
	return &StatusError{Method: method, URL: url, Status: r.Status, Code: ae.Code, Message: ae.Message}
}

// headerSeconds parses a seconds header such as X-RateLimit-Reset-After ("1.234").
func headerSeconds(h http.Header, key string) (time.Duration, bool) {
	v := h.Get(key)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// sendInteraction posts an interaction callback or edits the original response; it retries a
// 429 a few times (webhook buckets are per interaction, so the waits are short). The
// interaction token is part of the URL and lets anyone answer as the bot for 15 minutes, so
// every error it returns has the token redacted: callers log these errors.
func (c *RESTClient) sendInteraction(ctx context.Context, method, url, token string, body any) error {
	for attempt := 0; ; attempt++ {
		r, err := c.do(ctx, method, url, body)
		if err != nil {
			return redactToken(err, token)
		}
		if r.Status >= 200 && r.Status < 300 {
			return nil
		}
		if (r.Status != http.StatusTooManyRequests && r.Status < 500) || attempt >= 3 {
			return statusError(method, redactedURL(url, token), r)
		}
		wait := retryAfter(r)
		if r.Status >= 500 {
			wait = time.Duration(attempt+1) * 250 * time.Millisecond
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("discord: %s %s: %w", method, redactedURL(url, token), err)
		}
	}
}

// redactedToken replaces an interaction token in URLs and error text.
const redactedToken = "<interaction-token>"

func redactedURL(url, token string) string {
	if token == "" {
		return url
	}
	return strings.ReplaceAll(url, token, redactedToken)
}

// tokenRedactedError hides the interaction token in a transport error's text (net/http's
// *url.Error quotes the whole URL) while errors.Is/As still reach the cause.
type tokenRedactedError struct {
	err   error
	token string
}

func (e *tokenRedactedError) Error() string { return redactedURL(e.err.Error(), e.token) }
func (e *tokenRedactedError) Unwrap() error { return e.err }

func redactToken(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	return &tokenRedactedError{err: err, token: token}
}

// retryAfter reads a 429's wait: the JSON retry_after, else Retry-After, else one second.
func retryAfter(r restResponse) time.Duration {
	if ae := parseAPIError(r.Body); ae.Retry > 0 {
		return time.Duration(ae.Retry * float64(time.Second))
	}
	if d, ok := headerSeconds(r.Header, "Retry-After"); ok {
		return d
	}
	return time.Second
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// interactionCallback posts the first response to an interaction.
func (c *RESTClient) interactionCallback(ctx context.Context, id, token string, body interactionResponse) error {
	return c.sendInteraction(ctx, http.MethodPost, c.endpoint("interactions/"+id+"/"+token+"/callback"), token, body)
}

// editOriginal replaces the deferred "thinking…" response with the real answer.
func (c *RESTClient) editOriginal(ctx context.Context, appID, token string, p messagePayload) error {
	p.Flags = 0 // flags cannot change on edit; ephemerality was fixed by the defer
	return c.sendInteraction(ctx, http.MethodPatch, c.endpoint("webhooks/"+appID+"/"+token+"/messages/@original"), token, p)
}
