package delivery

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/cache/boltstore"
	"github.com/heraldbot/herald/internal/message"
)

func TestDigestScheduleNextRuns(t *testing.T) {
	tests := []struct {
		name      string
		clock, tz string
		from      time.Time
		wantUTC   []string
	}{
		{"kolkata 08:00 is 02:30 UTC", "08:00", "Asia/Kolkata", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-10T02:30:00Z", "2026-03-11T02:30:00Z"}},
		{"london spring forward", "08:00", "Europe/London", time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC),
			[]string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
		{"london fall back", "08:00", "Europe/London", time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC),
			[]string{"2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"}},
		{"new york 23:30 crosses the date line in UTC", "23:30", "America/New_York", time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-07T04:30:00Z", "2026-03-08T04:30:00Z", "2026-03-09T03:30:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sched, err := DigestSchedule(tc.clock, tc.tz)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for at := tc.from; len(got) < len(tc.wantUTC); {
				at = sched.Next(at)
				got = append(got, at.UTC().Format(time.RFC3339))
			}
			if diff := cmp.Diff(tc.wantUTC, got); diff != "" {
				t.Errorf("runs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDigestScheduleRejectsBadInput(t *testing.T) {
	tests := []struct{ name, clock, tz string }{
		{"bad zone", "08:00", "Mars/Olympus"},
		{"bad clock", "8 am", "UTC"},
		{"hour out of range", "25:00", "UTC"},
		{"empty", "", "UTC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DigestSchedule(tc.clock, tc.tz); err == nil {
				t.Errorf("DigestSchedule(%q, %q) = nil error", tc.clock, tc.tz)
			}
		})
	}
}

func TestMissedSlot(t *testing.T) {
	sched, err := DigestSchedule("08:00", "Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC) // GMT in early March
	created := slot.Add(-72 * time.Hour)
	tests := []struct {
		name        string
		lastRun     time.Time
		now         time.Time
		wantSlot    time.Time
		wantDeliver bool
	}{
		{"30 minutes late is delivered", slot.Add(-24 * time.Hour), slot.Add(30 * time.Minute), slot, true},
		{"5 hours late is skipped", slot.Add(-24 * time.Hour), slot.Add(5 * time.Hour), slot, false},
		{"already delivered", slot, slot.Add(30 * time.Minute), time.Time{}, false},
		{"just under grace", slot.Add(-24 * time.Hour), slot.Add(2*time.Hour - time.Second), slot, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, deliver := MissedSlot(sched, tc.lastRun, created, tc.now, 2*time.Hour)
			if !got.Equal(tc.wantSlot) || deliver != tc.wantDeliver {
				t.Errorf("MissedSlot = %v, %v; want %v, %v", got, deliver, tc.wantSlot, tc.wantDeliver)
			}
		})
	}
}

// recordingSender notes when (on the bubble's clock) each message was sent.
type recordingSender struct {
	mu  sync.Mutex
	at  []time.Time
	msg []message.Message
}

func (r *recordingSender) Send(_ context.Context, _ string, m message.Message, _ string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at = append(r.at, time.Now())
	r.msg = append(r.msg, m)
	return "m", nil
}

func (r *recordingSender) times() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, t := range r.at {
		out = append(out, t.UTC().Format(time.RFC3339))
	}
	return out
}

// TestDigestCronFiresInZone runs the real cron scheduler on synctest's fake clock (which starts
// at 2000-01-01 00:00 UTC): each digest fires once a day at its local time, DST included.
func TestDigestCronFiresInZone(t *testing.T) {
	tests := []struct {
		name    string
		clock   string
		tz      string
		startAt time.Time // the bubble sleeps until then before subscribing
		days    int
		want    []string
	}{
		{"kolkata", "08:00", "Asia/Kolkata", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 2,
			[]string{"2000-01-01T02:30:00Z", "2000-01-02T02:30:00Z"}},
		// The UK moved to BST on 2000-03-26 and back to GMT on 2000-10-29.
		{"london spring", "08:00", "Europe/London", time.Date(2000, 3, 24, 12, 0, 0, 0, time.UTC), 4,
			[]string{"2000-03-25T08:00:00Z", "2000-03-26T07:00:00Z", "2000-03-27T07:00:00Z", "2000-03-28T07:00:00Z"}},
		{"london autumn", "08:00", "Europe/London", time.Date(2000, 10, 27, 12, 0, 0, 0, time.UTC), 4,
			[]string{"2000-10-28T07:00:00Z", "2000-10-29T08:00:00Z", "2000-10-30T08:00:00Z", "2000-10-31T08:00:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			synctest.Test(t, func(t *testing.T) {
				time.Sleep(time.Until(tc.startAt))
				st, err := boltstore.Open(filepath.Join(dir, "h.db"), boltstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				ctx := context.Background()
				if _, err := st.CreateSubscription(ctx, cache.Subscription{GuildID: "g", ChannelID: "c1",
					Kind: cache.KindDigest, Time: tc.clock, TimeZone: tc.tz, CreatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
				rec := &recordingSender{}
				g := NewDigests(st, rec, DigestOptions{Owner: "r1"})
				if err := g.Start(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(tc.days) * 24 * time.Hour)
				synctest.Wait()
				g.Stop(ctx)
				if diff := cmp.Diff(tc.want, rec.times()); diff != "" {
					t.Errorf("digest posts (-want +got):\n%s", diff)
				}
			})
		})
	}
}
