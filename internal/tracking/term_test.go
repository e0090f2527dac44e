package tracking

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/topic"
)

func TestTruceTerm(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		name, title string
		length      time.Duration
		extended    bool
	}{
		{"spelled days", "Russia's three-day ceasefire begins", 3 * day, false},
		{"hours in digits", "Putin orders 36-hour ceasefire over Orthodox Christmas", 36 * time.Hour, false},
		{"a name between", "Three-day Victory Day ceasefire takes effect", 3 * day, false},
		{"a pause", "Four-day humanitarian pause in Gaza begins", 4 * day, false},
		{"a week", "Sudan's one-week ceasefire takes effect", 7 * day, false},
		{"extended by", "Gaza truce extended by two days", 2 * day, true},
		{"an extension", "Israel and Hamas agree two-day extension of truce", 2 * day, true},
		{"paused for", "Israel and Hamas agree to pause fighting for four days, a truce", 4 * day, false},
		{"an extension of unknown length", "Gaza truce extended, Qatar says", 0, true},
		{"the fighting's length", "Israel and militants agree to cease-fire after five days of fighting", 0, false},
		{"the fighting's length, truce after", "After five days of clashes, truce holds", 0, false},
		{"too long to run out on its own", "Israel and Hamas agree six-week ceasefire", 0, false},
		{"too short: a daily pause", "Israel agrees to daily four-hour pauses", 0, false},
		{"no length", "Gaza ceasefire takes effect", 0, false},
		{"a length of something else", "Ceasefire holds 24 hours after deal", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			length, extended := truceTerm(topic.Tokenize(tc.title))
			if diff := cmp.Diff([2]any{tc.length, tc.extended}, [2]any{length, extended}); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tc.title, diff)
			}
		})
	}
}

func TestLocalPause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, title string
		want        bool
	}{
		{"hours in words", "Israel to begin four-hour pauses in northern Gaza", true},
		{"hours in digits", "Army agrees to 4-hour daily pauses for civilians to flee", true},
		{"a word between daily and pause is not read", "Daily humanitarian pause along the coastal road", false},
		{"daily before pauses", "Israel announces daily pauses in the south", true},
		{"a tactical pause", "Army declares a tactical pause on one road", true},
		{"a day-long truce is a truce", "Four-day humanitarian pause in Gaza begins", false},
		{"36 hours is a truce", "Putin orders 36-hour ceasefire over Orthodox Christmas", false},
		{"hours of something else", "Truce holds 10 hours after deal", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := localPause(topic.Tokenize(tc.title)); got != tc.want {
				t.Errorf("localPause(%q) = %v, want %v", tc.title, got, tc.want)
			}
		})
	}
}

func FuzzTruceTerm(f *testing.F) {
	for _, s := range []string{"three-day ceasefire", "extended by 48 hours", "999 days truce", "for 7 weeks truce", "12-hour pause"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		length, _ := truceTerm(topic.Tokenize(title))
		if length != 0 && (length < minTerm || length > maxTerm) {
			t.Errorf("%q: length %v outside [%v, %v]", title, length, minTerm, maxTerm)
		}
	})
}

func TestTermText(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{72 * time.Hour: "three-day", 36 * time.Hour: "36-hour", 7 * 24 * time.Hour: "seven-day"} {
		if got := termText(d); got != want {
			t.Errorf("termText(%v) = %q, want %q", d, got, want)
		}
	}
}

// termAt is a plain report of a fine kind stating a truce's length.
func termAt(h float64, outlet, fine string, length time.Duration, extends bool) observation {
	o := fineAt(h, outlet, fine)
	o.rd.Lasts, o.rd.Extends = length, extends
	return o
}

// TestInferTruceTerm checks that a short truce of stated length runs out once its term and
// the grace have passed with no report since that it holds, and not otherwise.
func TestInferTruceTerm(t *testing.T) {
	t.Parallel()
	three := 72 * time.Hour
	began := termAt(0, "a", fineBegan, three, false)
	tests := []struct {
		name string
		obs  []observation
		now  float64 // hours after t0
		want string
	}{
		{"within its term", []observation{began}, 70, topic.KindInEffect},
		{"within the grace", []observation{began}, 95, topic.KindInEffect},
		{"run out", []observation{began}, 97, topic.KindCollapsed},
		{"no stated length never runs out", []observation{fineAt(0, "a", fineBegan)}, 500, topic.KindInEffect},
		{"the agreement's length counts from the start", []observation{termAt(0, "a", fineAgreement, three, false),
			fineAt(48, "b", fineBegan)}, 48 + 95, topic.KindInEffect},
		{"the agreement's length, run out", []observation{termAt(0, "a", fineAgreement, three, false),
			fineAt(48, "b", fineBegan)}, 48 + 97, topic.KindCollapsed},
		{"reported holding after its term", []observation{began, fineAt(80, "b", fineHolding)}, 500, topic.KindInEffect},
		{"reported holding within its term only", []observation{began, fineAt(40, "b", fineHolding)}, 97, topic.KindCollapsed},
		{"extended by a stated length", []observation{began, termAt(60, "b", fineHolding, 48*time.Hour, true)}, 72 + 48 + 23, topic.KindInEffect},
		{"extension run out", []observation{began, termAt(60, "b", fineHolding, 48*time.Hour, true)}, 72 + 48 + 25, topic.KindCollapsed},
		{"extended for an unknown length", []observation{began, termAt(60, "b", fineHolding, 0, true)}, 500, topic.KindInEffect},
		{"talks after it ran out", []observation{began, obsAt(150, "b", topic.KindTalks, 1, true)}, 151, topic.KindTalks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := t0.Add(time.Duration(tc.now * float64(time.Hour)))
			if got := infer(buildClusters(tc.obs), now).state; got != tc.want {
				t.Errorf("state %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAssessTruceRanOut checks what a status says of a short truce that ran out: the label,
// a sentence that claims no fighting and names the term, a timeline that ends in the expiry,
// and no latest development (its reports say the truce began).
func TestAssessTruceRanOut(t *testing.T) {
	cfg := cueTopic(t)
	tests := []struct {
		name     string
		rs       []report
		sentence string
		ends     float64 // hours after t0
	}{
		{"its term", []report{
			{h: 0, outlet: "a", title: "Israel and Hamas agree Gaza ceasefire deal"},
			{h: 20, outlet: "b", title: "Three-day Gaza truce takes effect"},
		}, "The three-day Gaza truce reported on 11 Jan has run its term", 20 + 72},
		{"an extended term", []report{
			{h: 0, outlet: "a", title: "Israel and Hamas agree Gaza ceasefire deal"},
			{h: 20, outlet: "b", title: "Three-day Gaza truce takes effect"},
			{h: 80, outlet: "c", title: "Gaza truce extended by two days"},
		}, "The three-day (extended) Gaza truce reported on 11 Jan has run its term", 20 + 72 + 48},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ss := stories(tc.rs)
			st := Assess(cfg, ss, t0.Add(300*time.Hour), 0)
			if st.Label != LabelCollapsed {
				t.Fatalf("label %q, want %q (%s)", st.Label, LabelCollapsed, st.Sentence)
			}
			if !strings.HasPrefix(st.Sentence, tc.sentence) {
				t.Errorf("sentence %q, want it to open %q", st.Sentence, tc.sentence)
			}
			if st.Latest.Headline != "" {
				t.Errorf("latest %q, want none", st.Latest.Headline)
			}
			last := st.Timeline[len(st.Timeline)-1]
			if last.Label != LabelCollapsed || !last.Time.Equal(t0.Add(time.Duration(tc.ends)*time.Hour)) ||
				!strings.Contains(last.Headline, ss[1].Title) {
				t.Errorf("last change %+v, want the expiry at the end of the term, quoting the truce's report", last)
			}
			a, err := NewAssessor(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := consistency(a, st, ss); err != nil {
				t.Error(err)
			}
		})
	}
}
