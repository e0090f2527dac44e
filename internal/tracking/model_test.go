package tracking

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/story"
)

// TestModelShapes checks that a malformed model is refused at load, not at the first story.
func TestModelShapes(t *testing.T) {
	tests := []struct {
		name string
		m    model
		ok   bool
	}{
		{"good", model{Classes: []string{"a", "b"}, Features: []string{"f"}, Weights: [][]float64{{1, 2}}, Bias: []float64{0, 0}}, true},
		{"no classes", model{}, false},
		{"bias short", model{Classes: []string{"a", "b"}, Bias: []float64{0}}, false},
		{"row short", model{Classes: []string{"a", "b"}, Features: []string{"f"}, Weights: [][]float64{{1}}, Bias: []float64{0, 0}}, false},
		{"rows missing", model{Classes: []string{"a"}, Features: []string{"f", "g"}, Weights: [][]float64{{1}}, Bias: []float64{0}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.m.init(); (err == nil) != tc.ok {
				t.Errorf("init() = %v, want ok %v", err, tc.ok)
			}
		})
	}
	if _, err := loadModel("no-such-model"); err == nil {
		t.Error("loadModel of an unknown name succeeded")
	}
}

// TestEmbeddedModel checks the shipped model: its classes are the fine kinds and its
// probabilities are a distribution.
func TestEmbeddedModel(t *testing.T) {
	m, err := loadModel(modelName)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fineKinds(), m.Classes); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	p := m.predict([]string{"w:ceasefire", "w:talks", "no-such-feature"})
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("probabilities sum to %v", sum)
	}
}

// TestDecide checks how the model's probabilities and the cues' reading combine.
func TestDecide(t *testing.T) {
	m := &model{Classes: fineKinds(), Decide: thresholds{Veto: 0.9, Switch: 0.8, Add: 0.5, CueFloor: 0.4}}
	probs := func(kind string, p float64) []float64 {
		out := make([]float64, len(m.Classes))
		rest := (1 - p) / float64(len(out)-1)
		for i, c := range m.Classes {
			out[i] = rest
			if c == kind {
				out[i] = p
			}
		}
		return out
	}
	tests := []struct {
		name      string
		probs     []float64
		cue, want string
		named     bool // the cue's phrase names its fine kind (cueRead.Named)
	}{
		{"model sure it is nothing vetoes the cue", probs(fineNone, 0.95), fineAgreement, fineNone, false},
		{"model unsure it is nothing leaves the cue", probs(fineNone, 0.6), fineAgreement, fineAgreement, false},
		{"model sure of another kind switches", probs(fineStalled, 0.85), fineTalks, fineStalled, false},
		{"model unsure of another kind keeps the cue", probs(fineStalled, 0.5), fineTalks, fineTalks, false},
		{"same state kind is agreement", probs(fineProposal, 0.7), fineTalks, fineProposal, false},
		{"model adds what the cues missed when sure", probs(fineBegan, 0.6), fineNone, fineBegan, false},
		{"model does not add when unsure", probs(fineBegan, 0.4), fineNone, fineNone, false},
		{"a named cue names the finer kind", probs(fineHolding, 0.7), fineViolation, fineViolation, true},
		{"a named holding outranks the model's violation", probs(fineViolation, 0.7), fineHolding, fineHolding, true},
		{"an unnamed cue leaves the model's finer kind", probs(fineViolation, 0.7), fineHolding, fineViolation, false},
		{"a named rejection is a rejection", probs(fineStalled, 0.7), fineRejected, fineRejected, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, p := m.decide(tc.probs, cueRead{Fine: tc.cue, Named: tc.named})
			if got != tc.want {
				t.Errorf("decide = %s, want %s", got, tc.want)
			}
			if p < 0 || p > 1 {
				t.Errorf("weight %v outside [0, 1]", p)
			}
		})
	}
}

// TestHeadlineFeatures checks the features that carry form and modality.
func TestHeadlineFeatures(t *testing.T) {
	r := newTestReader(t)
	r.plain = r
	tests := []struct {
		name, title string
		want        []string
	}{
		{"question", "Is a Gaza ceasefire near?", []string{"x:question", "x:form", "first:is"}},
		{"explainer prefix", "Analysis: why the truce ended", []string{"pre:analysis", "x:form"}},
		{"live page", "Israel-Hamas war live: talks resume", []string{"pre:live", "x:form"}},
		{"modality", "UN urges Gaza ceasefire", []string{"x:modal"}},
		{"subordinate clause", "Strikes kill 40 as ceasefire talks begin", []string{"x:sub:as", "s:talks", "w:<num>"}},
		{"negation in the main clause", "Hamas denies truce deal", []string{"x:neg", "x:neg:main"}},
		{"stems", "Truce holding", []string{"st:hold"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := r.headlineFeatures(tc.title)
			for _, f := range tc.want {
				if !slices.Contains(got, f) {
					t.Errorf("features of %q lack %q: %v", tc.title, f, got)
				}
			}
		})
	}
}

// TestStatusOwnsUpToItsEvidence checks the sentence when the evidence is thin, conflicting or
// absent, with the shipped reader.
func TestStatusOwnsUpToItsEvidence(t *testing.T) {
	cfg := ceasefireTopic(t)
	tests := []struct {
		name     string
		rs       []report
		contains []string
		latest   bool
	}{
		{"only calls and commentary", []report{
			{h: 0, outlet: "a", title: "UN chief urges immediate Gaza ceasefire"},
			{h: 1, outlet: "b", title: "Analysis: what a Gaza truce would mean"},
		}, []string{"No new development", "2 reports from 2 outlets"}, false},
		{"reports since disagree", []report{
			{h: 0, outlet: "a", title: "Israel and Hamas agree Gaza ceasefire deal"},
			{h: 0.5, outlet: "b", title: "Gaza ceasefire deal reached, Qatar announces"},
			{h: 5, outlet: "c", title: "Gaza ceasefire talks collapse without agreement"},
			{h: 6, outlet: "d", title: "Gaza truce talks end without deal, officials say"},
		}, []string{"Reports since disagree"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Assess(cfg, stories(tc.rs), t0.Add(10*time.Hour), 0)
			for _, s := range tc.contains {
				if !strings.Contains(st.Sentence, s) {
					t.Errorf("sentence %q lacks %q (label %q)", st.Sentence, s, st.Label)
				}
			}
			if (st.Latest.Headline != "") != tc.latest {
				t.Errorf("latest %q, want shown %v", st.Latest.Headline, tc.latest)
			}
			if st.Latest.Headline != "" && st.Latest.Label != st.Label {
				t.Errorf("latest development reads %q, label %q", st.Latest.Label, st.Label)
			}
		})
	}
}

// TestHeadlineNamesTopic checks that a story matched on its summary alone reports no
// development when its headline is about something else: the headline's deal is not the topic's,
// whether the model or the cues alone read it.
func TestHeadlineNamesTopic(t *testing.T) {
	t.Parallel()
	cues, err := newReader(cueTopic(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, summary string
		want                 bool
	}{
		{"another deal under a summary that names the topic",
			"Ministers sign the trade deal after months of talks",
			"The prime minister also met Netanyahu, who faces protests over the hostages.", false},
		{"the headline names the topic", "Israel and Hamas sign the truce deal in Cairo", "", true},
		{"a weak name counts", "Netanyahu's cabinet approves the deal to free hostages", "", true},
	}
	for _, rd := range []struct {
		name string
		r    *reader
	}{{"model", newTestReader(t)}, {"cues", cues}} {
		for _, tc := range tests {
			t.Run(rd.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				if sr := rd.r.readStory(story.Story{Title: tc.title, Summary: tc.summary}); sr.ok != tc.want {
					t.Errorf("readStory(%q) ok = %v (%+v), want %v", tc.title, sr.ok, sr.main, tc.want)
				}
			})
		}
	}
}

// FuzzReadWithModel checks that no headline or summary makes the model reader panic or
// return a weight outside [0, 1].
func FuzzReadWithModel(f *testing.F) {
	for _, s := range []string{"Gaza truce holds", "Is a ceasefire near?", "", "::: | ?", "Analysis: \u00a0 live"} {
		f.Add(s, s)
	}
	r, err := newReader(ceasefireTopic(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, summary string) {
		sr := r.readStory(story.Story{Title: title, Summary: summary})
		if sr.ok && (sr.main.Weight < 0 || sr.main.Weight > 1 || sr.main.Kind == "") {
			t.Errorf("reading %+v", sr.main)
		}
	})
}
