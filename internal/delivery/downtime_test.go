package delivery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/story"
)

// TestLiveAfterDowntimeIsBoundedAndFresh is issue 11 item 4 end to end: Herald restarts after
// ten hours down; the first poll brings 30 stories published meanwhile, three 3-day-old ones
// (first seen now) and two published since the restart. Before, all 35 were live-posted with
// no "and N more" line. Now the one rule applies: nothing older than the max age, the 20
// newest of the downtime with one line for the other 10, and the new ones as usual; later
// sweeps add nothing.
func TestLiveAfterDowntimeIsBoundedAndFresh(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			restart := e.clock.Now()
			e.clock.Advance(5 * time.Minute) // the first poll after the restart
			now := e.clock.Now()
			mk := func(key string, pub time.Time) story.Story {
				s := mkStory(feedA, "Outlet A", key, "headline "+key, pub, now)
				// The first poll after the restart of a feed polled before it (see the poller).
				s.AfterDowntime = true
				return s
			}
			var away, stale, live []story.Story
			for i := range 30 {
				away = append(away, mk(fmt.Sprintf("away-%02d", i), restart.Add(-10*time.Hour+time.Duration(i)*15*time.Minute)))
			}
			for i := range 3 {
				stale = append(stale, mk(fmt.Sprintf("stale-%d", i), restart.Add(-72*time.Hour)))
			}
			for i := range 2 {
				s := mk(fmt.Sprintf("live-%d", i), restart.Add(time.Duration(i+1)*time.Minute))
				s.AfterDowntime = false // a later poll of a feed already polled since the restart
				live = append(live, s)
			}
			all := append(append(append([]story.Story{}, stale...), away...), live...)
			put(t, e.store, all...)
			l := e.live(t, e.store, e.sender(t), LiveOptions{})
			ctx := context.Background()
			l.OnNew(ctx, all)

			want := append(titles(away[10:]), titles(live)...)
			if diff := cmp.Diff(want, e.embedTitles("c1")); diff != "" {
				t.Errorf("c1 posted (-want +got):\n%s", diff)
			}
			var lines []string
			for _, m := range e.fake.Messages("c1") {
				if m.Content != "" {
					lines = append(lines, m.Content)
				}
			}
			if diff := cmp.Diff([]string{"…and 10 more older stories while Herald was away."}, lines); diff != "" {
				t.Errorf("summary lines (-want +got):\n%s", diff)
			}
			posted := len(e.fake.Messages("c1"))
			l.CatchUp(ctx)
			e.clock.Advance(10 * time.Minute)
			l.retry(ctx)
			if n := len(e.fake.Messages("c1")); n != posted {
				t.Errorf("later sweeps posted %d more messages: %q", n-posted, e.fake.texts("c1")[posted:])
			}
		})
	}
}

func TestLiveRule(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		rule      LiveRule
		published time.Time
		want      bool
	}{
		{"default: a day old is fresh", LiveRule{}, now.Add(-24 * time.Hour), true},
		{"default: a day and a second is not", LiveRule{}, now.Add(-24*time.Hour - time.Second), false},
		{"default: three days is not", LiveRule{}, now.Add(-72 * time.Hour), false},
		{"configured 2h: 90 min is fresh", LiveRule{MaxAge: 2 * time.Hour}, now.Add(-90 * time.Minute), true},
		{"configured 2h: 3h is not", LiveRule{MaxAge: 2 * time.Hour}, now.Add(-3 * time.Hour), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rule.Fresh(tc.published, now); got != tc.want {
				t.Errorf("Fresh = %v, want %v", got, tc.want)
			}
		})
	}
	if got, want := (LiveRule{MaxAge: 36 * time.Hour}).Explain(), "older than 36 h: stored and shown by /latest, never live-posted"; got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
}
