package redisstore

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/cache"
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
	st := newTestStore(t, time.Now, cache.Retention{})
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
	if n != total || n > 40*buckets || n <= 40*(buckets-1) {
		t.Errorf("state L=%d p=%d n=%d: want n=%d and just enough buckets for 40 each (%d)", l, p, n, total, buckets)
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

	// Releases keep the count right.
	got, err := st.Claim(ctx, "big", fresh[:100], time.Minute)
	noErr(t, err)
	if len(got) != 100 {
		t.Fatalf("claimed %d of 100 fresh ids", len(got))
	}
	noErr(t, st.Release(ctx, "big", fresh[:60]))
	if _, _, n := tableState(t, st, "big"); n != total+40 {
		t.Errorf("n = %d after claiming 100 and releasing 60, want %d", n, total+40)
	}
}

// TestSeenBucketTTL checks the garbage-collection TTLs: a new bucket gets one from Claim, a
// Confirm refreshes it to the retention plus guard, and a lease longer than the guard makes
// Claim refresh it so the bucket cannot expire under the lease.
func TestSeenBucketTTL(t *testing.T) {
	ret := cache.Retention{Seen: 2 * time.Hour}
	st := newTestStore(t, time.Now, ret)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(9, 10))
	id := randomIDs(r, 3)
	key := st.keys.seenBucket("c", 0) // a table under 40 entries has the one bucket 0
	pttl := func() time.Duration { return st.rdb.PTTL(ctx, key).Val() }
	near := func(what string, got, want time.Duration) {
		t.Helper()
		if got > want || got < want-5*time.Second {
			t.Errorf("%s: bucket TTL %v, want about %v", what, got, want)
		}
	}

	_, err := st.Claim(ctx, "c", id[:1], time.Minute)
	noErr(t, err)
	near("new bucket after a claim", pttl(), st.bucketTTL(time.Minute))
	noErr(t, st.Confirm(ctx, "c", id[:1]))
	near("after confirm", pttl(), st.bucketTTL(0))

	st.rdb.PExpire(ctx, key, 10*time.Second) // as if the bucket were about to be collected
	_, err = st.Claim(ctx, "c", id[1:2], 3*time.Hour)
	noErr(t, err)
	near("after a claim with a lease longer than the guard", pttl(), st.bucketTTL(3*time.Hour))
	if tl := st.rdb.PTTL(ctx, st.keys.seenTable("c")).Val(); tl < st.bucketTTL(3*time.Hour)-5*time.Second {
		t.Errorf("table state TTL %v must outlive its buckets (%v)", tl, st.bucketTTL(3*time.Hour))
	}
}
