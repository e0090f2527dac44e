package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// TestDigestAcrossDSTChanges is issue 11 item 3 end to end: a 01:30 Europe/London digest,
// swept every ten minutes on an injected clock over three days around each change, posts
// through the fake Discord exactly one digest per local day. Before, the spring-forward day had
// none and the fall-back day had two.
func TestDigestAcrossDSTChanges(t *testing.T) {
	tests := []struct {
		name  string
		from  time.Time
		wantZ []string // when each digest was posted (UTC), to the sweep's ten minutes
	}{
		{"spring forward", time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC),
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"fall back", time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC),
			[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
	}
	for _, b := range backends() {
		for _, tc := range tests {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				clock := storetest.NewClock(tc.from)
				st, _ := b.open(t, clock)
				f := newFake(t, fakediscord.Options{})
				sub := subscribe(t, st, store.Subscription{ChannelID: "c1", Kind: store.KindDigest, Time: "01:30",
					TimeZone: "Europe/London", CreatedAt: tc.from})
				g := NewDigests(st, f.sender(discord.SenderOptions{}), DigestOptions{Owner: "r1", Now: clock.Now, Lease: time.Minute})
				var got []string
				seen := 0
				for end := tc.from.Add(3 * 24 * time.Hour); clock.Now().Before(end); clock.Advance(10 * time.Minute) {
					g.Sweep(context.Background())
					if n := len(f.Messages("c1")); n > seen {
						got = append(got, clock.Now().UTC().Format(time.RFC3339))
						seen = n
					}
				}
				if diff := cmp.Diff(tc.wantZ, got); diff != "" {
					t.Errorf("digests posted (-want +got):\n%s", diff)
				}
				if last := getSub(t, st, sub.ID).LastRun; last.IsZero() {
					t.Error("LastRun was never recorded")
				}
			})
		}
	}
}
