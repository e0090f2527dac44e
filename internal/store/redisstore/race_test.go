package redisstore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// TestCreateSubscriptionRace creates the same target from 8 goroutines: the duplicate check
// runs inside one script, so exactly one must win and the rest get ErrDuplicate.
func TestCreateSubscriptionRace(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
	const workers = 8
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					errs[w] = fmt.Errorf("panic: %v", r)
				}
			}()
			_, errs[w] = st.CreateSubscription(t.Context(), store.Subscription{
				GuildID: "g", ChannelID: "c", Kind: store.KindFeed, FeedURL: "https://a.example/rss",
				CreatedBy: fmt.Sprint("user", w),
			})
		})
	}
	wg.Wait()
	wins := 0
	for w, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrDuplicate):
			t.Errorf("worker %d: %v, want nil or ErrDuplicate", w, err)
		}
	}
	subs, err := st.ListSubscriptions(t.Context(), store.SubscriptionFilter{ChannelID: "c"})
	noErr(t, err)
	if wins != 1 || len(subs) != 1 {
		t.Errorf("%d creations won and %d subscriptions stored, want 1 and 1", wins, len(subs))
	}
}

// TestClaimDuplicateIDsInOneBatch: an id repeated in a batch is claimed once; Unseen, which
// changes nothing, reports every occurrence.
func TestClaimDuplicateIDsInOneBatch(t *testing.T) {
	st := newTestStore(t, time.Now, store.Retention{})
	a, b := story.NewID("https://a.example", "1"), story.NewID("https://a.example", "2")
	un, err := st.Unseen(t.Context(), "c", []string{a, b, a})
	noErr(t, err)
	if d := cmp.Diff([]string{a, b, a}, un); d != "" {
		t.Errorf("unseen (-want +got):\n%s", d)
	}
	got, err := st.Claim(t.Context(), "c", []string{a, b, a}, time.Minute)
	noErr(t, err)
	if d := cmp.Diff([]string{a, b}, got); d != "" {
		t.Errorf("claim (-want +got):\n%s", d)
	}
}
