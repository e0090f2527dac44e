package tracking

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// consistency reports how a status contradicts itself or its evidence, nil when it does not:
//   - a label other than "No recent news" needs reports, and "No recent news" none;
//   - the latest development shown is of the label's own kind, and its headline is one the
//     reader reads, in the foreground, as that kind, and the topic's cues read so too;
//   - the sentence opens with the label's configured lead (or the quiet sentence) and quotes as
//     "latest" only the latest development shown;
//   - the last change in the timeline is the one that set the label.
func consistency(a *Assessor, st Status, stories []story.Story) error {
	if (st.Label == LabelNoNews) != (st.Reports == 0) && !strings.Contains(st.Sentence, "tracking:") {
		return fmt.Errorf("label %q with %d reports", st.Label, st.Reports)
	}
	if d := st.Latest; d.Headline != "" {
		if d.Label != st.Label {
			return fmt.Errorf("label %q but latest %q reads %q", st.Label, d.Headline, d.Label)
		}
		if err := a.readsAs(d, stories); err != nil {
			return err
		}
	}
	if err := a.sentenceFits(st); err != nil {
		return err
	}
	if n := len(st.Timeline); n > 0 && st.Timeline[n-1].Label != st.Label {
		return fmt.Errorf("label %q but the last change in the timeline is %q (%q)", st.Label, st.Timeline[n-1].Label,
			st.Timeline[n-1].Headline)
	}
	return nil
}

// readsAs checks that the story d quotes reads, by itself, as d's kind.
func (a *Assessor) readsAs(d Development, stories []story.Story) error {
	for i := range stories {
		s := &stories[i]
		if s.Title != d.Headline || s.Link != d.Link {
			continue
		}
		sr := a.read(s)
		if !sr.ok || sr.main.Kind != d.Kind || !sr.main.Confirmed {
			return fmt.Errorf("latest %q (%s) shown, but it reads %q (confirmed by the cues %v)", d.Headline, d.Label,
				sr.main.Kind, sr.main.Confirmed)
		}
		return nil
	}
	return fmt.Errorf("latest %q is none of the stories", d.Headline)
}

// sentenceFits checks the sentence's opening and what it quotes as latest.
func (a *Assessor) sentenceFits(st Status) error {
	key := kindOfLabel(st.Label)
	if st.Reports == 0 {
		key = "none"
	}
	lead := strings.ReplaceAll(a.cfg.Status.Sentences[key], "{days}", fmt.Sprint(int(st.Window/(24*time.Hour))))
	fixed := func(key string) string { // a sentence's words before its first field
		before, _, _ := strings.Cut(a.cfg.Status.Sentences[key], "{")
		return before
	}
	quiet, expired := fixed("quiet"), fixed("expired")
	if !strings.HasPrefix(st.Sentence, lead) && !(st.Label == LabelTalks && quiet != "" && strings.HasPrefix(st.Sentence, quiet)) &&
		!(st.Label == LabelCollapsed && expired != "" && strings.HasPrefix(st.Sentence, expired)) {
		return fmt.Errorf("label %q but sentence %q", st.Label, st.Sentence)
	}
	if _, q, ok := strings.Cut(st.Sentence, "latest: “"); ok {
		q, _, _ = strings.Cut(q, "”")
		if st.Latest.Headline == "" || !strings.HasPrefix(st.Latest.Headline, strings.TrimSuffix(q, "…")) {
			return fmt.Errorf("sentence quotes %q as latest, the status shows %q", q, st.Latest.Headline)
		}
	}
	return nil
}

func kindOfLabel(l Label) string {
	for _, k := range topic.Kinds() {
		if LabelOf(k) == l {
			return k
		}
	}
	return "none"
}

// headlinePool is every authored headline (streams, eval, holdout) with its summary: the
// material random streams are drawn from.
func headlinePool(t testing.TB) ([]story.Story, *topic.Matcher) {
	t.Helper()
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatal(err)
	}
	var pool []story.Story
	for _, name := range []string{"nov2023-truce", "2024-round", "2025-jan-mar", "2025-oct", "ukraine-2025"} {
		ss, _ := loadAuthoredStream(t, m, name)
		pool = append(pool, ss...)
	}
	for _, set := range []string{"eval", "holdout"} {
		ss, _ := loadSet(t, set)
		pool = append(pool, ss...)
	}
	return pool, m
}

// randomStream draws n stories from pool with random outlets and times in the 20 days before
// now (some at the same instant), tagged by m.
func randomStream(rng *rand.Rand, pool []story.Story, m *topic.Matcher, now time.Time, n int) []story.Story {
	outlets := []string{"apnews.com", "reuters.com", "bbc.co.uk", "aljazeera.com", "theguardian.com"}
	out := make([]story.Story, 0, n)
	for i := range n {
		s := pool[rng.IntN(len(pool))]
		s.Source = outlets[rng.IntN(len(outlets))]
		s.Published = now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)
		s.ID = story.NewID(s.Source, fmt.Sprint(i))
		s.Link = fmt.Sprintf("https://%s/%d", s.Source, i)
		s.Topics = m.Tags(s)
		out = append(out, s)
	}
	return out
}

// checkStreams assesses random streams drawn with seed, in their order and shuffled, on both
// topics, and fails on an inconsistent status or one that depends on the order.
func checkStreams(t *testing.T, pool []story.Story, m *topic.Matcher, as map[string]*Assessor, seed uint64, n int) {
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	now := time.Date(2024, 5, 20, 12, 0, 0, 0, time.UTC)
	stream := randomStream(rng, pool, m, now, n)
	shuffled := append([]story.Story(nil), stream...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for id, a := range as {
		st := a.Assess(stream, now, DefaultWindow)
		if err := consistency(a, st, stream); err != nil {
			t.Errorf("seed %d topic %s: %v", seed, id, err)
		}
		if diff := cmp.Diff(st, a.Assess(shuffled, now, DefaultWindow)); diff != "" {
			t.Errorf("seed %d topic %s: the status depends on the stories' order (-given +shuffled):\n%s", seed, id, diff)
		}
	}
}

func assessors(t testing.TB, m *topic.Matcher) map[string]*Assessor {
	t.Helper()
	as := make(map[string]*Assessor)
	for _, id := range []string{"ceasefire", "ukraine-peace"} {
		cfg, ok := m.Get(id)
		if !ok {
			t.Fatalf("topic %s not configured", id)
		}
		a, err := NewAssessor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		as[id] = a
	}
	return as
}

// TestStatusConsistentRandomStreams checks the consistency property and order independence on
// 600 random streams of authored headlines (TestUnconfirmedNeverLatest is the direct case).
func TestStatusConsistentRandomStreams(t *testing.T) {
	t.Parallel()
	pool, m := headlinePool(t)
	as := assessors(t, m)
	for seed := range uint64(600) {
		checkStreams(t, pool, m, as, seed, 5+int(seed%60))
	}
}

// FuzzStatusConsistent is the same property over fuzzed seeds and stream sizes.
func FuzzStatusConsistent(f *testing.F) {
	f.Add(uint64(1), uint8(10))
	f.Add(uint64(42), uint8(80))
	pool, m := headlinePool(f)
	as := assessors(f, m) // safe for concurrent use, and reused as /status reuses them
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		checkStreams(t, pool, m, as, seed, int(n))
	})
}

// TestUnconfirmedNeverLatest: a headline the model reads as a development the cues do not
// read counts towards the state but is never quoted as its latest development.
func TestUnconfirmedNeverLatest(t *testing.T) {
	t.Parallel()
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatal(err)
	}
	a := assessors(t, m)["ceasefire"]
	now := time.Date(2023, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, headline string
	}{
		{"cues read another kind", "Gaza conflict: fighting goes on as ceasefire falters"},
		{"cues read nothing", "Western leaders look to Qatar to get their citizens home from Gaza"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := story.Story{ID: "x", Source: "apnews.com", Title: tc.headline, Link: "https://apnews.com/x", Published: now.Add(-time.Hour)}
			s.Topics = m.Tags(s)
			if sr := a.read(&s); !sr.ok || sr.main.Confirmed {
				t.Fatalf("%q reads %+v: want an unconfirmed reading (the case this test is for)", tc.headline, sr.main)
			}
			st := a.Assess([]story.Story{s}, now, DefaultWindow)
			if st.Latest.Headline != "" {
				t.Errorf("latest %q shown from an unconfirmed reading", st.Latest.Headline)
			}
			if err := consistency(a, st, []story.Story{s}); err != nil {
				t.Error(err)
			}
		})
	}
}
