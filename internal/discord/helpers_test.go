package discord

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// useAPIBase points discordgo at base for one test. Tests that call it must not run in
// parallel: discordgo's endpoints are package variables.
func useAPIBase(t *testing.T, base string) {
	t.Helper()
	if err := SetAPIBase(base); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = SetAPIBase(DefaultAPIBase) })
}

// testNonce gives each test message a distinct nonce; production nonces come from
// delivery.Nonce, which derives them from the channel and the post's stories.
func testNonce(channelID, key string) string { return "t-" + channelID + "-" + key }

// runSender runs s as its lifecycle part would, until the test ends; the cleanup cancels
// Run's context and waits for it, the drain included.
func runSender(tb testing.TB, s *Sender) *Sender {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			tb.Errorf("Sender.Run: %v", err)
		}
	})
	return s
}

// restTo is a REST client for the API at base (a fake or a scripted server).
func restTo(tb testing.TB, base, token string, client *http.Client) *RESTClient {
	tb.Helper()
	c, err := NewRESTClient(base, token, client)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
