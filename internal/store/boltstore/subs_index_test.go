package boltstore

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// TestSubscriptionIndexBuiltForOlderFiles: a file written before the per-guild index (here:
// the index bucket dropped) gets it on open, so its pages keep ListSubscriptions' order and
// count; a file opened read-only without it is scanned instead.
func TestSubscriptionIndexBuiltForOlderFiles(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	r := openTemp(t, clock, store.Retention{})
	ctx := t.Context()
	for i, m := range []int{3, 1, 2, 0} {
		sub := store.Subscription{GuildID: "g1", ChannelID: fmt.Sprint("c", i), Kind: store.KindDigest, Time: "08:00",
			TimeZone: "UTC", CreatedAt: clock.Now().Add(time.Duration(m) * time.Minute)}
		if _, err := r.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	want, err := r.ListSubscriptions(ctx, store.SubscriptionFilter{GuildID: "g1"})
	if err != nil {
		t.Fatal(err)
	}
	err = r.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(bucketSubsByGuild)) })
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, how string) {
		t.Helper()
		got, total, err := s.SubscriptionPage(ctx, "g1", 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(want) || len(got) != 2 || got[0].ID != want[1].ID || got[1].ID != want[2].ID {
			t.Errorf("%s: page %v of %d, want %s and %s of %d", how, ids(got), total, want[1].ID, want[2].ID, len(want))
		}
	}
	check(r.Store, "without the index")
	if err := r.Store.Close(); err != nil {
		t.Fatal(err)
	}
	ro, _, err := OpenReadOnly(r.path, r.opts)
	if err != nil {
		t.Fatal(err)
	}
	check(ro, "read-only without the index")
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if r.Store, err = Open(r.path, r.opts); err != nil {
		t.Fatal(err)
	}
	err = r.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte(bucketSubsByGuild)).Stats().KeyN; n != len(want) {
			return fmt.Errorf("index holds %d keys after open, want %d", n, len(want))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	check(r.Store, "index built on open")
}

func ids(subs []store.Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.ID)
	}
	return out
}
