package boltstore

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
	"github.com/heraldbot/herald/internal/story"
)

func openClocked(t *testing.T) (*Store, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	st, err := Open(filepath.Join(t.TempDir(), FileName), Options{
		Retention: store.Retention{Seen: time.Hour}, Now: clock.Now,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, clock
}

// countKeys counts the records left in every delivery channel and in the leases bucket.
func countKeys(t *testing.T, st *Store) (delivery, leases int) {
	t.Helper()
	err := st.db.View(func(tx *bolt.Tx) error {
		d := bucket(tx, bucketDelivery)
		err := d.ForEachBucket(func(ch []byte) error {
			delivery += d.Bucket(ch).Stats().KeyN
			return nil
		})
		leases = bucket(tx, bucketLeases).Stats().KeyN
		return err
	})
	if err != nil {
		t.Fatalf("count keys: %v", err)
	}
	return delivery, leases
}

// TestTrimPurgesExpiredRecords checks expired seen marks, claim leases and named leases are
// deleted by the periodic trim, and live ones kept, so the file does not grow forever.
func TestTrimPurgesExpiredRecords(t *testing.T) {
	st, clock := openClocked(t)
	ctx := t.Context()
	if err := st.Confirm(ctx, "c1", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Claim(ctx, "c2", []string{"c"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcquireLease(ctx, "poller", "me", time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute)
	if err := st.Confirm(ctx, "c2", []string{"d"}); err != nil { // expires at +90m
		t.Fatal(err)
	}
	if _, err := st.AcquireLease(ctx, "sched", "me", 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if d, l := countKeys(t, st); d != 4 || l != 2 {
		t.Fatalf("before purge: %d delivery records and %d leases, want 4 and 2", d, l)
	}
	clock.Advance(45 * time.Minute) // +75m: a, b, c and "poller" expired; d and "sched" live
	if _, err := st.TrimStories(ctx); err != nil {
		t.Fatalf("TrimStories: %v", err)
	}
	if d, l := countKeys(t, st); d != 1 || l != 1 {
		t.Errorf("after purge: %d delivery records and %d leases, want 1 and 1", d, l)
	}
	if got, err := st.Unseen(ctx, "c2", []string{"c", "d"}); err != nil || len(got) != 1 || got[0] != "c" {
		t.Errorf("Unseen after purge = %v, %v; want [c]", got, err)
	}
}

func TestPutStoriesFillsFirstSeen(t *testing.T) {
	st, clock := openClocked(t)
	s := story.Story{ID: "0000000000000001", Title: "t", Published: clock.Now().Add(-time.Hour)}
	if _, err := st.PutStories(t.Context(), []story.Story{s}); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetStories(t.Context(), []string{s.ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("GetStories = %v, %v", got, err)
	}
	if !got[0].FirstSeen.Equal(clock.Now()) {
		t.Errorf("FirstSeen = %v, want the store's now %v", got[0].FirstSeen, clock.Now())
	}
}

func TestBadInputErrors(t *testing.T) {
	st, _ := openClocked(t)
	ctx := t.Context()
	_, putErr := st.PutStories(ctx, []story.Story{{Title: "no id"}})
	_, claimErr := st.Claim(ctx, "", []string{"a"}, time.Minute)
	_, leaseErr := st.AcquireLease(ctx, "", "me", time.Minute)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"story without ID", putErr, "has no ID"},
		{"claim without channel", claimErr, "empty channel id"},
		{"confirm without channel", st.Confirm(ctx, "", []string{"a"}), "empty channel id"},
		{"lease without name", leaseErr, "empty name"},
		{"feed state without URL", st.PutFeedState(ctx, store.FeedState{}), "empty URL"},
		{"update without ID", st.UpdateSubscription(ctx, store.Subscription{}), "not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil || !strings.HasPrefix(c.err.Error(), "boltstore: ") || !strings.Contains(c.err.Error(), c.want) {
				t.Errorf("err = %v, want a boltstore error mentioning %q", c.err, c.want)
			}
		})
	}
	// A rejected batch stores nothing.
	if got, err := st.RecentStories(ctx, store.StoryQuery{}); err != nil || len(got) != 0 {
		t.Errorf("after a rejected PutStories: %d stories, err %v", len(got), err)
	}
}
