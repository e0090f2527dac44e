package delivery

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// TestFeedNoticesOncePerOutage: two replicas sweep repeatedly; the channel following the feed
// hears once that it was disabled (with the reason) and once that it recovered, and again for a
// second outage. The topic channel hears nothing.
func TestFeedNoticesOncePerOutage(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			a := e.live(t, e.replica(), e.sender(t), LiveOptions{})
			bb := e.live(t, e.replica(), e.sender(t), LiveOptions{})
			sweep := func() {
				var wg sync.WaitGroup
				for _, l := range []*Live{a, bb, a, bb} {
					wg.Go(func() { l.CheckFeeds(ctx) })
				}
				wg.Wait()
			}
			good := t0.Add(-5 * time.Hour)
			st := store.FeedState{URL: feedA, Title: "Outlet A World", LastSuccess: good, Known: true}
			putState := func(st store.FeedState) {
				if err := e.store.PutFeedState(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
			putState(st)
			sweep()
			if n := len(e.fake.Messages("c1")); n != 0 {
				t.Fatalf("a healthy feed produced %d notices", n)
			}

			st.Failures, st.Disabled, st.LastError = 10, true, "feed: GET https://a.example/feed: 503 Service Unavailable"
			putState(st)
			sweep()
			sweep()
			got := e.fake.texts("c1")
			if len(got) != 1 || !strings.Contains(got[0], feedA) || !strings.Contains(got[0], "503 Service Unavailable") ||
				!strings.Contains(got[0], "10 failed attempts") {
				t.Fatalf("disabled notices = %q, want one naming the feed, the failures and the error", got)
			}

			// Re-enabled but not yet fetched: no recovery notice yet.
			st.Disabled, st.Failures = false, 0
			putState(st)
			sweep()
			if n := len(e.fake.Messages("c1")); n != 1 {
				t.Fatalf("%d notices before the feed was fetched again, want 1", n)
			}
			st.LastSuccess = t0
			putState(st)
			sweep()
			sweep()
			got = e.fake.texts("c1")
			if len(got) != 2 || !strings.Contains(got[1], "working again") || !strings.Contains(got[1], feedA) {
				t.Fatalf("after recovery notices = %q, want a second one saying it works again", got)
			}

			// A second outage is a new notice.
			st.Failures, st.Disabled, st.LastError = 1, true, "feed: 410 Gone"
			putState(st)
			sweep()
			got = e.fake.texts("c1")
			if len(got) != 3 || !strings.Contains(got[2], "410 Gone") {
				t.Fatalf("second outage notices = %q", got)
			}
			if n := len(e.fake.Messages("c2")); n != 0 {
				t.Errorf("topic channel c2 got %d feed notices, want 0", n)
			}
		})
	}
}

// TestFeedNoticeRetriedAfterFailure: a notice whose post fails (Discord down) is sent by the
// next sweep, not lost.
func TestFeedNoticeRetriedAfterFailure(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			st := store.FeedState{URL: feedA, LastSuccess: t0.Add(-time.Hour), Disabled: true, Failures: 10, LastError: "timeout"}
			if err := e.store.PutFeedState(ctx, st); err != nil {
				t.Fatal(err)
			}
			e.fake.FailNext("POST", "/channels/c1/messages", 400, 1)
			l := e.live(t, e.store, e.sender(t), LiveOptions{})
			l.CheckFeeds(ctx)
			if n := len(e.fake.Messages("c1")); n != 0 {
				t.Fatalf("got %d notices through a failing Discord", n)
			}
			l.CheckFeeds(ctx)
			l.CheckFeeds(ctx)
			if got := e.fake.texts("c1"); len(got) != 1 || !strings.Contains(got[0], "timeout") {
				t.Errorf("notices = %q, want exactly one after the retry", got)
			}
		})
	}
}

// Feed notices are read by the whole channel: a private feed's password is hidden, the rest of
// the URL is kept so the feed is recognisable.
func TestFeedNoticesHidePassword(t *testing.T) {
	const password = "s3cret-feed-password"
	st := store.FeedState{URL: "https://reader:" + password + "@news.example/rss", Title: "Private news",
		Failures: 3, LastError: "feed: http: https://reader:xxxxx@news.example/rss: feed: server said 500"}
	for name, m := range map[string]message.Message{"down": downNotice(st, t0, nil), "up": upNotice(st)} {
		if strings.Contains(m.Content, password) || !strings.Contains(m.Content, "Private news (https://reader:xxxxx@news.example/rss)") {
			t.Errorf("%s notice %q: want the feed named with its password hidden", name, m.Content)
		}
	}
}

// TestFeedDownNoticeNamesTheFeedOnce is issue 11 item 8: the notice named the feed, then quoted
// an error that named its URL again. The stored error is now the user's wording (see the
// poller), so the URL appears once.
func TestFeedDownNoticeNamesTheFeedOnce(t *testing.T) {
	st := store.FeedState{URL: "https://news.example/rss", Title: "Example News", Failures: 10, Disabled: true,
		LastError: (&feed.Error{Class: feed.ClassDNS, URL: "https://news.example/rss"}).UserMessage()}
	got := downNotice(st, t0, nil).Content
	if n := strings.Count(got, "news.example"); n != 2 { // the URL, and the host in the reason
		t.Errorf("notice mentions news.example %d times, want the URL once and the host once:\n%s", n, got)
	}
	if n := strings.Count(got, "https://news.example/rss"); n != 1 {
		t.Errorf("notice shows the URL %d times, want once:\n%s", n, got)
	}
}

// TestSourceDownToldToTopicAndDigestChannels is issue 11 item 5: a configured feed that died
// only logged a warning; the topic and digest channels whose posts read it were never told.
// Each is told once per outage (one message listing the feeds), feed-only channels not at all.
func TestSourceDownToldToTopicAndDigestChannels(t *testing.T) {
	const source = "https://configured.example/rss"
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			subscribe(t, e.store, store.Subscription{ChannelID: "c3", Kind: store.KindDigest, Time: "08:00", TimeZone: "UTC", CreatedAt: t0})
			subscribe(t, e.store, store.Subscription{ChannelID: "c3", Kind: store.KindTopic, Topic: "other", CreatedAt: t0})
			ctx := context.Background()
			st := store.FeedState{URL: source, Title: "Configured News", Known: true, Disabled: true, Failures: 10,
				LastSuccess: t0.Add(-3 * time.Hour), LastError: "the feed's server did not answer in time"}
			if err := e.store.PutFeedState(ctx, st); err != nil {
				t.Fatal(err)
			}
			l := e.live(t, e.store, e.sender(t), LiveOptions{Sources: []string{source, "https://healthy.example/rss"}})
			l.CheckFeeds(ctx)
			l.CheckFeeds(ctx)
			for ch, want := range map[string]int{"c1": 0, "c2": 1, "c3": 1} {
				texts := e.fake.texts(ch)
				if len(texts) != want {
					t.Errorf("%s got %d notices, want %d: %q", ch, len(texts), want, texts)
					continue
				}
				if want == 1 && (!strings.Contains(texts[0], "Configured News ("+source+")") || !strings.Contains(texts[0], "did not answer in time") || !strings.Contains(texts[0], "/retry-feed")) {
					t.Errorf("%s notice %q: want the feed, the reason and how to retry", ch, texts[0])
				}
			}
		})
	}
}

// The feed-down notice offers "Retry now" running /retry-feed for the feed, except for a URL
// with a password (every member's client can read a button's id).
func TestFeedDownNoticeRetryButton(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		button    bool
	}{
		{"plain URL", "https://news.example/rss", true},
		{"password in the URL", "https://reader:pw@news.example/rss", false},
		{"too long for a button", "https://news.example/" + strings.Repeat("x", 120), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := downNotice(store.FeedState{URL: tc.url, Failures: 10, Disabled: true}, t0, nil)
			if got := len(m.Buttons) == 1; got != tc.button {
				t.Fatalf("buttons %+v, want a button: %v", m.Buttons, tc.button)
			}
			if !tc.button {
				return
			}
			name, _, opts, issued, ok := message.ParseComponentID(m.Buttons[0].ID)
			if !ok || name != "retry-feed" || opts["url"] != tc.url || !issued.Equal(t0) {
				t.Errorf("button runs %q %v (issued %v)", name, opts, issued)
			}
			if err := message.Validate(m); err != nil {
				t.Error(err)
			}
		})
	}
}

// Once Discord has told the commands' IDs, the notices name /retry-feed and /subscriptions as
// clickable mentions; a command name in the feed's own title or error stays text.
func TestFeedNoticesLinkCommands(t *testing.T) {
	links := message.NewCommandLinks(nil)
	links.SetIDs(map[string]string{"retry-feed": "333333333333333333", "subscriptions": "222222222222222222"})
	st := store.FeedState{URL: "https://news.example/rss", Title: "Try /retry-feed news", Failures: 10, Disabled: true,
		LastError: "the server said: see /subscriptions"}
	down := downNotice(st, t0, links).Content
	for _, want := range []string{"runs </retry-feed:333333333333333333> with its URL", "Try /retry-feed news", "see /subscriptions"} {
		if !strings.Contains(down, want) {
			t.Errorf("down notice lacks %q:\n%s", want, down)
		}
	}
	if plain := downNotice(st, t0, nil).Content; !strings.Contains(plain, "runs /retry-feed with its URL") {
		t.Errorf("without ids the notice names the command plainly:\n%s", plain)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			subscribe(t, e.store, store.Subscription{ChannelID: "c3", Kind: store.KindTopic, Topic: "other", CreatedAt: t0})
			source := "https://configured.example/rss"
			if err := e.store.PutFeedState(context.Background(), store.FeedState{URL: source, Known: true, Disabled: true,
				Failures: 10, LastSuccess: t0.Add(-time.Hour), LastError: "timeout"}); err != nil {
				t.Fatal(err)
			}
			e.live(t, e.store, e.sender(t), LiveOptions{Sources: []string{source}, Commands: links}).CheckFeeds(context.Background())
			texts := e.fake.texts("c3")
			if len(texts) != 1 || !strings.Contains(texts[0], "runs </retry-feed:333333333333333333> with its URL") ||
				!strings.Contains(texts[0], "</subscriptions:222222222222222222> shows") {
				t.Errorf("source notice %q: want both commands linked", texts)
			}
		})
	}
}
