package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/store/redisstore"
	"github.com/heraldbot/herald/internal/store/storetest"
	"github.com/heraldbot/herald/internal/story"
)

// testStore is what the tests need of a backend: delivery's Store plus seeding.
type testStore interface {
	Store
	PutStories(ctx context.Context, stories []story.Story) ([]string, error)
	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	UpdateSubscription(ctx context.Context, sub store.Subscription) error
	PutFeedState(ctx context.Context, st store.FeedState) error
}

// backend opens a fresh store of one kind on the shared clock; replicas open further clients of
// the same state (a second Redis connection on the same prefix; the same bolt handle, since a
// bbolt file admits one process).
type backend struct {
	name string
	open func(t testing.TB, clock *storetest.Clock) (first testStore, replica func() testStore)
}

func backends() []backend {
	return []backend{{"bolt", openBolt}, {"redis", openRedis}}
}

func openBolt(t testing.TB, clock *storetest.Clock) (testStore, func() testStore) {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, func() testStore { return s }
}

// openRedis connects to REDIS_URL (DB 13 locally) under a random prefix; without REDIS_URL the
// test is skipped, or fails when CI=true.
func openRedis(t testing.TB, clock *storetest.Clock) (testStore, func() testStore) {
	t.Helper()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	connect := func() testStore {
		s, err := redisstore.New(context.Background(), url, redisstore.Options{Prefix: prefix, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("redisstore.New: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	return connect(), connect
}

// flakyStore wraps a real store; while down, every call fails with store.ErrUnavailable, as a
// Redis outage does.
type flakyStore struct {
	testStore
	down  atomic.Bool
	calls atomic.Int64
}

func (f *flakyStore) fail() error {
	f.calls.Add(1)
	if f.down.Load() {
		return fmt.Errorf("flaky: %w", store.ErrUnavailable)
	}
	return nil
}

func (f *flakyStore) Claim(ctx context.Context, ch string, ids []string, l time.Duration) ([]string, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.testStore.Claim(ctx, ch, ids, l)
}

func (f *flakyStore) Confirm(ctx context.Context, ch string, ids []string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.testStore.Confirm(ctx, ch, ids)
}

func (f *flakyStore) Unseen(ctx context.Context, ch string, ids []string) ([]string, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.testStore.Unseen(ctx, ch, ids)
}

func (f *flakyStore) RecentStories(ctx context.Context, q store.StoryQuery) ([]story.Story, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.testStore.RecentStories(ctx, q)
}

func (f *flakyStore) ListSubscriptions(ctx context.Context, fl store.SubscriptionFilter) ([]store.Subscription, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.testStore.ListSubscriptions(ctx, fl)
}

func (f *flakyStore) PatchSubscription(ctx context.Context, id string, change func(*store.Subscription) error) (store.Subscription, error) {
	if err := f.fail(); err != nil {
		return store.Subscription{}, err
	}
	return f.testStore.PatchSubscription(ctx, id, change)
}

func (f *flakyStore) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.testStore.AcquireLease(ctx, name, owner, ttl)
}

// fake is a fake Discord with real Senders pointed at it; each Sender's REST client has the
// fake's URL as its own base, so tests using one may run in parallel.
type fake struct {
	*fakediscord.Server
	t testing.TB
}

func newFake(t testing.TB, opts fakediscord.Options) *fake {
	t.Helper()
	f := fakediscord.New(opts)
	t.Cleanup(f.Close)
	return &fake{Server: f, t: t}
}

// sender is a real discord.Sender to the fake, running until the test ends.
func (f *fake) sender(opts discord.SenderOptions) *discord.Sender {
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = 10 * time.Millisecond
	}
	rest, err := discord.NewRESTClient(f.URL(), f.BotToken(), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	s := discord.NewSender(rest, opts)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	f.t.Cleanup(func() {
		cancel()
		<-ran
	})
	return s
}

// texts is every message of a channel as text: content, then each embed's title and
// description, so assertions can look for a headline wherever it was rendered.
func (f *fake) texts(channelID string) []string {
	var out []string
	for _, m := range f.Messages(channelID) {
		out = append(out, messageText(m))
	}
	return out
}

func messageText(m fakediscord.Message) string {
	s := m.Content
	for _, e := range m.Embeds {
		s += "\n" + e.Title + "\n" + e.Description
		if e.Footer != nil {
			s += "\n" + e.Footer.Text
		}
	}
	return s
}

// failingSender fails, in each channel, every send after the first okFirst with err (nil:
// succeed); it stands in for a sender whose process dies mid-way.
type failingSender struct {
	next    Sender
	mu      sync.Mutex
	okFirst int
	sent    map[string]int
	err     error
}

func (s *failingSender) Send(ctx context.Context, ch string, m message.Message, nonce string) (string, error) {
	s.mu.Lock()
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	s.sent[ch]++
	n := s.sent[ch]
	s.mu.Unlock()
	if s.err != nil && n > s.okFirst {
		return "", s.err
	}
	return s.next.Send(ctx, ch, m, nonce)
}

var t0 = time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)

// mkStory is a story of feed (an outlet named source) published at pub and first seen at seen.
func mkStory(feedURL, source, key, title string, pub, seen time.Time, topics ...string) story.Story {
	return story.Story{ID: story.NewID(feedURL, key), FeedURL: feedURL, Source: source, Title: title,
		Summary: "More details, item " + key + ".", Link: feedURL + "/" + key, Published: pub, FirstSeen: seen, Topics: topics}
}

func put(t testing.TB, s testStore, stories ...story.Story) {
	t.Helper()
	if _, err := s.PutStories(context.Background(), stories); err != nil {
		t.Fatalf("PutStories: %v", err)
	}
}

func subscribe(t testing.TB, s testStore, sub store.Subscription) store.Subscription {
	t.Helper()
	if sub.GuildID == "" {
		sub.GuildID = "g1"
	}
	out, err := s.CreateSubscription(context.Background(), sub)
	if err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	return out
}

func getSub(t testing.TB, s testStore, id string) store.Subscription {
	t.Helper()
	subs, err := s.ListSubscriptions(context.Background(), store.SubscriptionFilter{})
	if err != nil {
		t.Fatalf("ListSubscriptions: %v", err)
	}
	for _, sub := range subs {
		if sub.ID == id {
			return sub
		}
	}
	t.Fatalf("subscription %s not found", id)
	return store.Subscription{}
}
