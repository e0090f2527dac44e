package delivery

import (
	"context"
	"testing"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// TestLivePausedPostsNothing pauses the feed subscription (as the dashboard does): new stories
// reach the topic channel but not the paused one, neither live nor by a catch-up sweep.
func TestLivePausedPostsNothing(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newLiveEnv(t, b, fakediscord.Options{})
			ctx := context.Background()
			sub := getSub(t, e.store, e.feedSub.ID)
			sub.Paused = true
			if err := e.store.UpdateSubscription(ctx, sub); err != nil {
				t.Fatal(err)
			}
			stories := e.fresh(t, 3, "z")
			l := e.live(t, e.store, e.sender(t), LiveOptions{})
			l.OnNew(ctx, stories)
			l.CatchUp(ctx)
			if n := len(e.fake.Messages("c1")); n != 0 {
				t.Errorf("paused channel c1 got %d messages, want 0", n)
			}
			if n := len(e.fake.Messages("c2")); n == 0 {
				t.Error("the topic channel c2 got nothing: the test's stories did not reach delivery")
			}
		})
	}
}
