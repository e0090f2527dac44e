package poller

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/feed"
)

// memSchedule is an in-memory Schedule whose writes fail while down is set, as Redis's do
// during an outage.
type memSchedule struct {
	mu   sync.Mutex
	due  map[string]time.Time
	down bool
}

var errScheduleDown = errors.New("schedule: store unavailable")

func (m *memSchedule) setDown(v bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = v
}

func (m *memSchedule) Add(_ context.Context, u string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errScheduleDown
	}
	if _, ok := m.due[u]; !ok {
		m.due[u] = at
	}
	return nil
}

func (m *memSchedule) Take(_ context.Context, now time.Time, n int, lease time.Duration) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errScheduleDown
	}
	var out []string
	for u, at := range m.due {
		if !at.After(now) {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	out = out[:min(n, len(out))]
	for _, u := range out {
		m.due[u] = now.Add(lease)
	}
	return out, nil
}

func (m *memSchedule) Due(_ context.Context, u string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errScheduleDown
	}
	m.due[u] = at
	return nil
}

func (m *memSchedule) Remove(_ context.Context, u string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errScheduleDown
	}
	delete(m.due, u)
	return nil
}

func (m *memSchedule) Earliest(context.Context) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return time.Time{}, false, errScheduleDown
	}
	var first time.Time
	for _, at := range m.due {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	return first, !first.IsZero(), nil
}

// A poll that ends while the shared schedule cannot be written (a Redis outage) must not
// leave its feed held for the whole lease: once the store is back the next poll is recorded
// and the feed is polled again one interval later, not a lease later.
func TestSharedScheduleRecordsNextPollAfterOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval, lease = 10 * time.Second, 2 * time.Minute
		sched := &memSchedule{due: map[string]time.Time{}}
		log := newFetchLog()
		const url = "https://outlet.example.org/feed"
		f := fetcherFunc(func(_ context.Context, u string, _ feed.Validators) (*feed.Result, error) {
			if log.add(u) == 1 {
				sched.setDown(true) // the outage begins during the first poll
			}
			return okResult(u, "same"), nil
		})
		p := New([]Feed{{URL: url}}, f, newMemStore(), nil, Options{Interval: interval, Lease: lease, Schedule: sched, Logger: discard})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = p.Run(ctx)
		}()
		time.Sleep(5 * time.Second)
		sched.setDown(false)
		time.Sleep(40 * time.Second)
		synctest.Wait()
		cancel()
		<-done

		got := log.times(url)
		if len(got) < 3 {
			t.Fatalf("fetched at %v after a 5 s outage; want a poll every %v, not a %v lease", got, interval, lease)
		}
		if gap := got[1] - got[0]; gap > interval+2*time.Second {
			t.Errorf("second poll %v after the first; want about %v", gap, interval)
		}
	})
}
