package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
)

// deliveryCases check the per-channel seen sets and delivery leases that stop a story being
// posted twice to a channel, by one replica or several.
func deliveryCases() []testCase {
	return []testCase{
		{name: "delivery/claim_unseen_in_input_order", run: claimInOrder},
		{name: "delivery/lease_expiry", run: claimLeaseExpiry},
		{name: "delivery/claim_repeated_id_once", run: claimRepeatedOnce},
		{name: "delivery/confirm_marks_seen", run: confirmMarksSeen},
		{name: "delivery/release_frees_at_once", run: releaseFrees},
		{name: "delivery/seen_retention", run: seenRetention},
		{name: "delivery/channels_independent", run: channelsIndependent},
		{name: "delivery/empty_inputs", run: emptyInputs},
		{name: "delivery/concurrent_claims_win_once", run: concurrentClaims},
	}
}

// ids returns n distinct story ids.
func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = story.NewID("https://a.example", fmt.Sprint(i))
	}
	return out
}

func claim(t *testing.T, e *env, ch string, in []string, lease time.Duration) []string {
	t.Helper()
	got, err := e.store.Claim(e.ctx, ch, in, lease)
	noErr(t, "Claim", err)
	return got
}

func unseen(t *testing.T, e *env, ch string, in []string) []string {
	t.Helper()
	got, err := e.store.Unseen(e.ctx, ch, in)
	noErr(t, "Unseen", err)
	return got
}

func claimInOrder(t *testing.T, e *env) {
	id := ids(6)
	mustDiff(t, "first claim", []string{id[2], id[0], id[1]}, claim(t, e, "c1", []string{id[2], id[0], id[1]}, time.Minute))
	noErr(t, "Confirm", e.store.Confirm(e.ctx, "c1", []string{id[3]}))
	in := []string{id[5], id[0], id[3], id[4], id[1], id[2]}
	mustDiff(t, "Unseen skips leased and seen", []string{id[5], id[4]}, unseen(t, e, "c1", in))
	mustDiff(t, "Unseen does not claim", []string{id[5], id[4]}, unseen(t, e, "c1", in))
	mustDiff(t, "second claim skips leased and seen", []string{id[5], id[4]}, claim(t, e, "c1", in, time.Minute))
	mustDiff(t, "third claim finds nothing", []string(nil), claim(t, e, "c1", in, time.Minute))
}

// claimRepeatedOnce: an id repeated in one batch is claimed once, or it would be posted twice.
func claimRepeatedOnce(t *testing.T, e *env) {
	id := ids(2)
	mustDiff(t, "claim of a batch repeating an id", id, claim(t, e, "c1", []string{id[0], id[1], id[0]}, time.Minute))
}

func claimLeaseExpiry(t *testing.T, e *env) {
	id := ids(3)
	claim(t, e, "c1", id[:2], 2*time.Minute)
	e.clock.Advance(time.Minute)
	claim(t, e, "c1", id[1:], 2*time.Minute) // id[2] leased a minute later
	e.clock.Advance(time.Minute - time.Second)
	mustDiff(t, "claim just before the first lease expires", []string(nil), claim(t, e, "c1", id, time.Minute))
	mustDiff(t, "unseen just before expiry", []string(nil), unseen(t, e, "c1", id))
	e.clock.Advance(2 * time.Second)
	mustDiff(t, "unseen after the first lease expired", id[:2], unseen(t, e, "c1", id))
	mustDiff(t, "claim after the first lease expired", id[:2], claim(t, e, "c1", id, time.Minute))
}

func confirmMarksSeen(t *testing.T, e *env) {
	id := ids(4)
	claim(t, e, "c1", id, time.Minute)
	noErr(t, "Confirm", e.store.Confirm(e.ctx, "c1", id[:2]))
	e.clock.Advance(2 * time.Minute) // every lease expired; confirmed ids stay seen
	mustDiff(t, "unseen after confirm", id[2:], unseen(t, e, "c1", id))
	mustDiff(t, "claim after confirm", id[2:], claim(t, e, "c1", id, time.Minute))
	// Confirm drops the lease: releasing a confirmed id must not make it claimable.
	noErr(t, "Release (confirmed)", e.store.Release(e.ctx, "c1", id[:2]))
	mustDiff(t, "claim after releasing confirmed ids", []string(nil), claim(t, e, "c1", id[:2], time.Minute))
}

func releaseFrees(t *testing.T, e *env) {
	id := ids(3)
	claim(t, e, "c1", id, time.Hour)
	noErr(t, "Release", e.store.Release(e.ctx, "c1", []string{id[2], id[0]}))
	mustDiff(t, "unseen after release", []string{id[0], id[2]}, unseen(t, e, "c1", id))
	mustDiff(t, "claim after release", []string{id[0], id[2]}, claim(t, e, "c1", id, time.Hour))
	noErr(t, "Release (never claimed)", e.store.Release(e.ctx, "c1", ids(10)[5:]))
}

func seenRetention(t *testing.T, e *env) {
	id := ids(2)
	noErr(t, "Confirm", e.store.Confirm(e.ctx, "c1", id[:1]))
	e.clock.Advance(e.ret.Seen - time.Minute)
	noErr(t, "Confirm", e.store.Confirm(e.ctx, "c1", id[1:]))
	mustDiff(t, "unseen inside retention", []string(nil), unseen(t, e, "c1", id))
	e.clock.Advance(2 * time.Minute)
	mustDiff(t, "unseen once the first retention passed", id[:1], unseen(t, e, "c1", id))
	mustDiff(t, "claim once the first retention passed", id[:1], claim(t, e, "c1", id, time.Minute))
}

func channelsIndependent(t *testing.T, e *env) {
	id := ids(3)
	claim(t, e, "c1", id[:1], time.Hour)
	noErr(t, "Confirm", e.store.Confirm(e.ctx, "c1", id[1:2]))
	mustDiff(t, "other channel unseen", id, unseen(t, e, "c2", id))
	mustDiff(t, "other channel claim", id, claim(t, e, "c2", id, time.Hour))
	noErr(t, "Release c2", e.store.Release(e.ctx, "c2", id))
	mustDiff(t, "c1 unaffected by c2's release", id[2:], unseen(t, e, "c1", id))
}

func emptyInputs(t *testing.T, e *env) {
	for _, in := range [][]string{nil, {}} {
		mustDiff(t, "Claim of nothing", []string(nil), claim(t, e, "c1", in, time.Minute))
		mustDiff(t, "Unseen of nothing", []string(nil), unseen(t, e, "c1", in))
		noErr(t, "Confirm of nothing", e.store.Confirm(e.ctx, "c1", in))
		noErr(t, "Release of nothing", e.store.Release(e.ctx, "c1", in))
		got, err := e.store.GetStories(e.ctx, in)
		noErr(t, "GetStories of nothing", err)
		mustDiff(t, "GetStories of nothing", []story.Story(nil), got)
	}
	for _, in := range [][]story.Story{nil, {}} {
		got, err := e.store.PutStories(e.ctx, in)
		noErr(t, "PutStories of nothing", err)
		mustDiff(t, "PutStories of nothing", []string(nil), got)
	}
	recent, err := e.store.RecentStories(e.ctx, queryAll())
	noErr(t, "RecentStories on an empty store", err)
	mustDiff(t, "RecentStories on an empty store", []story.Story(nil), recent)
	n, err := e.store.TrimStories(e.ctx)
	noErr(t, "TrimStories on an empty store", err)
	if n != 0 {
		t.Errorf("TrimStories on an empty store deleted %d", n)
	}
	noErr(t, "Ping", e.store.Ping(e.ctx))
}

// concurrentClaims races 8 claimers, released together, over the same 1,000 ids in the same
// batches in the same order, so that most claims contend: every id must be won exactly once.
func concurrentClaims(t *testing.T, e *env) {
	const workers, total, batch = 8, 1000, 50
	all := ids(total)
	var mu sync.Mutex
	wins := make(map[string]int, total)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					errs <- fmt.Errorf("worker %d panicked: %v", w, r)
				}
			}()
			<-start
			for from := 0; from < total; from += batch {
				got, err := e.store.Claim(e.ctx, "race", all[from:from+batch], time.Hour)
				if err != nil {
					errs <- fmt.Errorf("worker %d: Claim: %w", w, err)
					return
				}
				mu.Lock()
				for _, id := range got {
					wins[id]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var twice, never []string
	for _, id := range all {
		switch wins[id] {
		case 0:
			never = append(never, id)
		case 1:
		default:
			twice = append(twice, id)
		}
	}
	if len(wins) != total || len(twice) > 0 || len(never) > 0 {
		slices.Sort(twice)
		t.Errorf("claims: %d distinct ids won of %d; %d won more than once (first %v); %d never won",
			len(wins), total, len(twice), twice[:min(len(twice), 3)], len(never))
	}
}
