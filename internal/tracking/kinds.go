package tracking

import "github.com/heraldbot/herald/internal/topic"

// Fine kinds are what a headline reports, as the hand labels name them (see
// testdata/realnews_guidelines.md): finer than the topic kinds the state machine steps through,
// because "one side accepts a proposal" and "a deal is announced" read alike but mean different
// states.
const (
	fineTalks     = "talks"
	fineProposal  = "proposal"
	fineStalled   = "stalled"
	fineRejected  = "rejected"
	fineAgreement = "agreement"
	fineBegan     = "began"
	fineHolding   = "holding"
	fineViolation = "violation"
	fineEnded     = "ended"
	fineRelease   = "release"
	fineNone      = "none"
)

// fineKinds lists every fine kind in a fixed order (the model's class order when trained).
func fineKinds() []string {
	return []string{fineTalks, fineProposal, fineStalled, fineRejected, fineAgreement, fineBegan,
		fineHolding, fineViolation, fineEnded, fineRelease, fineNone}
}

// coarseOf maps a fine kind to the topic kind it implies for the state, "" for none: a
// violation alleged is evidence a ceasefire is in effect; a release is evidence of a mediated
// process (hostages were released without a truce in October 2023), which keeps an
// agreement or a ceasefire in effect when there is one (see step).
func coarseOf(fine string) string {
	switch fine {
	case fineTalks, fineProposal, fineRelease:
		return topic.KindTalks
	case fineStalled, fineRejected:
		return topic.KindNoDeal
	case fineAgreement:
		return topic.KindAgreement
	case fineBegan, fineHolding, fineViolation:
		return topic.KindInEffect
	case fineEnded:
		return topic.KindCollapsed
	}
	return ""
}

// fineOfCoarse is the fine kind a cue reading of a topic kind stands for, when the topic reads
// by cues alone.
func fineOfCoarse(kind string) string {
	switch kind {
	case topic.KindTalks:
		return fineTalks
	case topic.KindNoDeal:
		return fineStalled
	case topic.KindAgreement:
		return fineAgreement
	case topic.KindInEffect:
		return fineHolding
	case topic.KindCollapsed:
		return fineEnded
	}
	return fineNone
}
