package poller

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/redisstore"
)

// watchedSlots tells the test each time a fleet-wide host slot is refused.
type watchedSlots struct {
	HostSlots
	refused chan struct{}
}

func (w watchedSlots) AcquireHost(ctx context.Context, host, holder string, limit int, lease time.Duration) (bool, error) {
	ok, err := w.HostSlots.AcquireHost(ctx, host, holder, limit, lease)
	if err == nil && !ok {
		select {
		case w.refused <- struct{}{}:
		default:
		}
	}
	return ok, err
}

// TestPerHostLimitHoldsAcrossReplicas: two replicas, each allowed one fetch per host, poll a
// feed each on one publisher's host. While the first fetch is in flight the other replica is
// refused the host's only fleet-wide slot, and fetches it only once the first is done; with
// a per-process limit alone both would fetch at once.
func TestPerHostLimitHoldsAcrossReplicas(t *testing.T) {
	url := redistest.URL(t)
	st, err := redisstore.New(t.Context(), url, redisstore.Options{Prefix: redistest.Prefix(t, url), Retention: store.Retention{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	slots := watchedSlots{HostSlots: st.HostSlots(), refused: make(chan struct{}, 1)}
	var inflight atomic.Int32
	entered, overlap, release := make(chan string, 2), make(chan struct{}, 2), make(chan struct{})
	fetcher := fetcherFunc(func(ctx context.Context, url string, _ feed.Validators) (*feed.Result, error) {
		if inflight.Add(1) > 1 {
			overlap <- struct{}{}
		}
		defer inflight.Add(-1)
		entered <- url
		<-release
		return &feed.Result{NotModified: true}, nil
	})
	var wg sync.WaitGroup
	for _, u := range []string{"https://pub.example/a.xml", "https://PUB.example/b.xml"} {
		p := New([]Feed{{URL: u}}, fetcher, newMemStore(), nil, Options{PerHost: 1, Hosts: slots, Logger: discard})
		wg.Go(func() {
			if _, err := p.PollOnce(t.Context(), nil); err != nil {
				t.Error(err)
			}
		})
	}
	first := <-entered
	select {
	case <-slots.refused:
	case <-overlap:
		t.Errorf("both replicas fetched from one host at once (first %s), with a limit of one per host", first)
	case <-time.After(10 * time.Second):
		t.Errorf("the second replica was neither refused a host slot nor fetching after 10 s")
	}
	close(release)
	wg.Wait()
	if len(overlap) > 0 {
		t.Errorf("the replicas' fetches overlapped on one host")
	}
	if n := len(entered); n != 1 {
		t.Errorf("%d fetches after the first, want 1 (the refused replica's, once the slot was free)", n)
	}
}

// brokenSlots is a store that cannot be reached.
type brokenSlots struct{}

func (brokenSlots) AcquireHost(context.Context, string, string, int, time.Duration) (bool, error) {
	return false, store.ErrUnavailable
}

func (brokenSlots) ReleaseHost(context.Context, string, string) error { return store.ErrUnavailable }

// TestHostSlotsOutageStillPolls: with the fleet-wide slots unreachable a feed is still polled,
// under this replica's own per-host limit.
func TestHostSlotsOutageStillPolls(t *testing.T) {
	fetcher := fetcherFunc(func(context.Context, string, feed.Validators) (*feed.Result, error) {
		return &feed.Result{NotModified: true}, nil
	})
	p := New([]Feed{{URL: "https://pub.example/a.xml"}}, fetcher, newMemStore(), nil, Options{Hosts: brokenSlots{}, Logger: discard})
	sum, err := p.PollOnce(t.Context(), nil)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if sum.Polled != 1 {
		t.Errorf("polled %d feeds during a host-slot outage, want 1 (fetching under the local limit)", sum.Polled)
	}
}

// busySlots is a fleet whose other replicas never free the host.
type busySlots struct{ asked atomic.Int32 }

func (b *busySlots) AcquireHost(context.Context, string, string, int, time.Duration) (bool, error) {
	b.asked.Add(1)
	return false, nil
}

func (*busySlots) ReleaseHost(context.Context, string, string) error { return nil }

// TestHostWaitEndsBeforeTheLease: a replica waiting for a host another replica keeps busy
// gives up after half the feed's lease and fetches nothing, so it never fetches a feed whose
// lease has passed to another replica.
func TestHostWaitEndsBeforeTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fetched atomic.Int32
		fetcher := fetcherFunc(func(context.Context, string, feed.Validators) (*feed.Result, error) {
			fetched.Add(1)
			return &feed.Result{NotModified: true}, nil
		})
		slots := &busySlots{}
		const lease = 40 * time.Second
		p := New([]Feed{{URL: "https://pub.example/a.xml"}}, fetcher, newMemStore(), nil,
			Options{Hosts: slots, Lease: lease, Logger: discard})
		ctx, cancel := context.WithTimeout(t.Context(), lease) // a poll still waiting then has outlived its lease
		defer cancel()
		start := time.Now()
		sum, err := p.PollOnce(ctx, nil)
		if err != nil {
			t.Errorf("PollOnce: %v (still waiting for the host when the lease ended)", err)
		}
		if waited := time.Since(start); waited < lease/2 || waited >= lease {
			t.Errorf("gave up after %v, want from %v to under the lease %v", waited, lease/2, lease)
		}
		if fetched.Load() != 0 || sum.Polled != 0 {
			t.Errorf("fetched %d times, polled %d, with the host never free: want none", fetched.Load(), sum.Polled)
		}
		if slots.asked.Load() < 2 {
			t.Errorf("asked for the host %d times, want retries while waiting", slots.asked.Load())
		}
	})
}
