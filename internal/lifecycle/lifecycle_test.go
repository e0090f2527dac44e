package lifecycle

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// journal records, in order, which parts stopped.
type journal struct {
	mu      sync.Mutex
	stopped []string
}

func (j *journal) add(name string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.stopped = append(j.stopped, name)
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.stopped...)
}

// worker runs until ctx ends, then takes linger to stop (draining, say) and records that.
func worker(j *journal, name string, linger time.Duration) Part {
	return Part{Name: name, Run: func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(linger)
		j.add(name)
		return nil
	}}
}

// Parts stop last-started first, each waited for, and Run returns only when all have.
func TestOrderedShutdownWaitsForEveryPart(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		r := New(Options{}, worker(j, "sender", 0), worker(j, "live", 2*time.Second), worker(j, "poller", time.Second))
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error)
		go func() { ran <- r.Run(ctx) }()
		synctest.Wait()
		if err := r.Healthy(); err != nil {
			t.Fatalf("Healthy while running: %v", err)
		}
		start := time.Now()
		cancel()
		if err := <-ran; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("Run returned %v after the signal, want 3s (1 s poller + 2 s live, one after the other)", took)
		}
		if diff := cmp.Diff([]string{"poller", "live", "sender"}, j.list()); diff != "" {
			t.Errorf("stop order (-want +got):\n%s", diff)
		}
		if r.Healthy() == nil {
			t.Error("Healthy after Run returned must fail: nothing runs")
		}
	})
}

// A part that will not stop costs the budget, not the exit: Run returns when the budget is
// spent and the parts after it are still told to stop.
func TestShutdownBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		release := make(chan struct{})
		stuck := Part{Name: "stuck", Run: func(ctx context.Context) error {
			<-ctx.Done()
			<-release
			return nil
		}}
		r := New(Options{ShutdownTimeout: 5 * time.Second}, worker(j, "sender", 0), stuck, worker(j, "poller", 0))
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error)
		go func() { ran <- r.Run(ctx) }()
		synctest.Wait()
		start := time.Now()
		cancel()
		<-ran
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("Run returned %v after the signal, want the 5 s budget", took)
		}
		synctest.Wait()
		if diff := cmp.Diff([]string{"poller", "sender"}, j.list()); diff != "" {
			t.Errorf("parts stopped (-want +got):\n%s", diff)
		}
		close(release)
	})
}

// A part that panics or returns on its own is reported by Healthy while the others run on; a
// critical part that fails ends Run with its error after stopping the rest.
func TestDeadParts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		part        Part
		wantHealthy string
		wantRun     string
	}{
		{name: "panic", part: Part{Name: "poller", Run: func(context.Context) error { panic("nil map") }},
			wantHealthy: "lifecycle: stopped parts: poller: lifecycle: poller panicked: nil map"},
		{name: "error", part: Part{Name: "digests", Run: func(context.Context) error { return errors.New("boom") }},
			wantHealthy: "lifecycle: stopped parts: digests: boom"},
		{name: "early return", part: Part{Name: "live", Run: func(context.Context) error { return nil }},
			wantHealthy: "lifecycle: stopped parts: live: lifecycle: returned while Herald was running"},
		{name: "critical", part: Part{Name: "gateway", Critical: true, Run: func(context.Context) error { return errors.New("4004 authentication failed") }},
			wantHealthy: "lifecycle: not running", wantRun: "lifecycle: gateway: 4004 authentication failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				j := &journal{}
				r := New(Options{}, worker(j, "sender", 0), tc.part, worker(j, "maintenance", 0))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				ran := make(chan error, 1)
				go func() { ran <- r.Run(ctx) }()
				synctest.Wait()
				if got := errText(r.Healthy()); got != tc.wantHealthy {
					t.Errorf("Healthy: %q, want %q", got, tc.wantHealthy)
				}
				if tc.wantRun == "" {
					if len(j.list()) != 0 {
						t.Errorf("a non-critical death stopped %v", j.list())
					}
					cancel()
				}
				if got := errText(<-ran); got != tc.wantRun {
					t.Errorf("Run: %q, want %q", got, tc.wantRun)
				}
				if diff := cmp.Diff([]string{"maintenance", "sender"}, j.list()); diff != "" {
					t.Errorf("healthy parts stopped (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// Run keeps ctx's values but not its cancellation: each part's context ends only at its turn.
func TestPartContexts(t *testing.T) {
	t.Parallel()
	type key struct{}
	synctest.Test(t, func(t *testing.T) {
		var got []string
		var mu sync.Mutex
		seen := func(name string) Part {
			return Part{Name: name, Run: func(ctx context.Context) error {
				v, _ := ctx.Value(key{}).(string)
				<-ctx.Done()
				mu.Lock()
				defer mu.Unlock()
				got = append(got, name+"="+v)
				return nil
			}}
		}
		ctx, cancel := context.WithCancel(context.WithValue(t.Context(), key{}, "v"))
		r := New(Options{}, seen("a"), seen("b"))
		ran := make(chan error)
		go func() { ran <- r.Run(ctx) }()
		synctest.Wait()
		cancel()
		<-ran
		if diff := cmp.Diff("b=v a=v", strings.Join(got, " ")); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
