package storetest

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		advances []time.Duration
		want     time.Time
	}{
		{"unadvanced", nil, start},
		{"one step", []time.Duration{time.Minute}, start.Add(time.Minute)},
		{"steps add up", []time.Duration{time.Hour, 30 * time.Second, time.Nanosecond}, start.Add(time.Hour + 30*time.Second + 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := NewClock(start)
			for _, d := range c.advances {
				clock.Advance(d)
			}
			if got := clock.Now(); !got.Equal(c.want) {
				t.Errorf("Now() = %v, want %v", got, c.want)
			}
		})
	}
}

// TestClockConcurrent is meaningful under -race: stores read the clock from many goroutines
// while a test advances it.
func TestClockConcurrent(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := NewClock(start)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				clock.Advance(time.Millisecond)
				if clock.Now().Before(start) {
					t.Error("clock went backwards")
					return
				}
			}
		})
	}
	wg.Wait()
	if got, want := clock.Now(), start.Add(4*time.Second); !got.Equal(want) {
		t.Errorf("after 4,000 advances of 1ms: Now() = %v, want %v", got, want)
	}
}
