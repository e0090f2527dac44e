package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
	"github.com/heraldbot/herald/internal/story"
)

const feedA = "https://a.example/feed"

type liveEnv struct {
	clock   *storetest.Clock
	store   testStore
	replica func() testStore
	fake    *fake
	feedSub store.Subscription // c1: feedA
	topic   store.Subscription // c2: topic "mideast"
}

// newLiveEnv has a feed subscription (feedA in c1) and a topic subscription (mideast in c2),
// both made an hour before t0.
func newLiveEnv(t *testing.T, b backend, fo fakediscord.Options) *liveEnv {
	t.Helper()
	e := &liveEnv{clock: storetest.NewClock(t0)}
	e.store, e.replica = b.open(t, e.clock)
	if fo.ChannelLimit == 0 {
		fo.ChannelLimit, fo.ChannelWindow = 50, time.Second
	}
	e.fake = newFake(t, fo)
	e.feedSub = subscribe(t, e.store, store.Subscription{ChannelID: "c1", Kind: store.KindFeed, FeedURL: feedA, CreatedAt: t0.Add(-time.Hour)})
	e.topic = subscribe(t, e.store, store.Subscription{ChannelID: "c2", Kind: store.KindTopic, Topic: "mideast", CreatedAt: t0.Add(-time.Hour)})
	return e
}

func (e *liveEnv) live(t *testing.T, st Store, sender Sender, opts LiveOptions) *Live {
	opts.Now = e.clock.Now
	if opts.Lease == 0 {
		opts.Lease = time.Minute
	}
	return NewLive(st, sender, opts)
}

func (e *liveEnv) sender(t *testing.T) *discord.Sender {
	return e.fake.sender(discord.SenderOptions{ChannelBurst: 50, ChannelWindow: time.Second})
}

// fresh makes n feedA stories first seen now, published a minute apart (oldest first), every
// third one tagged mideast, and stores them.
func (e *liveEnv) fresh(t *testing.T, n int, prefix string) []story.Story {
	t.Helper()
	now := e.clock.Now()
	var out []story.Story
	for i := range n {
		var topics []string
		if i%3 == 0 {
			topics = []string{"mideast"}
		}
		out = append(out, mkStory(feedA, "Outlet A", fmt.Sprintf("%s-%d", prefix, i),
			fmt.Sprintf("%s headline %02d %s", prefix, i, distinctWords(prefix, i)), now.Add(time.Duration(i-n)*time.Minute), now, topics...))
	}
	put(t, e.store, out...)
	return out
}

// distinctWords gives story i words no other test story has, so that topic live posts, which
// cluster one development's reports, see every test story as a development of its own.
func distinctWords(prefix string, i int) string {
	l := prefix + string(rune('a'+i%26)) + string(rune('a'+(i/26)%26))
	return "tor" + l + " vex" + l + " pim" + l + " dun" + l
}

// embedTitles lists the embed titles posted to a channel, in order.
func (e *liveEnv) embedTitles(ch string) []string {
	var out []string
	for _, m := range e.fake.Messages(ch) {
		for _, em := range m.Embeds {
			out = append(out, em.Title)
		}
	}
	return out
}

func titles(stories []story.Story) []string {
	out := make([]string, len(stories))
	for i, s := range stories {
		out[i] = s.Title
	}
	return out
}

func everyThird(stories []story.Story) []story.Story {
	var out []story.Story
	for i, s := range stories {
		if i%3 == 0 {
			out = append(out, s)
		}
	}
	return out
}

func TestLivePostsOldestFirstInBatchesOfTen(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stories := e.fresh(t, 12, "s")
			shuffled := append([]story.Story{stories[7]}, append(stories[8:], stories[:7]...)...)
			e.live(t, e.store, e.sender(t), LiveOptions{}).OnNew(context.Background(), shuffled)
			msgs := e.fake.Messages("c1")
			if len(msgs) != 2 || len(msgs[0].Embeds) != 10 || len(msgs[1].Embeds) != 2 {
				t.Fatalf("got %d messages, want 10 + 2 embeds", len(msgs))
			}
			if diff := cmp.Diff(titles(stories), e.embedTitles("c1")); diff != "" {
				t.Errorf("c1 embeds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(titles(everyThird(stories)), e.embedTitles("c2")); diff != "" {
				t.Errorf("c2 (topic) embeds (-want +got):\n%s", diff)
			}
			for _, m := range msgs {
				if m.Nonce == "" {
					t.Error("live post sent without a nonce")
				}
			}
			if got := getSub(t, e.store, e.feedSub.ID).LastRun; !got.Equal(stories[11].Published) {
				t.Errorf("LastRun = %v, want the newest story's time %v", got, stories[11].Published)
			}
		})
	}
}

// TestLivePacedPerChannel posts 7 messages to one channel at Discord's real per-channel shape
// (5 per window; a short window keeps the test quick): the sender paces them, no 429, and
// another channel is served meanwhile.
func TestLivePacedPerChannel(t *testing.T) {
	b := backends()[0]
	e := newLiveEnv(t, b, fakediscord.Options{ChannelLimit: 5, ChannelWindow: 300 * time.Millisecond})
	s := e.fake.sender(discord.SenderOptions{ChannelBurst: 5, ChannelWindow: 300 * time.Millisecond})
	stories := e.fresh(t, 70, "p")
	e.live(t, e.store, s, LiveOptions{}).OnNew(context.Background(), stories)
	if n := len(e.fake.Messages("c1")); n != 7 {
		t.Errorf("c1 got %d messages, want 7", n)
	}
	if n := e.fake.Count429(); n != 0 {
		t.Errorf("fake answered %d 429s, want 0", n)
	}
	// c1's sixth message waits for its window; c2 (the topic channel, 3 messages) is not held
	// up behind it.
	c1, c2 := e.fake.Messages("c1"), e.fake.Messages("c2")
	if len(c1) == 7 && len(c2) == 3 && !c2[2].Timestamp.Before(c1[5].Timestamp) {
		t.Errorf("c2's last post at %v waited for c1's sixth at %v", c2[2].Timestamp, c1[5].Timestamp)
	}
	if len(c2) != 3 {
		t.Errorf("c2 got %d messages, want 3", len(c2))
	}
}

func TestLiveKeywordFiltersAndBackfill(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			sub := getSub(t, e.store, e.feedSub.ID)
			sub.Include, sub.Exclude = []string{"ceasefire", "Gaza Strip"}, []string{"opinion"}
			if err := e.store.UpdateSubscription(ctx, sub); err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			mk := func(key, title string) story.Story {
				return mkStory(feedA, "Outlet A", key, title, now.Add(-time.Minute), now)
			}
			want := []story.Story{mk("1", "CEASEFIRE holds for a third day"), mk("2", "Aid enters the Gaza Strip")}
			want[1].Published = want[0].Published.Add(time.Second)
			backfill := mk("3", "Ceasefire talks resume")
			backfill.Backfill = true
			early := mkStory(feedA, "Outlet A", "4", "Ceasefire signed", now.Add(-3*time.Hour), now.Add(-2*time.Hour))
			other := []story.Story{mk("5", "Opinion: the ceasefire will not last"), mk("6", "Ceasefires elsewhere"),
				mk("7", "Gaza stripped of aid"), mk("8", "Football results"), backfill, early}
			all := append(append([]story.Story{}, want...), other...)
			put(t, e.store, all...)
			l := e.live(t, e.store, e.sender(t), LiveOptions{})
			l.OnNew(ctx, all)
			l.CatchUp(ctx) // a catch-up sweep must not post backfill either
			if diff := cmp.Diff(titles(want), e.embedTitles("c1")); diff != "" {
				t.Errorf("posted (-want +got):\n%s", diff)
			}
		})
	}
}

// A poll that brings more new stories than LiveMax (a hostile or re-keyed feed) posts the
// newest LiveMax and one "and N more" line; the rest are recorded as seen, so no sweep posts
// them later.
func TestLiveNewBoundedWithMoreLine(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stories := e.fresh(t, 12, "burst")
			l := e.live(t, e.store, e.sender(t), LiveOptions{LiveMax: 5})
			ctx := context.Background()
			l.OnNew(ctx, stories)
			if diff := cmp.Diff(titles(stories[7:]), e.embedTitles("c1")); diff != "" {
				t.Errorf("c1 posted (-want +got):\n%s", diff)
			}
			msgs := e.fake.Messages("c1")
			if len(msgs) != 1 || msgs[0].Content != "…and 7 more older stories in this update." {
				t.Fatalf("want one message with the more line, got %q", e.fake.texts("c1"))
			}
			l.CatchUp(ctx)
			if n := len(e.fake.Messages("c1")); n != 1 {
				t.Errorf("catch-up posted %d more messages to c1", n-1)
			}
			if unseen, err := e.store.Unseen(ctx, "c1", ids(stories)); err != nil || len(unseen) != 0 {
				t.Errorf("Unseen = %v, %v; want every story of the burst recorded", unseen, err)
			}
		})
	}
}

func TestLiveCatchUpBoundedWithMoreLine(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			// While Herald was down: 25 stories from the last hours, and 3 older than a day.
			down := e.fresh(t, 25, "down")
			now := e.clock.Now()
			var stale []story.Story
			for i := range 3 {
				stale = append(stale, mkStory(feedA, "Outlet A", fmt.Sprint("stale", i), fmt.Sprintf("stale headline %d", i),
					now.Add(-30*time.Hour), now.Add(-30*time.Minute)))
			}
			put(t, e.store, stale...)
			l := e.live(t, e.store, e.sender(t), LiveOptions{})
			ctx := context.Background()
			l.CatchUp(ctx)
			if diff := cmp.Diff(titles(down[5:]), e.embedTitles("c1")); diff != "" {
				t.Errorf("catch-up posted (-want +got):\n%s", diff)
			}
			msgs := e.fake.Messages("c1")
			if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Content, "and 5 more") {
				t.Fatalf("no \"and 5 more\" line on the last catch-up message: %q", e.fake.texts("c1"))
			}
			// Later sweeps neither post the skipped stories nor summarise them again.
			l.CatchUp(ctx)
			e.clock.Advance(10 * time.Minute)
			l.CatchUp(ctx)
			if n := len(e.fake.Messages("c1")); n != len(msgs) {
				t.Errorf("later sweeps posted %d more messages", n-len(msgs))
			}
			if unseen, err := e.store.Unseen(ctx, "c1", ids(down)); err != nil || len(unseen) != 0 {
				t.Errorf("Unseen(down) = %v, %v; want every catch-up story recorded", unseen, err)
			}
		})
	}
}

func TestLiveForbiddenChannelMarksBroken(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			if err := e.fake.SetChannelError("c1", fakediscord.CodeMissingPermissions); err != nil {
				t.Fatal(err)
			}
			var broken []string
			l := e.live(t, e.store, e.sender(t), LiveOptions{OnBroken: func(s store.Subscription, _ error) { broken = append(broken, s.ID) }})
			ctx := context.Background()
			xs := e.fresh(t, 3, "x")
			l.OnNew(ctx, xs)
			if got := getSub(t, e.store, e.feedSub.ID).Broken; !strings.Contains(got, "403") {
				t.Errorf("Broken = %q, want the 403 recorded", got)
			}
			if diff := cmp.Diff([]string{e.feedSub.ID}, broken); diff != "" {
				t.Errorf("OnBroken calls (-want +got):\n%s", diff)
			}
			before := len(channelPosts(e.fake, "c1"))
			ys := e.fresh(t, 3, "y")
			l.OnNew(ctx, ys)
			l.CatchUp(ctx)
			if after := len(channelPosts(e.fake, "c1")); after != before {
				t.Errorf("%d more requests to a broken channel", after-before)
			}
			if diff := cmp.Diff([]string{xs[0].Title, ys[0].Title}, e.embedTitles("c2")); diff != "" {
				t.Errorf("healthy channel c2 (-want +got):\n%s", diff)
			}
		})
	}
}

func channelPosts(f *fake, ch string) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/channels/"+ch+"/messages") {
			out = append(out, r)
		}
	}
	return out
}

func TestLiveStoreOutageSendsNothingThenRetries(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stories := e.fresh(t, 4, "o")
			flaky := &flakyStore{testStore: e.store}
			flaky.down.Store(true)
			l := e.live(t, flaky, e.sender(t), LiveOptions{})
			ctx := context.Background()
			l.OnNew(ctx, stories)
			l.CatchUp(ctx)
			if n := len(e.fake.Requests()); n != 0 {
				t.Fatalf("%d requests reached Discord during the store outage, want 0", n)
			}
			flaky.down.Store(false)
			l.CatchUp(ctx)
			l.CatchUp(ctx)
			if diff := cmp.Diff(titles(stories), e.embedTitles("c1")); diff != "" {
				t.Errorf("after the outage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLiveTwoReplicasPostEachStoryOncePerChannel(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name+"/concurrent", func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			// c1 also follows the topic: a story matching both of c1's subscriptions posts once.
			subscribe(t, e.store, store.Subscription{ChannelID: "c1", Kind: store.KindTopic, Topic: "mideast", CreatedAt: t0.Add(-time.Hour)})
			stories := e.fresh(t, 15, "r")
			a := e.live(t, e.replica(), e.sender(t), LiveOptions{})
			bb := e.live(t, e.replica(), e.sender(t), LiveOptions{})
			var wg sync.WaitGroup
			for _, l := range []*Live{a, bb, a, bb} {
				wg.Go(func() { l.OnNew(context.Background(), stories) })
			}
			wg.Wait()
			a.CatchUp(context.Background())
			bb.CatchUp(context.Background())
			assertEachOnce(t, e.embedTitles("c1"), titles(stories))
			assertEachOnce(t, e.embedTitles("c2"), titles(everyThird(stories)))
			if n := len(e.embedTitles("c2")); n != 5 {
				t.Errorf("c2 got %d embeds, want 5", n)
			}
		})
		t.Run(b.name+"/sender fails mid-way", func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stories := e.fresh(t, 15, "m")
			failing := &failingSender{next: e.sender(t), okFirst: 1, err: errors.New("process killed")}
			e.live(t, e.replica(), failing, LiveOptions{}).OnNew(context.Background(), stories)
			if n := len(e.embedTitles("c1")); n != 10 {
				t.Fatalf("replica a posted %d embeds before failing, want 10", n)
			}
			e.live(t, e.replica(), e.sender(t), LiveOptions{}).CatchUp(context.Background())
			if diff := cmp.Diff(titles(stories), e.embedTitles("c1")); diff != "" {
				t.Errorf("c1 (-want +got):\n%s", diff)
			}
		})
		t.Run(b.name+"/replica dies holding claims", func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stories := e.fresh(t, 3, "d")
			ctx := context.Background()
			if _, err := e.store.Claim(ctx, "c1", ids(stories), time.Minute); err != nil {
				t.Fatal(err)
			}
			l := e.live(t, e.replica(), e.sender(t), LiveOptions{Lease: time.Minute})
			l.CatchUp(ctx)
			if n := len(e.fake.Messages("c1")); n != 0 {
				t.Fatalf("posted %d messages while another replica's claims were live", n)
			}
			e.clock.Advance(time.Minute + time.Second)
			l.CatchUp(ctx)
			l.CatchUp(ctx)
			if diff := cmp.Diff(titles(stories), e.embedTitles("c1")); diff != "" {
				t.Errorf("c1 after the lease expired (-want +got):\n%s", diff)
			}
		})
	}
}

// Stories whose delivery was cut off while Herald ran (their claims expired) are posted by the
// periodic retry in full: the downtime bound and its "and N more" line apply only at start-up.
func TestLiveRetryIsNotBoundedLikeCatchUp(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			stuck := e.fresh(t, 25, "stuck")
			ctx := context.Background()
			// A crashed replica claimed them and never confirmed.
			if _, err := e.store.Claim(ctx, "c1", ids(stuck), time.Minute); err != nil {
				t.Fatal(err)
			}
			l := e.live(t, e.store, e.sender(t), LiveOptions{Lease: time.Minute})
			l.retry(ctx)
			if n := len(e.fake.Messages("c1")); n != 0 {
				t.Fatalf("posted %d messages while another replica's claims were live", n)
			}
			e.clock.Advance(2 * time.Minute)
			l.retry(ctx)
			if diff := cmp.Diff(titles(stuck), e.embedTitles("c1")); diff != "" {
				t.Errorf("retry posted (-want +got):\n%s", diff)
			}
			for _, m := range e.fake.Messages("c1") {
				if strings.Contains(m.Content, "more") {
					t.Errorf("retry summarised stories instead of posting them: %q", m.Content)
				}
			}
		})
	}
}
