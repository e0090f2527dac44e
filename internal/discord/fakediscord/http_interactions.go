package fakediscord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// SigMode selects how SendHTTPInteraction signs a request. Discord itself sends deliberately
// bad signatures and de-lists endpoints that accept them.
type SigMode int

const (
	SigValid          SigMode = iota // correct signature over a fresh timestamp
	SigForged                        // signed with a different key
	SigStaleTimestamp                // correctly signed, timestamp 10 minutes old (replay)
	SigMissing                       // no signature headers at all
	SigTamperedBody                  // signature over a different body than the one sent
)

// HTTPResult is the endpoint's answer to a delivered HTTP interaction.
type HTTPResult struct {
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration // wall-clock time the endpoint took to answer
	// Pending tracks the interaction: an inline 200 answer counts as its acknowledgement, and
	// a 202 lets the application answer through the callback route.
	Pending *Pending
	// AckErr is the Discord error an inline answer earned (invalid body, too late…), nil if
	// accepted or if there was no inline answer.
	AckErr error
}

// SendHTTPInteraction POSTs an interaction to an Interactions Endpoint URL as Discord does:
// JSON body, X-Signature-Ed25519 over timestamp+body and X-Signature-Timestamp, per sig.
func (s *Server) SendHTTPInteraction(ctx context.Context, endpointURL string, in Interaction, sig SigMode) (*HTTPResult, error) {
	if err := s.checkOffered(in); err != nil {
		return nil, err
	}
	p, payload := s.register(in)
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("fakediscord: marshal interaction: %w", err)
	}
	res, err := s.postSigned(ctx, endpointURL, body, sig)
	if err != nil {
		return nil, err
	}
	res.Pending = p
	if res.Status == http.StatusOK && sig == SigValid {
		if e := s.acknowledge(p.ID(), p.Token(), res.Body, false, s.now()); e != nil {
			res.AckErr = fmt.Errorf("fakediscord: inline response rejected: %d %s", e.Code, e.Message)
		}
	}
	return res, nil
}

// Ping sends a PING (type 1) interaction; a correct endpoint answers 200 {"type":1} for a
// valid signature and 401 otherwise.
func (s *Server) Ping(ctx context.Context, endpointURL string, sig SigMode) (*HTTPResult, error) {
	return s.SendHTTPInteraction(ctx, endpointURL, Interaction{Type: InteractionPing}, sig)
}

func (s *Server) postSigned(ctx context.Context, endpointURL string, body []byte, sig SigMode) (*HTTPResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpointURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fakediscord: build interaction request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	if err := s.sign(req.Header, body, sig); err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fakediscord: post interaction: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("fakediscord: read interaction response: %w", err)
	}
	return &HTTPResult{Status: resp.StatusCode, Header: resp.Header, Body: rb, Latency: time.Since(start)}, nil
}

func (s *Server) sign(h http.Header, body []byte, sig SigMode) error {
	if sig == SigMissing {
		return nil
	}
	ts := s.now()
	if sig == SigStaleTimestamp {
		ts = ts.Add(-10 * time.Minute)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	key, signed := s.opts.PrivateKey, body
	switch sig {
	case SigForged:
		_, other, err := ed25519.GenerateKey(nil)
		if err != nil {
			return fmt.Errorf("fakediscord: forge key: %w", err)
		}
		key = other
	case SigTamperedBody:
		signed = append(bytes.Clone(body), ' ')
	}
	h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), signed...))))
	h.Set("X-Signature-Timestamp", stamp)
	return nil
}
