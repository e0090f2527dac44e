package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/cache"
	"github.com/heraldbot/herald/internal/story"
)

func TestSlotOf(t *testing.T) {
	cases := []struct {
		name, id   string
		wantBucket uint16
		wantField  []byte
	}{
		{"zero", "0000000000000000", 0, []byte{0, 0, 0, 0, 0, 0, 0}},
		{"max", "ffffffffffffffff", 2047, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"top bit", "8000000000000001", 1024, []byte{0, 0, 0, 0, 0, 0, 1}},
		{"bucket bits only", "ffe0000000000000", 2047, []byte{0xe0, 0, 0, 0, 0, 0, 0}},
		{"upper case hex", "FFE0000000000000", 2047, []byte{0xe0, 0, 0, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := slotOf(c.id)
			if err != nil {
				t.Fatal(err)
			}
			if got.bucket != c.wantBucket || got.field != string(c.wantField) {
				t.Errorf("slotOf(%q) = bucket %d field %x, want %d %x", c.id, got.bucket, got.field, c.wantBucket, c.wantField)
			}
		})
	}
	if _, err := slotOf(""); err == nil {
		t.Error("slotOf(\"\"): want an error")
	}
	a, _ := slotOf("not-an-id")
	b, _ := slotOf("not-an-id")
	c, _ := slotOf("not-an-id2")
	if a != b || a == c {
		t.Errorf("non-hex ids must hash deterministically and distinctly: %v %v %v", a, b, c)
	}
}

// FuzzSlotOf checks that any non-empty id maps to a valid slot and that story IDs map
// losslessly (bucket and field together give back the 64-bit value).
func FuzzSlotOf(f *testing.F) {
	for _, s := range []string{"0000000000000000", "ffffffffffffffff", "0123456789abcdef", "x", "not-an-id", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		sl, err := slotOf(id)
		if id == "" {
			if err == nil {
				t.Fatal("empty id accepted")
			}
			return
		}
		if err != nil {
			t.Fatalf("slotOf(%q): %v", id, err)
		}
		if sl.bucket >= 1<<seenBucketBits || len(sl.field) != 7 {
			t.Fatalf("slotOf(%q) = bucket %d, field of %d bytes", id, sl.bucket, len(sl.field))
		}
		if v, ok := story.ParseID(id); ok {
			var b [8]byte
			copy(b[1:], sl.field)
			back := binary.BigEndian.Uint64(b[:]) | uint64(sl.bucket)<<(64-seenBucketBits)
			if back != v {
				t.Fatalf("slotOf(%q) loses bits: %016x != %016x", id, back, v)
			}
		}
	})
}

// idsInBucket returns n story ids sharing seen bucket b.
func idsInBucket(b uint16, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = story.PadHex(uint64(b)<<(64-seenBucketBits) | uint64(i+1)*7919)
	}
	return out
}

// TestSeenPurge checks that a bucket sheds expired seen marks and abandoned leases once its
// purge marker passes, keeps live ones, and carries a garbage-collection TTL.
func TestSeenPurge(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	ret := cache.Retention{Seen: time.Hour}
	st := newTestStore(t, now, ret)
	ctx := t.Context()
	ids := idsInBucket(42, 26)
	key := st.keys.seen("c1", 42)
	noErr(t, st.Confirm(ctx, "c1", ids[:10])) // seen until 13:00
	clock = clock.Add(30 * time.Minute)
	noErr(t, st.Confirm(ctx, "c1", ids[10:20]))                  // seen until 13:30
	claimed, err := st.Claim(ctx, "c1", ids[20:25], time.Minute) // abandoned: never confirmed
	noErr(t, err)
	if len(claimed) != 5 {
		t.Fatalf("claimed %d of 5", len(claimed))
	}
	if n := st.rdb.HLen(ctx, key).Val(); n != 26 { // 25 ids + marker
		t.Fatalf("bucket holds %d fields before expiry, want 26", n)
	}
	marker := st.rdb.HGet(ctx, key, "~").Val()
	if want := strconv.FormatInt(time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC).Add(st.purgeSlack()).Unix(), 10); marker != want {
		t.Errorf("purge marker %s, want %s (first expiry + slack)", marker, want)
	}

	clock = clock.Add(30*time.Minute + st.purgeSlack()) // past 13:00 + slack; before 13:30
	got, err := st.Claim(ctx, "c1", ids[25:], time.Minute)
	noErr(t, err)
	if len(got) != 1 {
		t.Fatalf("claim of a fresh id = %v", got)
	}
	fields := st.rdb.HKeys(ctx, key).Val()
	if len(fields) != 12 { // ids[10:20] seen, ids[25] leased, marker
		t.Errorf("bucket holds %d fields after purge, want 12", len(fields))
	}
	unseen, err := st.Unseen(ctx, "c1", ids)
	noErr(t, err)
	want := append(append([]string{}, ids[:10]...), ids[20:25]...)
	if d := cmp.Diff(want, unseen); d != "" {
		t.Errorf("unseen after purge (-want +got):\n%s", d)
	}
	wantMarker := strconv.FormatInt(time.Date(2026, 3, 1, 13, 30, 0, 0, time.UTC).Add(st.purgeSlack()).Unix(), 10)
	if m := st.rdb.HGet(ctx, key, "~").Val(); m != wantMarker {
		t.Errorf("purge marker after purge %s, want %s", m, wantMarker)
	}
	ttl := st.rdb.PTTL(ctx, key).Val()
	if ttl <= 0 || ttl > st.bucketTTL(time.Minute) {
		t.Errorf("bucket TTL %v, want in (0, %v]", ttl, st.bucketTTL(time.Minute))
	}
	if enc := st.rdb.ObjectEncoding(ctx, key).Val(); enc != "listpack" {
		t.Errorf("bucket encoding %q, want listpack", enc)
	}
}

func TestSeenBadInput(t *testing.T) {
	st := newTestStore(t, time.Now, cache.Retention{})
	ctx := t.Context()
	id := story.NewID("https://a.example", "1")
	cases := []struct {
		name string
		call func() error
	}{
		{"claim empty channel", func() error { _, err := st.Claim(ctx, "", []string{id}, time.Minute); return err }},
		{"claim empty id", func() error { _, err := st.Claim(ctx, "c1", []string{id, ""}, time.Minute); return err }},
		{"claim zero lease", func() error { _, err := st.Claim(ctx, "c1", []string{id}, 0); return err }},
		{"confirm empty channel", func() error { return st.Confirm(ctx, "", []string{id}) }},
		{"unseen empty id", func() error { _, err := st.Unseen(ctx, "c1", []string{""}); return err }},
		{"lease zero ttl", func() error { _, err := st.AcquireLease(ctx, "p", "a", 0); return err }},
		{"lease empty owner", func() error { _, err := st.AcquireLease(ctx, "p", "", time.Minute); return err }},
		{"feed state empty url", func() error { return st.PutFeedState(ctx, cache.FeedState{}) }},
		{"story without id", func() error { _, err := st.PutStories(ctx, []story.Story{{Title: "x"}}); return err }},
		{"subscription without channel", func() error {
			_, err := st.CreateSubscription(ctx, cache.Subscription{GuildID: "g"})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || errors.Is(err, cache.ErrUnavailable) || !strings.HasPrefix(err.Error(), "redisstore: ") {
				t.Errorf("err = %v, want a clear redisstore input error", err)
			}
		})
	}
	// Nothing was half-written: the id is still claimable.
	got, err := st.Claim(ctx, "c1", []string{id}, time.Minute)
	noErr(t, err)
	if len(got) != 1 {
		t.Errorf("after rejected calls, claim = %v, want the id", got)
	}
}

func TestNewRejectsBracesInPrefix(t *testing.T) {
	_, err := New(context.Background(), "redis://127.0.0.1:1/0", Options{Prefix: "a{b}:"})
	if err == nil || !strings.Contains(err.Error(), "braces") {
		t.Errorf("err = %v, want a prefix error", err)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
