package subscription

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
	"github.com/heraldbot/herald/internal/story"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const (
	feedA = "https://a.example/rss"
	feedB = "https://b.example/rss"
)

func openStore(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// checker answers feed checks with one item, or err.
type checker struct{ err error }

func (c checker) CheckFeed(context.Context, string) (Checked, error) {
	return Checked{Title: "Feed", Items: []story.Story{{ID: "0000000000000001", Title: "item"}}}, c.err
}

// polls records the poll set.
type polls struct{ set map[string]bool }

func (p *polls) AddFeed(_ context.Context, fd poller.Feed) { p.set[fd.URL] = true }
func (p *polls) RemoveFeed(url string) bool {
	was := p.set[url]
	delete(p.set, url)
	return was
}
func (p *polls) Fetched(string)                      {}
func (p *polls) Resume(context.Context, string) bool { return false }

func (p *polls) list() []string {
	var out []string
	for u := range p.set {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// schedule records the digest schedule; addErr fails Add.
type schedule struct {
	ids    map[string]bool
	addErr error
}

func (s *schedule) Add(sub store.Subscription) error {
	if s.addErr != nil {
		return s.addErr
	}
	s.ids[sub.ID] = true
	return nil
}
func (s *schedule) Remove(id string) { delete(s.ids, id) }

type fixture struct {
	svc   *Service
	polls *polls
	sched *schedule
}

func newFixture(t *testing.T, feeds FeedChecker, opts Options) fixture {
	f := fixture{polls: &polls{set: map[string]bool{}}, sched: &schedule{ids: map[string]bool{}}}
	opts.Now = func() time.Time { return t0 }
	f.svc = New(openStore(t), feeds, f.polls, f.sched, opts)
	return f
}

func mustFeed(t *testing.T, f fixture, o Owner, url string) store.Subscription {
	t.Helper()
	sub, _, err := f.svc.SubscribeFeed(context.Background(), o, url, nil, nil)
	if err != nil {
		t.Fatalf("SubscribeFeed(%s, %s): %v", o.ChannelID, url, err)
	}
	return sub
}

var (
	ownerC1 = Owner{GuildID: "g1", ChannelID: "c1", UserID: "u1"}
	ownerC2 = Owner{GuildID: "g1", ChannelID: "c2", UserID: "u1"}
	ownerG2 = Owner{GuildID: "g2", ChannelID: "c9", UserID: "u2"}
)

// subscriber is one feed subscription of a test case.
type subscriber struct {
	o   Owner
	url string
}

// Unsubscribing keeps the poll set equal to the feeds someone still needs: the subscribed
// ones and the configured ones.
func TestUnsubscribeReleasesFeedOnlyWhenUnused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		sources []string
		// subscribe lists who subscribes to which feed, in order; the first is removed.
		subscribe  []subscriber
		wantPolled []string
	}{
		{name: "last subscriber leaves", subscribe: []subscriber{{ownerC1, feedA}, {ownerC1, feedB}}, wantPolled: []string{feedB}},
		{name: "another channel still subscribes", subscribe: []subscriber{{ownerC1, feedA}, {ownerC2, feedA}}, wantPolled: []string{feedA}},
		{name: "another server still subscribes", subscribe: []subscriber{{ownerC1, feedA}, {ownerG2, feedA}}, wantPolled: []string{feedA}},
		{name: "configured feed stays polled", sources: []string{feedA}, subscribe: []subscriber{{ownerC1, feedA}}, wantPolled: []string{feedA}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, checker{}, Options{Sources: tc.sources})
			var first store.Subscription
			for i, s := range tc.subscribe {
				sub := mustFeed(t, f, s.o, s.url)
				if i == 0 {
					first = sub
				}
			}
			if _, err := f.svc.Unsubscribe(context.Background(), first.GuildID, first.ID); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPolled, f.polls.list()); diff != "" {
				t.Errorf("polled feeds after unsubscribing (-want +got):\n%s", diff)
			}
		})
	}
}

// A feed joins the poll set only once its subscription exists: a refused or failed subscribe
// leaves nothing polled.
func TestSubscribeFeedPollSet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		feeds      FeedChecker
		url        string
		owner      Owner
		wantErr    string
		wantPolled []string
	}{
		{name: "subscribed", feeds: checker{}, url: feedA, owner: ownerC1, wantPolled: []string{feedA}},
		{name: "feed check fails", feeds: checker{err: errors.New("feed: not_a_feed")}, url: feedA, owner: ownerC1,
			wantErr: "subscription: checking https://a.example/rss: feed: not_a_feed"},
		{name: "not a URL", feeds: checker{}, url: "ftp://a.example/rss", owner: ownerC1,
			wantErr: "subscription: That is not a feed URL: it must start with http:// or https://."},
		{name: "direct message", feeds: checker{}, url: feedA, owner: Owner{ChannelID: "dm"},
			wantErr: "subscription: Subscriptions work in server channels, not in direct messages."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.feeds, Options{})
			_, _, err := f.svc.SubscribeFeed(context.Background(), tc.owner, tc.url, nil, nil)
			if got := errText(err); got != tc.wantErr {
				t.Errorf("error %q, want %q", got, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantPolled, f.polls.list()); diff != "" {
				t.Errorf("polled feeds (-want +got):\n%s", diff)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Digests enter the schedule when made and leave it when removed; a scheduling failure is
// an error, not a confirmation.
func TestDigestSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, checker{}, Options{})
	sub, err := f.svc.Subscribe(ctx, ownerC1, store.Subscription{Kind: store.KindDigest, Time: "08:00", TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.sched.ids[sub.ID] {
		t.Fatalf("digest %s not scheduled: %v", sub.ID, f.sched.ids)
	}
	if _, err := f.svc.Unsubscribe(ctx, "g1", sub.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.sched.ids) != 0 {
		t.Errorf("schedule after unsubscribe: %v, want empty", f.sched.ids)
	}
	f.sched.addErr = errors.New("cron: bad spec")
	if _, err := f.svc.Subscribe(ctx, ownerC2, store.Subscription{Kind: store.KindDigest, Time: "09:00", TimeZone: "UTC"}); err == nil {
		t.Error("Subscribe confirmed a digest the scheduler refused")
	}
}

// Limits, duplicates and other guilds' ids are refused with the words users see.
func TestRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, checker{}, Options{Limit: 2})
	topic := store.Subscription{Kind: store.KindTopic, Topic: "ceasefire"}
	first, err := f.svc.Subscribe(ctx, ownerC1, topic)
	if err != nil {
		t.Fatal(err)
	}
	var r *Refusal
	if _, err := f.svc.Subscribe(ctx, ownerC1, topic); !errors.As(err, &r) || r.Reason != "This channel already has that subscription: /subscription edit changes its filter, mention, look or placement." {
		t.Errorf("duplicate: %v", err)
	}
	mustFeed(t, f, ownerC1, feedA)
	if _, err := f.svc.Subscribe(ctx, ownerC2, topic); !errors.As(err, &r) ||
		r.Reason != "This server already has 2 subscriptions, the most allowed. Remove one with /unsubscribe first." {
		t.Errorf("limit: %v", err)
	}
	if _, err := f.svc.Unsubscribe(ctx, "g2", first.ID); !errors.As(err, &r) {
		t.Errorf("another guild's id: %v, want a refusal", err)
	}
	if _, err := f.svc.SetFilters(ctx, "g1", first.ID, []string{"gaza"}, nil); !errors.As(err, &r) ||
		r.Reason != "Only feed subscriptions have keyword filters." {
		t.Errorf("filters on a topic: %v", err)
	}
}
