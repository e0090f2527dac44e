package discord

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/store/boltstore"
)

// TestShardClaimerStandbyTakesOver: with one shard and two replicas, the second stands by; it
// takes the shard when the first releases it (shutdown) and, after the first claims it back
// and then stops renewing (dies), within one lease. A replica whose shard was taken learns it
// from Hold.
func TestShardClaimerStandbyTakesOver(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	const lease = 300 * time.Millisecond
	claimer := func(owner string) *ShardClaimer {
		return &ShardClaimer{Leases: st, Owner: owner, Plan: ShardPlan{Count: 1, MaxConcurrency: 1}, Lease: lease,
			Logger: slog.New(slog.DiscardHandler)}
	}
	a, b := claimer("a"), claimer("b")
	ctx := waitCtx(t)
	if id, err := a.Claim(ctx); err != nil || id != 0 {
		t.Fatalf("a.Claim = %d, %v", id, err)
	}
	holdCtx, stopHold := context.WithCancel(ctx)
	held := make(chan error, 1)
	go func() { held <- a.Hold(holdCtx, 0) }()

	got := make(chan int, 1)
	go func() {
		id, err := b.Claim(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- id
	}()
	select {
	case id := <-got:
		t.Fatalf("b claimed shard %d while a held it", id)
	case <-time.After(3 * lease): // a renews every lease/3: b must stay a standby
	}
	stopHold() // a shuts down: it releases the shard
	if err := <-held; err != nil {
		t.Fatalf("Hold after shutdown: %v", err)
	}
	select {
	case <-got:
	case <-time.After(2 * lease):
		t.Fatal("b did not take the released shard within a lease")
	}

	// b now dies without releasing; a takes over when the lease lapses.
	start := time.Now()
	if id, err := a.Claim(ctx); err != nil || id != 0 {
		t.Fatalf("a.Claim after b died = %d, %v", id, err)
	}
	// Within the lease plus one standby retry (lease/3), with room for a loaded machine.
	if took := time.Since(start); took > 2*lease {
		t.Errorf("took over after %v, want within a lease (%v) and one retry", took, lease)
	}
	// b comes back to renew: the shard is a's now.
	if err := b.Hold(ctx, 0); !errors.Is(err, ErrShardLost) {
		t.Errorf("b.Hold = %v, want ErrShardLost", err)
	}
}

// memLeases is an in-memory lease store; a shard lease's release waits for gate when set.
type memLeases struct {
	mu       sync.Mutex
	held     map[string]string
	gate     chan struct{}
	released bool
}

func (l *memLeases) AcquireLease(_ context.Context, name, owner string, _ time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.held[name]; ok && h != owner {
		return false, nil
	}
	l.held[name] = owner
	return true, nil
}

func (l *memLeases) ReleaseLease(_ context.Context, name, _ string) error {
	if name != shardLease(0) {
		return nil
	}
	if l.gate != nil {
		<-l.gate
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.held, name)
	l.released = true
	return nil
}

func (l *memLeases) wasReleased() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.released
}

func testClaimer(l Leases) *ShardClaimer {
	return &ShardClaimer{Leases: l, Owner: "r1", Plan: ShardPlan{Count: 1, MaxConcurrency: 1}, Lease: time.Minute,
		Logger: slog.New(slog.DiscardHandler)}
}

// A claimed shard's gateway runs while its lease is held, and stopping returns only once the
// lease is released: the store closes after the runner, and a lease released into a closed
// store would keep a standby waiting for a whole lease.
func TestShardClaimerHoldingReleasesBeforeReturning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		leases := &memLeases{held: map[string]string{shardLease(0): "r1"}, gate: make(chan struct{})}
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() {
			served <- testClaimer(leases).holding(ctx, 0, func(<-chan error) error { <-ctx.Done(); return nil })
		}()
		time.Sleep(time.Hour) // renewals on the bubble's clock: the lease stays held
		cancel()
		synctest.Wait() // the release is under way, held at the gate
		select {
		case <-served:
			t.Fatal("returned before the shard's lease was released")
		default:
		}
		close(leases.gate)
		if err := <-served; err != nil || !leases.wasReleased() {
			t.Errorf("holding = %v, released %v; want nil and released", err, leases.wasReleased())
		}
	})
}

// Serve claims a free shard, opens its gateway and serves it until stopped.
func TestShardClaimerServeClaimsAndOpens(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	leases := &memLeases{held: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opened := make(chan int, 1)
	served := make(chan error, 1)
	go func() {
		served <- testClaimer(leases).Serve(ctx, -1, func(_ context.Context, id, _ int) (*Gateway, error) {
			g, _ := openGateway(t, f, testRouter(time.Second, nil))
			opened <- id
			return g, nil
		})
	}()
	select {
	case id := <-opened:
		if id != 0 {
			t.Errorf("claimed shard %d, want 0", id)
		}
	case <-waitCtx(t).Done():
		t.Fatal("no gateway opened")
	}
	cancel()
	if err := <-served; err != nil || !leases.wasReleased() {
		t.Errorf("Serve = %v, released %v; want nil and released", err, leases.wasReleased())
	}
}

// expiringLeases is an in-memory lease store whose leases lapse on the clock (synctest's
// inside a bubble).
type expiringLeases struct {
	mu     sync.Mutex
	owner  map[string]string
	expiry map[string]time.Time
}

func newExpiringLeases() *expiringLeases {
	return &expiringLeases{owner: map[string]string{}, expiry: map[string]time.Time{}}
}

func (l *expiringLeases) AcquireLease(_ context.Context, name, owner string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o, ok := l.owner[name]; ok && o != owner && time.Now().Before(l.expiry[name]) {
		return false, nil
	}
	l.owner[name], l.expiry[name] = owner, time.Now().Add(ttl)
	return true, nil
}

func (l *expiringLeases) ReleaseLease(_ context.Context, name, owner string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owner[name] == owner {
		delete(l.owner, name)
	}
	return nil
}

// A claimed shard stays its claimer's while it waits for an identify turn longer than the
// lease (another replica's identify holds the bucket for 5 s, the lease is 3 s): a standby
// gets it only once the claimer is done with it.
func TestShardClaimerHoldsWhileWaitingToIdentify(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		leases := newExpiringLeases()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		if ok, _ := leases.AcquireLease(ctx, "discord-identify-0", "other/0", identifyWindow); !ok {
			t.Fatal("could not take the identify turn")
		}
		claimer := func(owner string) *ShardClaimer {
			return &ShardClaimer{Leases: leases, Owner: owner, Plan: ShardPlan{Count: 1, MaxConcurrency: 1},
				Lease: 3 * time.Second, Logger: slog.New(slog.DiscardHandler)}
		}
		errOpened := errors.New("opened")
		var openedAt time.Time
		served := make(chan error, 1)
		go func() {
			served <- claimer("a").Serve(ctx, -1, func(context.Context, int, int) (*Gateway, error) {
				openedAt = time.Now()
				return nil, errOpened
			})
		}()
		synctest.Wait() // a holds the shard and waits for its turn
		standby := make(chan time.Time, 1)
		go func() {
			if _, err := claimer("b").Claim(ctx); err == nil {
				standby <- time.Now()
			}
		}()
		if err := <-served; !errors.Is(err, errOpened) {
			t.Fatalf("Serve = %v, want the open's error", err)
		}
		if at := <-standby; at.Before(openedAt) {
			t.Errorf("the standby took the shard %v before its claimer identified", openedAt.Sub(at))
		}
	})
}
