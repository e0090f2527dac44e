package feed

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// acceptHeader asks for feeds first but takes anything: many servers label feeds text/html.
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.7"

// errTooManyRedirects and errBadScheme are returned by the redirect check; classify maps them.
var (
	errTooManyRedirects = errors.New("feed: too many redirects")
	errBadScheme        = errors.New("feed: only http and https URLs are fetched")
)

// Fetcher downloads and parses feeds. It owns its HTTP client, so its timeouts, redirect
// policy and private-network guard apply to every request and nothing else in the process
// can change them. It is safe for concurrent use.
type Fetcher struct {
	opts   Options
	guard  addressGuard
	client *http.Client
}

// NewFetcher builds a Fetcher; zero Options fields get their defaults.
func NewFetcher(opts Options) *Fetcher {
	opts = opts.withDefaults()
	f := &Fetcher{opts: opts, guard: addressGuard{allowPrivate: opts.AllowPrivate, allowNets: opts.AllowNets,
		allowHosts: map[string]bool{}}}
	for _, h := range opts.AllowHosts {
		f.guard.allowHosts[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	guarded := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second, Control: f.guard.control}
	listed := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		// No environment proxy: the guard must see the real destination, not a proxy's.
		Proxy: nil,
		// A host the operator listed by name is dialled without the address check (its
		// addresses are private by design); every other host is checked after resolution.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, err := net.SplitHostPort(addr); err == nil && f.guard.hostAllowed(host) {
				return listed.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   opts.TLSHandshakeTimeout,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	f.client = &http.Client{Transport: transport, CheckRedirect: f.checkRedirect}
	return f
}

// CloseIdleConnections releases kept-alive connections, for shutdown.
func (f *Fetcher) CloseIdleConnections() {
	f.client.CloseIdleConnections()
}

// checkRedirect enforces MaxRedirects and the http/https rule on every hop, and refuses
// IP-literal private targets before a connection is even attempted.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > max(f.opts.MaxRedirects, 0) {
		return fmt.Errorf("%w: stopped after %d", errTooManyRedirects, len(via)-1)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to %q", errBadScheme, req.URL.Scheme)
	}
	return f.guard.checkHost(req.URL.Hostname())
}

// Fetch GETs rawURL conditionally (sending v) and parses the body. A 304 returns a Result with
// NotModified set and v carried over. Every error is an *Error with a Class the poller can act
// on (back off, disable, tell the user).
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, v Validators) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	start := f.opts.Now()
	res, err := f.fetch(ctx, rawURL, v)
	f.logFetch(rawURL, res, start, err)
	return res, err
}

// fetch is Fetch within the whole-request deadline.
func (f *Fetcher) fetch(ctx context.Context, rawURL string, v Validators) (*Result, error) {
	req, err := f.newRequest(ctx, rawURL, v)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.transportError(rawURL, err)
	}
	defer closeBody(resp.Body)
	return f.handleResponse(resp, v)
}

// newRequest validates rawURL (http/https with a host) and builds the conditional GET.
func (f *Fetcher) newRequest(ctx context.Context, rawURL string, v Validators) (*http.Request, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, &Error{Class: ClassInvalid, URL: rawURL, Err: fmt.Errorf("feed: parse url: %w", err)}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &Error{Class: ClassInvalid, URL: rawURL, Err: fmt.Errorf("%w: got %q", errBadScheme, u.Scheme)}
	}
	if u.Hostname() == "" {
		return nil, &Error{Class: ClassInvalid, URL: rawURL, Err: errors.New("feed: url has no host")}
	}
	if err := f.guard.checkHost(u.Hostname()); err != nil {
		return nil, &Error{Class: ClassBlocked, URL: rawURL, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Class: ClassInvalid, URL: rawURL, Err: fmt.Errorf("feed: build request: %w", err)}
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", acceptHeader)
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	return req, nil
}

// handleResponse turns a response into a Result or a classified *Error.
func (f *Fetcher) handleResponse(resp *http.Response, v Validators) (*Result, error) {
	finalURL := resp.Request.URL.String()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &Result{
			URL: finalURL, Status: resp.StatusCode, NotModified: true,
			Validators:    mergeValidators(responseValidators(resp.Header), v),
			NextPollAfter: freshness(resp.Header, f.opts.Now(), f.opts.MaxCacheHint),
		}, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, f.statusError(finalURL, resp)
	}
	body, err := f.readBody(finalURL, resp)
	if err != nil {
		return nil, err
	}
	kept := &newestTranslator{max: f.opts.MaxItems, now: f.opts.Now()}
	fd, err := parseLimited(body, resp.Header.Get("Content-Type"), f.opts.MaxBytes, kept)
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			fe.URL, fe.Status = finalURL, resp.StatusCode
		}
		return nil, err
	}
	return &Result{
		URL: finalURL, Status: resp.StatusCode, Validators: responseValidators(resp.Header),
		Feed: fd, Dropped: kept.dropped, Bytes: len(body), NextPollAfter: freshness(resp.Header, f.opts.Now(), f.opts.MaxCacheHint),
	}, nil
}

// statusError classifies a non-2xx, non-304 response.
func (f *Fetcher) statusError(finalURL string, resp *http.Response) *Error {
	e := &Error{Class: ClassHTTP, URL: finalURL, Status: resp.StatusCode, Err: fmt.Errorf("feed: server said %s", resp.Status)}
	switch resp.StatusCode {
	case http.StatusGone:
		e.Class = ClassGone
	case http.StatusTooManyRequests:
		e.Class = ClassRateLimit
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), f.opts.Now(), f.opts.MaxRetryAfter)
	}
	return e
}

// readBody reads at most MaxBytes of the (already decompressed) body. A declared
// Content-Length over the cap fails before reading a byte; a body without one is cut at
// MaxBytes+1 so an endless or bomb-like response never grows memory past the cap.
func (f *Fetcher) readBody(finalURL string, resp *http.Response) ([]byte, error) {
	limit := f.opts.MaxBytes
	if resp.ContentLength > limit {
		return nil, &Error{Class: ClassTooLarge, URL: finalURL, Status: resp.StatusCode,
			Err: fmt.Errorf("feed: content-length %d exceeds %d bytes", resp.ContentLength, limit)}
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + 1)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return nil, f.transportError(finalURL, err)
	}
	if int64(buf.Len()) > limit {
		return nil, &Error{Class: ClassTooLarge, URL: finalURL, Status: resp.StatusCode,
			Err: fmt.Errorf("feed: body exceeds %d bytes", limit)}
	}
	return buf.Bytes(), nil
}

// transportError wraps a client or body-read error in a classified *Error.
func (f *Fetcher) transportError(rawURL string, err error) *Error {
	return &Error{Class: classify(err), URL: rawURL, Err: err}
}

// logFetch records one fetch at debug level; failures are the poller's to report.
func (f *Fetcher) logFetch(rawURL string, res *Result, start time.Time, err error) {
	attrs := []any{slog.String("url", RedactURL(rawURL)), slog.Duration("elapsed", f.opts.Now().Sub(start))}
	var fe *Error
	switch {
	case res != nil:
		attrs = append(attrs, slog.Int("status", res.Status), slog.Int("bytes", res.Bytes))
	case errors.As(err, &fe):
		attrs = append(attrs, slog.String("error_class", string(fe.Class)), slog.Int("status", fe.Status),
			slog.Any("error", err))
	}
	f.opts.Logger.Debug("feed fetched", attrs...)
}

// responseValidators reads the validators a response carries.
func responseValidators(h http.Header) Validators {
	return Validators{ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified")}
}

// mergeValidators keeps each validator of fresh, falling back to old where fresh has none:
// a 304 often omits them, and losing them would turn the next poll into a full download.
func mergeValidators(fresh, old Validators) Validators {
	if fresh.ETag == "" {
		fresh.ETag = old.ETag
	}
	if fresh.LastModified == "" {
		fresh.LastModified = old.LastModified
	}
	return fresh
}

// closeBody drains a little of the body so the connection can be reused, then closes it.
func closeBody(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 4<<10)
	_ = body.Close()
}
