package briefing

import (
	"os"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
)

// TestClusteringSweep searches the clustering parameters on the labelled set; it runs only with
// HERALD_SWEEP=1 and logs precision and recall for each combination.
func TestClusteringSweep(t *testing.T) {
	if os.Getenv("HERALD_SWEEP") == "" {
		t.Skip("set HERALD_SWEEP=1 to sweep clustering parameters")
	}
	items := loadHeadlines(t)
	stories := make([]story.Story, len(items))
	for i, it := range items {
		stories[i] = it.story
	}
	for _, th := range []float64{0.25, 0.275, 0.3, 0.325, 0.35} {
		for _, ph := range []float64{0.01, 0.0125, 0.015, 0.02, 0.03} {
			for _, prior := range []float64{20, 50} {
				for _, ms := range []int{2} {
					p := clusterParams{threshold: th, perHour: ph, maxGap: 36 * time.Hour, prior: prior, minShared: ms}
					pr, rc, _, _, _ := pairScores(items, clusterWith(stories, p))
					t.Logf("th %.2f perHour %.3f prior %3.0f minShared %d: P %.3f R %.3f F %.3f", th, ph, prior, ms, pr, rc, 2*pr*rc/(pr+rc))
				}
			}
		}
	}
}
