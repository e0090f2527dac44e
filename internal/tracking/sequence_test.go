package tracking

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

var t0 = time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)

// report is one test story: hours after t0, outlet, headline, optional summary.
type report struct {
	h             float64
	outlet, title string
	summary       string
	untagged      bool
}

func stories(rs []report) []story.Story {
	out := make([]story.Story, 0, len(rs))
	for i, r := range rs {
		s := story.Story{
			ID:        story.NewID("feed://"+r.outlet, fmt.Sprint(i)),
			Source:    r.outlet,
			Title:     r.title,
			Summary:   r.summary,
			Link:      fmt.Sprintf("https://%s.example/%d", r.outlet, i),
			Published: t0.Add(time.Duration(r.h * float64(time.Hour))),
		}
		if !r.untagged {
			s.Topics = []string{"ceasefire"}
		}
		out = append(out, s)
	}
	return out
}

// TestAssessSequence checks that the state comes from the sequence of developments, not
// from the newest headline alone.
func TestAssessSequence(t *testing.T) {
	cfg := cueTopic(t)
	tests := []struct {
		name string
		rs   []report
		now  float64 // hours after t0
		want Label
	}{
		{"nothing", nil, 0, LabelNoNews},
		{"only untagged neighbours", []report{{h: 1, outlet: "a", title: "Israel and Hezbollah agree Lebanon ceasefire", untagged: true}}, 2, LabelNoNews},
		{"outside the window", []report{{h: -24 * 20, outlet: "a", title: "Gaza ceasefire takes effect"}}, 0, LabelNoNews},
		{"future stories ignored", []report{{h: 5, outlet: "a", title: "Gaza ceasefire takes effect"}}, 1, LabelNoNews},
		{"talks", []report{{h: 0, outlet: "a", title: "Gaza truce talks resume in Doha"}}, 1, LabelTalks},
		{"agreement then effect", []report{
			{h: 0, outlet: "a", title: "Israel and Hamas agree Gaza ceasefire deal"},
			{h: 40, outlet: "b", title: "Gaza ceasefire takes effect"},
		}, 41, LabelInEffect},
		{"effect then talks on phase two keep it in effect", []report{
			{h: 0, outlet: "a", title: "Gaza ceasefire takes effect"},
			{h: 50, outlet: "b", title: "Gaza talks on second phase stall"},
			{h: 60, outlet: "c", title: "Negotiators meet in Cairo on hostage deal"},
		}, 61, LabelInEffect},
		{"effect then collapse", []report{
			{h: 0, outlet: "a", title: "Gaza ceasefire takes effect"},
			{h: 100, outlet: "b", title: "Israel resumes strikes in Gaza, ending truce"},
		}, 101, LabelCollapsed},
		{"collapse then talks", []report{
			{h: 0, outlet: "a", title: "Gaza ceasefire collapses as Israel resumes war"},
			{h: 100, outlet: "b", title: "Gaza truce talks resume in Cairo"},
		}, 101, LabelTalks},
		{"collapse reported without a ceasefire is ignored", []report{
			{h: 0, outlet: "a", title: "Gaza truce talks resume in Doha"},
			{h: 10, outlet: "b", title: "Israel resumes strikes on Gaza"},
		}, 11, LabelTalks},
		{"denial then deal hours later", []report{
			{h: 0, outlet: "a", title: "Netanyahu's office denies deal reached with Hamas"},
			{h: 5, outlet: "b", title: "Israel and Hamas agree Gaza hostage deal"},
		}, 6, LabelAgreement},
		{"deal then one outlet's denial", []report{
			{h: 0, outlet: "a", title: "Israel and Hamas agree Gaza hostage deal"},
			{h: 0.5, outlet: "b", title: "Gaza ceasefire deal reached, Qatar announces"},
			{h: 5, outlet: "c", title: "Israel denies deal finalised with Hamas"},
		}, 6, LabelAgreement},
		{"failed round then lower-level talks stay no agreement", []report{
			{h: 0, outlet: "a", title: "Gaza talks end without agreement"},
			{h: 3, outlet: "b", title: "Hamas statement on Gaza", summary: "Talks could continue at a lower level next week."},
		}, 4, LabelNoDeal},
		{"failed round then a new round", []report{
			{h: 0, outlet: "a", title: "Gaza talks end without agreement"},
			{h: 72, outlet: "b", title: "New round of Gaza truce talks opens in Doha"},
		}, 73, LabelTalks},
		{"hedged collapse keeps it in effect", []report{
			{h: 0, outlet: "a", title: "Gaza ceasefire takes effect"},
			{h: 30, outlet: "b", title: "Gaza ceasefire could collapse, mediators warn"},
		}, 31, LabelInEffect},
		{"hours-long pauses for civilians are no ceasefire", []report{
			{h: 0, outlet: "a", title: "Hostage talks in Doha make progress, Qatar says"},
			{h: 20, outlet: "b", title: "Israel to start four-hour humanitarian pauses in northern Gaza"},
			{h: 30, outlet: "c", title: "Four-hour humanitarian pause takes effect in northern Gaza"},
		}, 31, LabelTalks},
		{"question does not make a deal", []report{
			{h: 0, outlet: "a", title: "Is a Gaza ceasefire deal finally near?"},
		}, 1, LabelTalks},
		{"window opens mid-story: background sets the scene", []report{
			{h: 0, outlet: "a", title: "Hamas fighters regroup in Gaza weeks after the truce collapsed"},
		}, 1, LabelCollapsed},
		{"on topic but no development", []report{
			{h: 0, outlet: "a", title: "Hostage families meet Gaza negotiators"},
		}, 1, LabelTalks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := t0.Add(time.Duration(tc.now * float64(time.Hour)))
			st := Assess(cfg, stories(tc.rs), now, 0)
			if st.Label != tc.want {
				t.Errorf("label %q, want %q (sentence %q, latest %+v)", st.Label, tc.want, st.Sentence, st.Latest)
			}
			if st.Label != LabelNoNews && (len(st.Evidence) == 0 || len(st.Evidence[0].Stories) == 0) {
				t.Errorf("label %q has no evidence", st.Label)
			}
		})
	}
}

// TestAssessDetails checks the parts of a status beyond the label.
func TestAssessDetails(t *testing.T) {
	cfg := cueTopic(t)
	rs := []report{
		{h: 0, outlet: "a", title: "Gaza truce talks resume in Doha"},
		{h: 50, outlet: "b", title: "Gaza talks end without agreement"},
		{h: 100, outlet: "a", title: "New round of Gaza truce talks opens in Cairo"},
		{h: 150, outlet: "c", title: "Israel and Hamas agree Gaza ceasefire deal"},
		{h: 151, outlet: "a", title: "Gaza ceasefire deal reached, Qatar announces"},
		{h: 200, outlet: "b", title: "Gaza ceasefire takes effect"},
		{h: 250, outlet: "c", title: "Gaza ceasefire collapses as Israel resumes war"},
		{h: 260, outlet: "d", title: "Stocks rally", untagged: true},
	}
	ss := stories(rs)
	now := t0.Add(300 * time.Hour)
	st := Assess(cfg, ss, now, 0)
	var kinds []string
	for _, d := range st.Timeline {
		kinds = append(kinds, d.Kind)
	}
	want := []string{topic.KindNoDeal, topic.KindTalks, topic.KindAgreement, topic.KindInEffect, topic.KindCollapsed}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if st.Reports != 7 || st.Outlets != 3 {
		t.Errorf("reports %d outlets %d, want 7 and 3", st.Reports, st.Outlets)
	}
	if st.Latest.Headline != rs[6].title || st.Latest.Link != ss[6].Link || !st.Latest.Time.Equal(ss[6].Published) {
		t.Errorf("latest %+v, want the collapse report", st.Latest)
	}
	agreement := st.Timeline[2]
	if diff := cmp.Diff([]string{ss[3].ID, ss[4].ID}, agreement.Stories); diff != "" {
		t.Errorf("agreement stories (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c", "a"}, agreement.Outlets); diff != "" {
		t.Errorf("agreement outlets (-want +got):\n%s", diff)
	}
	if len(st.Evidence) != 1 || st.Evidence[0].Stories[0] != ss[6].ID {
		t.Errorf("evidence %+v, want the collapse report", st.Evidence)
	}
	if !st.AsOf.Equal(now) {
		t.Errorf("as of %v, want %v", st.AsOf, now)
	}
}

// obsAt is one synthetic observation for the state-machine tests: hours after t0, outlet,
// kind, weight, and whether the cues read it so too.
func obsAt(h float64, outlet, kind string, w float64, confirmed bool) observation {
	s := &story.Story{ID: fmt.Sprintf("%s-%v-%s", outlet, h, kind), Source: outlet, Title: kind + " report"}
	at := t0.Add(time.Duration(h * float64(time.Hour)))
	return observation{s: s, at: at, rd: reading{Kind: kind, Fine: fineOfCoarse(kind), Weight: w, Confirmed: confirmed}}
}

// fineAt is a plain report of a fine kind, as a model reads it.
func fineAt(h float64, outlet, fine string) observation {
	o := obsAt(h, outlet, coarseOf(fine), 1, true)
	o.rd.Fine = fine
	return o
}

// thinFineAt is one outlet's report of a fine kind read below a plain headline's weight,
// whose cue phrase names the kind or not (reading.Named).
func thinFineAt(h float64, outlet, fine string, named bool) observation {
	o := fineAt(h, outlet, fine)
	o.rd.Weight, o.rd.Named = 0.6, named
	return o
}

// TestInferRecencyAndStrength checks the rules of weight: one weak reading does not move a
// state, a corroborated collapse stands without a truce before it, thin talks after a
// rejection add up to reopen the talks, and a failure after a collapse keeps the collapse.
func TestInferRecencyAndStrength(t *testing.T) {
	t.Parallel()
	talks := obsAt(0, "a", topic.KindTalks, 1, true)
	tests := []struct {
		name string
		obs  []observation
		want string
	}{
		{"one outlet, model alone, unsure: no move", []observation{talks, obsAt(48, "b", topic.KindNoDeal, 0.7, false)}, topic.KindTalks},
		{"one outlet, cues agree: moves", []observation{talks, obsAt(48, "b", topic.KindNoDeal, 0.7, true)}, topic.KindNoDeal},
		{"two outlets, model alone: moves", []observation{talks, obsAt(48, "b", topic.KindNoDeal, 0.4, false),
			obsAt(50, "c", topic.KindNoDeal, 0.4, false)}, topic.KindNoDeal},
		{"collapse from talks, one outlet: no", []observation{talks, obsAt(48, "b", topic.KindCollapsed, 1, true)}, topic.KindTalks},
		{"collapse from talks, two outlets: yes", []observation{talks, obsAt(48, "b", topic.KindCollapsed, 0.6, true),
			obsAt(49, "c", topic.KindCollapsed, 0.6, true)}, topic.KindCollapsed},
		{"thin talks after a rejection add up", []observation{obsAt(0, "a", topic.KindNoDeal, 1, true),
			obsAt(60, "b", topic.KindTalks, 0.6, true), obsAt(120, "c", topic.KindTalks, 0.6, true)}, topic.KindTalks},
		{"one thin talks report after a rejection: no", []observation{obsAt(0, "a", topic.KindNoDeal, 1, true),
			obsAt(60, "b", topic.KindTalks, 0.6, true)}, topic.KindNoDeal},
		{"talks failing after a collapse keep it", []observation{obsAt(0, "a", topic.KindInEffect, 1, true),
			obsAt(48, "a", topic.KindCollapsed, 1, true), obsAt(60, "b", topic.KindNoDeal, 1, true)}, topic.KindCollapsed},
		{"talks right after a collapse, one outlet: no", []observation{obsAt(0, "a", topic.KindInEffect, 1, true),
			obsAt(48, "a", topic.KindCollapsed, 1, true), obsAt(60, "b", topic.KindTalks, 1, true)}, topic.KindCollapsed},
		{"talks days after a collapse, one outlet: yes", []observation{obsAt(0, "a", topic.KindInEffect, 1, true),
			obsAt(48, "a", topic.KindCollapsed, 1, true), obsAt(110, "b", topic.KindTalks, 1, true)}, topic.KindTalks},
		{"a ceasefire one side just rejected is not in effect", []observation{fineAt(0, "a", fineRejected),
			fineAt(10, "b", fineBegan), fineAt(11, "c", fineBegan)}, topic.KindNoDeal},
		{"a ceasefire beginning days after a rejection is", []observation{fineAt(0, "a", fineRejected),
			fineAt(100, "b", fineBegan), fineAt(101, "c", fineBegan)}, topic.KindInEffect},
		{"the end of a ceasefire one side rejected is no collapse", []observation{fineAt(0, "a", fineRejected),
			fineAt(10, "b", fineBegan), fineAt(11, "c", fineBegan), fineAt(40, "b", fineEnded), fineAt(41, "c", fineEnded)}, topic.KindNoDeal},
		{"the end of a ceasefire begun days after a rejection is", []observation{fineAt(0, "a", fineRejected),
			fineAt(100, "b", fineBegan), fineAt(101, "c", fineBegan), fineAt(140, "b", fineEnded), fineAt(141, "c", fineEnded)}, topic.KindCollapsed},
		{"a stall is no rejection", []observation{fineAt(0, "a", fineStalled),
			fineAt(10, "b", fineBegan), fineAt(11, "c", fineBegan)}, topic.KindInEffect},
		{"breaches after the end are about the old truce", []observation{fineAt(0, "a", fineBegan),
			fineAt(40, "a", fineEnded), fineAt(42, "b", fineViolation), fineAt(43, "c", fineViolation)}, topic.KindCollapsed},
		{"a truce reported holding after its end was reported is in effect", []observation{fineAt(0, "a", fineBegan),
			fineAt(40, "a", fineEnded), fineAt(42, "b", fineHolding), fineAt(43, "c", fineHolding)}, topic.KindInEffect},
		{"a new truce beginning after the end is in effect", []observation{fineAt(0, "a", fineBegan),
			fineAt(40, "a", fineEnded), fineAt(90, "b", fineBegan), fineAt(91, "c", fineBegan)}, topic.KindInEffect},
		{"after talks, one outlet's thin report implying a truce: no", []observation{talks,
			thinFineAt(48, "b", fineHolding, false)}, topic.KindTalks},
		{"after talks, one outlet's thin report saying the truce holds: in effect", []observation{talks,
			thinFineAt(48, "b", fineHolding, true)}, topic.KindInEffect},
		{"after talks, a thin report naming a violation: no", []observation{talks,
			thinFineAt(48, "b", fineViolation, true)}, topic.KindTalks},
		{"a quiet ceasefire and one outlet's talks: still in effect", []observation{obsAt(0, "a", topic.KindInEffect, 1, true),
			obsAt(200, "b", topic.KindTalks, 1, true)}, topic.KindInEffect},
		{"a quiet ceasefire and corroborated talks: talks", []observation{obsAt(0, "a", topic.KindInEffect, 1, true),
			obsAt(200, "b", topic.KindTalks, 1, true), obsAt(201, "c", topic.KindTalks, 1, true)}, topic.KindTalks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := infer(buildClusters(tc.obs), t0.Add(1000*time.Hour)).state; got != tc.want {
				t.Errorf("state %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNoDealSentenceQuotesTheTalks checks that a No agreement sentence quotes a summary's
// sentence saying the talks go on, and not one where something else "will continue".
func TestNoDealSentenceQuotesTheTalks(t *testing.T) {
	cfg := cueTopic(t)
	tests := []struct {
		name, summary, want string
	}{
		{"the talks go on", "Mediators said talks will continue next week.", "mediators said talks will continue next week"},
		{"something else goes on", "Trade between the two countries will continue to grow.", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Assess(cfg, stories([]report{{h: 0, outlet: "a", title: "Gaza talks end without agreement", summary: tc.summary}}),
				t0.Add(time.Hour), 0)
			lead := cfg.Status.Sentences[topic.KindNoDeal]
			got := strings.TrimPrefix(strings.TrimPrefix(st.Sentence, lead), "; ")
			if tc.want == "" && strings.Contains(st.Sentence, "will continue") || tc.want != "" && !strings.HasPrefix(got, tc.want) {
				t.Errorf("sentence %q, want it to quote %q", st.Sentence, tc.want)
			}
		})
	}
}
