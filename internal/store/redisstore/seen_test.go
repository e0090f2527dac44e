package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/store"
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

// TestSeenPurge checks that a Confirm into a bucket whose purge marker has passed sheds its
// expired seen marks and old-style leases, keeps live ones, and leaves a garbage-collection TTL.
func TestSeenPurge(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	ret := store.Retention{Seen: time.Hour}
	st := newTestStore(t, now, ret)
	ctx := t.Context()
	ids := make([]string, 12) // never more than seenLoad entries: the table is the one bucket 0
	for i := range ids {
		ids[i] = story.NewID("https://a.example", strconv.Itoa(i))
	}
	key := st.keys.seenBucket("c1", 0)
	noErr(t, st.Confirm(ctx, "c1", ids[:4])) // seen until 13:00
	clock = clock.Add(30 * time.Minute)
	noErr(t, st.Confirm(ctx, "c1", ids[4:8])) // seen until 13:30
	// An abandoned lease as versions before the lease hash wrote it: in the bucket, counted.
	noErr(t, st.rdb.HSet(ctx, key, seenFieldOf(t, ids[8]), "p"+strconv.FormatInt(clock.Add(time.Minute).UnixMilli(), 10)).Err())
	noErr(t, st.rdb.HIncrBy(ctx, st.keys.seenTable("c1"), "n", 1).Err())
	claimed, err := st.Claim(ctx, "c1", ids[9:11], time.Minute) // abandoned: never confirmed
	noErr(t, err)
	if len(claimed) != 2 {
		t.Fatalf("claimed %d of 2", len(claimed))
	}
	if n := st.rdb.HLen(ctx, key).Val(); n != 10 { // 9 ids + marker; claims do not write buckets
		t.Fatalf("bucket holds %d fields before expiry, want 10", n)
	}
	marker := st.rdb.HGet(ctx, key, "~").Val()
	if want := strconv.FormatInt(time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC).Add(st.purgeSlack()).Unix(), 10); marker != want {
		t.Errorf("purge marker %s, want %s (first expiry + slack)", marker, want)
	}

	clock = clock.Add(30*time.Minute + st.purgeSlack()) // past 13:00 + slack; before 13:30
	noErr(t, st.Confirm(ctx, "c1", ids[11:]))
	fields := st.rdb.HKeys(ctx, key).Val()
	if len(fields) != 6 { // ids[4:8] and ids[11] seen, marker
		t.Errorf("bucket holds %d fields after purge, want 6", len(fields))
	}
	if _, _, n := tableState(t, st, "c1"); n != 5 {
		t.Errorf("table count %d after purge, want 5", n)
	}
	unseen, err := st.Unseen(ctx, "c1", ids)
	noErr(t, err)
	want := append(append([]string{}, ids[:4]...), ids[8:11]...)
	if d := cmp.Diff(want, unseen); d != "" {
		t.Errorf("unseen after purge (-want +got):\n%s", d)
	}
	wantMarker := strconv.FormatInt(time.Date(2026, 3, 1, 13, 30, 0, 0, time.UTC).Add(st.purgeSlack()).Unix(), 10)
	if m := st.rdb.HGet(ctx, key, "~").Val(); m != wantMarker {
		t.Errorf("purge marker after purge %s, want %s", m, wantMarker)
	}
	ttl := st.rdb.PTTL(ctx, key).Val()
	if ttl <= 0 || ttl > st.bucketTTL() {
		t.Errorf("bucket TTL %v, want in (0, %v]", ttl, st.bucketTTL())
	}
	if enc := st.rdb.ObjectEncoding(ctx, key).Val(); enc != "listpack" {
		t.Errorf("bucket encoding %q, want listpack", enc)
	}
}

// TestSeenLeasePurge checks that abandoned leases leave the lease hash once it has doubled
// since its last purge, and that live ones stay.
func TestSeenLeasePurge(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := newTestStore(t, func() time.Time { return clock }, store.Retention{Seen: time.Hour})
	ctx := t.Context()
	r := rand.New(rand.NewPCG(11, 12))
	old, fresh := randomIDs(r, 300), randomIDs(r, 400)
	leases := st.keys.seenLeases("c")
	got, err := st.Claim(ctx, "c", old, time.Minute) // abandoned
	noErr(t, err)
	if len(got) != len(old) {
		t.Fatalf("claimed %d of %d", len(got), len(old))
	}
	// 300 live leases passed the first limit (256): purged nothing, next limit 600.
	if lim, _, _ := strings.Cut(st.rdb.HGet(ctx, leases, "~").Val(), " "); lim != "600" {
		t.Errorf("purge limit %q after 300 live leases, want 600", lim)
	}
	clock = clock.Add(2 * time.Minute)
	got, err = st.Claim(ctx, "c", fresh, time.Minute)
	noErr(t, err)
	if len(got) != len(fresh) {
		t.Fatalf("claimed %d of %d", len(got), len(fresh))
	}
	if n := st.rdb.HLen(ctx, leases).Val(); n != 401 { // 400 live + limit
		t.Errorf("lease hash holds %d fields after the purge, want 401", n)
	}
	if enc := st.rdb.ObjectEncoding(ctx, leases).Val(); enc != "hashtable" {
		t.Errorf("lease hash encoding %q, want hashtable (batch writes into a listpack are quadratic)", enc)
	}
	un, err := st.Unseen(ctx, "c", append(append([]string{}, old...), fresh...))
	noErr(t, err)
	if d := cmp.Diff(old, un); d != "" {
		t.Errorf("unseen after purge: expired leases must be unseen, live ones not (-want +got):\n%s", d)
	}
}

// TestSeenOldBucketLeases checks that leases written into buckets by earlier versions are still
// honoured by Claim and Unseen, and dropped by Release.
func TestSeenOldBucketLeases(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := newTestStore(t, func() time.Time { return clock }, store.Retention{Seen: time.Hour})
	ctx := t.Context()
	ids := randomIDs(rand.New(rand.NewPCG(13, 14)), 3)
	key := st.keys.seenBucket("c", 0)
	ms := func(d time.Duration) string { return "p" + strconv.FormatInt(clock.Add(d).UnixMilli(), 10) }
	noErr(t, st.rdb.HSet(ctx, key, seenFieldOf(t, ids[0]), ms(time.Minute), seenFieldOf(t, ids[1]), ms(-time.Second)).Err())
	got, err := st.Claim(ctx, "c", ids, time.Minute)
	noErr(t, err)
	if d := cmp.Diff(ids[1:], got); d != "" {
		t.Errorf("claim past an old live lease and an old expired one (-want +got):\n%s", d)
	}
	noErr(t, st.Release(ctx, "c", ids[:1]))
	un, err := st.Unseen(ctx, "c", ids)
	noErr(t, err)
	if d := cmp.Diff(ids[:1], un); d != "" {
		t.Errorf("unseen after releasing the old lease (-want +got):\n%s", d)
	}
}

// TestClaimDuplicateIDs checks that an id given twice in one batch is claimed once.
func TestClaimDuplicateIDs(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
	ids := randomIDs(rand.New(rand.NewPCG(15, 16)), 2)
	got, err := st.Claim(t.Context(), "c", []string{ids[0], ids[1], ids[0]}, time.Minute)
	noErr(t, err)
	if d := cmp.Diff(ids, got); d != "" {
		t.Errorf("claim with a duplicate (-want +got):\n%s", d)
	}
}

func TestSeenBadInput(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
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
		{"feed state empty url", func() error { return st.PutFeedState(ctx, store.FeedState{}) }},
		{"story without id", func() error { _, err := st.PutStories(ctx, []story.Story{{Title: "x"}}); return err }},
		{"subscription without channel", func() error {
			_, err := st.CreateSubscription(ctx, store.Subscription{GuildID: "g"})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || errors.Is(err, store.ErrUnavailable) || !strings.HasPrefix(err.Error(), "redisstore: ") {
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

// TestSeenLargeBatch runs batches past the scripts' 1,000-argument chunks through every call,
// including an id repeated far apart, so that chunk edges lose or repeat nothing.
func TestSeenLargeBatch(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
	ctx := t.Context()
	ids := randomIDs(rand.New(rand.NewPCG(19, 20)), 2500)
	in := append(append([]string{}, ids...), ids[0], ids[1999])
	got, err := st.Claim(ctx, "c", in, time.Minute)
	noErr(t, err)
	if d := cmp.Diff(ids, got); d != "" {
		t.Fatalf("claim of 2,500 ids plus two repeats (-want +got):\n%s", d)
	}
	un, err := st.Unseen(ctx, "c", ids)
	noErr(t, err)
	if len(un) != 0 {
		t.Errorf("%d of 2,500 leased ids unseen", len(un))
	}
	noErr(t, st.Release(ctx, "c", ids[1000:]))
	noErr(t, st.Confirm(ctx, "c", ids[:1000]))
	un, err = st.Unseen(ctx, "c", ids)
	noErr(t, err)
	if d := cmp.Diff(ids[1000:], un); d != "" {
		t.Errorf("unseen after confirming 1,000 and releasing 1,500 (-want +got):\n%s", d)
	}
	if n := st.rdb.Exists(ctx, st.keys.seenLeases("c")).Val(); n != 0 {
		t.Errorf("lease hash left behind (%d) with no lease pending", n)
	}
}
