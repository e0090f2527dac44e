package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/subscription"
)

const (
	paused    = "https://paused.example/rss"
	failing   = "https://failing.example/rss"
	healthy   = "https://healthy.example/rss"
	sourceBad = "https://configured.example/rss"
)

// healthSubs is newSubs with feed states: a paused and a failing subscribed feed, a healthy
// one, and a paused configured feed behind the topic subscription.
func healthSubs(t *testing.T) (Subscriptions, *fakeChecker) {
	t.Helper()
	f := newSubsWith(t, subscription.Options{Limit: 10, Sources: []string{sourceBad, healthy}})
	s, fc, db := f.s, f.fc, f.db
	s.Health = db
	ctx := context.Background()
	states := []store.FeedState{
		{URL: paused, Known: true, Disabled: true, Failures: 10, LastSuccess: t0.Add(-26 * time.Hour),
			LastError: "the server name paused.example could not be found", ErrorClass: "dns"},
		{URL: failing, Known: true, Failures: 2, LastSuccess: t0.Add(-time.Hour), LastError: "the feed's server did not answer in time"},
		{URL: healthy, Known: true, LastSuccess: t0.Add(-5 * time.Minute)},
		{URL: sourceBad, Known: true, Disabled: true, Failures: 1, LastError: "the feed's server says the feed is gone for good (HTTP 410)"},
	}
	for _, st := range states {
		if err := db.PutFeedState(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{paused, failing, healthy} {
		if _, err := s.Feed(ctx, req("feed", map[string]string{"url": u})); err != nil {
			t.Fatalf("subscribing %s: %v", u, err)
		}
	}
	if _, err := s.Topic(ctx, req("topic", map[string]string{"topic": "ceasefire"})); err != nil {
		t.Fatal(err)
	}
	return s, fc
}

// TestSubscriptionsShowFeedHealth is issue 11 item 5: /subscriptions did not mark a dead or
// failing feed, and topic channels never learnt that a configured feed behind them died.
func TestSubscriptionsShowFeedHealth(t *testing.T) {
	s, _ := healthSubs(t)
	m, err := s.List(context.Background(), req("", nil))
	if err != nil {
		t.Fatal(err)
	}
	text := m.Embeds[0].Description
	for _, want := range []string{
		"live posts from " + paused + " — ⛔ paused after 10 failed attempts (the server name paused.example could not be found; last worked 26h ago). `/retry-feed url:" + paused + "` tries it again.",
		"live posts from " + failing + " — ⚠️ failing, 2 attempts so far (the feed's server did not answer in time; last worked 1h ago)",
		"live posts from " + healthy + " — ✅ working, last worked 5m ago",
		"Feeds behind topics and digests: 1 of 2 not working",
		sourceBad + ": ⛔ paused after 1 failed attempt (the feed's server says the feed is gone for good (HTTP 410); never worked)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/subscriptions lacks %q:\n%s", want, text)
		}
	}
}

func TestRetryFeed(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		checkErr  error
		want      string
		wantCheck bool
	}{
		{"paused feed that works again", paused, nil, "works again", true},
		{"paused configured feed", sourceBad, nil, "works again", true},
		{"still broken", paused, &feed.Error{Class: feed.ClassDNS, URL: paused}, "Herald still cannot fetch " + paused + ": the server name paused.example could not be found. It stays paused", true},
		{"healthy feed", healthy, nil, "is working (last fetched 5m ago); nothing to retry", false},
		{"a URL Herald does not poll here", "https://elsewhere.example/rss", nil, "does not poll", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, fc := healthSubs(t)
			fc.calls, fc.err = 0, tc.checkErr
			m, err := s.RetryFeed(context.Background(), req("", map[string]string{"url": tc.url}))
			got := m.Content
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("reply %q, want %q", got, tc.want)
			}
			if (fc.calls > 0) != tc.wantCheck {
				t.Errorf("feed fetched %d times, want fetched: %t", fc.calls, tc.wantCheck)
			}
			if tc.checkErr != nil && !errors.As(err, new(*UserError)) {
				t.Errorf("error %v is not a user error", err)
			}
		})
	}
}
