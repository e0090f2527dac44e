package tracking

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// The real-news evaluation: hand labels (testdata/realnews_labels.tsv) of headlines in the
// shared file ../shared/realnews/rld-2023-dev.jsonl, split by time. Everything captured before
// testSplit is the development part (training, cross-validation, every choice); December 2023
// is the test part, read only to report.
var testSplit = time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC)

// realItem is one line of the shared file, as a story, with its label when it has one.
type realItem struct {
	ID       int // 1-based line number
	Captured time.Time
	Story    story.Story
	Labelled bool
	Topic    string // gaza, ukraine or -
	Fine     string // a fine kind
}

func (it realItem) test() bool { return !it.Captured.Before(testSplit) }

// sharedRealnews finds the shared file through HERALD_SHARED_DIR or next to the repository;
// it skips the test when absent, and fails under CI=true.
func sharedRealnews(t testing.TB) string {
	t.Helper()
	var dirs []string
	if d := os.Getenv("HERALD_SHARED_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; filepath.Dir(d) != d; d = filepath.Dir(d) {
			dirs = append(dirs, filepath.Join(d, "shared"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, "realnews", "rld-2023-dev.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	const msg = "shared/realnews/rld-2023-dev.jsonl not found: set HERALD_SHARED_DIR to the shared directory"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// loadRealnews reads the shared file and the labels, and tags each story with m as ingest
// does. All items are returned, labelled or not, in file order.
func loadRealnews(t testing.TB, m *topic.Matcher) []realItem {
	t.Helper()
	f, err := os.Open(sharedRealnews(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []realItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		it, err := parseRealItem(n, sc.Bytes())
		if err != nil {
			t.Fatalf("realnews line %d: %v", n, err)
		}
		it.Story.Topics = m.Tags(it.Story)
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, row := range readTSV(t, "", "realnews_labels.tsv", 3) {
		id, err := strconv.Atoi(row[0])
		if err != nil || id < 1 || id > len(items) {
			t.Fatalf("realnews_labels.tsv: bad id %q", row[0])
		}
		if !slices.Contains(fineKinds(), row[2]) || !slices.Contains([]string{"gaza", "ukraine", "-"}, row[1]) {
			t.Fatalf("realnews_labels.tsv: id %d: unknown topic or kind %q %q", id, row[1], row[2])
		}
		it := &items[id-1]
		it.Labelled, it.Topic, it.Fine = true, row[1], row[2]
	}
	return items
}

// parseRealItem turns one JSON line into a story as ingest would store it: the outlet is the
// feed's host, the description the summary.
func parseRealItem(n int, line []byte) (realItem, error) {
	var raw struct {
		CaptureDay  string `json:"capture_day"`
		Published   string `json:"published"`
		Feed        string `json:"feed"`
		Title       string `json:"title"`
		Description string `json:"description"`
		Link        string `json:"link"`
	}
	if err := json.Unmarshal(line, &raw); err != nil {
		return realItem{}, err
	}
	captured, err := time.Parse(time.DateOnly, raw.CaptureDay)
	if err != nil {
		return realItem{}, err
	}
	pub, err := parsePublished(raw.Published)
	if err != nil {
		pub = captured.Add(12 * time.Hour)
	}
	host := raw.Feed
	if u, err := url.Parse(raw.Feed); err == nil && u.Host != "" {
		host = strings.TrimPrefix(u.Host, "www.")
	}
	s := story.Story{ID: story.NewID(raw.Feed, fmt.Sprint(n)), FeedURL: raw.Feed, Source: host,
		Title: raw.Title, Summary: story.Truncate(raw.Description, story.MaxSummaryRunes), Link: raw.Link,
		Published: pub.UTC(), FirstSeen: pub.UTC()}
	return realItem{ID: n, Captured: captured, Story: s}, nil
}

// storedRealnews is the shared file as the store would hold it: every item, tagged by m.
func storedRealnews(t testing.TB, m *topic.Matcher) []story.Story {
	items := loadRealnews(t, m)
	stored := make([]story.Story, len(items))
	for i, it := range items {
		stored[i] = it.Story
	}
	return stored
}

// parsePublished reads the file's two time formats ("2023-01-01 00:43:58+00:00" and RFC 3339).
func parsePublished(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05-07:00", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("published %q: unknown format", s)
}

// labelled returns the labelled items of one part (test or development) that the reader is
// for: those on a tracked topic, and other conflicts' developments. An off-topic headline
// reporting nothing ("trade deal signed") never reaches the reader — the topic matcher's
// business — and would teach it that a deal is nothing.
func labelled(items []realItem, test bool) []realItem {
	var out []realItem
	for _, it := range items {
		if it.Topic == "-" && it.Fine == fineNone {
			continue
		}
		if it.Labelled && it.test() == test {
			out = append(out, it)
		}
	}
	return out
}

// scores is a confusion table over named classes with per-class precision and recall.
type scores struct {
	classes []string
	n       map[[2]string]int // [gold, predicted] -> count
}

func newScores(classes []string) *scores {
	return &scores{classes: classes, n: make(map[[2]string]int)}
}

func (s *scores) add(gold, pred string) { s.n[[2]string{gold, pred}]++ }

// prf returns class c's precision, recall, F1 and gold support.
func (s *scores) prf(c string) (p, r, f float64, support, predicted int) {
	tp := s.n[[2]string{c, c}]
	for _, o := range s.classes {
		support += s.n[[2]string{c, o}]
		predicted += s.n[[2]string{o, c}]
	}
	if predicted > 0 {
		p = float64(tp) / float64(predicted)
	}
	if support > 0 {
		r = float64(tp) / float64(support)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f, support, predicted
}

// macroF1 averages F1 over the classes that occur in the gold labels or the predictions.
func (s *scores) macroF1() float64 {
	return s.macroF1Over(func(support, predicted int) bool { return support+predicted > 0 })
}

// macroF1Gold averages F1 over the classes that occur in the gold labels only: on a part
// with few classes, one reading of a class it lacks moves macroF1 by a whole class's share.
func (s *scores) macroF1Gold() float64 {
	return s.macroF1Over(func(support, _ int) bool { return support > 0 })
}

// macroF1Over averages F1 over the classes counted by keep.
func (s *scores) macroF1Over(keep func(support, predicted int) bool) float64 {
	sum, k := 0.0, 0
	for _, c := range s.classes {
		if _, _, f, sup, pred := s.prf(c); keep(sup, pred) {
			sum += f
			k++
		}
	}
	if k == 0 {
		return 0
	}
	return sum / float64(k)
}

func (s *scores) accuracy() float64 {
	right, all := 0, 0
	for k, v := range s.n {
		all += v
		if k[0] == k[1] {
			right += v
		}
	}
	if all == 0 {
		return 0
	}
	return float64(right) / float64(all)
}

// report renders the per-class figures and the confusion table (rows gold, columns predicted)
// as Markdown.
func (s *scores) report() string {
	var b strings.Builder
	b.WriteString("| class | precision | recall | F1 | gold | predicted |\n|---|---|---|---|---|---|\n")
	for _, c := range s.classes {
		p, r, f, sup, pred := s.prf(c)
		if sup+pred == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f | %d | %d |\n", c, p, r, f, sup, pred)
	}
	fmt.Fprintf(&b, "\nmacro-F1 %.3f, accuracy %.3f\n\n| gold \\ predicted |", s.macroF1(), s.accuracy())
	var used []string
	for _, c := range s.classes {
		if _, _, _, sup, pred := s.prf(c); sup+pred > 0 {
			used = append(used, c)
		}
	}
	for _, c := range used {
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(used)) + "\n")
	for _, g := range used {
		b.WriteString("| " + g + " |")
		for _, p := range used {
			fmt.Fprintf(&b, " %d |", s.n[[2]string{g, p}])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// coarseClasses are the state kinds a fine kind maps to, plus none.
func coarseClasses() []string { return append(topic.Kinds(), fineNone) }

func coarseName(fine string) string {
	if c := coarseOf(fine); c != "" {
		return c
	}
	return fineNone
}

// Floors of the December test part: the figures reported in docs/performance.md (final reading
// of 6 Dec 2026: fine 0.641, state 0.760) less a margin, so a regression fails. Macro-F1 over
// December's few classes swings by 0.15 with one headline read as a class December lacks (one
// talks headline read as "holding" took state from 0.754 to 0.602 on 5 Dec).
// The goal is logged; it is not met.
const (
	floorFineMacroF1   = 0.58
	floorCoarseMacroF1 = 0.62
	goalMacroF1        = 0.85
)

// TestRealnewsReading reads every labelled December headline with the shipped reader (the
// embedded model and the topic's cues, exactly as Assess reads a story) and reports per-class
// precision and recall, macro-F1 and the confusion table, for fine kinds and for the state
// kinds they map to; beside it, the cues alone on the same headlines.
func TestRealnewsReading(t *testing.T) {
	r, mt := trainingReader(t)
	test := labelled(loadRealnews(t, mt), true)
	if len(test) < 100 {
		t.Fatalf("%d December labels, want at least 100", len(test))
	}
	fine, coarse, cues := newScores(fineKinds()), newScores(coarseClasses()), newScores(coarseClasses())
	onTopic, cueOnTopic := newScores(coarseClasses()), newScores(coarseClasses())
	for _, it := range test {
		sr := r.readStory(it.Story)
		pred := fineNone
		if sr.ok {
			pred = sr.main.Fine
		}
		fine.add(it.Fine, pred)
		coarse.add(coarseName(it.Fine), coarseName(pred))
		if it.Topic == "gaza" {
			onTopic.add(coarseName(it.Fine), coarseName(pred))
		}
		cr := cueOnly(r, it.Story.Title)
		cues.add(coarseName(it.Fine), coarseName(cr))
		if it.Topic == "gaza" {
			cueOnTopic.add(coarseName(it.Fine), coarseName(cr))
		}
		if pred != it.Fine {
			t.Logf("%d %q: labelled %s, read %s", it.ID, it.Story.Title, it.Fine, pred)
		}
	}
	t.Logf("December test part, %d labelled headlines, fine kinds:\n%s", len(test), fine.report())
	t.Logf("state kinds:\n%s", coarse.report())
	t.Logf("state kinds, headlines labelled gaza only:\n%s", onTopic.report())
	t.Logf("state kinds, the cues alone (the reader before the model):\n%s", cues.report())
	t.Logf("state kinds, the cues alone, headlines labelled gaza only:\n%s", cueOnTopic.report())
	t.Logf("goal: macro-F1 >= %.2f (fine %.3f, state %.3f; over December's own classes only: fine %.3f, state %.3f)",
		goalMacroF1, fine.macroF1(), coarse.macroF1(), fine.macroF1Gold(), coarse.macroF1Gold())
	if fine.macroF1() < floorFineMacroF1 || coarse.macroF1() < floorCoarseMacroF1 {
		t.Errorf("macro-F1 fine %.3f, state %.3f: below the floors %.2f, %.2f", fine.macroF1(), coarse.macroF1(),
			floorFineMacroF1, floorCoarseMacroF1)
	}
}

// cueOnly is what the topic's cues alone read in a headline.
func cueOnly(r *reader, title string) string {
	_, cue := r.plain.headlineFeatures(title)
	return cue.Fine
}

// topicPR is a topic's precision and recall against the labels.
type topicPR struct{ tp, fp, fn int }

func (c topicPR) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c topicPR) recall() float64    { return ratio(c.tp, c.tp+c.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// topicScores compares the matcher's tags for topicID with the labels' topic for every
// labelled item of one part, logging the misses when verbose.
func topicScores(t *testing.T, items []realItem, test bool, topicID, label string, verbose bool) topicPR {
	var c topicPR
	for _, it := range items {
		if !it.Labelled || it.test() != test {
			continue
		}
		got, want := it.Story.HasTopic(topicID), it.Topic == label
		switch {
		case got && want:
			c.tp++
		case got:
			c.fp++
			if verbose {
				t.Logf("false positive %d: %q", it.ID, it.Story.Title)
			}
		case want:
			c.fn++
			if verbose {
				t.Logf("false negative %d: %q", it.ID, it.Story.Title)
			}
		}
	}
	return c
}

// Topic floors on the December test part (0.885 / 0.924 on 5 Dec 2026, less a margin) and the goal,
// which is not met.
const (
	floorTopicPrecision = 0.85
	floorTopicRecall    = 0.90
	goalTopic           = 0.95
)

// TestRealnewsTopic measures the topic matcher (config/topics.yaml) against the labelled
// topics: development part first (where the rules were revised), then December.
func TestRealnewsTopic(t *testing.T) {
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatal(err)
	}
	items := loadRealnews(t, m)
	for _, tc := range []struct{ id, label string }{{"ceasefire", "gaza"}, {"ukraine-peace", "ukraine"}} {
		if _, ok := m.Get(tc.id); !ok {
			t.Logf("no topic %s configured", tc.id)
			continue
		}
		dev := topicScores(t, items, false, tc.id, tc.label, testing.Verbose() && os.Getenv("HERALD_TOPIC_MISSES") == "dev")
		test := topicScores(t, items, true, tc.id, tc.label, testing.Verbose() && os.Getenv("HERALD_TOPIC_MISSES") == "test")
		t.Logf("topic %s: development precision %.3f recall %.3f (%+v); December precision %.3f recall %.3f (%+v); goal %.2f",
			tc.id, dev.precision(), dev.recall(), dev, test.precision(), test.recall(), test, goalTopic)
		if tc.id == "ceasefire" && (test.precision() < floorTopicPrecision || test.recall() < floorTopicRecall) {
			t.Errorf("December precision %.3f recall %.3f below the floors %.2f %.2f", test.precision(), test.recall(),
				floorTopicPrecision, floorTopicRecall)
		}
	}
}

// Checkpoint floor on December (4/8 on 5 Dec 2026, less one checkpoint) and the goal, which is not met.
const (
	floorCheckpoints = 0.37
	goalCheckpoints  = 0.90
)

// TestRealnewsCheckpoints assesses each topic at the labelled real-time checkpoints through
// the path /status takes: the topic's stored stories (the shared file's items tagged by the
// matcher, as ingest tags them) handed to one reused Assessor.
func TestRealnewsCheckpoints(t *testing.T) {
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatal(err)
	}
	stored := storedRealnews(t, m)
	assessors := make(map[string]*Assessor)
	type tally struct{ right, all int }
	parts := make(map[string]*tally)
	devOnly := os.Getenv("HERALD_REALNEWS_PART") == "dev"
	for _, row := range readTSV(t, "", "realnews_checkpoints.tsv", 5) {
		part, id := row[0], row[1]
		if devOnly && part != "dev" {
			continue // developing: December is not read
		}
		at, err := time.Parse(time.RFC3339, row[2])
		if err != nil {
			t.Fatalf("checkpoint %q: %v", row[2], err)
		}
		a := assessors[id]
		if a == nil {
			cfg, ok := m.Get(id)
			if !ok {
				t.Fatalf("checkpoint topic %q is not configured", id)
			}
			if a, err = NewAssessor(cfg); err != nil {
				t.Fatal(err)
			}
			assessors[id] = a
		}
		st := a.Assess(stored, at, DefaultWindow)
		key := part + "/" + id
		if parts[key] == nil {
			parts[key] = &tally{}
		}
		parts[key].all++
		mark := "MISS"
		if string(st.Label) == row[3] {
			parts[key].right++
			mark = "ok"
		}
		t.Logf("%s %s %s %s: got %q, want %q (%s)\n\tsentence: %s\n\tlatest: %q", mark, part, id, row[2], st.Label, row[3], row[4],
			st.Sentence, st.Latest.Headline)
		if err := consistency(a, st, stored); err != nil {
			t.Errorf("%s %s: %v", id, row[2], err)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(parts)) {
		p := parts[key]
		t.Logf("checkpoints %s: %d/%d right (%.2f); goal %.2f", key, p.right, p.all, ratio(p.right, p.all), goalCheckpoints)
	}
	if devOnly {
		return
	}
	if p := parts["test/ceasefire"]; p == nil || p.all < 6 || ratio(p.right, p.all) < floorCheckpoints {
		t.Errorf("December checkpoints %+v: want at least 6, accuracy at least %.2f", p, floorCheckpoints)
	}
}

// TestRealnewsTruceTerms checks short-truce expiry (term.go) on the development part: real
// headlines do state truce lengths (Putin's 36-hour truce of January 2023), yet no truce of
// stated length was in effect for either topic before December (that one was one side's, and
// refused), so a status that reads a truce as run out on any day there misreads the news.
func TestRealnewsTruceTerms(t *testing.T) {
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatal(err)
	}
	items := loadRealnews(t, m)
	stated := 0
	stored := make([]story.Story, 0, len(items))
	for _, it := range items {
		stored = append(stored, it.Story)
		if l, _ := truceTerm(topic.Tokenize(it.Story.Title)); l > 0 && !it.test() && len(it.Story.Topics) > 0 {
			stated++
		}
	}
	if stated == 0 {
		t.Fatal("no development headline on a topic states a truce's length")
	}
	for _, cfg := range m.Topics() {
		a, err := NewAssessor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for d := time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC); d.Before(testSplit); d = d.Add(24 * time.Hour) {
			for _, dev := range a.Assess(stored, d, DefaultWindow).Timeline {
				if strings.Contains(dev.Headline, termRanOut) {
					t.Errorf("%s %s: %q", cfg.ID, d.Format(time.DateOnly), dev.Headline)
				}
			}
		}
	}
	t.Logf("%d development headlines on a topic state a truce's length; no expiry on any day before %s", stated, testSplit.Format(time.DateOnly))
}
