package discord

import (
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
