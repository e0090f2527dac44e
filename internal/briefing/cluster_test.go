package briefing

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/story"
)

// labelled is one line of testdata/headlines.tsv.
type labelled struct {
	cluster string
	story   story.Story
}

func loadHeadlines(t testing.TB) []labelled { return loadLabelled(t, "testdata/headlines.tsv") }

func loadLabelled(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 4 {
			t.Fatalf("%s:%d: %d columns", path, n, len(cols))
		}
		pub, err := time.Parse("2006 01-02 15:04", "2024 "+cols[1])
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		link := fmt.Sprintf("https://%s.example/%d", strings.ReplaceAll(strings.ToLower(cols[2]), " ", ""), n)
		if len(cols) > 4 {
			link = cols[4]
		}
		out = append(out, labelled{cluster: cols[0], story: story.Story{
			ID: fmt.Sprintf("%016x", n), Source: cols[2], Title: cols[3], Link: link, Published: pub}})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pairScores compares predicted groups with labels pair by pair: precision is the share of
// predicted same-event pairs that are labelled so, recall the share of labelled pairs found.
func pairScores(items []labelled, groups [][]int) (precision, recall float64, tp, fp, fn int) {
	pred := make([]int, len(items))
	for g, members := range groups {
		for _, i := range members {
			pred[i] = g
		}
	}
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			same, predicted := items[i].cluster == items[j].cluster, pred[i] == pred[j]
			switch {
			case same && predicted:
				tp++
			case predicted:
				fp++
			case same:
				fn++
			}
		}
	}
	return float64(tp) / float64(max(tp+fp, 1)), float64(tp) / float64(max(tp+fn, 1)), tp, fp, fn
}

func TestClusteringQuality(t *testing.T) {
	items := loadHeadlines(t)
	if len(items) < 200 {
		t.Fatalf("labelled set has %d headlines, want ≥ 200", len(items))
	}
	stories := make([]story.Story, len(items))
	for i, it := range items {
		stories[i] = it.story
	}
	groups := cluster(stories)
	p, r, tp, fp, fn := pairScores(items, groups)
	t.Logf("clustering on %d headlines: pairwise precision %.3f, recall %.3f (tp %d, fp %d, fn %d, %d groups)",
		len(items), p, r, tp, fp, fn, len(groups))
	pred := make([]int, len(items))
	for g, members := range groups {
		for _, i := range members {
			pred[i] = g
		}
	}
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			same, predicted := items[i].cluster == items[j].cluster, pred[i] == pred[j]
			if same != predicted && testing.Verbose() {
				t.Logf("%s pair (%s): %q | %q", map[bool]string{true: "missed", false: "false"}[same],
					items[i].cluster+"/"+items[j].cluster, items[i].story.Title, items[j].story.Title)
			}
		}
	}
	if p < 0.95 || r < 0.9 {
		t.Errorf("precision %.3f recall %.3f, want ≥ 0.95 / 0.90", p, r)
	}
}

func TestPairScores(t *testing.T) {
	items := []labelled{{cluster: "a"}, {cluster: "a"}, {cluster: "a"}, {cluster: "b"}}
	tests := []struct {
		name   string
		groups [][]int
		p, r   float64
	}{
		{name: "perfect", groups: [][]int{{0, 1, 2}, {3}}, p: 1, r: 1},
		{name: "all apart", groups: [][]int{{0}, {1}, {2}, {3}}, p: 0, r: 0},
		{name: "all together", groups: [][]int{{0, 1, 2, 3}}, p: 0.5, r: 1},
		{name: "one missed", groups: [][]int{{0, 1}, {2}, {3}}, p: 1, r: 1.0 / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, r, _, _, _ := pairScores(items, tt.groups)
			if diff := cmp.Diff([]float64{tt.p, tt.r}, []float64{p, r}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestClusteringSameDay runs the labelled set with every event moved onto one day (sameDay),
// where only the titles can separate related events: a guard against relying on time alone.
func TestClusteringSameDay(t *testing.T) {
	items := loadHeadlines(t)
	p, r, tp, fp, fn := pairScores(items, cluster(sameDay(items)))
	t.Logf("same-day layout, %d headlines: pairwise precision %.3f, recall %.3f (tp %d, fp %d, fn %d)", len(items), p, r, tp, fp, fn)
	if p < 0.85 || r < 0.85 {
		t.Errorf("same-day precision %.3f recall %.3f, want ≥ 0.85 / 0.85", p, r)
	}
}

// TestClusteringHoldout measures the frozen parameters on headlines never used to tune them.
// The set is small, so the bar is lower than the tuning set's: it guards against overfitting
// gone badly, and the log gives the honest figures.
func TestClusteringHoldout(t *testing.T) {
	items := loadLabelled(t, "testdata/headlines_holdout.tsv")
	stories := make([]story.Story, len(items))
	for i, it := range items {
		stories[i] = it.story
	}
	p, r, tp, fp, fn := pairScores(items, cluster(stories))
	t.Logf("held-out %d headlines: pairwise precision %.3f, recall %.3f (tp %d, fp %d, fn %d)", len(items), p, r, tp, fp, fn)
	// First run, with single-link clustering: P 0.893 R 0.980 (its one error: chaining joined
	// the iPhone and Apple Watch launches of one Apple event through "Apple unveils …"). The
	// switch to average linkage was driven by the same-day layout of the tuning set, but this
	// set had been seen by then: it is no longer strictly held out.
	if p < 0.85 || r < 0.8 {
		t.Errorf("held-out precision %.3f recall %.3f, want ≥ 0.85 / 0.80", p, r)
	}
}

func TestClusterPairs(t *testing.T) {
	at := func(h float64) time.Time { return now0.Add(time.Duration(h * float64(time.Hour))) }
	tests := []struct {
		name string
		a, b story.Story
		same bool
	}{
		{name: "same event, different wording",
			a: story.Story{Source: "Reuters", Title: "Israel and Hamas to resume ceasefire talks in Cairo", Published: at(0)},
			b: story.Story{Source: "AP", Title: "Ceasefire talks between Israel and Hamas resume in Cairo", Published: at(2)}, same: true},
		{name: "gaza vs lebanon strikes",
			a: story.Story{Source: "Reuters", Title: "Israel strikes Gaza", Published: at(0)},
			b: story.Story{Source: "AP", Title: "Israel strikes Lebanon", Published: at(1)}},
		{name: "two rounds of ceasefire talks a week apart",
			a: story.Story{Source: "Reuters", Title: "Gaza ceasefire talks open in Doha", Published: at(0)},
			b: story.Story{Source: "Reuters", Title: "Gaza ceasefire talks resume in Cairo", Published: at(7 * 24)}},
		{name: "same words beyond the time window",
			a: story.Story{Source: "AP", Title: "Powell says Fed will cut rates", Published: at(0)},
			b: story.Story{Source: "AP", Title: "Powell says Fed will cut rates", Published: at(40)}},
		{name: "outlet suffix ignored",
			a: story.Story{Source: "BBC News", Title: "Telegram founder Pavel Durov arrested - BBC News", Published: at(0)},
			b: story.Story{Source: "Reuters", Title: "Telegram founder Pavel Durov arrested at French airport", Published: at(1)}, same: true},
		{name: "shared canonical link, different titles",
			a: story.Story{Source: "AP", Title: "Wildfire forces evacuations", Link: "https://apnews.com/a", Published: at(0)},
			b: story.Story{Source: "ABC", Title: "Thousands flee blaze", Link: "https://apnews.com/a", Published: at(1)}, same: true},
		{name: "acronym kept: WHO is not a stop word",
			a: story.Story{Source: "Reuters", Title: "WHO declares mpox a global emergency", Published: at(0)},
			b: story.Story{Source: "Reuters", Title: "Africa CDC declares mpox a continental emergency", Published: at(-24)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := cluster([]story.Story{tt.a, tt.b})
			if got := len(groups) == 1; got != tt.same {
				t.Errorf("clustered together = %v, want %v (groups %v)", got, tt.same, groups)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	v := newVocabulary()
	tests := []struct {
		name, title, source string
		want                []string
	}{
		{"stems and stop words", "Israeli strikes kill 10 in Gaza's south", "", []string{"10", "gaza", "israel", "kill", "south", "strik"}},
		{"acronym survives", "WHO says US cases rise", "", []string{"case", "rise", "us", "who"}},
		{"shouting title has no acronyms", "WHO SAYS", "", nil},
		{"outlet suffix", "Durov arrested | Reuters", "Reuters", []string{"arrest", "durov"}},
		{"numbers keep their digits", "Death toll passes 40,000", "", []string{"40000", "death", "pass", "toll"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.tokens(tt.title, tt.source)
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tokens(%q) (-want +got):\n%s", tt.title, diff)
			}
		})
	}
}
