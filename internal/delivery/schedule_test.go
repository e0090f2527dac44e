package delivery

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
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
		{"london 01:30 spring forward runs at the end of the gap", "01:30", "Europe/London", time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC),
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"london 01:30 fall back runs at the first 01:30 only", "1:30 am", "Europe/London", time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC),
			[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"new york 02:30 spring forward", "2:30am", "America/New_York", time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC),
			[]string{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
		{"lord howe half-hour change", "02:15", "Australia/Lord_Howe", time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC),
			[]string{"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}}, // 4 Oct 02:00 → 02:30
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
		{"bad clock", "8 o'clock", "UTC"},
		{"hour without am or pm", "8", "UTC"},
		{"13pm", "13pm", "UTC"},
		{"one-digit minutes", "8:5", "UTC"},
		{"local is not a zone", "08:00", "Local"},
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

func TestParseClock(t *testing.T) {
	tests := []struct{ in, want string }{
		{"08:00", "08:00"}, {"8:00", "08:00"}, {"20:30", "20:30"}, {"00:00", "00:00"}, {" 23:59 ", "23:59"},
		{"8am", "08:00"}, {"8 AM", "08:00"}, {"8:30 pm", "20:30"}, {"8:30PM", "20:30"},
		{"12am", "00:00"}, {"12:15 am", "00:15"}, {"12pm", "12:00"}, {"12:45pm", "12:45"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := CanonicalClock(tc.in, "Europe/London")
			if err != nil || got != tc.want {
				t.Errorf("CanonicalClock(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "24:00", "8:60", "0am", "13:00pm", "-1:00", "+8:00", "8h30", "noon", "8:30:00"} {
		if _, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) = nil error", bad)
		}
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"08:00", "8:30 pm", "12am", "24:00", "8 o'clock"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClock(s)
		if err != nil {
			return
		}
		again, err := ParseClock(c.Format("15:04"))
		if err != nil || !again.Equal(c) {
			t.Errorf("ParseClock(%q) = %v, but its canonical form re-parses as %v, %v", s, c, again, err)
		}
	})
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
		// 01:30 does not exist on 2000-03-26 (01:00 GMT → 02:00 BST): the first valid instant.
		{"london 01:30 spring", "01:30", "Europe/London", time.Date(2000, 3, 24, 12, 0, 0, 0, time.UTC), 3,
			[]string{"2000-03-25T01:30:00Z", "2000-03-26T01:00:00Z", "2000-03-27T00:30:00Z"}},
		// 01:30 happens twice on 2000-10-29 (02:00 BST → 01:00 GMT): once, the first time.
		{"london 01:30 autumn", "01:30", "Europe/London", time.Date(2000, 10, 27, 12, 0, 0, 0, time.UTC), 3,
			[]string{"2000-10-28T00:30:00Z", "2000-10-29T00:30:00Z", "2000-10-30T01:30:00Z"}},
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
				if _, err := st.CreateSubscription(ctx, store.Subscription{GuildID: "g", ChannelID: "c1",
					Kind: store.KindDigest, Time: tc.clock, TimeZone: tc.tz, CreatedAt: time.Now()}); err != nil {
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

// BenchmarkPreviousSlot is the work a digest sweep does per subscription: on an ordinary day
// the slot is computed directly, near a clock change by scanning minutes around it.
func BenchmarkPreviousSlot(b *testing.B) {
	sched, err := DigestSchedule("01:30", "Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		now  time.Time
	}{
		{"ordinary day", time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)},
		{"fall-back day", time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if PreviousSlot(sched, bc.now).IsZero() {
					b.Fatal("no slot")
				}
			}
		})
	}
}
