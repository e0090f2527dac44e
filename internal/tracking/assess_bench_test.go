package tracking

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

const (
	benchStored   = 100_000
	benchSpan     = 365 * 24 * time.Hour
	benchOutlets  = 40
	benchTopicOne = 10 // one story in benchTopicOne is on the topic
)

// benchFiller brings summaries to the ~300 runes the store keeps.
const benchFiller = " The report could not be independently verified. Officials declined to comment further on the matter, and more details are expected later."

// benchStore builds benchStored stories over a year from benchOutlets outlets, one in
// benchTopicOne on the topic, from the evaluation set's headlines, tagged as ingest does.
func benchStore(b *testing.B) ([]story.Story, topic.Config) {
	b.Helper()
	eval, m := loadEval(b)
	var in, out []story.Story
	for _, s := range eval {
		if s.HasTopic("ceasefire") {
			in = append(in, s)
		} else {
			out = append(out, s)
		}
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	all := make([]story.Story, benchStored)
	for i := range all {
		src := out[i%len(out)]
		if i%benchTopicOne == 0 {
			src = in[(i/benchTopicOne)%len(in)]
		}
		s := src
		s.Source = fmt.Sprintf("Outlet %d", i%benchOutlets)
		s.ID = story.NewID(s.Source, fmt.Sprint(i))
		s.Summary = story.Truncate(src.Summary+benchFiller, story.MaxSummaryRunes)
		s.Published = start.Add(time.Duration(i) * (benchSpan / benchStored))
		s.Topics = m.Tags(s)
		all[i] = s
	}
	cfg, _ := m.Get("ceasefire")
	return all, cfg
}

// window returns what the store's RecentStories answers for the topic: its stories of the
// last DefaultWindow before now.
func window(all []story.Story, now time.Time) []story.Story {
	var w []story.Story
	for _, s := range all {
		if s.HasTopic("ceasefire") && s.Published.After(now.Add(-DefaultWindow)) && !s.Published.After(now) {
			w = append(w, s)
		}
	}
	return w
}

// reportP99 reports the 99th percentile of the operations' wall times and the mean process
// CPU time per operation since cpu0 (on a shared machine, wall time includes waiting).
func reportP99(b *testing.B, ds []time.Duration, cpu0 time.Duration) {
	slices.Sort(ds)
	if len(ds) > 0 {
		b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	}
}

// BenchmarkAssess measures Assess over the topic's 14-day window of a 100k-story store
// (about 380 stories on the topic), and over the whole store unfiltered (Assess filters by
// tag and time itself).
func BenchmarkAssess(b *testing.B) {
	all, cfg := benchStore(b)
	now := all[len(all)-1].Published
	w := window(all, now)
	b.Logf("%d stored stories, %d in the topic's window", len(all), len(w))
	cases := []struct {
		name    string
		stories []story.Story
	}{
		{"window", w},
		{"whole_store", all},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			cpu0 := processCPU()
			b.ReportAllocs()
			for b.Loop() {
				t := time.Now()
				st := Assess(cfg, tc.stories, now, DefaultWindow)
				ds = append(ds, time.Since(t))
				if st.Reports != len(w) {
					b.Fatalf("reports %d, want %d", st.Reports, len(w))
				}
			}
			reportP99(b, ds, cpu0)
		})
	}
	b.Run("window_reused_assessor", func(b *testing.B) {
		a, err := NewAssessor(cfg)
		if err != nil {
			b.Fatal(err)
		}
		ds := make([]time.Duration, 0, b.N)
		cpu0 := processCPU()
		b.ReportAllocs()
		for b.Loop() {
			t := time.Now()
			a.Assess(w, now, DefaultWindow)
			ds = append(ds, time.Since(t))
		}
		reportP99(b, ds, cpu0)
	})
}
