package briefing

import (
	"os"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
)

// sameDay moves every labelled event onto one day, keeping each event's time of day and the
// gaps between its reports: the hard case of a daily briefing, where the time window cannot
// tell related events (two rounds of talks, an incursion and the emergency it causes) apart.
func sameDay(items []labelled) []story.Story {
	first := map[string]time.Time{}
	for _, it := range items {
		if f, ok := first[it.cluster]; !ok || it.story.Published.Before(f) {
			first[it.cluster] = it.story.Published
		}
	}
	day := time.Date(2024, 8, 15, 0, 0, 0, 0, time.UTC)
	out := make([]story.Story, len(items))
	for i, it := range items {
		f := first[it.cluster]
		out[i] = it.story
		out[i].Published = day.Add(f.Sub(f.Truncate(24 * time.Hour))).Add(it.story.Published.Sub(f))
	}
	return out
}

func storiesOf(items []labelled) []story.Story {
	out := make([]story.Story, len(items))
	for i, it := range items {
		out[i] = it.story
	}
	return out
}

// TestClusteringSweep searches the clustering parameters on the labelled set, as published and
// moved onto one day; it runs only with HERALD_SWEEP=1 and logs precision and recall.
func TestClusteringSweep(t *testing.T) {
	if os.Getenv("HERALD_SWEEP") == "" {
		t.Skip("set HERALD_SWEEP=1 to sweep clustering parameters")
	}
	items := loadHeadlines(t)
	asIs, oneDay := storiesOf(items), sameDay(items)
	for _, th := range []float64{0.25, 0.3, 0.35, 0.4} {
		for _, avg := range []float64{0, 0.15, 0.2, 0.25, 0.3} {
			for _, ph := range []float64{0.005, 0.01, 0.02} {
				p := clusterParams{threshold: th, perHour: ph, maxGap: 36 * time.Hour, prior: 50, minShared: 2, average: avg}
				p1, r1, _, _, _ := pairScores(items, clusterWith(asIs, p))
				p2, r2, _, _, _ := pairScores(items, clusterWith(oneDay, p))
				t.Logf("th %.2f avg %.2f perHour %.3f: as-is P %.3f R %.3f | one day P %.3f R %.3f F %.3f",
					th, avg, ph, p1, r1, p2, r2, 2*p2*r2/(p2+r2))
			}
		}
	}
}
