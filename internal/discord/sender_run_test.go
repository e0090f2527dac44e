package discord

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// scriptedTransport answers every request with rep after its delay, in the test's bubble and
// without a network, or gives up when the request's context ends first.
type scriptedTransport struct{ rep reply }

func (tr scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	timer := time.NewTimer(tr.rep.delay)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range tr.rep.header {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: tr.rep.status, Header: h, Body: io.NopCloser(strings.NewReader(tr.rep.body)), Request: req}, nil
}

// Stopping the Sender (its Run's context ends) fails what is queued, refuses later sends,
// lets an attempt Discord is answering finish, and cuts one that hangs at DrainTimeout.
func TestSenderRunStopsAndDrains(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rep  reply
		// wantRun is how long Run takes to return after its context ended.
		wantRun time.Duration
		wantID  string
		wantErr error
	}{
		{name: "queued behind a 5 s retry_after: fails at once", rep: limited(5, false), wantErr: ErrSenderClosed},
		{name: "in flight, answered after 1 s: delivered", rep: func() reply { r := ok("m1"); r.delay = time.Second; return r }(),
			wantRun: time.Second, wantID: "m1"},
		{name: "in flight, never answered: cut at the 2 s drain", rep: reply{delay: time.Hour, status: 200, body: `{"id":"late"}`},
			wantRun: 2 * time.Second, wantErr: ErrSenderClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				rest := restTo(t, "https://discord.test", "t", &http.Client{Transport: scriptedTransport{rep: tc.rep}})
				s := NewSender(rest, SenderOptions{DrainTimeout: 2 * time.Second})
				ctx, cancel := context.WithCancel(t.Context())
				ran := make(chan error, 1)
				go func() { ran <- s.Run(ctx) }()
				type sent struct {
					id  string
					err error
				}
				got := make(chan sent, 1)
				go func() {
					id, err := s.Send(t.Context(), "c1", text("hello"), "")
					got <- sent{id, err}
				}()
				synctest.Wait() // the first attempt is in flight, or answered and held
				start := time.Now()
				cancel()
				if err := <-ran; err != nil {
					t.Fatalf("Run: %v", err)
				}
				if took := time.Since(start); took != tc.wantRun {
					t.Errorf("Run returned %v after its context ended, want %v", took, tc.wantRun)
				}
				r := <-got
				if r.id != tc.wantID || !errors.Is(r.err, tc.wantErr) || (tc.wantErr == nil && r.err != nil) {
					t.Errorf("Send = %q, %v; want %q, %v", r.id, r.err, tc.wantID, tc.wantErr)
				}
				if _, err := s.Send(t.Context(), "c1", text("after"), ""); !errors.Is(err, ErrSenderClosed) {
					t.Errorf("Send after Run returned: %v, want ErrSenderClosed", err)
				}
			})
		})
	}
}
