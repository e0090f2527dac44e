package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// TestTopicLivePostsClusterAndEdit is issue 11 item 6 end to end: three outlets reporting one
// event gave a topic channel three separate live posts. Now the first report is posted, later
// outlets edit that post (through the fake Discord, which validates every edit like a post),
// an unrelated story is a post of its own, the same article under a new GUID changes nothing,
// and the post is still found after a restart (a new Live on the same store).
func TestTopicLivePostsClusterAndEdit(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			at := e.clock.Now()
			report := func(feedURL, source, key, title, link string, pub time.Time) story.Story {
				s := mkStory(feedURL, source, key, title, pub, e.clock.Now(), "mideast")
				if link != "" {
					s.Link = link
				}
				put(t, e.store, s)
				return s
			}
			live := e.live(t, e.store, e.sender(t), LiveOptions{})

			reuters := report("https://reuters.example/world", "Reuters", "cf", "Israel and Hamas agree Gaza ceasefire after Cairo talks", "https://reuters.example/cf", at)
			live.OnNew(ctx, []story.Story{reuters})
			if n := len(e.fake.Messages("c2")); n != 1 {
				t.Fatalf("first report: %d messages, want 1", n)
			}

			e.clock.Advance(20 * time.Minute)
			bbc := report("https://bbc.example/news", "BBC News", "cf", "Gaza ceasefire agreed between Israel and Hamas in Cairo", "", at.Add(10*time.Minute))
			ajz := report("https://aljazeera.example/rss", "Al Jazeera", "cf", "Hamas and Israel reach Gaza ceasefire deal in Cairo", "", at.Add(15*time.Minute))
			other := report("https://bbc.example/news", "BBC News", "quake", "Strong earthquake shakes northern Lebanon coast", "", at.Add(16*time.Minute))
			live.OnNew(ctx, []story.Story{bbc, ajz, other})
			msgs := e.fake.Messages("c2")
			if len(msgs) != 2 {
				t.Fatalf("after two more outlets and one other story: %d messages, want 2 (one edited, one new):\n%s", len(msgs), strings.Join(e.fake.texts("c2"), "\n---\n"))
			}
			first := msgs[0]
			if first.Edits != 1 || len(first.Embeds) != 1 {
				t.Errorf("first post: %d edits, %d embeds; want 1 edit, 1 embed", first.Edits, len(first.Embeds))
			}
			for _, outlet := range []string{"[Reuters](", "[BBC News](", "[Al Jazeera]("} {
				if !strings.Contains(first.Embeds[0].Description, outlet) {
					t.Errorf("edited post does not credit %s:\n%s", outlet, first.Embeds[0].Description)
				}
			}
			if diff := cmp.Diff([]string{other.Title}, embedTitlesOf(msgs[1])); diff != "" {
				t.Errorf("second post (-want +got):\n%s", diff)
			}

			// The same Reuters article under a new GUID: nothing new to show.
			e.clock.Advance(5 * time.Minute)
			rekeyed := report("https://reuters.example/world", "Reuters", "cf-v2", reuters.Title, reuters.Link, at)
			live.OnNew(ctx, []story.Story{rekeyed})
			if msgs := e.fake.Messages("c2"); len(msgs) != 2 || msgs[0].Edits != 1 {
				t.Errorf("a re-keyed article: %d messages, first edited %d times; want 2 and 1", len(msgs), msgs[0].Edits)
			}

			// After a restart, a fourth outlet still edits the same post.
			e.clock.Advance(5 * time.Minute)
			restarted := e.live(t, e.replica(), e.sender(t), LiveOptions{})
			ap := report("https://ap.example/rss", "AP", "cf", "Israel, Hamas agree to Gaza ceasefire in Cairo talks", "", at.Add(30*time.Minute))
			restarted.OnNew(ctx, []story.Story{ap})
			msgs = e.fake.Messages("c2")
			if len(msgs) != 2 || msgs[0].Edits != 2 || !strings.Contains(msgs[0].Embeds[0].Description, "[AP](") {
				t.Errorf("after a restart: %d messages, first edited %d times:\n%s", len(msgs), msgs[0].Edits, msgs[0].Embeds[0].Description)
			}
			all := ids([]story.Story{reuters, bbc, ajz, other, rekeyed, ap})
			if unseen, err := e.store.Unseen(ctx, "c2", all); err != nil || len(unseen) != 0 {
				t.Errorf("Unseen = %v, %v; want every report recorded for the channel", unseen, err)
			}
		})
	}
}

func embedTitlesOf(m fakediscord.Message) []string {
	var out []string
	for _, e := range m.Embeds {
		out = append(out, e.Title)
	}
	return out
}

// TestLiveStoryIdentitySurvivesNewGUIDAndSecondFeed is issue 11 item 6's identity part: an
// article whose GUID changed, or which a second feed subscribed in the same channel also
// carries, was posted again. The channel remembers a story's canonical link and its outlet
// and title too.
func TestLiveStoryIdentitySurvivesNewGUIDAndSecondFeed(t *testing.T) {
	const feedB = "https://b.example/top"
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			subscribe(t, e.store, store.Subscription{ChannelID: "c1", Kind: store.KindFeed, FeedURL: feedB, CreatedAt: t0.Add(-time.Hour)})
			ctx := context.Background()
			live := e.live(t, e.store, e.sender(t), LiveOptions{})
			now := e.clock.Now()
			first := mkStory(feedA, "Outlet A", "guid-1", "Harbour bridge reopens after repairs", now.Add(-time.Minute), now)
			first.Link = "https://a.example/harbour-bridge"
			put(t, e.store, first)
			live.OnNew(ctx, []story.Story{first})

			e.clock.Advance(10 * time.Minute)
			rekeyed := first
			rekeyed.ID, rekeyed.FirstSeen = story.NewID(feedA, "guid-2"), e.clock.Now()
			inFeedB := first
			inFeedB.ID, inFeedB.FeedURL, inFeedB.Source, inFeedB.FirstSeen = story.NewID(feedB, "x"), feedB, "Outlet A Top", e.clock.Now()
			fresh := mkStory(feedB, "Outlet A Top", "y", "Tram line extension approved", e.clock.Now(), e.clock.Now())
			put(t, e.store, rekeyed, inFeedB, fresh)
			live.OnNew(ctx, []story.Story{rekeyed, inFeedB, fresh})
			live.CatchUp(ctx)

			if diff := cmp.Diff([]string{first.Title, fresh.Title}, e.embedTitles("c1")); diff != "" {
				t.Errorf("c1 posts (-want +got):\n%s", diff)
			}
			if unseen, err := e.store.Unseen(ctx, "c1", ids([]story.Story{rekeyed, inFeedB, fresh})); err != nil || len(unseen) != 0 {
				t.Errorf("Unseen = %v, %v; want the repeats recorded so no sweep retries them", unseen, err)
			}
		})
	}
}

// A poll after downtime delivers the catch-up and the live stories of a topic separately; the
// post made by the first must still be edited when another outlet reports its development.
func TestTopicCatchUpPostIsRememberedWithLivePosts(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			now := e.clock.Now()
			away := mkStory("https://reuters.example/world", "Reuters", "cf", "Israel and Hamas agree Gaza ceasefire after Cairo talks", now.Add(-2*time.Hour), now, "mideast")
			away.AfterDowntime = true
			other := mkStory("https://bbc.example/news", "BBC News", "quake", "Strong earthquake shakes northern Lebanon coast", now, now, "mideast")
			put(t, e.store, away, other)
			live := e.live(t, e.store, e.sender(t), LiveOptions{})
			live.OnNew(ctx, []story.Story{away, other})
			if n := len(e.fake.Messages("c2")); n != 2 {
				t.Fatalf("%d messages, want the catch-up post and the live post", n)
			}
			e.clock.Advance(10 * time.Minute)
			later := mkStory("https://aljazeera.example/rss", "Al Jazeera", "cf", "Hamas and Israel reach Gaza ceasefire deal in Cairo", now.Add(-time.Hour), e.clock.Now(), "mideast")
			put(t, e.store, later)
			live.OnNew(ctx, []story.Story{later})
			msgs := e.fake.Messages("c2")
			if len(msgs) != 2 || msgs[0].Edits != 1 || !strings.Contains(msgs[0].Embeds[0].Description, "[Al Jazeera](") {
				t.Errorf("after a later outlet: %d messages, catch-up post edited %d times:\n%s", len(msgs), msgs[0].Edits, strings.Join(e.fake.texts("c2"), "\n---\n"))
			}
		})
	}
}

// Topic subscriptions place their posts like feed subscriptions: in a forum channel each
// development is a forum post named by its first report, and a second outlet edits the post's
// first message inside it (after a restart too); a text channel that opted into threads gets a
// message and a thread per development.
func TestTopicPostsInForumsAndThreads(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			e.fake.SetChannelType("c2", fakediscord.ChannelForum)
			restyle(t, e.store, e.topic, store.PostStyle{Forum: true})
			subscribe(t, e.store, store.Subscription{ChannelID: "c3", Kind: store.KindTopic, Topic: "mideast",
				CreatedAt: t0.Add(-time.Hour), Style: store.PostStyle{ThreadPerStory: true}})
			at := e.clock.Now()
			report := func(feedURL, source, key, title string, pub time.Time) story.Story {
				s := mkStory(feedURL, source, key, title, pub, e.clock.Now(), "mideast")
				put(t, e.store, s)
				return s
			}
			live := e.live(t, e.store, e.sender(t), LiveOptions{})
			deal := report("https://reuters.example/world", "Reuters", "cf", "Israel and Hamas agree Gaza ceasefire after Cairo talks", at)
			quake := report("https://bbc.example/news", "BBC News", "quake", "Strong earthquake shakes northern Lebanon coast", at.Add(time.Minute))
			live.OnNew(ctx, []story.Story{deal, quake})

			var names []string
			for _, th := range e.fake.Threads("c2") {
				names = append(names, th.Name)
			}
			if diff := cmp.Diff([]string{deal.Title, quake.Title}, names); diff != "" {
				t.Fatalf("forum posts (-want +got):\n%s", diff)
			}
			if msgs := e.fake.Messages("c3"); len(msgs) != 2 || len(e.fake.Threads("c3")) != 2 {
				t.Fatalf("threaded channel: %d messages, threads %+v; want a message and a thread per development", len(msgs), e.fake.Threads("c3"))
			}

			e.clock.Advance(10 * time.Minute)
			restarted := e.live(t, e.replica(), e.sender(t), LiveOptions{})
			bbc := report("https://bbc.example/news", "BBC News", "cf", "Gaza ceasefire agreed between Israel and Hamas in Cairo", at.Add(5*time.Minute))
			restarted.OnNew(ctx, []story.Story{bbc})
			post := e.fake.Threads("c2")[0]
			inPost := e.fake.Messages(post.ID)
			if len(e.fake.Threads("c2")) != 2 || len(inPost) != 1 || inPost[0].Edits != 1 || !strings.Contains(inPost[0].Embeds[0].Description, "[BBC News](") {
				t.Errorf("second outlet: forum threads %d, post messages %+v; want the post's message edited", len(e.fake.Threads("c2")), inPost)
			}
			if msgs := e.fake.Messages("c3"); len(msgs) != 2 || msgs[0].Edits != 1 {
				t.Errorf("threaded channel after the second outlet: %d messages, first edited %d times", len(msgs), msgs[0].Edits)
			}
		})
	}
}
