package delivery

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// The digest tests use a London 08:00 digest; 2026-03-10 is before the UK's change to BST, so
// the slot is 08:00 UTC.
var slot0 = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

type digestEnv struct {
	clock   *storetest.Clock
	store   testStore
	replica func() testStore
	fake    *fake
	// mem is the in-memory sender for tests of what a digest says.
	mem *memSender
	sub store.Subscription
}

// newDigestEnv opens a store, a fake Discord and one London digest subscription in channel c1
// whose last run was the day before slot0, with three stories published since.
func newDigestEnv(t *testing.T, b backend) *digestEnv {
	t.Helper()
	e := &digestEnv{clock: storetest.NewClock(slot0.Add(-48 * time.Hour)), mem: newMemSender()}
	e.store, e.replica = b.open(t, e.clock)
	e.fake = newFake(t, fakediscord.Options{ChannelLimit: 50, ChannelWindow: time.Second})
	e.sub = subscribe(t, e.store, store.Subscription{ChannelID: "c1", Kind: store.KindDigest, Time: "08:00",
		TimeZone: "Europe/London", CreatedAt: slot0.Add(-48 * time.Hour), LastRun: slot0.Add(-24 * time.Hour)})
	put(t, e.store,
		mkStory("https://a.example/feed", "Outlet A", "1", "Parliament passes the harbour bill", slot0.Add(-10*time.Hour), slot0.Add(-10*time.Hour)),
		mkStory("https://b.example/feed", "Outlet B", "2", "Volcano erupts near island village", slot0.Add(-6*time.Hour), slot0.Add(-6*time.Hour)),
		mkStory("https://c.example/feed", "Outlet C", "3", "Chess champion retains title in Oslo", slot0.Add(-2*time.Hour), slot0.Add(-2*time.Hour)),
	)
	return e
}

var digestHeadlines = []string{"Parliament passes the harbour bill", "Volcano erupts near island village", "Chess champion retains title in Oslo"}

func (e *digestEnv) digests(t *testing.T, st Store, sender Sender, owner string, opts DigestOptions) *Digests {
	opts.Owner, opts.Now = owner, e.clock.Now
	if opts.Lease == 0 {
		opts.Lease = time.Minute
	}
	return NewDigests(st, sender, opts)
}

func (e *digestEnv) sender(t *testing.T) *discord.Sender {
	return e.fake.sender(discord.SenderOptions{ChannelBurst: 50, ChannelWindow: time.Second})
}

// assertEachOnce checks that every headline appears exactly once across the channel's messages.
func assertEachOnce(t *testing.T, texts []string, headlines []string) {
	t.Helper()
	all := strings.Join(texts, "\n")
	for _, h := range headlines {
		if n := strings.Count(all, h); n != 1 {
			t.Errorf("%q appears %d times in the channel, want once; messages:\n%s", h, n, all)
		}
	}
}

func TestDigestMissedDuringDowntime(t *testing.T) {
	tests := []struct {
		name     string
		late     time.Duration
		wantMsgs int
	}{
		{"30 minutes late is delivered once", 30 * time.Minute, 1},
		{"5 hours late is skipped", 5 * time.Hour, 0},
	}
	for _, b := range backends() {
		for _, tc := range tests {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				e := newDigestEnv(t, b)
				e.clock.Advance(slot0.Add(tc.late).Sub(e.clock.Now()))
				ctx := context.Background()
				// Two start-ups in a row (a restart, or a second replica) deliver it once.
				for _, owner := range []string{"r1", "r2"} {
					g := e.digests(t, e.replica(), e.sender(t), owner, DigestOptions{})
					if err := g.Start(ctx); err != nil {
						t.Fatal(err)
					}
					g.Sweep(ctx)
					g.Stop(ctx)
				}
				texts := e.fake.texts("c1")
				if len(texts) != tc.wantMsgs {
					t.Fatalf("got %d messages, want %d: %q", len(texts), tc.wantMsgs, texts)
				}
				if tc.wantMsgs > 0 {
					assertEachOnce(t, texts, digestHeadlines)
					if got := getSub(t, e.store, e.sub.ID).LastRun; !got.Equal(slot0) {
						t.Errorf("LastRun = %v, want the slot %v", got, slot0)
					}
				}
			})
		}
	}
}

// lostResponseSender posts through next, then reports failure: the message is out but the
// replica believes it is not (its process died before hearing back).
type lostResponseSender struct{ next Sender }

func (s lostResponseSender) Send(ctx context.Context, ch string, m message.Message, nonce string) (string, error) {
	if _, err := s.next.Send(ctx, ch, m, nonce); err != nil {
		return "", err
	}
	return "", errors.New("connection reset before the answer")
}

// cancellingSender cancels its replica's context as the send starts (a shutdown mid-delivery).
type cancellingSender struct {
	next   Sender
	cancel context.CancelFunc
}

func (s cancellingSender) Send(ctx context.Context, ch string, m message.Message, nonce string) (string, error) {
	s.cancel()
	return s.next.Send(ctx, ch, m, nonce)
}

func TestDigestTwoReplicasPostEachSlotOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name+"/both run every slot", func(t *testing.T) {
			e := newDigestEnv(t, b)
			for _, ch := range []string{"c2", "c3"} {
				subscribe(t, e.store, store.Subscription{ChannelID: ch, Kind: store.KindDigest, Time: "08:00",
					TimeZone: "Europe/London", CreatedAt: e.sub.CreatedAt, LastRun: e.sub.LastRun})
			}
			e.clock.Advance(slot0.Sub(e.clock.Now()))
			a := e.digests(t, e.replica(), e.sender(t), "a", DigestOptions{})
			bb := e.digests(t, e.replica(), e.sender(t), "b", DigestOptions{})
			subs, err := e.store.ListSubscriptions(context.Background(), store.SubscriptionFilter{Kind: store.KindDigest})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, sub := range subs {
				for _, g := range []*Digests{a, bb, a, bb} {
					wg.Go(func() {
						if err := g.RunSlot(context.Background(), sub.ID, sub.ChannelID, slot0); err != nil {
							t.Errorf("RunSlot: %v", err)
						}
					})
				}
			}
			wg.Wait()
			for _, ch := range []string{"c1", "c2", "c3"} {
				texts := e.fake.texts(ch)
				if len(texts) != 1 {
					t.Errorf("%s got %d messages, want 1", ch, len(texts))
				}
				assertEachOnce(t, texts, digestHeadlines)
			}
		})
	}
	interruptions := []struct {
		name string
		// first makes replica a's sender and context; a's run fails part-way.
		first func(real Sender) (Sender, context.Context)
		// expire is true when replica a dies without releasing anything: b must wait out the lease.
		expire bool
	}{
		{"sender fails", func(real Sender) (Sender, context.Context) {
			return &failingSender{next: real, err: errors.New("discord outage")}, context.Background()
		}, false},
		{"response lost after the post", func(real Sender) (Sender, context.Context) {
			return lostResponseSender{next: real}, context.Background()
		}, false},
		{"context cancelled mid-way", func(real Sender) (Sender, context.Context) {
			ctx, cancel := context.WithCancel(context.Background())
			return cancellingSender{next: real, cancel: cancel}, ctx
		}, false},
		{"replica dies holding lease and claims", nil, true},
	}
	for _, b := range backends() {
		for _, tc := range interruptions {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				e := newDigestEnv(t, b)
				e.clock.Advance(slot0.Add(time.Minute).Sub(e.clock.Now()))
				ctx := context.Background()
				if tc.expire {
					// Replica a took the slot and claimed the stories, then vanished.
					lease := "digest:" + e.sub.ID + ":" + strconv.FormatInt(slot0.Unix(), 10)
					if ok, err := e.store.AcquireLease(ctx, lease, "a", time.Minute); err != nil || !ok {
						t.Fatalf("AcquireLease = %v, %v", ok, err)
					}
					stories, _ := e.store.RecentStories(ctx, store.StoryQuery{Since: slot0.Add(-24 * time.Hour)})
					if _, err := e.store.Claim(ctx, "c1", ids(stories), time.Minute); err != nil {
						t.Fatal(err)
					}
				} else {
					s, actx := tc.first(e.sender(t))
					a := e.digests(t, e.replica(), s, "a", DigestOptions{})
					if err := a.RunSlot(actx, e.sub.ID, "c1", slot0); err == nil {
						t.Fatal("replica a's interrupted run reported no error")
					}
				}
				bb := e.digests(t, e.replica(), e.sender(t), "b", DigestOptions{})
				bb.Sweep(ctx)
				if tc.expire {
					if n := len(e.fake.Messages("c1")); n != 0 {
						t.Fatalf("b posted %d messages while a's lease was live", n)
					}
					e.clock.Advance(time.Minute + time.Second)
					bb.Sweep(ctx)
				}
				bb.Sweep(ctx) // a further sweep finds the slot done
				texts := e.fake.texts("c1")
				if len(texts) != 1 {
					t.Fatalf("got %d messages, want 1: %q", len(texts), texts)
				}
				assertEachOnce(t, texts, digestHeadlines)
				if unseen, err := e.store.Unseen(ctx, "c1", storyIDs(t, e.store)); err != nil || len(unseen) != 0 {
					t.Errorf("Unseen after delivery = %v, %v; want every story seen", unseen, err)
				}
			})
		}
	}
}

func storyIDs(t *testing.T, s testStore) []string {
	t.Helper()
	stories, err := s.RecentStories(context.Background(), store.StoryQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return ids(stories)
}
