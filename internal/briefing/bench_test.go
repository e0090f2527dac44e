package briefing

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
)

// benchStories makes n candidates from the labelled headlines, repeated with a three-day shift
// per copy so that repeats are later events, not duplicates.
func benchStories(b testing.TB, n int) ([]story.Story, time.Time) {
	items := loadHeadlines(b)
	var out []story.Story
	var latest time.Time
	for k := 0; len(out) < n; k++ {
		for _, it := range items {
			if len(out) == n {
				break
			}
			s := it.story
			s.ID = fmt.Sprintf("%s-%d", s.ID, k)
			s.Link = fmt.Sprintf("%s/%d", s.Link, k)
			s.Published = s.Published.Add(time.Duration(k) * 72 * time.Hour)
			s.Summary = "Summary of " + s.Title + " with a few more words of context."
			if len(out)%3 == 0 {
				s.Topics = []string{"mideast"}
			}
			if s.Published.After(latest) {
				latest = s.Published
			}
			out = append(out, s)
		}
	}
	return out, latest
}

func BenchmarkBuild500(b *testing.B) {
	stories, latest := benchStories(b, 500)
	opts := Options{Now: func() time.Time { return latest }, TopicTitles: map[string]string{"mideast": "Middle East"}}
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		Build(stories, opts)
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user+system CPU time: on a shared, overloaded machine wall-clock
// ns/op mostly measures waiting for a core, so the benchmarks also report CPU per op.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkRender(b *testing.B) {
	stories, latest := benchStories(b, 500)
	br := Build(stories, Options{Now: func() time.Time { return latest }, MaxEntries: 25})
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		Render(br)
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}
