package redisstore

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
)

// tableState reads a channel's seen table state.
func tableState(t *testing.T, st *Store, ch string) (l, p, n uint32) {
	t.Helper()
	vals, err := st.rdb.HMGet(t.Context(), st.keys.seenTable(ch), "L", "p", "n").Result()
	noErr(t, err)
	var out [3]uint32
	for i, v := range vals {
		s, _ := v.(string)
		x, _ := strconv.ParseUint(s, 10, 32)
		out[i] = uint32(x)
	}
	return out[0], out[1], out[2]
}

// TestSeenTableGrows fills one channel with 20k seen stories and checks the linear-hashing
// invariants: the table grew just enough, every bucket is a small listpack, every entry sits
// in the bucket the Go mirror of the bucket function names, and nothing was lost on the way.
func TestSeenTableGrows(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
	ctx := t.Context()
	r := rand.New(rand.NewPCG(7, 8))
	const total, batch = 20_000, 500
	all := randomIDs(r, total)
	for i := 0; i < total; i += batch {
		got, err := st.Claim(ctx, "big", all[i:i+batch], time.Minute)
		noErr(t, err)
		if len(got) != batch {
			t.Fatalf("batch %d: claimed %d of %d", i/batch, len(got), batch)
		}
		noErr(t, st.Confirm(ctx, "big", all[i:i+batch]))
	}
	l, p, n := tableState(t, st, "big")
	buckets := uint32(1)<<l + p
	if n != total || n > seenLoad*buckets || n <= seenLoad*(buckets-1) {
		t.Errorf("state L=%d p=%d n=%d: want n=%d and just enough buckets for %d each (%d)", l, p, n, total, seenLoad, buckets)
	}

	fields := 0
	prefix := st.keys.seenBucketPrefix("big")
	iter := st.rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		b, err := strconv.ParseUint(strings.TrimPrefix(key, prefix), 16, 32)
		if err != nil || uint32(b) >= buckets {
			t.Errorf("unexpected bucket key %s (table has %d buckets)", key, buckets)
			continue
		}
		if enc := st.rdb.ObjectEncoding(ctx, key).Val(); enc != "listpack" {
			t.Errorf("%s is %s, want listpack", key, enc)
		}
		for _, f := range st.rdb.HKeys(ctx, key).Val() {
			if f == "~" {
				continue
			}
			fields++
			if got := seenBucketOf(f, l, p); got != uint32(b) {
				t.Errorf("field %x in bucket %x, but the bucket function says %x", f, b, got)
			}
		}
	}
	noErr(t, iter.Err())
	if fields != total {
		t.Errorf("buckets hold %d entries, want %d", fields, total)
	}

	un, err := st.Unseen(ctx, "big", all)
	noErr(t, err)
	if len(un) != 0 {
		t.Errorf("%d of %d confirmed ids unseen after the table grew", len(un), total)
	}
	fresh := randomIDs(r, 1000)
	un, err = st.Unseen(ctx, "big", fresh)
	noErr(t, err)
	if len(un) != len(fresh) {
		t.Errorf("%d of %d fresh ids unseen, want all", len(un), len(fresh))
	}

	// Leases are not table entries: claims and releases leave the count alone.
	got, err := st.Claim(ctx, "big", fresh[:100], time.Minute)
	noErr(t, err)
	if len(got) != 100 {
		t.Fatalf("claimed %d of 100 fresh ids", len(got))
	}
	noErr(t, st.Release(ctx, "big", fresh[:60]))
	if _, _, n := tableState(t, st, "big"); n != total {
		t.Errorf("n = %d after claiming 100 and releasing 60, want %d", n, total)
	}
	if n := st.rdb.HLen(ctx, st.keys.seenLeases("big")).Val(); n != 41 { // and "~"
		t.Errorf("lease hash holds %d fields after claiming 100 and releasing 60, want 40 leases and \"~\"", n)
	}
}

// TestSeenKeyTTLs checks the garbage-collection TTLs: a claim gives the lease hash one that
// covers its lease (and never shortens it for a shorter lease), it writes no bucket, and a
// Confirm gives the bucket and the table state the retention plus guard.
func TestSeenKeyTTLs(t *testing.T) {
	ret := store.Retention{Seen: 2 * time.Hour}
	st := newTestStore(t, time.Now, ret)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(9, 10))
	id := randomIDs(r, 3)
	bucket := st.keys.seenBucket("c", 0) // a table of up to seenLoad entries has the one bucket 0
	leases := st.keys.seenLeases("c")
	pttl := func(key string) time.Duration { return st.rdb.PTTL(ctx, key).Val() }
	near := func(what string, got, want time.Duration) {
		t.Helper()
		if got > want || got < want-5*time.Second {
			t.Errorf("%s: TTL %v, want about %v", what, got, want)
		}
	}

	_, err := st.Claim(ctx, "c", id[:1], 3*time.Hour)
	noErr(t, err)
	near("lease hash after a 3h claim", pttl(leases), st.leaseTTL(3*time.Hour))
	if n := st.rdb.Exists(ctx, bucket).Val(); n != 0 {
		t.Errorf("a claim wrote the bucket (exists = %d); claims write only the lease hash", n)
	}
	_, err = st.Claim(ctx, "c", id[1:2], time.Minute)
	noErr(t, err)
	near("lease hash after a shorter claim", pttl(leases), st.leaseTTL(3*time.Hour))

	noErr(t, st.Confirm(ctx, "c", id[:1]))
	near("bucket after confirm", pttl(bucket), st.bucketTTL())
	near("table state after confirm", pttl(st.keys.seenTable("c")), st.bucketTTL())
	if got := st.rdb.HExists(ctx, leases, seenFieldOf(t, id[0])).Val(); got {
		t.Error("confirm left the lease in the lease hash")
	}
	noErr(t, st.Release(ctx, "c", id[1:2]))
	if n := st.rdb.Exists(ctx, leases).Val(); n != 0 {
		t.Errorf("lease hash still exists (%d) with no lease left", n)
	}
}

// seenFieldOf is seenField for ids known to be valid.
func seenFieldOf(t *testing.T, id string) string {
	t.Helper()
	f, err := seenField(id)
	noErr(t, err)
	return f
}

// TestSeenGrowthBounded checks that a table far over its load (as one grown under a larger
// LOAD would be) catches up by a bounded number of splits per Confirm rather than all at once,
// and that every entry stays findable meanwhile.
func TestSeenGrowthBounded(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
	ctx := t.Context()
	ids := randomIDs(rand.New(rand.NewPCG(17, 18)), 501)
	noErr(t, st.Confirm(ctx, "c", ids[:500]))
	l0, p0, _ := tableState(t, st, "c")
	noErr(t, st.rdb.HIncrBy(ctx, st.keys.seenTable("c"), "n", 100_000).Err()) // far over the load
	noErr(t, st.Confirm(ctx, "c", ids[500:]))
	l1, p1, _ := tableState(t, st, "c")
	before, after := uint32(1)<<l0+p0, uint32(1)<<l1+p1
	if want := before + 64 + 2; after != want {
		t.Errorf("buckets %d -> %d after one Confirm of one id, want %d (the split budget)", before, after, want)
	}
	un, err := st.Unseen(ctx, "c", ids)
	noErr(t, err)
	if len(un) != 0 {
		t.Errorf("%d of %d confirmed ids unseen after the bounded growth", len(un), len(ids))
	}
}
