package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/story"
)

// checkFeedRSS is a feed of five items: one per verdict check-feed can give a known feed.
func checkFeedRSS(now time.Time) string {
	items := []struct {
		guid, title string
		age         time.Duration
	}{
		{"backfill", "Old Gaza item from the first fetch", 72 * time.Hour},
		{"posted", "Gaza talks resume", 2 * time.Hour},
		{"pending", "Gaza aid convoy arrives", time.Hour},
		{"stale", "Gaza border reopens", 48 * time.Hour},
		{"fresh", "Gaza hostages released", 10 * time.Minute},
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Check Outlet</title><link>https://outlet.example/</link>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://outlet.example/%s</link><guid>%s</guid><pubDate>%s</pubDate></item>`,
			it.title, it.guid, it.guid, now.Add(-it.age).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// TestCheckFeedWhileRunning: with the embedded store held by a running Herald, check-feed reads
// a copy, gives each item delivery's verdict naming the channels, and writes nothing.
func TestCheckFeedWhileRunning(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	body := checkFeedRSS(now)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/feed.xml"
	dir := t.TempDir()
	running, err := boltstore.Open(filepath.Join(dir, boltstore.FileName), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	seedCheckFeed(t, running, url, body, now)
	before, _ := running.CountStories(context.Background())

	out, errs, code := runArgs(t, []string{"check-feed", url}, map[string]string{"HERALD_DATA_DIR": dir, "HERALD_FEEDS": url,
		"HERALD_ALLOW_PRIVATE_FEEDS": "configured"})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"is in use by a running Herald: reading a consistent copy", "live subscriptions that may post its stories: 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Each channel's part is delivery's one verdict (what /subscription why says), in both.
	const (
		backfill = "Not posted: it was already in the feed when Herald first read it; only newer stories are posted."
		due      = "Not posted yet: it is due at the next delivery (within a minute or two)."
		stale    = "Not posted: older than 24 h: stored and shown by /latest, never live-posted."
	)
	both := func(a, b string) string { return "channel 111 (server 9): " + a + " channel 222 (server 9): " + b }
	for title, want := range map[string]string{
		"Old Gaza item from the first fetch": "stored; " + both(backfill, backfill),
		"Gaza talks resume":                  "stored; " + both("Posted in this channel.", due),
		"Gaza aid convoy arrives":            "stored; " + both(due, due),
		"Gaza border reopens":                "stored; " + both(stale, stale),
		"Gaza hostages released":             "new: the next poll stores it; " + both(due, due),
	} {
		if got := verdictOf(out, title); got != want {
			t.Errorf("%s:\n got %q\nwant %q", title, got, want)
		}
	}
	if after, _ := running.CountStories(context.Background()); after != before {
		t.Errorf("check-feed changed the store: %d stories, had %d", after, before)
	}
}

// seedCheckFeed records, in the running store, the feed as known, a feed subscription in
// channel 111 (words gaza) and a topic subscription in 222, the first four items stored (the
// first as backfill) and "posted" delivered in 111.
func seedCheckFeed(t *testing.T, s *boltstore.Store, url, body string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	fd, err := feed.Parse([]byte(body), "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	items := story.FromFeed(story.Source{FeedURL: url}, fd, now)
	var stored []story.Story
	for _, it := range items {
		it.Topics, it.FirstSeen = []string{"ceasefire"}, now.Add(-2*time.Hour)
		it.Backfill = strings.HasSuffix(it.Link, "/backfill")
		if !strings.HasSuffix(it.Link, "/fresh") {
			stored = append(stored, it)
		}
	}
	if _, err := s.PutStories(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFeedState(ctx, store.FeedState{URL: url, Known: true, LastPoll: now, LastSuccess: now}); err != nil {
		t.Fatal(err)
	}
	created := now.Add(-4 * 24 * time.Hour)
	for _, sub := range []store.Subscription{
		{GuildID: "9", ChannelID: "111", Kind: store.KindFeed, FeedURL: url, Include: []string{"gaza"}, CreatedAt: created},
		{GuildID: "9", ChannelID: "222", Kind: store.KindTopic, Topic: "ceasefire", CreatedAt: now.Add(-3 * time.Hour)},
	} {
		if _, err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range stored {
		if strings.HasSuffix(it.Link, "/posted") {
			if _, err := s.Claim(ctx, "111", []string{it.ID}, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.Confirm(ctx, "111", []string{it.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Without a store yet, check-feed says so and creates nothing.
func TestCheckFeedNoStoreYet(t *testing.T) {
	now := time.Now().UTC()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, checkFeedRSS(now)) }))
	t.Cleanup(srv.Close)
	dir := filepath.Join(t.TempDir(), "data")
	out, errs, code := runArgs(t, []string{"check-feed", srv.URL}, map[string]string{"HERALD_DATA_DIR": dir, "HERALD_ALLOW_PRIVATE_FEEDS": "true"})
	if code != 0 || !strings.Contains(out, "no embedded store at "+filepath.Join(dir, "herald.db")+" yet") ||
		!strings.Contains(out, "verdict: unknown: the store could not be read") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := filepath.Glob(dir); err == nil {
		if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
			t.Errorf("check-feed created %v", m)
		}
	}
}

// verdictOf is the verdict check-feed printed for the item titled title.
func verdictOf(out, title string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "  "+title) && i+1 < len(lines) {
			_, v, _ := strings.Cut(lines[i+1], "verdict: ")
			return v
		}
	}
	return ""
}

func runArgs(t *testing.T, args []string, vars map[string]string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = run(args, strings.NewReader(""), &out, &errb, func(k string) string { return vars[k] })
	return out.String(), errb.String(), code
}
