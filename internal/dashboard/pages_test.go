package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// retrier records retries of the feeds it knows.
type retrier struct {
	mu    sync.Mutex
	known []string
	got   []string
}

func (r *retrier) Retry(_ context.Context, u string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.known {
		if k == u {
			r.got = append(r.got, u)
			return nil
		}
	}
	return poller.ErrUnknownFeed
}

func (r *retrier) retried() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// TestFeedHealthAndRetry: a server's feeds show their state in words; only the server's own
// feeds may be retried, except by operators.
func TestFeedHealthAndRetry(t *testing.T) {
	const mine, theirs = "https://mine.example/rss", "https://theirs.example/rss"
	rt := &retrier{known: []string{mine, theirs}}
	e := newEnv(t, openBolt(t), func(o *Options) { o.Feeds = rt })
	ctx := context.Background()
	e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c1", Kind: store.KindFeed, FeedURL: mine})
	e.createSub(t, store.Subscription{GuildID: "g2", ChannelID: "c9", Kind: store.KindFeed, FeedURL: theirs})
	now := time.Now()
	if err := e.store.PutFeedState(ctx, store.FeedState{URL: mine, Title: "Mine", Failures: 4, Disabled: true,
		LastError: "lookup mine.example: no such host", ErrorClass: "dns", LastSuccess: now.Add(-3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	b.signIn()
	_, body := b.get("/dashboard/g/g1/feeds")
	for _, want := range []string{"Mine", "disabled after 4 failures", "the feed&#39;s host name does not resolve", "not until retried"} {
		if !strings.Contains(body, want) {
			t.Errorf("feed health lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, theirs) {
		t.Error("feed health shows another server's feed")
	}
	if _, body := b.get("/dashboard/g/g1/deliveries"); !strings.Contains(body, "The feed "+mine+" is disabled after 4 failures: the feed&#39;s host name does not resolve") {
		t.Errorf("deliveries do not say the feed is failing:\n%s", body)
	}
	tests := []struct {
		name, path, feed string
		want             int
	}{
		{"own feed", "/dashboard/g/g1/feeds/retry", mine, http.StatusSeeOther},
		{"another server's feed", "/dashboard/g/g1/feeds/retry", theirs, http.StatusForbidden},
		{"the global retry without being an operator", "/dashboard/feeds/retry", theirs, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status, _ := b.post(tc.path, url.Values{"url": {tc.feed}}, nil); status != tc.want {
				t.Errorf("status = %d, want %d", status, tc.want)
			}
		})
	}
	if got := rt.retried(); len(got) != 1 || got[0] != mine {
		t.Errorf("retried %v, want only %s", got, mine)
	}
}

// TestOperatorsSeeEverything: an operator sees every server Herald is in and the global feed
// view, without Manage Channels.
func TestOperatorsSeeEverything(t *testing.T) {
	rt := &retrier{known: []string{"https://theirs.example/rss"}}
	e := newEnv(t, openBolt(t), func(o *Options) { o.Operators = []string{userAda}; o.Feeds = rt })
	if err := e.store.PutFeedState(context.Background(), store.FeedState{URL: "https://theirs.example/rss", Title: "Theirs"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	b.signIn()
	_, body := b.get("/dashboard/")
	if !strings.Contains(body, "Newsroom") || !strings.Contains(body, "Elsewhere") || strings.Contains(body, "No Herald") {
		t.Errorf("an operator should see both of Herald's servers:\n%s", body)
	}
	if status, body := b.get("/dashboard/feeds"); status != http.StatusOK || !strings.Contains(body, "Theirs") {
		t.Errorf("global feeds = %d:\n%s", status, body)
	}
	if status, _ := b.post("/dashboard/feeds/retry", url.Values{"url": {"https://theirs.example/rss"}}, nil); status != http.StatusSeeOther {
		t.Errorf("operator retry = %d", status)
	}
}

// TestDeliveriesExplained: each recent story of a feed subscription says whether it was posted
// and, if not, why, from delivery's own test and the channel's seen record.
func TestDeliveriesExplained(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be.open(t), nil)
			ctx := context.Background()
			const feedURL = "https://outlet.example/rss"
			sub := e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c1", Kind: store.KindFeed, FeedURL: feedURL, Include: []string{"ceasefire"}})
			now := time.Now()
			mk := func(key, title string, seen time.Time) story.Story {
				return story.Story{ID: story.NewID(feedURL, key), FeedURL: feedURL, Source: "Outlet", Title: title,
					Link: "https://outlet.example/" + key, Published: seen, FirstSeen: seen}
			}
			posted := mk("1", "Ceasefire holds", now.Add(time.Minute))
			waiting := mk("2", "Ceasefire talks resume", now.Add(2*time.Minute))
			filtered := mk("3", "Football results", now.Add(3*time.Minute))
			old := mk("4", "Ceasefire signed", now.Add(-time.Hour))
			backfill := mk("5", "Ceasefire in the archive", now.Add(-2*time.Hour))
			backfill.Backfill = true
			hostile := mk("6", `<script>alert(1)</script> ceasefire`, now.Add(4*time.Minute))
			hostile.Link = "javascript:alert(1)"
			if _, err := e.store.PutStories(ctx, []story.Story{posted, waiting, filtered, old, backfill, hostile}); err != nil {
				t.Fatal(err)
			}
			claimed, err := e.store.Claim(ctx, "c1", []string{posted.ID}, time.Minute)
			if err != nil || len(claimed) != 1 {
				t.Fatalf("Claim = %v, %v", claimed, err)
			}
			if err := e.store.Confirm(ctx, "c1", claimed); err != nil {
				t.Fatal(err)
			}
			b := e.browser(t)
			b.signIn()
			status, body := b.get("/dashboard/g/g1/deliveries?subscription=" + sub.ID)
			if status != http.StatusOK {
				t.Fatalf("deliveries = %d:\n%s", status, body)
			}
			for _, row := range []struct{ title, verdict string }{
				{"Ceasefire holds", "Posted in #news."},
				{"Ceasefire talks resume", "Not posted yet: it is due at the next delivery (within a minute or two)."},
				{"Football results", "Not posted: dropped by the include/exclude words (ceasefire)."},
				{"Ceasefire signed", "it arrived before this subscription was made"},
				{"Ceasefire in the archive", "already in the feed when Herald first read it"},
			} {
				if !rowSays(body, row.title, row.verdict) {
					t.Errorf("the row of %q does not say %q:\n%s", row.title, row.verdict, body)
				}
			}
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "javascript:") {
				t.Errorf("feed text reached the page unescaped:\n%s", body)
			}
		})
	}
}

// rowSays reports whether the table row holding title also holds verdict.
func rowSays(body, title, verdict string) bool {
	for _, row := range strings.Split(body, "<tr") {
		if strings.Contains(row, ">"+title+"<") && strings.Contains(row, verdict) {
			return true
		}
	}
	return false
}

// statusSource answers StatusEmbed from a map, failing for unknown topics.
type statusSource map[string]message.Embed

func (s statusSource) StatusEmbed(_ context.Context, topic string) (message.Embed, error) {
	e, ok := s[topic]
	if !ok {
		return message.Embed{}, errors.New("test: no status")
	}
	return e, nil
}

// TestStatusPage shows each topic's embed as text, and says so when one cannot be read.
func TestStatusPage(t *testing.T) {
	src := statusSource{"ceasefire": {Title: "Gaza ceasefire: **holding**", Description: "**Holding** since Friday.",
		Fields: []message.Field{{Name: "Evidence", Value: "3 reports"}, {Name: "Timeline", Value: "Fri: agreed"}}}}
	e := newEnv(t, openBolt(t), func(o *Options) { o.Status = src })
	b := e.browser(t)
	b.signIn()
	_, body := b.get("/dashboard/status")
	for _, want := range []string{"Holding since Friday.", "Evidence", "3 reports", "Fri: agreed", "War in Ukraine", "cannot be read right now"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "**") {
		t.Error("Discord markdown reached the page")
	}
}

// TestSubscriptionsPaged: a server with more subscriptions than a page shows 100 per page.
func TestSubscriptionsPaged(t *testing.T) {
	e := newEnv(t, openBolt(t), nil)
	for i := range 150 {
		e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c1", Kind: store.KindDigest, Time: fmt.Sprintf("%02d:%02d", i/60, i%60), TimeZone: "UTC"})
	}
	b := e.browser(t)
	b.signIn()
	for _, tc := range []struct {
		query string
		rows  int
	}{{"", 100}, {"?page=2", 50}, {"?page=9", 50}, {"?page=x", 100}, {"?page=99999999999999", 50}} {
		_, body := b.get("/dashboard/g/g1/" + tc.query)
		if n := strings.Count(body, `<tr id="sub-`); n != tc.rows || !strings.Contains(body, "Subscriptions (150)") {
			t.Errorf("page %q: %d rows, want %d", tc.query, n, tc.rows)
		}
	}
}

// TestEditFilters edits a feed subscription's keywords from its page, through the service.
func TestEditFilters(t *testing.T) {
	e := newEnv(t, openBolt(t), nil)
	sub := e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c2", Kind: store.KindFeed, FeedURL: "https://outlet.example/rss", Include: []string{"gaza"}})
	b := e.browser(t)
	b.signIn()
	status, body := b.get("/dashboard/g/g1/subscriptions/" + sub.ID)
	if status != http.StatusOK || !strings.Contains(body, `value="gaza"`) || !strings.Contains(body, "#general") {
		t.Fatalf("subscription page = %d:\n%s", status, body)
	}
	status, loc := b.post("/dashboard/g/g1/subscriptions/"+sub.ID+"/filters", url.Values{"include": {"Ceasefire, aid"}, "exclude": {"opinion"}}, nil)
	if status != http.StatusSeeOther || loc != "/dashboard/g/g1/subscriptions/"+sub.ID {
		t.Fatalf("save = %d %q", status, loc)
	}
	got := e.listSubs(t, "g1")[0]
	if strings.Join(got.Include, ",") != "ceasefire,aid" || strings.Join(got.Exclude, ",") != "opinion" {
		t.Errorf("filters = %v / %v", got.Include, got.Exclude)
	}
	if _, body := b.get(loc); !strings.Contains(body, "Updated: live posts from https://outlet.example/rss (only with ceasefire, aid; without opinion)") {
		t.Errorf("the page lacks the service's confirmation:\n%s", body)
	}
}

// A live subscription's page shows its filter, mention (and for which stories), template,
// colour and where its posts go; feed text in a template is escaped; a digest shows none.
func TestSubscriptionPageShowsStyle(t *testing.T) {
	e := newEnv(t, openBolt(t), nil)
	styled := e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c2", Kind: store.KindFeed, FeedURL: "https://outlet.example/rss",
		Style: store.PostStyle{Filter: `ceasefire NOT title:/^opinion:/`, MentionRole: "940000000000000001", MentionFilter: "gaza",
			Template: "{title} <b>{status}</b>", Color: 0x1F8B4C, ThreadPerStory: true}})
	plain := e.createSub(t, store.Subscription{GuildID: "g1", ChannelID: "c2", Kind: store.KindTopic, Topic: "ceasefire"})
	b := e.browser(t)
	b.signIn()
	tests := []struct {
		name, id string
		want     []string
	}{
		{name: "styled feed", id: styled.ID, want: []string{
			"<dt>Filter</dt><dd><code>ceasefire NOT title:/^opinion:/</code></dd>",
			"<dt>Mention</dt><dd>the role with id 940000000000000001</dd>",
			"<dt>Mention only for</dt><dd><code>gaza</code></dd>",
			"<dt>Template</dt><dd><pre>{title} &lt;b&gt;{status}&lt;/b&gt;</pre></dd>",
			"<dt>Colour</dt><dd>#1F8B4C</dd>", "<dt>Where posts go</dt><dd>a thread per story</dd>",
			"pings role 940000000000000001 for"}},
		{name: "defaults spelled out", id: plain.ID, want: []string{
			"<dt>Filter</dt><dd><code>none: every story</code></dd>", "<dt>Mention</dt><dd>nobody</dd>",
			"<dt>Template</dt><dd><pre>default layout</pre></dd>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.get("/dashboard/g/g1/subscriptions/" + tt.id)
			if status != http.StatusOK {
				t.Fatalf("status %d:\n%s", status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
		})
	}
}
