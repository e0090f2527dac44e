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

func TestSeenField(t *testing.T) {
	cases := []struct {
		name, id string
		want     []byte
	}{
		{"zero", "0000000000000000", []byte{0, 0, 0, 0, 0, 0, 0, 0}},
		{"max", "ffffffffffffffff", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"mixed", "0123456789abcdef", []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}},
		{"upper case hex", "0123456789ABCDEF", []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := seenField(c.id)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(c.want) {
				t.Errorf("seenField(%q) = %x, want %x", c.id, got, c.want)
			}
		})
	}
	if _, err := seenField(""); err == nil {
		t.Error("seenField(\"\"): want an error")
	}
	a, _ := seenField("not-an-id")
	b, _ := seenField("not-an-id")
	c, _ := seenField("not-an-id2")
	if a != b || a == c || len(a) != 8 {
		t.Errorf("non-hex ids must hash deterministically and distinctly to 8 bytes: %x %x %x", a, b, c)
	}
}

func TestSeenBucketOf(t *testing.T) {
	f := func(low24 uint32) string {
		return string([]byte{9, 9, 9, 9, 9, byte(low24 >> 16), byte(low24 >> 8), byte(low24)})
	}
	cases := []struct {
		name      string
		low24     uint32
		level, p  uint32
		wantIndex uint32
	}{
		{"one bucket", 0xabcdef, 0, 0, 0},
		{"level 0 after the split of bucket 0", 0xabcdef, 0, 1, 1},
		{"level 3, unsplit bucket", 0b1101, 3, 2, 0b101},
		{"level 3, split bucket, high half", 0b1001, 3, 2, 0b1001},
		{"level 3, split bucket, low half", 0b0001, 3, 2, 0b0001},
		{"level 24", 0xffffff, 24, 0, 0xffffff},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := seenBucketOf(f(c.low24), c.level, c.p); got != c.wantIndex {
				t.Errorf("seenBucketOf(%06x, L=%d, p=%d) = %x, want %x", c.low24, c.level, c.p, got, c.wantIndex)
			}
		})
	}
}

// FuzzSeenField checks that any non-empty id maps to an 8-byte field and that story IDs map
// losslessly.
func FuzzSeenField(f *testing.F) {
	for _, s := range []string{"0000000000000000", "ffffffffffffffff", "0123456789abcdef", "x", "not-an-id", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		field, err := seenField(id)
		if id == "" {
			if err == nil {
				t.Fatal("empty id accepted")
			}
			return
		}
		if err != nil || len(field) != 8 {
			t.Fatalf("seenField(%q) = %x, %v", id, field, err)
		}
		if v, ok := story.ParseID(id); ok && binary.BigEndian.Uint64([]byte(field)) != v {
			t.Fatalf("seenField(%q) = %x loses bits of %016x", id, field, v)
		}
	})
}

// TestSeenPurge checks that a bucket sheds expired seen marks and abandoned leases once its
// purge marker passes, keeps live ones, and carries a garbage-collection TTL.
func TestSeenPurge(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	ret := cache.Retention{Seen: time.Hour}
	st := newTestStore(t, now, ret)
	ctx := t.Context()
	ids := make([]string, 26) // under 40 entries the table is a single bucket, 0
	for i := range ids {
		ids[i] = story.NewID("https://a.example", strconv.Itoa(i))
	}
	key := st.keys.seenBucket("c1", 0)
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
	if _, _, n := tableState(t, st, "c1"); n != 11 {
		t.Errorf("table count %d after purge, want 11", n)
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
