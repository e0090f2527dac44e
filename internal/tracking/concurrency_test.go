package tracking

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAssessorConcurrent shares one Assessor (and its reading cache) between goroutines, as
// the bot does between commands: every result must equal the sequential one.
func TestAssessorConcurrent(t *testing.T) {
	stories, m := loadEval(t)
	cfg, _ := m.Get("ceasefire")
	a, err := NewAssessor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		time.Date(2023, 11, 25, 12, 0, 0, 0, time.UTC),
		time.Date(2024, 8, 26, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 19, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 30, 12, 0, 0, 0, time.UTC),
	}
	want := make([]Status, len(times))
	for i, at := range times {
		want[i] = Assess(cfg, stories, at, 0)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(times))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs <- fmt.Errorf("panic: %v", p)
				}
			}()
			for i, at := range times {
				if diff := cmp.Diff(want[i], a.Assess(stories, at, 0)); diff != "" {
					errs <- fmt.Errorf("at %v (-want +got):\n%s", at, diff)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
