package discord

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

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
