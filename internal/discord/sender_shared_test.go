package discord

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/ratelimit"
	"github.com/heraldbot/herald/internal/redistest"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/store/redisstore"
)

// busiestSecond is the most requests any one-second window holds.
func busiestSecond(reqs []fakediscord.Request) int {
	times := make([]time.Time, 0, len(reqs))
	for _, r := range reqs {
		times = append(times, r.Time)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// TestSendersShareOneBudget: three senders (three replicas) each configured for 16 requests
// per second against a fake Discord allowing 20 per second. Drawing from one Redis budget they
// stay within it together, without a 429; each with its own in-process budget they overshoot
// (the case shows the test can fail).
func TestSendersShareOneBudget(t *testing.T) {
	url := redistest.URL(t)
	// The pace leaves Discord's limit a margin: GCRA allows one interval of burst, and on a
	// loaded machine requests reserved apart can arrive closer together.
	const replicas, perReplica, rate, discordLimit = 3, 30, 16, 20
	cases := []struct {
		name   string
		shared bool
	}{{"one Redis budget", true}, {"a budget per process", false}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, fakediscord.Options{GlobalLimit: discordLimit})
			var limiter ratelimit.Limiter
			if tc.shared {
				st, err := redisstore.New(t.Context(), url, redisstore.Options{Prefix: redistest.Prefix(t, url), Retention: store.Retention{}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = st.Close() })
				limiter = st.Limiter(ratelimit.Options{PerSecond: rate})
			}
			var wg sync.WaitGroup
			for r := range replicas {
				s := fakeSender(t, f, SenderOptions{GlobalPerSecond: rate, Limiter: limiter})
				for k := range perReplica {
					ch := fmt.Sprintf("r%dc%d", r, k)
					wg.Go(func() {
						if _, err := s.Send(context.Background(), ch, message.Message{Content: "x"}, testNonce(ch, "1")); err != nil {
							t.Errorf("send to %s: %v", ch, err)
						}
					})
				}
			}
			wg.Wait()
			busiest, n429 := busiestSecond(f.Requests()), f.Count429()
			t.Logf("busiest second %d requests, %d 429s", busiest, n429)
			if tc.shared && (busiest > discordLimit || n429 > 0) {
				t.Errorf("shared budget: busiest second %d requests (want <= %d), %d 429s (want 0)", busiest, discordLimit, n429)
			}
			if !tc.shared && n429 == 0 {
				t.Errorf("separate budgets: busiest second %d requests and no 429; the fleet should have overshot %d/s", busiest, discordLimit)
			}
			for r := range replicas {
				for k := range perReplica {
					if n := len(f.Messages(fmt.Sprintf("r%dc%d", r, k))); n != 1 {
						t.Errorf("channel r%dc%d got %d messages, want 1", r, k, n)
					}
				}
			}
		})
	}
}

// TestSenderStopsBeforeCloudflareBan: posting to channels that all answer 403 (each counts
// as an invalid request), the sender stops at its invalid budget, far below the fake's ban
// threshold, and holds every later post instead of sending it.
func TestSenderStopsBeforeCloudflareBan(t *testing.T) {
	const budget, banAt, channels = 10, 40, 30
	f := newFake(t, fakediscord.Options{InvalidRequestLimit: banAt})
	s := fakeSender(t, f, SenderOptions{Limiter: ratelimit.NewLocalLimiter(ratelimit.Options{InvalidBudget: budget})})
	for c := range channels {
		if err := f.SetChannelError(fmt.Sprintf("gone%d", c), fakediscord.CodeMissingAccess); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for c := range channels {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, _ = s.Send(ctx, fmt.Sprintf("gone%d", c), message.Message{Content: "x"}, "")
		})
	}
	wg.Wait()
	// Requests already in flight when the budget ran out may land too (one every 22 ms).
	if n := f.InvalidRequests(); n < budget || n > budget+2 {
		t.Errorf("%d invalid requests reached Discord, want the budget, %d (+2 in flight)", n, budget)
	}
	if f.Banned() {
		t.Error("the fake banned the bot")
	}
}
