package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldbot/herald/internal/store"
)

// Factory opens a fresh, empty store for one subtest. The store must take every time
// decision (lease expiry, seen retention, story age) from clock.Now and apply ret. The
// factory registers the store's Close with t.Cleanup.
type Factory func(t *testing.T, clock *Clock, ret store.Retention) store.Store

// Reopener is implemented by stores (usually a test wrapper around them) that can be closed
// and opened again on the same data; the suite then checks that state survives a restart.
type Reopener interface {
	// Reopen closes the store and returns a new one over the same data, clock and retention.
	Reopen(t *testing.T) store.Store
}

// epoch is where every suite clock starts: a fixed instant keeps failures reproducible.
func epoch() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// suiteRetention is generous on stories and short on seen ids so retention cases stay small.
func suiteRetention() store.Retention {
	return store.Retention{Seen: time.Hour, Stories: 7 * 24 * time.Hour, MaxStories: 1000}
}

// env is what each case works with.
type env struct {
	ctx   context.Context
	store store.Store
	clock *Clock
	ret   store.Retention
}

// testCase is one behavioural check of the contract. A zero ret means suiteRetention.
type testCase struct {
	name string
	ret  store.Retention
	run  func(t *testing.T, e *env)
}

// Run runs the whole conformance suite against the stores open returns, one subtest per
// behaviour named area/behaviour (feed_state, stories, delivery, lease, subscriptions,
// persistence), so a backend can focus with -run TestConformance/delivery.
func Run(t *testing.T, open Factory) {
	t.Helper()
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			ret := tc.ret
			if ret == (store.Retention{}) {
				ret = suiteRetention()
			}
			clock := NewClock(epoch())
			st := open(t, clock, ret)
			if st == nil {
				t.Fatal("storetest: factory returned a nil store")
			}
			tc.run(t, &env{ctx: t.Context(), store: st, clock: clock, ret: ret})
		})
	}
}

// allCases gathers the case tables of every area of the contract.
func allCases() []testCase {
	var all []testCase
	all = append(all, feedCases()...)
	all = append(all, storyCases()...)
	all = append(all, deliveryCases()...)
	all = append(all, leaseCases()...)
	all = append(all, subscriptionCases()...)
	all = append(all, sessionCases()...)
	all = append(all, persistenceCases()...)
	return all
}

// diffOpts compares values that went through a backend's encoding: times by instant
// (time.Time.Equal via cmp) and nil and empty slices as equal.
func diffOpts() cmp.Options { return cmp.Options{cmpopts.EquateEmpty()} }

// mustDiff fails t with a readable diff when want and got differ.
func mustDiff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, diffOpts()); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// noErr stops the case when a store call fails.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}
