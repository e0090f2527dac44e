package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/storetest"
)

// TestSubscriptionOrderRebuilt: a store written before the guild's time order existed (here:
// the key deleted) still pages in ListSubscriptions' order and count, and the first page
// rebuilds the order so the next ones read only their records.
func TestSubscriptionOrderRebuilt(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	s := newTestStore(t, clock.Now, store.Retention{})
	ctx := t.Context()
	for i, m := range []int{3, 1, 2, 0} {
		sub := store.Subscription{GuildID: "g1", ChannelID: fmt.Sprint("c", i), Kind: store.KindDigest, Time: "08:00",
			TimeZone: "UTC", CreatedAt: clock.Now().Add(time.Duration(m) * time.Minute)}
		if _, err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	want, err := s.ListSubscriptions(ctx, store.SubscriptionFilter{GuildID: "g1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.Del(ctx, s.keys.subGuildByTime("g1")).Err(); err != nil {
		t.Fatal(err)
	}
	for _, how := range []string{"without the order", "rebuilt"} {
		got, total, err := s.SubscriptionPage(ctx, "g1", 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(want) || len(got) != 2 || got[0].ID != want[1].ID || got[1].ID != want[2].ID {
			t.Errorf("%s: page %v of %d, want %s and %s of %d", how, got, total, want[1].ID, want[2].ID, len(want))
		}
		if n := s.rdb.ZCard(ctx, s.keys.subGuildByTime("g1")).Val(); n != int64(len(want)) {
			t.Errorf("%s: the guild's time order holds %d after a page, want %d", how, n, len(want))
		}
	}
}
