package delivery

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/boltstore"
)

// gateSender blocks every send until release is closed; panics when told to.
type gateSender struct {
	release chan struct{}
	started atomic.Int32
	panics  atomic.Int32 // sends left that panic
	sent    atomic.Int32
}

func (g *gateSender) Send(ctx context.Context, _ string, _ message.Message, _ string) (string, error) {
	if g.panics.Add(-1) >= 0 {
		panic("sender exploded")
	}
	g.started.Add(1)
	select {
	case <-g.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	g.sent.Add(1)
	return "m", nil
}

func lifecycleStore(t *testing.T, dir string) *boltstore.Store {
	st, err := boltstore.Open(filepath.Join(dir, "h.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSubscription(context.Background(), store.Subscription{GuildID: "g", ChannelID: "c1",
		Kind: store.KindDigest, Time: "08:00", TimeZone: "UTC", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDigestStopWaitsForRunningDigest: Stop returns only after the digest being sent finished.
func TestDigestStopWaitsForRunningDigest(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st := lifecycleStore(t, dir)
		defer st.Close()
		snd := &gateSender{release: make(chan struct{})}
		g := NewDigests(st, snd, DigestOptions{Owner: "r1"})
		ctx := context.Background()
		if err := g.Start(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(8*time.Hour + time.Second) // the bubble starts at 00:00 UTC
		synctest.Wait()
		if snd.started.Load() != 1 {
			t.Fatalf("%d digests started at 08:00, want 1", snd.started.Load())
		}
		var stopped atomic.Bool
		go func() { g.Stop(ctx); stopped.Store(true) }()
		synctest.Wait()
		if stopped.Load() {
			t.Fatal("Stop returned while a digest was being sent")
		}
		close(snd.release)
		synctest.Wait()
		if !stopped.Load() || snd.sent.Load() != 1 {
			t.Errorf("after release: stopped=%v sent=%d, want true and 1", stopped.Load(), snd.sent.Load())
		}
		// Nothing runs after Stop.
		time.Sleep(48 * time.Hour)
		synctest.Wait()
		if n := snd.started.Load(); n != 1 {
			t.Errorf("%d digests started after Stop", n-1)
		}
	})
}

// TestDigestPanicIsRecoveredAndRetried: a panicking send does not kill the scheduler; the
// sweep retries the slot within the grace period and the next day's digest runs too.
func TestDigestPanicIsRecoveredAndRetried(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st := lifecycleStore(t, dir)
		defer st.Close()
		snd := &gateSender{release: make(chan struct{})}
		close(snd.release)
		snd.panics.Store(1)
		g := NewDigests(st, snd, DigestOptions{Owner: "r1", Lease: time.Minute})
		ctx := context.Background()
		// The sweep ticks every lease from Start. Started on the minute, its 08:00:00 tick and
		// the cron job would run the slot at the same instant, and which goes first (and so
		// whether the retry came before the check below) was up to the scheduler: start it off
		// the minute, so at 08:00 only the cron job runs.
		time.Sleep(30 * time.Second)
		if err := g.Start(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(8*time.Hour - 29*time.Second) // 08:00:01
		synctest.Wait()
		if n := snd.sent.Load(); n != 0 {
			t.Fatalf("sent %d at 08:00, want 0 (the send panicked)", n)
		}
		time.Sleep(2 * time.Minute) // the sweep (08:00:30, 08:01:30) retries the slot
		synctest.Wait()
		if n := snd.sent.Load(); n != 1 {
			t.Fatalf("sent %d after the sweep, want 1", n)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		g.Stop(ctx)
		g.Stop(ctx) // a second Stop (deferred in main, say) is harmless
		if n := snd.sent.Load(); n != 2 {
			t.Errorf("sent %d after the next day, want 2", n)
		}
	})
}

// failingList fails ListSubscriptions while fails > 0 (the store unreachable at start-up).
type failingList struct {
	*boltstore.Store
	fails atomic.Int32
}

func (f *failingList) ListSubscriptions(ctx context.Context, filter store.SubscriptionFilter) ([]store.Subscription, error) {
	if f.fails.Add(-1) >= 0 {
		return nil, store.ErrUnavailable
	}
	return f.Store.ListSubscriptions(ctx, filter)
}

// TestDigestRunRetriesFailedStart: a schedule that cannot start (store down) is reported and
// retried with backoff, and the digests run once it starts; before the fix a failed Start was
// logged "retrying at next start" and no digest ran until a restart.
func TestDigestRunRetriesFailedStart(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st := &failingList{Store: lifecycleStore(t, dir)}
		defer st.Close()
		st.fails.Store(2)
		snd := &gateSender{release: make(chan struct{})}
		close(snd.release)
		var reported atomic.Int32
		g := NewDigests(st, snd, DigestOptions{Owner: "r1", OnStartError: func(error) { reported.Add(1) }})
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error)
		go func() { ran <- g.Run(ctx) }()
		synctest.Wait()
		if g.Scheduled() || reported.Load() != 1 {
			t.Fatalf("after a failed start: scheduled=%v reported=%d, want false and 1", g.Scheduled(), reported.Load())
		}
		time.Sleep(5 * time.Second) // first retry: fails again
		synctest.Wait()
		if g.Scheduled() || reported.Load() != 2 {
			t.Fatalf("after the first retry: scheduled=%v reported=%d, want false and 2", g.Scheduled(), reported.Load())
		}
		time.Sleep(10 * time.Second) // second retry, after a doubled wait: the store answers
		synctest.Wait()
		if !g.Scheduled() {
			t.Fatal("not scheduled once the store answered")
		}
		time.Sleep(8 * time.Hour)
		synctest.Wait()
		if n := snd.sent.Load(); n != 1 {
			t.Errorf("sent %d digests at 08:00, want 1", n)
		}
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// TestDigestRunStopsWhileRetrying: SIGTERM while the store is still down ends Run at once.
func TestDigestRunStopsWhileRetrying(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st := &failingList{Store: lifecycleStore(t, dir)}
		defer st.Close()
		st.fails.Store(1000)
		g := NewDigests(st, &gateSender{release: make(chan struct{})}, DigestOptions{Owner: "r1"})
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error)
		go func() { ran <- g.Run(ctx) }()
		time.Sleep(time.Minute)
		start := time.Now()
		cancel()
		<-ran
		if took := time.Since(start); took != 0 {
			t.Errorf("Run returned %v after cancellation, want at once", took)
		}
	})
}
