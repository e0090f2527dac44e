package redisstore

import (
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// TestHostSlotsBoundTheFleet: two replicas (two connections over one prefix) share a host's
// limit of two slots, a holder asking again keeps its slot, a release frees one at once and a
// holder that never releases (a killed replica) frees its slot when its lease ends. Other
// hosts are not affected.
func TestHostSlotsBoundTheFleet(t *testing.T) {
	clock := storetest.NewClock(time.UnixMilli(1_800_000_000_000))
	a := newTestStore(t, clock.Now, store.Retention{})
	b, err := New(t.Context(), redistest.URL(t), Options{Prefix: a.keys.prefix, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ha, hb := a.HostSlots(), b.HostSlots()
	ctx := t.Context()
	const host, limit, lease = "news.example", 2, time.Minute
	acquire := func(h *HostSlots, host, holder string, want bool) {
		t.Helper()
		got, err := h.AcquireHost(ctx, host, holder, limit, lease)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("AcquireHost(%s, %s) = %v, want %v", host, holder, got, want)
		}
	}
	acquire(ha, host, "a1", true)
	acquire(hb, host, "b1", true)
	acquire(hb, host, "b2", false) // the fleet's two slots are taken, one on each replica
	acquire(ha, host, "a2", false)
	acquire(ha, host, "a1", true) // a holder asking again keeps its slot
	acquire(hb, "other.example", "b2", true)
	if ttl := a.rdb.PTTL(ctx, a.keys.hostSlots(host)).Val(); ttl <= lease {
		t.Errorf("slots key TTL %v, want more than the lease %v (garbage collection only)", ttl, lease)
	}

	if err := hb.ReleaseHost(ctx, host, "b1"); err != nil {
		t.Fatal(err)
	}
	acquire(ha, host, "a2", true)
	clock.Advance(lease) // a1 and a2 never released: their replica died
	acquire(hb, host, "b3", true)
	acquire(hb, host, "b4", true)
	acquire(ha, host, "a3", false)
}
