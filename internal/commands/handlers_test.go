package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/subscription"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func seedStories(t *testing.T, s *boltstore.Store, n int) {
	t.Helper()
	var stories []story.Story
	for i := 1; i <= n; i++ {
		st := story.Story{ID: story.NewID("f", fmt.Sprint(i)), FeedURL: "https://f.example/rss", Source: "Outlet",
			Title: fmt.Sprintf("Story %d", i), Link: fmt.Sprintf("https://f.example/%d", i),
			Published: t0.Add(-time.Duration(n-i) * time.Hour), FirstSeen: t0}
		if i%2 == 0 {
			st.Topics = []string{"ceasefire"}
		}
		stories = append(stories, st)
	}
	if _, err := s.PutStories(context.Background(), stories); err != nil {
		t.Fatal(err)
	}
}

func titles(m message.Message) []string {
	var out []string
	for _, e := range m.Embeds {
		out = append(out, e.Title)
	}
	return out
}

func TestLatest(t *testing.T) {
	s := openStore(t)
	seedStories(t, s, 12)
	l := Latest{Stories: s, Topics: []TopicInfo{{ID: "ceasefire", Title: "Gaza ceasefire"}}, Now: func() time.Time { return t0 }}
	for _, tc := range []struct {
		name     string
		opts     map[string]string
		want     []string
		wantHead string
		wantErr  string
	}{
		{name: "default five newest first", want: []string{"Story 12", "Story 11", "Story 10", "Story 9", "Story 8"}, wantHead: "**Latest 5 stories**"},
		{name: "count", opts: map[string]string{"count": "2"}, want: []string{"Story 12", "Story 11"}, wantHead: "**Latest 2 stories**"},
		{name: "one story is not 'Latest 1 stories'", opts: map[string]string{"count": "1"}, want: []string{"Story 12"}, wantHead: "**The latest story**"},
		{name: "topic", opts: map[string]string{"topic": "ceasefire", "count": "3"}, want: []string{"Story 12", "Story 10", "Story 8"},
			wantHead: "**Latest 3 stories on Gaza ceasefire**"},
		{name: "count too big", opts: map[string]string{"count": "11"}, wantErr: "from 1 to 10"},
		{name: "count not a number", opts: map[string]string{"count": "many"}, wantErr: "whole number"},
		{name: "unknown topic", opts: map[string]string{"topic": "weather"}, wantErr: "Unknown topic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := l.Handle(context.Background(), Request{Name: "latest", Options: tc.opts})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, titles(m)); diff != "" {
				t.Errorf("titles (-want +got):\n%s", diff)
			}
			if m.Content != tc.wantHead {
				t.Errorf("header %q, want %q", m.Content, tc.wantHead)
			}
			if err := message.Validate(m); err != nil {
				t.Errorf("invalid message: %v", err)
			}
		})
	}
}

// Ten stories with maximal titles, summaries and source names exceed one message's 6000
// embed characters: /latest answers with the newest that fit, and says how many.
func TestLatestFitsEmbedTotal(t *testing.T) {
	s := openStore(t)
	var stories []story.Story
	for i := 1; i <= 10; i++ {
		stories = append(stories, story.Story{ID: story.NewID("f", fmt.Sprint(i)), FeedURL: "https://f.example/rss",
			Source: strings.Repeat("Outlet ", 36), Title: fmt.Sprintf("Story %02d ", i) + strings.Repeat("long headline ", 17),
			Summary: strings.Repeat("A long summary sentence. ", 24), Link: fmt.Sprintf("https://f.example/%d", i),
			Published: t0.Add(-time.Duration(10-i) * time.Hour), FirstSeen: t0})
	}
	if _, err := s.PutStories(context.Background(), stories); err != nil {
		t.Fatal(err)
	}
	l := Latest{Stories: s, Now: func() time.Time { return t0 }}
	m, err := l.Handle(context.Background(), Request{Name: "latest", Options: map[string]string{"count": "10"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := message.Validate(m); err != nil {
		t.Fatalf("reply Discord would refuse: %v", err)
	}
	n := len(m.Embeds)
	if n < 5 || n >= 10 {
		t.Errorf("%d embeds; want as many of the 10 as fit (at least 5, fewer than 10)", n)
	}
	if want := fmt.Sprintf("**Latest %d stories**", n); m.Content != want {
		t.Errorf("header %q, want %q", m.Content, want)
	}
	if n > 0 && !strings.HasPrefix(m.Embeds[0].Title, "Story 10") {
		t.Errorf("first embed %.20q, want the newest story first", m.Embeds[0].Title)
	}
}

type fakeChecker struct {
	items []story.Story
	err   error
	calls int
}

func (f *fakeChecker) CheckFeed(context.Context, string) (subscription.Checked, error) {
	f.calls++
	return subscription.Checked{Title: "Feed", Items: f.items}, f.err
}

type fakeScheduler struct{ added, removed []string }

func (f *fakeScheduler) Add(sub store.Subscription) error {
	f.added = append(f.added, sub.ID)
	return nil
}
func (f *fakeScheduler) Remove(id string) { f.removed = append(f.removed, id) }

// fakePolls records the poll set the service keeps.
type fakePolls struct{ polled map[string]bool }

func (f *fakePolls) AddFeed(_ context.Context, fd poller.Feed) { f.polled[fd.URL] = true }
func (f *fakePolls) RemoveFeed(url string) bool {
	was := f.polled[url]
	delete(f.polled, url)
	return was
}
func (f *fakePolls) Fetched(string)                      {}
func (f *fakePolls) Resume(context.Context, string) bool { return false }

// subsFixture is the /subscribe adapter over a real service and bolt store, with fakes for
// the feed check, the digest schedule and the poll set.
type subsFixture struct {
	s     Subscriptions
	fc    *fakeChecker
	fs    *fakeScheduler
	polls *fakePolls
	db    *boltstore.Store
}

func newSubsWith(t *testing.T, opts subscription.Options) subsFixture {
	f := subsFixture{fc: &fakeChecker{items: []story.Story{{ID: "0000000000000001", Title: "Newest item: Gaza hostages freed", Source: "Feed", Published: t0}}},
		fs: &fakeScheduler{}, polls: &fakePolls{polled: map[string]bool{}}, db: openStore(t)}
	opts.Now = func() time.Time { return t0 }
	f.s = Subscriptions{Service: subscription.New(f.db, f.fc, f.polls, f.fs, opts), Topics: []TopicInfo{{ID: "ceasefire", Title: "Gaza ceasefire"}},
		DefaultTime: "08:00", DefaultZone: "UTC", Now: opts.Now,
		NextRun: func(store.Subscription, time.Time) (time.Time, error) { return t0.Add(90 * time.Minute), nil },
		Clock:   delivery.CanonicalClock}
	return f
}

func newSubs(t *testing.T) (Subscriptions, *fakeChecker, *fakeScheduler) {
	f := newSubsWith(t, subscription.Options{Limit: 3})
	return f.s, f.fc, f.fs
}

func req(sub string, opts map[string]string) Request {
	return Request{Name: "subscribe", Sub: sub, Options: opts, GuildID: "g1", ChannelID: "c1", UserID: "u1", Permissions: PermManageChannels,
		AppPermissions: BotPermissions}
}

func TestSubscribeFlow(t *testing.T) {
	s, fc, fs := newSubs(t)
	ctx := context.Background()
	m, err := s.Digest(ctx, req("digest", map[string]string{"time": "8:30", "timezone": "Asia/Kolkata"}))
	if err != nil || !strings.Contains(m.Content, "08:30 (Asia/Kolkata)") {
		t.Fatalf("digest: %v %q", err, m.Content)
	}
	if len(fs.added) != 1 {
		t.Errorf("the scheduler must learn about the new digest at once; added=%v", fs.added)
	}
	if _, err := s.Digest(ctx, req("digest", map[string]string{"time": "8:30 am", "timezone": "Asia/Kolkata"})); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Errorf("duplicate: got %v", err)
	}
	if _, err := s.Digest(ctx, req("digest", map[string]string{"time": "8 o'clock", "timezone": "Asia/Kolkata"})); err == nil || !strings.Contains(err.Error(), "8:30 pm") {
		t.Errorf("bad time: got %v, want an error showing the accepted forms", err)
	}
	m, err = s.Feed(ctx, req("feed", map[string]string{"url": "https://news.example/rss", "include": "Gaza, hostages ,gaza", "exclude": "sport"}))
	if err != nil || len(m.Embeds) != 1 || m.Embeds[0].Title != "Newest item: Gaza hostages freed" {
		t.Fatalf("feed: %v %+v", err, m)
	}
	if _, err := s.Topic(ctx, req("topic", map[string]string{"topic": "ceasefire"})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Topic(ctx, req("topic", map[string]string{"topic": "ceasefire"})); err == nil {
		t.Error("a second identical topic subscription must be refused")
	}
	// Limit 3 reached.
	_, err = s.Feed(ctx, req("feed", map[string]string{"url": "https://other.example/rss"}))
	if err == nil || !strings.Contains(err.Error(), "most allowed") {
		t.Errorf("limit: got %v", err)
	}
	subs, _ := s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
	if len(subs) != 3 || fc.calls != 1 {
		t.Fatalf("want 3 subscriptions and one feed check, got %d and %d", len(subs), fc.calls)
	}
	byKind := map[store.Kind]store.Subscription{}
	for _, sub := range subs {
		byKind[sub.Kind] = sub
	}
	digest, feedSub := byKind[store.KindDigest], byKind[store.KindFeed]
	if diff := cmp.Diff([]string{"gaza", "hostages"}, feedSub.Include); diff != "" {
		t.Errorf("include keywords (-want +got):\n%s", diff)
	}
	list, err := s.List(ctx, Request{GuildID: "g1", ChannelID: "c1", Permissions: PermManageChannels})
	if err != nil {
		t.Fatal(err)
	}
	if d := list.Embeds[0].Description; !strings.Contains(d, "Next: Wed 25 Nov 19:00 IST") || len(strings.Split(strings.TrimSpace(d), "\n")) != 3 {
		t.Fatalf("list must show the 3 subscriptions with the digest's next run in its zone:\n%s", d)
	}
	choices := s.SubscriptionChoices(ctx, Request{GuildID: "g1", Focused: "subscription", Options: map[string]string{"subscription": "kolkata"}})
	if len(choices) != 1 || choices[0].Value != digest.ID {
		t.Fatalf("autocomplete over subscriptions: %v", choices)
	}
	if _, err := s.Unsubscribe(ctx, Request{GuildID: "g1", Options: map[string]string{"subscription": digest.ID}}); err != nil {
		t.Fatal(err)
	}
	if len(fs.removed) != 1 || fs.removed[0] != digest.ID {
		t.Errorf("the scheduler must drop a removed digest; removed=%v", fs.removed)
	}
	if _, err := s.Unsubscribe(ctx, Request{GuildID: "other", Options: map[string]string{"subscription": feedSub.ID}}); err == nil {
		t.Error("another guild must not remove this guild's subscription")
	}
}

func TestSubscribeValidation(t *testing.T) {
	s, fc, _ := newSubs(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"bad time", func() error { _, err := s.Digest(ctx, req("digest", map[string]string{"time": "25:99"})); return err }, "want a time of day"},
		{"bad zone", func() error {
			_, err := s.Digest(ctx, req("digest", map[string]string{"timezone": "Mars/Olympus"}))
			return err
		}, "unknown time zone"},
		{"not http", func() error {
			_, err := s.Feed(ctx, req("feed", map[string]string{"url": "file:///etc/passwd"}))
			return err
		}, "http://"},
		{"not a feed", func() error {
			fc.err = errors.New("feed: not_a_feed: https://x: failed to detect feed type")
			defer func() { fc.err = nil }()
			_, err := s.Feed(ctx, req("feed", map[string]string{"url": "https://x"}))
			return err
		}, "failed to detect feed type"},
		{"unknown host in the user's words", func() error {
			fc.err = &feed.Error{Class: feed.ClassDNS, URL: "https://nowhere.example/rss",
				Err: &net.DNSError{Err: "no such host", Name: "nowhere.example", Server: "127.0.0.53:53", IsNotFound: true}}
			defer func() { fc.err = nil }()
			_, err := s.Feed(ctx, req("feed", map[string]string{"url": "https://nowhere.example/rss"}))
			if err != nil && strings.Contains(err.Error(), ":53") {
				return fmt.Errorf("the reply shows the resolver address: %w", err)
			}
			return err
		}, "Could not subscribe to https://nowhere.example/rss: the server name nowhere.example could not be found"},
		{"dm", func() error {
			r := req("topic", map[string]string{"topic": "ceasefire"})
			r.GuildID = ""
			_, err := s.Topic(ctx, r)
			return err
		}, "server channels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if asUserError(err) == nil {
				t.Errorf("validation errors must be user errors (shown to the user), got %T", err)
			}
		})
	}
}

// Oversized input (Discord string options carry up to 6000 characters) is refused or cut so
// that every reply still fits Discord's limits: a reply Discord rejects explains nothing.
func TestSubscribeFeedOversizedInput(t *testing.T) {
	ctx := context.Background()
	t.Run("url too long is refused before fetching", func(t *testing.T) {
		s, fc, _ := newSubs(t)
		long := "https://news.example/rss?q=" + strings.Repeat("a", 6000-27)
		_, err := s.Feed(ctx, req("feed", map[string]string{"url": long}))
		if err == nil || asUserError(err) == nil || !strings.Contains(err.Error(), "at most 1000") {
			t.Fatalf("want a user error naming the limit, got %v", err)
		}
		if fc.calls != 0 {
			t.Errorf("the feed was fetched %d times; an oversized URL must be refused first", fc.calls)
		}
		if m := errorMessage(err); message.Validate(m) != nil {
			t.Errorf("error reply does not fit Discord: %v", message.Validate(m))
		}
	})
	t.Run("long keyword lists still give a valid confirmation", func(t *testing.T) {
		s, _, _ := newSubs(t)
		var kws []string
		for i := range 500 {
			kws = append(kws, fmt.Sprintf("keyword%03d", i))
		}
		m, err := s.Feed(ctx, req("feed", map[string]string{"url": "https://news.example/rss", "include": strings.Join(kws, ",")}))
		if err != nil {
			t.Fatal(err)
		}
		if err := message.Validate(m); err != nil {
			t.Errorf("confirmation does not fit Discord: %v", err)
		}
		if !strings.HasPrefix(m.Content, "✅ New stories from https://news.example/rss") {
			t.Errorf("confirmation lost its start: %.80q", m.Content)
		}
	})
	t.Run("long user error is cut to fit", func(t *testing.T) {
		m := errorMessage(Errorf("Could not subscribe: %s", strings.Repeat("reason ", 1000)))
		if err := message.Validate(m); err != nil || !m.Ephemeral {
			t.Errorf("error reply: validate %v, ephemeral %v", err, m.Ephemeral)
		}
	})
}

// A private feed's password stays out of everything Herald shows in Discord: the public
// confirmation, /subscriptions and the /unsubscribe autocomplete.
func TestSubscribeFeedHidesPassword(t *testing.T) {
	const password = "s3cret-feed-password"
	s, _, _ := newSubs(t)
	ctx := context.Background()
	m, err := s.Feed(ctx, req("feed", map[string]string{"url": "https://reader:" + password + "@news.example/rss"}))
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, Request{GuildID: "g1", ChannelID: "c1", Permissions: PermManageChannels})
	if err != nil {
		t.Fatal(err)
	}
	choices := s.SubscriptionChoices(ctx, Request{GuildID: "g1", Focused: "subscription", Options: map[string]string{"subscription": ""}})
	if len(choices) != 1 {
		t.Fatalf("choices %v, want the one subscription", choices)
	}
	for name, text := range map[string]string{"confirmation": m.Content, "list": list.Embeds[0].Description, "choice": choices[0].Name} {
		if strings.Contains(text, password) || !strings.Contains(text, "reader:xxxxx@news.example/rss") {
			t.Errorf("%s %q: want the feed URL with its password hidden", name, text)
		}
	}
	subs, _ := s.Service.List(ctx, store.SubscriptionFilter{GuildID: "g1"})
	if len(subs) != 1 || !strings.Contains(subs[0].FeedURL, password) {
		t.Errorf("stored subscription %+v must keep the real URL: the poller needs the password", subs)
	}
}

// TestSubscribeFeedPreviewAppliesFilters is issue 11 item 8: the preview showed the feed's
// newest item even when the subscription's words would never let it through.
func TestSubscribeFeedPreviewAppliesFilters(t *testing.T) {
	items := []story.Story{
		{ID: "0000000000000003", Title: "Football: late winner in the derby", Source: "Feed", Published: t0},
		{ID: "0000000000000002", Title: "Gaza hostages: talks resume in Cairo", Source: "Feed", Published: t0.Add(-time.Hour)},
		{ID: "0000000000000001", Title: "Markets fall", Source: "Feed", Published: t0.Add(-2 * time.Hour)},
	}
	for _, tc := range []struct {
		name, include, exclude string
		wantTitles             []string
		wantContent            string
	}{
		{"no words: the newest", "", "", []string{"Football: late winner in the derby"}, "as a preview"},
		{"include", "gaza", "", []string{"Gaza hostages: talks resume in Cairo"}, "as a preview"},
		{"exclude", "", "football", []string{"Gaza hostages: talks resume in Cairo"}, "as a preview"},
		{"nothing matches", "weather", "", nil, "None of the feed's 3 current items match these words."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, fc, _ := newSubs(t)
			fc.items = items
			m, err := s.Feed(context.Background(), req("feed", map[string]string{"url": "https://news.example/rss",
				"include": tc.include, "exclude": tc.exclude}))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantTitles, titles(m)); diff != "" {
				t.Errorf("preview (-want +got):\n%s", diff)
			}
			if !strings.Contains(m.Content, tc.wantContent) {
				t.Errorf("content %q, want %q", m.Content, tc.wantContent)
			}
		})
	}
}
