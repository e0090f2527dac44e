package commands

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
)

type fixedHealth FeedStatus

func (h fixedHealth) FeedStatus() FeedStatus { return FeedStatus(h) }

type fixedStatus struct{}

func (fixedStatus) StatusEmbed(context.Context, string) (message.Embed, error) {
	return message.Embed{Title: "Gaza ceasefire: No recent news"}, nil
}

// An empty /latest and a /status say why: the first polls are under way, or no feed could be
// fetched; only with healthy feeds is "nothing" the answer.
func TestEmptyAnswersGiveTheReason(t *testing.T) {
	s := openStore(t) // no stories
	topics := []TopicInfo{{ID: "ceasefire", Title: "Gaza ceasefire"}}
	for _, tc := range []struct {
		name       string
		health     PollProgress
		topic      string
		wantLatest string
		wantStatus string
	}{
		{name: "first polls under way", health: fixedHealth{Feeds: 5, Finished: 2, OK: 2},
			wantLatest: "No stories yet: Herald is polling its feeds for the first time (2 of 5 done). Ask again in a few seconds.",
			wantStatus: "Herald is still polling its feeds for the first time (2 of 5 done); this may be incomplete."},
		{name: "no feed reachable", health: fixedHealth{Feeds: 5, Finished: 5},
			wantLatest: "No stories: none of Herald's 5 feeds could be fetched. The operator can see why in Herald's output.",
			wantStatus: "None of Herald's 5 feeds could be fetched: this is only what was stored before, not the news."},
		{name: "the one feed unreachable", health: fixedHealth{Feeds: 1, Finished: 1},
			wantLatest: "No stories: Herald's one feed could not be fetched. The operator can see why in Herald's output.",
			wantStatus: "Herald's one feed could not be fetched: this is only what was stored before, not the news."},
		{name: "feeds fine but empty", health: fixedHealth{Feeds: 5, Finished: 5, OK: 4},
			wantLatest: "No stories: the feeds were fetched but had no items."},
		{name: "topic with feeds fine", health: fixedHealth{Feeds: 5, Finished: 5, OK: 5}, topic: "ceasefire",
			wantLatest: "No recent stories on this topic."},
		{name: "health unknown", wantLatest: "No stories stored yet."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := Latest{Stories: s, Topics: topics, Now: func() time.Time { return t0 }, Feeds: tc.health}
			m, err := l.Handle(context.Background(), Request{Name: "latest", Options: map[string]string{"topic": tc.topic}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantLatest, m.Content); diff != "" {
				t.Errorf("/latest (-want +got):\n%s", diff)
			}
			st := Status{Source: fixedStatus{}, Topics: topics, Feeds: tc.health}
			m, err = st.Alias("ceasefire")(context.Background(), Request{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantStatus, m.Content); diff != "" {
				t.Errorf("/ceasefire-status note (-want +got):\n%s", diff)
			}
		})
	}
}
